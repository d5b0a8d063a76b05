#pragma once
// The transport interface: one connection to one domain's message bus.
//
// Services are written against this and never against a socket, so the same
// service runs over a Unix-socket relay, an in-process channel, and the
// transports a deployment configures later (TCP, shared memory, NATS).
// Semantics every implementation keeps:
//  - frames are whole: send() takes one or more complete frames back to
//    back and either takes all of them or none;
//  - a frame is delivered to every other endpoint of the bus whose
//    subscription includes its type, never back to its sender;
//  - flow control is a result, not an error (WouldBlock), as in Aeron's offer().
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "alphapulse/wire/frame.hpp"

namespace alphapulse::transport {

enum class SendStatus : std::uint8_t {
    Ok,          ///< taken (queued or written)
    WouldBlock,  ///< nothing taken: the bus is full for now (backpressure); retry later
    Closed,      ///< the connection is gone; reconnecting is the caller's (or BusClient's) job
};

/// A non-owning callable for delivered frames (no allocation, unlike std::function).
class FrameHandler {
public:
    template <typename F>
    FrameHandler(F& callable) noexcept // NOLINT(google-explicit-constructor): used like a lambda
        : m_object(&callable), m_call([](void* object, const wire::FrameView& frame) {
              (*static_cast<F*>(object))(frame);
          }) {}
    void operator()(const wire::FrameView& frame) const { m_call(m_object, frame); }

private:
    void* m_object;
    void (*m_call)(void*, const wire::FrameView&);
};

class Transport {
public:
    virtual ~Transport() = default;

    /// Connects (or reconnects). False with reason() set when it cannot now.
    virtual bool connect() = 0;
    [[nodiscard]] virtual bool connected() const noexcept = 0;

    /// Takes whole frames. @pre `frames` holds complete frames only.
    virtual SendStatus send(std::span<const std::uint8_t> frames) = 0;
    /// Pushes out anything send() queued; false when the connection broke.
    virtual bool flush() = 0;
    /// Bytes taken by send() and not yet handed to the bus.
    [[nodiscard]] virtual std::size_t pendingBytes() const noexcept = 0;

    /// Calls `handler` for each frame that has arrived, waiting up to
    /// `timeoutMs` (0: don't wait, -1: forever) for the first. Returns how many
    /// were delivered, or -1 when the connection closed (reason() says why).
    virtual int receive(FrameHandler handler, int timeoutMs) = 0;

    /// A descriptor that becomes readable when receive() has work (for
    /// multiplexing several transports in one poll), or -1.
    [[nodiscard]] virtual int pollFd() const noexcept = 0;

    /// After the connection broke: appends to `into` the frames send() took
    /// but the bus never got whole (from the first frame not completely
    /// written, which the receiver discards), so a reconnecting client can
    /// send them again instead of losing them. Frames already handed to the
    /// kernel of a dead connection cannot be recovered. Default: nothing.
    virtual void takeUnsent(std::vector<std::uint8_t>& into) { static_cast<void>(into); }

    /// Ends the sending half of the connection (a stream socket's FIN) once
    /// everything send() took is written, and keeps receiving: the peer reads
    /// to the end, answers (a relay's Error frames), then closes, which
    /// receive() reports as -1. This is how a producer learns definitively what
    /// became of its last frames. False when the transport has no half-close
    /// (the default: channel, shared memory, NATS), is not connected, or still
    /// holds unwritten bytes (flush() first).
    virtual bool shutdownSend() { return false; }

    virtual void close() noexcept = 0;
    [[nodiscard]] virtual const std::string& reason() const noexcept = 0;
    /// "unix:/tmp/alphapulse/market_data.sock", "channel:market_data", ...
    [[nodiscard]] virtual std::string describe() const = 0;
};

} // namespace alphapulse::transport
