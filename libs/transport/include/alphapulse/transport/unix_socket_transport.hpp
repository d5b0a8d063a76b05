#pragma once
// Transport over a Unix stream socket to a relay (the embedded default).
//
// send() appends whole frames to a bounded outgoing buffer and writes as
// much as the socket takes in one syscall; what is left goes out on the next
// send(), flush() or receive(). Reads take many frames at once into a
// FrameReader and deliver them in place.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "alphapulse/transport/frame_reader.hpp"
#include "alphapulse/transport/transport.hpp"

namespace alphapulse::transport {

class UnixSocketTransport final : public Transport {
public:
    struct Options {
        std::string path;
        std::size_t sendBufferBytes = 4 << 20;    ///< bound on frames taken but not yet written
        std::size_t receiveBufferBytes = 1 << 20; ///< read buffer (many frames per read)
        std::uint32_t maxPayload = wire::header::DEFAULT_MAX_PAYLOAD;
        int socketBufferBytes = 4 << 20;          ///< SO_SNDBUF/SO_RCVBUF (the kernel's share of in-flight data)
    };

    explicit UnixSocketTransport(Options options);
    ~UnixSocketTransport() override;
    UnixSocketTransport(const UnixSocketTransport&) = delete;
    UnixSocketTransport& operator=(const UnixSocketTransport&) = delete;

    bool connect() override;
    [[nodiscard]] bool connected() const noexcept override { return m_fd >= 0; }
    SendStatus send(std::span<const std::uint8_t> frames) override;
    bool flush() override;
    [[nodiscard]] std::size_t pendingBytes() const noexcept override { return m_outTail - m_outHead; }
    int receive(FrameHandler handler, int timeoutMs) override;
    [[nodiscard]] int pollFd() const noexcept override { return m_fd; }
    void takeUnsent(std::vector<std::uint8_t>& into) override;
    void close() noexcept override;
    [[nodiscard]] const std::string& reason() const noexcept override { return m_reason; }
    [[nodiscard]] std::string describe() const override { return "unix:" + m_options.path; }

private:
    bool fail(std::string why);
    int deliver(FrameHandler& handler);

    Options m_options;
    int m_fd = -1;
    FrameReader m_reader;
    std::vector<std::uint8_t> m_out;
    std::size_t m_outHead = 0;       ///< next byte to write
    std::size_t m_outTail = 0;       ///< end of the frames taken
    std::size_t m_outFrameStart = 0; ///< start of the first frame not completely written
    std::vector<std::uint8_t> m_unsent; ///< kept by fail() for takeUnsent()
    std::string m_reason;
};

} // namespace alphapulse::transport
