#pragma once
// What every stream-socket transport (Unix, TCP) shares: a byte stream to a
// relay carrying whole frames back to back.
//
// send() appends whole frames to a bounded outgoing buffer and writes as
// much as the socket takes in one syscall; what is left goes out on the next
// send(), flush() or receive(). Reads take many frames at once into a
// FrameReader and deliver them in place. A subclass only opens the socket.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "alphapulse/transport/frame_reader.hpp"
#include "alphapulse/transport/transport.hpp"

namespace alphapulse::transport {

struct StreamOptions {
    std::size_t sendBufferBytes = 4 << 20;    ///< bound on frames taken but not yet written
    std::size_t receiveBufferBytes = 1 << 20; ///< read buffer (many frames per read)
    std::uint32_t maxPayload = wire::header::DEFAULT_MAX_PAYLOAD;
    int socketBufferBytes = 4 << 20;          ///< SO_SNDBUF/SO_RCVBUF (the kernel's share of in-flight data)
};

class StreamTransport : public Transport {
public:
    ~StreamTransport() override;
    StreamTransport(const StreamTransport&) = delete;
    StreamTransport& operator=(const StreamTransport&) = delete;

    bool connect() final;
    [[nodiscard]] bool connected() const noexcept final { return m_fd >= 0; }
    SendStatus send(std::span<const std::uint8_t> frames) final;
    bool flush() final;
    [[nodiscard]] std::size_t pendingBytes() const noexcept final { return m_outTail - m_outHead; }
    int receive(FrameHandler handler, int timeoutMs) final;
    [[nodiscard]] int pollFd() const noexcept final { return m_fd; }
    void takeUnsent(std::vector<std::uint8_t>& into) final;
    bool shutdownSend() final;
    void close() noexcept final;
    [[nodiscard]] const std::string& reason() const noexcept final { return m_reason; }

protected:
    explicit StreamTransport(const StreamOptions& options);
    /// A connected, non-blocking socket, or -1 with `why` set.
    virtual int openSocket(std::string& why) = 0;
    /// Whether close() of a healthy connection ends it gracefully (TCP: see lingeringClose()).
    [[nodiscard]] virtual bool lingerOnClose() const noexcept { return false; }

private:
    static constexpr int LINGER_MS = 2000;
    void lingeringClose() noexcept;
    bool fail(std::string why);
    int deliver(FrameHandler& handler);

    int m_socketBufferBytes;
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
