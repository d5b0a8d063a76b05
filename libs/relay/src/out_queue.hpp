#pragma once
// A consumer's queue of frames waiting to be written to its socket.
//
// One contiguous byte buffer: frames are appended at the tail and written
// from the head with a single write() for everything queued. Bounded twice,
// in frames (the domain's max_queue_size) and in bytes; it grows by
// doubling up to the byte bound, so a consumer that keeps up never costs
// more than a few times its burst. Whole frames are counted out as the
// socket takes their last byte, by walking the headers of what was written.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "alphapulse/wire/endian.hpp"
#include "alphapulse/wire/header.hpp"

namespace alphapulse::relay::detail {

class OutQueue {
public:
    OutQueue(std::uint64_t maxFrames, std::uint64_t maxBytes) : m_maxFrames(maxFrames), m_maxBytes(maxBytes) {}

    [[nodiscard]] std::uint64_t frames() const noexcept { return m_frames; }
    [[nodiscard]] std::size_t bytes() const noexcept { return m_tail - m_head; }
    [[nodiscard]] bool empty() const noexcept { return m_tail == m_head; }

    /// Whether `frames` more frames of `bytes` fit under both bounds.
    [[nodiscard]] bool fits(std::uint64_t frames, std::size_t bytes) const noexcept {
        return m_frames + frames <= m_maxFrames && this->bytes() + bytes <= m_maxBytes;
    }

    /// Appends whole frames. @pre fits(frames, bytes)
    void push(const std::uint8_t* data, std::size_t bytes, std::uint64_t frames) {
        reserve(bytes);
        std::memcpy(m_buffer.data() + m_tail, data, bytes);
        m_tail += bytes;
        m_frames += frames;
    }

    [[nodiscard]] const std::uint8_t* head() const noexcept { return m_buffer.data() + m_head; }

    /// Forgets everything queued (the consumer has gone).
    void clear() noexcept { m_head = m_tail = m_counted = 0; m_frames = 0; }

    /// Marks `written` bytes as sent; returns how many whole frames that completed.
    std::uint64_t consume(std::size_t written) noexcept {
        m_head += written;
        std::uint64_t completed = 0;
        // m_counted: start of the first frame not yet counted out.
        while (m_counted + wire::header::SIZE <= m_head) {
            const auto payload = wire::loadLe<std::uint32_t>(m_buffer.data() + m_counted + wire::header::PAYLOAD_SIZE_OFFSET);
            const std::size_t end = m_counted + wire::header::SIZE + payload;
            if (end > m_head) break;
            m_counted = end;
            ++completed;
        }
        m_frames -= completed;
        if (m_head == m_tail) m_head = m_tail = m_counted = 0;
        return completed;
    }

private:
    void reserve(std::size_t bytes) {
        if (m_tail + bytes <= m_buffer.size()) return;
        if (m_counted > 0) {
            // Move everything from the oldest partly-sent frame to the front
            // (its header is still needed to count it out).
            std::memmove(m_buffer.data(), m_buffer.data() + m_counted, m_tail - m_counted);
            m_head -= m_counted;
            m_tail -= m_counted;
            m_counted = 0;
            if (m_tail + bytes <= m_buffer.size()) return;
        }
        std::size_t size = m_buffer.empty() ? 64 * 1024 : m_buffer.size();
        while (size < m_tail + bytes) size *= 2;
        m_buffer.resize(size);
    }

    std::vector<std::uint8_t> m_buffer;
    std::size_t m_head = 0;    // next byte to write
    std::size_t m_tail = 0;    // end of queued bytes
    std::size_t m_counted = 0; // start of the oldest frame still (partly) queued
    std::uint64_t m_frames = 0;
    std::uint64_t m_maxFrames;
    std::uint64_t m_maxBytes;
};

} // namespace alphapulse::relay::detail
