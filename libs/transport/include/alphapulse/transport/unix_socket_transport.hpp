#pragma once
// Transport over a Unix stream socket to a relay (the embedded default).
// The stream logic (buffering, framing, recovery of unsent frames) is
// StreamTransport's; this only connects to the socket path.
#include <string>

#include "alphapulse/transport/stream_transport.hpp"

namespace alphapulse::transport {

class UnixSocketTransport final : public StreamTransport {
public:
    struct Options {
        std::string path;
        std::size_t sendBufferBytes = 4 << 20;    ///< bound on frames taken but not yet written
        std::size_t receiveBufferBytes = 1 << 20; ///< read buffer (many frames per read)
        std::uint32_t maxPayload = wire::header::DEFAULT_MAX_PAYLOAD;
        int socketBufferBytes = 4 << 20;          ///< SO_SNDBUF/SO_RCVBUF (the kernel's share of in-flight data)
        WriteMode writeMode = WriteMode::Batched; ///< docs/design/client-batching.md
        BatchingOptions batching{};
    };

    explicit UnixSocketTransport(Options options);
    ~UnixSocketTransport() override;
    UnixSocketTransport(const UnixSocketTransport&) = delete;
    UnixSocketTransport& operator=(const UnixSocketTransport&) = delete;

    [[nodiscard]] std::string describe() const override { return "unix:" + m_path; }

protected:
    int openSocket(std::string& why) override;

private:
    std::string m_path;
};

} // namespace alphapulse::transport
