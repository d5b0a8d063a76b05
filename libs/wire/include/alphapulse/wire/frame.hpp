#pragma once
// Frames: validation and zero-copy reading of what arrives on a stream.
//
// A frame is the 32-byte header plus payload_size bytes (W2). Validation
// runs in three steps, cheapest first, each usable on its own:
//   frameLength()  framing only: is a whole frame here, may the stream go on?
//   parseFrame()   the above, the checksum when asked, the layout of the
//                  type, and the variable parts (TLV, discovery, text)
//   XxxView::parse (messages.hpp) the same for one known type, inline
// Nothing here allocates or throws.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "alphapulse/wire/crc32.hpp"
#include "alphapulse/wire/endian.hpp"
#include "alphapulse/wire/error.hpp"
#include "alphapulse/wire/header.hpp"
#include "alphapulse/wire/layout.hpp"

namespace alphapulse::wire {

struct ParseOptions {
    bool verifyChecksum = true;
    std::uint32_t maxPayload = header::DEFAULT_MAX_PAYLOAD;
};

/// A frame in someone else's buffer. Cheap to copy; the bytes must outlive it.
class FrameView {
public:
    FrameView() = default;
    /// @pre `size` bytes readable, size >= 32 (parseFrame guarantees it).
    FrameView(const std::uint8_t* data, std::size_t size) noexcept : m_data(data), m_size(size) {}

    [[nodiscard]] const std::uint8_t* data() const noexcept { return m_data; }
    [[nodiscard]] std::size_t size() const noexcept { return m_size; }
    [[nodiscard]] const std::uint8_t* payload() const noexcept { return m_data + header::SIZE; }

    [[nodiscard]] std::uint8_t messageType() const noexcept { return m_data[header::MESSAGE_TYPE_OFFSET]; }
    [[nodiscard]] std::uint8_t version() const noexcept { return m_data[header::VERSION_OFFSET]; }
    [[nodiscard]] std::uint8_t source() const noexcept { return m_data[header::SOURCE_OFFSET]; }
    [[nodiscard]] std::uint8_t flags() const noexcept { return m_data[header::FLAGS_OFFSET]; }
    [[nodiscard]] std::uint32_t payloadSize() const noexcept {
        return loadLe<std::uint32_t>(m_data + header::PAYLOAD_SIZE_OFFSET);
    }
    [[nodiscard]] std::uint64_t sequence() const noexcept {
        return loadLe<std::uint64_t>(m_data + header::SEQUENCE_OFFSET);
    }
    [[nodiscard]] std::uint64_t timestamp() const noexcept {
        return loadLe<std::uint64_t>(m_data + header::TIMESTAMP_OFFSET);
    }
    [[nodiscard]] std::uint32_t checksum() const noexcept {
        return loadLe<std::uint32_t>(m_data + header::CHECKSUM_OFFSET);
    }
    [[nodiscard]] Domain domain() const noexcept { return domainOf(messageType()); }
    [[nodiscard]] MessageHeader header() const noexcept { return MessageHeader::read(m_data); }
    [[nodiscard]] bool checksumMatches() const noexcept { return frameChecksum(m_data, m_size) == checksum(); }

private:
    const std::uint8_t* m_data = nullptr;
    std::size_t m_size = 0;
};

/// Framing only. The length of the whole frame at `data`, or:
///  - Truncated: not all of it is here yet (on a stream: read more);
///  - BadMagic / PayloadTooLarge: the stream cannot be resynchronised. Both
///    are reported as soon as the bytes that show them have arrived (the
///    first byte of a wrong magic, the 12th byte of an impossible size).
[[nodiscard]] inline Expected<std::size_t> frameLength(const std::uint8_t* data, std::size_t available,
                                                       std::uint32_t maxPayload = header::DEFAULT_MAX_PAYLOAD) noexcept {
    // Judge each part as soon as its bytes are here, so a stream of garbage
    // shorter than a header is refused at once rather than waited on.
    for (std::size_t i = 0; i < 4 && i < available; ++i) {
        if (data[header::MAGIC_OFFSET + i] != static_cast<std::uint8_t>(header::MAGIC >> (8 * i))) return WireError::BadMagic;
    }
    if (available >= header::PAYLOAD_SIZE_OFFSET + 4 &&
        loadLe<std::uint32_t>(data + header::PAYLOAD_SIZE_OFFSET) > maxPayload) {
        return WireError::PayloadTooLarge;
    }
    if (available < header::SIZE) return WireError::Truncated;
    const std::uint32_t payload = loadLe<std::uint32_t>(data + header::PAYLOAD_SIZE_OFFSET);
    const std::size_t total = header::SIZE + payload;
    if (available < total) return WireError::Truncated;
    return total;
}

/// Whole validation of the frame at the start of `data`: framing, checksum
/// (when asked), a built-in layout for (type, version), and that layout's
/// size rule and content rules. The view covers exactly one frame; bytes
/// after it are left alone.
[[nodiscard]] Expected<FrameView> parseFrame(const std::uint8_t* data, std::size_t available,
                                             const ParseOptions& options = {}) noexcept;

/// Content rules of a layout for a frame already delimited (size rule, text
/// fields, TLV, discovery and level sections). parseFrame calls it; so do
/// typed views whose layout has variable parts or text.
[[nodiscard]] WireError validateBody(const MessageLayout& layout, const std::uint8_t* frame,
                                     std::size_t frameLen) noexcept;

/// Writes the W3 checksum into a complete frame.
inline void sealFrame(std::uint8_t* frame, std::size_t frameLen) noexcept {
    storeLe<std::uint32_t>(frame + header::CHECKSUM_OFFSET, frameChecksum(frame, frameLen));
}

/// A whole frame in a buffer one owns, re-stamped before it is sent again (a
/// replay, a collector, a benchmark): set what changes, then seal(), which
/// writes the checksum the new header needs. Nothing is checked: the frame
/// was whole when it was built or parsed.
class FrameStamp {
public:
    /// @pre `size` is the whole frame (header::SIZE + payload_size bytes).
    FrameStamp(std::uint8_t* data, std::size_t size) noexcept : m_data(data), m_size(size) {}

    FrameStamp& sequence(std::uint64_t value) noexcept {
        storeLe<std::uint64_t>(m_data + header::SEQUENCE_OFFSET, value);
        return *this;
    }
    FrameStamp& timestamp(std::uint64_t nanoseconds) noexcept {
        storeLe<std::uint64_t>(m_data + header::TIMESTAMP_OFFSET, nanoseconds);
        return *this;
    }
    FrameStamp& source(std::uint8_t value) noexcept {
        m_data[header::SOURCE_OFFSET] = value;
        return *this;
    }
    /// The checksum of the frame as it now is.
    void seal() noexcept { sealFrame(m_data, m_size); }
    [[nodiscard]] FrameView view() const noexcept { return {m_data, m_size}; }

private:
    std::uint8_t* m_data;
    std::size_t m_size;
};

/// Walks back-to-back frames (a socket read, a capture block, a publish
/// batch) by their lengths alone: framing, no checksum or layout checks.
///   FrameCursor cursor(bytes);
///   while (auto frame = cursor.next()) use(*frame);
///   if (cursor.error() != WireError::Ok) ...   // broken framing at cursor.offset()
/// At the end, offset() is where the first incomplete frame (if any) begins,
/// and error() says Truncated for one, or the framing error that stopped it.
class FrameCursor {
public:
    explicit FrameCursor(std::span<const std::uint8_t> bytes,
                         std::uint32_t maxPayload = header::DEFAULT_MAX_PAYLOAD) noexcept
        : m_bytes(bytes), m_maxPayload(maxPayload) {}

    [[nodiscard]] std::optional<FrameView> next() noexcept {
        if (m_error != WireError::Ok || m_offset == m_bytes.size()) return std::nullopt;
        const auto length = frameLength(m_bytes.data() + m_offset, m_bytes.size() - m_offset, m_maxPayload);
        if (!length) {
            m_error = length.error();
            return std::nullopt;
        }
        const FrameView frame{m_bytes.data() + m_offset, *length};
        m_offset += *length;
        return frame;
    }
    /// Bytes of whole frames walked so far.
    [[nodiscard]] std::size_t offset() const noexcept { return m_offset; }
    /// Ok while frames remain or after a clean end; else why it stopped.
    [[nodiscard]] WireError error() const noexcept { return m_error; }

private:
    std::span<const std::uint8_t> m_bytes;
    std::uint32_t m_maxPayload;
    std::size_t m_offset = 0;
    WireError m_error = WireError::Ok;
};

} // namespace alphapulse::wire
