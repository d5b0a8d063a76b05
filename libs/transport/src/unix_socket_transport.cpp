#include "alphapulse/transport/unix_socket_transport.hpp"

#include <cerrno>
#include <cstring>

#include "alphapulse/transport/unix_socket.hpp"

namespace alphapulse::transport {

UnixSocketTransport::UnixSocketTransport(Options options)
    : StreamTransport(StreamOptions{options.sendBufferBytes, options.receiveBufferBytes, options.maxPayload,
                                    options.socketBufferBytes, options.writeMode, options.batching}),
      m_path(std::move(options.path)) {}

UnixSocketTransport::~UnixSocketTransport() = default;

int UnixSocketTransport::openSocket(std::string& why) {
    const int fd = connectUnix(m_path);
    if (fd < 0) why = "connect " + m_path + ": " + std::strerror(errno);
    return fd;
}

} // namespace alphapulse::transport
