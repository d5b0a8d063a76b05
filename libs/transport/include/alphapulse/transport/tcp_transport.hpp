#pragma once
// Transport over TCP to a relay on another machine (or this one): the same
// frames, framing and semantics as UnixSocketTransport (StreamTransport),
// with TCP_NODELAY and a bounded connect. BusClient reconnects it.
#include <cstdint>
#include <string>

#include "alphapulse/transport/stream_transport.hpp"

namespace alphapulse::transport {

class TcpTransport final : public StreamTransport {
public:
    struct Options {
        std::string host = "127.0.0.1";
        std::uint16_t port = 0;
        int connectTimeoutMs = 1000;              ///< longest a connect() waits (an unreachable host)
        std::size_t sendBufferBytes = 4 << 20;    ///< bound on frames taken but not yet written
        std::size_t receiveBufferBytes = 1 << 20; ///< read buffer (many frames per read)
        std::uint32_t maxPayload = wire::header::DEFAULT_MAX_PAYLOAD;
        int socketBufferBytes = 4 << 20;          ///< SO_SNDBUF/SO_RCVBUF
        WriteMode writeMode = WriteMode::Batched; ///< docs/design/client-batching.md
        BatchingOptions batching{};
    };

    explicit TcpTransport(Options options);
    ~TcpTransport() override;
    TcpTransport(const TcpTransport&) = delete;
    TcpTransport& operator=(const TcpTransport&) = delete;

    /// "tcp:127.0.0.1:7400"
    [[nodiscard]] std::string describe() const override;

protected:
    int openSocket(std::string& why) override;
    /// Unread bytes make a TCP close a reset that drops our unsent frames.
    [[nodiscard]] bool lingerOnClose() const noexcept override { return true; }

private:
    Options m_options;
};

} // namespace alphapulse::transport
