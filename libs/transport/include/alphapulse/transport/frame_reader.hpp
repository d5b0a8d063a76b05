#pragma once
// Cuts a byte stream into whole frames.
//
// Stream transports (Unix and TCP sockets) deliver bytes, not frames. A
// FrameReader owns one buffer, allocated once, into which the socket reads
// (many frames per read), and hands out the whole frames in it in place.
// A partial frame at the end stays until the rest arrives; the buffer is
// compacted only when the free tail gets too small for the next read.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <memory>

#include "alphapulse/wire/frame.hpp"

namespace alphapulse::transport {

class FrameReader {
public:
    /// @param capacity bytes buffered; at least one maximal frame (32 + maxPayload).
    FrameReader(std::size_t capacity, std::uint32_t maxPayload)
        : m_size(capacity < wire::header::SIZE + maxPayload ? wire::header::SIZE + maxPayload : capacity),
          m_buffer(std::make_unique_for_overwrite<std::uint8_t[]>(m_size)), m_maxPayload(maxPayload) {}

    /// Free space to read into (compacts first when less than a quarter is free).
    [[nodiscard]] std::span<std::uint8_t> writable() noexcept {
        if (m_size - m_end < m_size / 4 && m_begin > 0) {
            std::memmove(m_buffer.get(), m_buffer.get() + m_begin, m_end - m_begin);
            m_end -= m_begin;
            m_begin = 0;
        }
        return {m_buffer.get() + m_end, m_size - m_end};
    }
    void commit(std::size_t bytes) noexcept { m_end += bytes; }

    /// The next whole frame, or Truncated when more bytes are needed, or a
    /// framing error (BadMagic, PayloadTooLarge) after which the stream is lost.
    /// The view stays valid until the next call to writable().
    [[nodiscard]] wire::Expected<wire::FrameView> next() noexcept {
        const auto length = wire::frameLength(m_buffer.get() + m_begin, m_end - m_begin, m_maxPayload);
        if (!length) return length.error();
        const wire::FrameView frame{m_buffer.get() + m_begin, *length};
        m_begin += *length;
        if (m_begin == m_end) m_begin = m_end = 0; // cheap reset keeps reads large
        return frame;
    }

    /// Like next(), without consuming the frame: skip(frame.size()) does.
    [[nodiscard]] wire::Expected<wire::FrameView> peek() const noexcept {
        const auto length = wire::frameLength(m_buffer.get() + m_begin, m_end - m_begin, m_maxPayload);
        if (!length) return length.error();
        return wire::FrameView{m_buffer.get() + m_begin, *length};
    }
    void skip(std::size_t bytes) noexcept {
        m_begin += bytes;
        if (m_begin == m_end) m_begin = m_end = 0;
    }

    /// Bytes held and not yet consumed (whole frames a relay held back, or a partial frame).
    [[nodiscard]] std::size_t pending() const noexcept { return m_end - m_begin; }
    /// Forgets everything buffered (after a framing error).
    void clear() noexcept { m_begin = m_end = 0; }

private:
    std::size_t m_size;
    /// Not zero-filled: pages a connection never reads into (a consumer that
    /// never sends) are never touched, so they cost no memory.
    std::unique_ptr<std::uint8_t[]> m_buffer;
    std::size_t m_begin = 0;
    std::size_t m_end = 0;
    std::uint32_t m_maxPayload;
};

} // namespace alphapulse::transport
