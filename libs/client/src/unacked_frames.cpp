#include "alphapulse/client/unacked_frames.hpp"

#include <algorithm>
#include <cstring>

namespace alphapulse::client {

wire::FrameView UnackedFrames::frameAt(std::uint64_t p) const noexcept {
    const std::uint8_t* data = m_ring.get() + p % m_capacity;
    return {data, static_cast<std::size_t>(wire::header::frameSize(data))};
}

UnackedFrames::Push UnackedFrames::push(std::span<const std::uint8_t> frames) noexcept {
    if (frames.empty()) return Push::Taken;
    // Whole frames only: the ring is walked frame by frame (a header read each).
    std::uint64_t count = 0;
    wire::FrameCursor cursor(frames, std::numeric_limits<std::uint32_t>::max());
    while (cursor.next()) ++count;
    if (cursor.error() != wire::WireError::Ok) return Push::NotFrames;
    const std::size_t n = frames.size();
    if (n > m_capacity) return Push::Full;
    const std::uint64_t physical = m_tail % m_capacity;
    const std::uint64_t pad = physical + n > m_capacity ? m_capacity - physical : 0;
    if (m_tail + pad + n - m_head > m_capacity) return Push::Full;
    if (!m_ring) m_ring.reset(new (std::nothrow) std::uint8_t[m_capacity]); // once; pages untouched until used
    if (!m_ring) return Push::Full;
    if (pad != 0) {
        // Everything before the previous padding is gone already (the kept
        // bytes span less than the capacity), so one padding mark suffices.
        if (m_sent == m_tail) m_sent += pad;
        if (m_head == m_tail) m_head += pad;
        m_padStart = m_tail;
        m_tail += pad;
    }
    std::memcpy(m_ring.get() + m_tail % m_capacity, frames.data(), n);
    m_tail += n;
    m_frames += count;
    m_bytes += n;
    return Push::Taken;
}

std::uint64_t UnackedFrames::acknowledge(std::uint8_t source, std::uint64_t sequence) noexcept {
    m_acked[source] = sequence;
    m_ackKnown.set(source);
    std::uint64_t forgotten = 0;
    while (m_frames != 0) {
        const wire::FrameView frame = frameAt(m_head);
        const std::uint8_t s = frame.source();
        if (!m_ackKnown.test(s) || frame.sequence() > m_acked[s]) break;
        const bool wasSent = m_sent > m_head;
        m_head = skipPad(m_head + frame.size());
        if (!wasSent || m_sent < m_head) m_sent = m_head; // covered before it was sent again: not sent at all
        --m_frames;
        m_bytes -= frame.size();
        ++forgotten;
    }
    if (m_frames == 0) {
        m_head = m_sent = m_tail;
        m_padStart = NONE;
    }
    return forgotten;
}

std::span<const std::uint8_t> UnackedFrames::unsent(std::size_t maxBytes) const noexcept {
    const std::uint64_t from = skipPad(m_sent);
    if (from >= m_tail) return {};
    // Contiguous up to the padding or the ring's end, whichever comes first.
    std::uint64_t end = std::min<std::uint64_t>(m_tail, (from / m_capacity + 1) * m_capacity);
    if (m_padStart != NONE && m_padStart > from) end = std::min(end, m_padStart);
    std::uint64_t cut = end;
    if (end - from > maxBytes) {
        cut = from + frameAt(from).size(); // at least one frame
        for (std::uint64_t size = 0; cut < end && (cut - from) + (size = frameAt(cut).size()) <= maxBytes;) cut += size;
    }
    return {m_ring.get() + from % m_capacity, static_cast<std::size_t>(cut - from)};
}

std::uint64_t UnackedFrames::markSent(std::size_t bytes) noexcept {
    const std::uint64_t from = skipPad(m_sent);
    const std::uint64_t to = from + bytes;
    std::uint64_t again = 0;
    for (std::uint64_t p = from; p < to && p < m_sentHigh; p += frameAt(p).size()) ++again; // after a rewind only
    m_sent = skipPad(to);
    m_sentHigh = std::max(m_sentHigh, m_sent);
    return again;
}

std::size_t UnackedFrames::unsentBytes() const noexcept {
    std::size_t bytes = 0;
    const std::uint64_t from = skipPad(m_sent);
    if (from >= m_tail) return 0;
    bytes = static_cast<std::size_t>(m_tail - from);
    if (m_padStart != NONE && m_padStart >= from && m_padStart < m_tail) {
        bytes -= static_cast<std::size_t>((m_padStart / m_capacity + 1) * m_capacity - m_padStart);
    }
    return bytes;
}

std::bitset<256> UnackedFrames::sources() const noexcept {
    std::bitset<256> set;
    forEach([&](const wire::FrameView& frame) { set.set(frame.source()); });
    return set;
}

} // namespace alphapulse::client
