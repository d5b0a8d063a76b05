#pragma once
// What every stream-socket transport (Unix, TCP) shares: a byte stream to a
// relay carrying whole frames back to back.
//
// send() appends whole frames to a bounded outgoing ring. In
// WriteMode::Immediate it then writes as much as the socket takes in one
// syscall, and what is left goes out on the next send(), flush() or
// receive(). In WriteMode::Batched (the default) a send() on a quiet socket
// is written the same way, while sends that follow each other closely only
// copy their frames and a flusher thread writes what accumulated, many
// frames per syscall (docs/design/client-batching.md). Reads take many
// frames at once into a FrameReader and deliver them in place. A subclass
// only opens the socket.
//
// Thread contract: one thread calls every method (the flusher is internal).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alphapulse/transport/frame_reader.hpp"
#include "alphapulse/transport/transport.hpp"
#include "alphapulse/transport/write_mode.hpp"

namespace alphapulse::transport {

struct StreamOptions {
    std::size_t sendBufferBytes = 4 << 20;    ///< bound on frames taken but not yet written
    std::size_t receiveBufferBytes = 1 << 20; ///< read buffer (many frames per read)
    std::uint32_t maxPayload = wire::header::DEFAULT_MAX_PAYLOAD;
    int socketBufferBytes = 4 << 20;          ///< SO_SNDBUF/SO_RCVBUF (the kernel's share of in-flight data)
    WriteMode writeMode = WriteMode::Batched;
    BatchingOptions batching{};
};

namespace detail {
class StreamWriter;
}

class StreamTransport : public Transport {
public:
    ~StreamTransport() override;
    StreamTransport(const StreamTransport&) = delete;
    StreamTransport& operator=(const StreamTransport&) = delete;

    bool connect() final;
    /// False as soon as a write failed, also one of the flusher's.
    [[nodiscard]] bool connected() const noexcept final;
    SendStatus send(std::span<const std::uint8_t> frames) final;
    bool flush() final;
    [[nodiscard]] std::size_t pendingBytes() const noexcept final;
    int receive(FrameHandler handler, int timeoutMs) final;
    [[nodiscard]] int pollFd() const noexcept final { return m_fd; }
    void takeUnsent(std::vector<std::uint8_t>& into) final;
    bool shutdownSend() final;
    void close() noexcept final;
    [[nodiscard]] const std::string& reason() const noexcept final { return m_reason; }
    [[nodiscard]] WriteMode writeMode() const noexcept;
    [[nodiscard]] WriteCounters writeCounters() const noexcept;

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
    /// A write failed (possibly on the flusher): the connection is closed as fail() does.
    bool reapWriteFailure();
    int deliver(FrameHandler& handler);

    int m_socketBufferBytes;
    int m_fd = -1;
    FrameReader m_reader;
    std::unique_ptr<detail::StreamWriter> m_writer;
    std::vector<std::uint8_t> m_unsent; ///< kept by fail() for takeUnsent()
    std::string m_reason;
};

} // namespace alphapulse::transport
