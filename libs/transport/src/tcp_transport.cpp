#include "alphapulse/transport/tcp_transport.hpp"

#include <cerrno>
#include <cstring>

#include "alphapulse/transport/tcp_socket.hpp"

namespace alphapulse::transport {

TcpTransport::TcpTransport(Options options)
    : StreamTransport(StreamOptions{options.sendBufferBytes, options.receiveBufferBytes, options.maxPayload,
                                    options.socketBufferBytes, options.writeMode, options.batching}),
      m_options(std::move(options)) {}

TcpTransport::~TcpTransport() { close(); } // here: the base destructor cannot reach lingerOnClose()

std::string TcpTransport::describe() const {
    const bool v6 = m_options.host.find(':') != std::string::npos;
    return "tcp:" + (v6 ? "[" + m_options.host + "]" : m_options.host) + ":" + std::to_string(m_options.port);
}

int TcpTransport::openSocket(std::string& why) {
    const int fd = connectTcp(HostPort{m_options.host, m_options.port}, m_options.connectTimeoutMs);
    if (fd < 0) why = "connect " + describe() + ": " + std::strerror(errno);
    return fd;
}

} // namespace alphapulse::transport
