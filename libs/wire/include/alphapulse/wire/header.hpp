#pragma once
// The 32-byte message header (W2) that starts every frame.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +---------------------------------------------------------------+
//  |                  magic = 0xDEADBEEF (EF BE AD DE)             |  0
//  +---------------+---------------+---------------+---------------+
//  | message_type  |    version    |    source     |     flags     |  4
//  +---------------+---------------+---------------+---------------+
//  |                payload_size (bytes after the header)          |  8
//  +---------------------------------------------------------------+
//  |                 sequence (u64, monotonic per producer)        | 12
//  +---------------------------------------------------------------+
//  |                 timestamp (u64, ns since the Unix epoch)      | 20
//  +---------------------------------------------------------------+
//  |          checksum (CRC-32 of bytes 0..27 and 32..end)         | 28
//  +---------------------------------------------------------------+
//
// All integers little-endian (W1).
#include <cstddef>
#include <cstdint>

#include "alphapulse/wire/endian.hpp"

namespace alphapulse::wire {

namespace header {
inline constexpr std::size_t SIZE = 32;
inline constexpr std::uint32_t MAGIC = 0xDEADBEEF;

inline constexpr std::size_t MAGIC_OFFSET = 0;
inline constexpr std::size_t MESSAGE_TYPE_OFFSET = 4;
inline constexpr std::size_t VERSION_OFFSET = 5;
inline constexpr std::size_t SOURCE_OFFSET = 6;
inline constexpr std::size_t FLAGS_OFFSET = 7;
inline constexpr std::size_t PAYLOAD_SIZE_OFFSET = 8;
inline constexpr std::size_t SEQUENCE_OFFSET = 12;
inline constexpr std::size_t TIMESTAMP_OFFSET = 20;
inline constexpr std::size_t CHECKSUM_OFFSET = 28;

/// Receivers refuse a larger payload_size before reading it (W2).
inline constexpr std::uint32_t DEFAULT_MAX_PAYLOAD = 64 * 1024;

static_assert(CHECKSUM_OFFSET + 4 == SIZE, "header layout: checksum must be the last 4 bytes");
static_assert(TIMESTAMP_OFFSET + 8 == CHECKSUM_OFFSET, "header layout: fields must be packed");
static_assert(SEQUENCE_OFFSET + 8 == TIMESTAMP_OFFSET, "header layout: fields must be packed");

/// The length of the whole frame the header at `data` states: SIZE plus its
/// payload_size (64-bit: no overflow whatever the bytes say). Needs 12 bytes
/// readable; checks nothing (frameLength() in frame.hpp does the framing).
[[nodiscard]] inline std::uint64_t frameSize(const std::uint8_t* data) noexcept {
    return SIZE + std::uint64_t{loadLe<std::uint32_t>(data + PAYLOAD_SIZE_OFFSET)};
}
} // namespace header

/// The header's fields as values (a copy, for code that is not on the hot
/// path; views read fields in place).
struct MessageHeader {
    std::uint32_t magic = header::MAGIC;
    std::uint8_t messageType = 0;
    std::uint8_t version = 1;
    std::uint8_t source = 0;
    std::uint8_t flags = 0;
    std::uint32_t payloadSize = 0;
    std::uint64_t sequence = 0;
    std::uint64_t timestamp = 0;
    std::uint32_t checksum = 0;

    /// @pre 32 readable bytes at `p`.
    [[nodiscard]] static MessageHeader read(const std::uint8_t* p) noexcept {
        MessageHeader h;
        h.magic = loadLe<std::uint32_t>(p + header::MAGIC_OFFSET);
        h.messageType = p[header::MESSAGE_TYPE_OFFSET];
        h.version = p[header::VERSION_OFFSET];
        h.source = p[header::SOURCE_OFFSET];
        h.flags = p[header::FLAGS_OFFSET];
        h.payloadSize = loadLe<std::uint32_t>(p + header::PAYLOAD_SIZE_OFFSET);
        h.sequence = loadLe<std::uint64_t>(p + header::SEQUENCE_OFFSET);
        h.timestamp = loadLe<std::uint64_t>(p + header::TIMESTAMP_OFFSET);
        h.checksum = loadLe<std::uint32_t>(p + header::CHECKSUM_OFFSET);
        return h;
    }

    /// Writes all 32 bytes, checksum included as it stands.
    void write(std::uint8_t* p) const noexcept {
        storeLe<std::uint32_t>(p + header::MAGIC_OFFSET, magic);
        p[header::MESSAGE_TYPE_OFFSET] = messageType;
        p[header::VERSION_OFFSET] = version;
        p[header::SOURCE_OFFSET] = source;
        p[header::FLAGS_OFFSET] = flags;
        storeLe<std::uint32_t>(p + header::PAYLOAD_SIZE_OFFSET, payloadSize);
        storeLe<std::uint64_t>(p + header::SEQUENCE_OFFSET, sequence);
        storeLe<std::uint64_t>(p + header::TIMESTAMP_OFFSET, timestamp);
        storeLe<std::uint32_t>(p + header::CHECKSUM_OFFSET, checksum);
    }
};

} // namespace alphapulse::wire
