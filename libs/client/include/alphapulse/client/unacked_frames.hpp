#pragma once
// What an acknowledged producer keeps until the relay's journal holds it
// (docs/design/recovery.md, "BusClient as a producer"): every frame
// published, in order, in one byte ring of `capacity` bytes allocated on the
// first push (not touched until used), until an ACK for its source carries
// its sequence or a later one.
//
// Three positions walk the ring, all at frame boundaries: the head (the
// oldest frame not yet acknowledged), the sent mark (frames before it were
// handed to the transport on this connection) and the tail. A frame never
// straddles the end of the ring: one that would is written at its start and
// the bytes it skipped are remembered as padding (at most one such gap lies
// between head and tail).
//
// Thread contract: the client's thread. push() copies and allocates nothing.
#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>

#include "alphapulse/wire/frame.hpp"

namespace alphapulse::client {

class UnackedFrames {
public:
    enum class Push : std::uint8_t { Taken, Full, NotFrames };

    explicit UnackedFrames(std::size_t capacity) noexcept : m_capacity(capacity) {}

    /// Copies whole frames in, after everything kept. Full: they do not fit
    /// next to what is kept (nothing taken; a push larger than the capacity
    /// never fits). NotFrames: `frames` is not a sequence of whole frames.
    Push push(std::span<const std::uint8_t> frames) noexcept;

    /// An ACK from the relay: frames of `source` with a sequence up to
    /// `sequence` may be forgotten. Forgets from the front while the oldest
    /// frame is covered (ACKs are cumulative, and the latest one for a source
    /// is what counts). Returns the frames forgotten.
    std::uint64_t acknowledge(std::uint8_t source, std::uint64_t sequence) noexcept;

    /// The next frames not yet handed to the transport: contiguous, whole
    /// frames, at most `maxBytes` unless the first frame alone is larger.
    [[nodiscard]] std::span<const std::uint8_t> unsent(std::size_t maxBytes) const noexcept;
    /// The transport took the first `bytes` of unsent(). Returns how many of
    /// those frames had been handed to a transport before (sent again).
    std::uint64_t markSent(std::size_t bytes) noexcept;
    /// A new connection: everything kept is to be sent again, from the oldest.
    void rewind() noexcept { m_sent = m_head; }

    [[nodiscard]] bool empty() const noexcept { return m_frames == 0; }
    [[nodiscard]] std::uint64_t frames() const noexcept { return m_frames; }
    /// Bytes of the frames kept (padding not counted).
    [[nodiscard]] std::size_t bytes() const noexcept { return m_bytes; }
    /// Bytes kept and not yet handed to the transport.
    [[nodiscard]] std::size_t unsentBytes() const noexcept;
    [[nodiscard]] std::size_t capacity() const noexcept { return m_capacity; }
    /// The sources of the frames kept.
    [[nodiscard]] std::bitset<256> sources() const noexcept;

    /// Calls f(frame) for every frame kept, oldest first.
    template <typename F>
    void forEach(F&& f) const {
        for (std::uint64_t p = skipPad(m_head); p < m_tail; p = skipPad(p + frameAt(p).size())) f(frameAt(p));
    }

private:
    static constexpr std::uint64_t NONE = std::numeric_limits<std::uint64_t>::max();
    [[nodiscard]] std::uint64_t skipPad(std::uint64_t p) const noexcept {
        return p == m_padStart ? (p / m_capacity + 1) * m_capacity : p;
    }
    [[nodiscard]] wire::FrameView frameAt(std::uint64_t p) const noexcept;

    std::size_t m_capacity;
    std::unique_ptr<std::uint8_t[]> m_ring; ///< allocated by the first push, not initialised
    std::uint64_t m_head = 0;               ///< logical positions: physical = position % capacity
    std::uint64_t m_sent = 0;
    std::uint64_t m_tail = 0;
    std::uint64_t m_sentHigh = 0; ///< the furthest position ever handed to a transport
    std::uint64_t m_padStart = NONE; ///< bytes from here to the next multiple of the capacity are padding
    std::uint64_t m_frames = 0;
    std::size_t m_bytes = 0;
    std::array<std::uint64_t, 256> m_acked{}; ///< per source, the latest ACK
    std::bitset<256> m_ackKnown;
};

} // namespace alphapulse::client
