#pragma once
// The recovery part of Subscribe (104) and the relay's Snapshot (101)
// control frames: docs/PROTOCOL.md section 5, docs/design/recovery.md.
//
// Subscribe's `flags`:
//   bit 0 RESUME   - "I was here before": resend what I missed, then live;
//   bit 1 SNAPSHOT - first the last frame per instrument (market data);
//   bit 2 ACKS     - report what the relay's journal holds of what I produce.
// With RESUME or ACKS the fixed part is followed by the resume tail:
//
//   +0  u64 since_ns       relay clock: resend unlisted sources' frames received from then on (0: none)
//   +8  entries, 16 bytes: u8 source, 7 zero bytes, u64 last_sequence
//
// A Subscribe without the tail (an old client, flags 0) is the 72-byte frame
// it always was. The relay answers with Snapshot frames from its own source
// (20-23): phase BEGIN before what it resends, END before the live frames
// (item_count = frames resent), ACK (snapshot_id = a producer's source,
// last_sequence = the highest sequence of that source the journal holds).
#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <span>

#include "alphapulse/wire/endian.hpp"
#include "alphapulse/wire/messages.hpp"

namespace alphapulse::wire::subscribe {

inline constexpr std::uint8_t FLAG_RESUME = 0x01;
inline constexpr std::uint8_t FLAG_SNAPSHOT = 0x02;
inline constexpr std::uint8_t FLAG_ACKS = 0x04;

inline constexpr std::size_t TAIL_HEADER = 8;   ///< since_ns
inline constexpr std::size_t ENTRY_SIZE = 16;   ///< source, 7 zero bytes, last_sequence
inline constexpr std::size_t MAX_ENTRIES = 256; ///< one per source
/// The largest Subscribe a client sends: fixed part and a full tail.
inline constexpr std::size_t MAX_SIZE = SubscribeLayout::SIZE + TAIL_HEADER + ENTRY_SIZE * MAX_ENTRIES;

/// Snapshot (101) phases a relay sends.
inline constexpr std::uint8_t PHASE_BEGIN = 1;
inline constexpr std::uint8_t PHASE_END = 2;
inline constexpr std::uint8_t PHASE_ACK = 3;

/// The message types `view` selects (bit t of message_types, byte t / 8,
/// bit t % 8), as a set: empty for a pure producer.
[[nodiscard]] inline std::bitset<256> types(const SubscribeView& view) noexcept {
    const auto mask = view.message_types();
    std::bitset<256> set;
    for (std::size_t type = 0; type < 256; ++type) {
        if (((static_cast<unsigned>(mask[type / 8]) >> (type % 8)) & 1U) != 0) set.set(type);
    }
    return set;
}

struct ResumePoint {
    std::uint8_t source = 0;
    std::uint64_t lastSequence = 0;
};

/// The resume tail of a parsed Subscribe, read in place.
class ResumeTail {
public:
    /// The tail of `view`; valid() is false when it is present but malformed
    /// (not 8 + 16 * n bytes), empty when the flags ask for none.
    explicit ResumeTail(const SubscribeView& view) noexcept {
        const std::size_t tail = view.size() - SubscribeLayout::SIZE;
        if ((view.flags() & (FLAG_RESUME | FLAG_ACKS)) == 0) {
            m_valid = tail == 0;
            return;
        }
        m_valid = tail >= TAIL_HEADER && (tail - TAIL_HEADER) % ENTRY_SIZE == 0 &&
                  (tail - TAIL_HEADER) / ENTRY_SIZE <= MAX_ENTRIES;
        if (!m_valid) return;
        m_data = view.data() + SubscribeLayout::SIZE;
        m_count = (tail - TAIL_HEADER) / ENTRY_SIZE;
    }
    [[nodiscard]] bool valid() const noexcept { return m_valid; }
    [[nodiscard]] std::uint64_t sinceNs() const noexcept { return m_data == nullptr ? 0 : loadLe<std::uint64_t>(m_data); }
    [[nodiscard]] std::size_t size() const noexcept { return m_count; }
    [[nodiscard]] ResumePoint operator[](std::size_t i) const noexcept {
        const std::uint8_t* p = m_data + TAIL_HEADER + i * ENTRY_SIZE;
        return {p[0], loadLe<std::uint64_t>(p + 8)};
    }

private:
    const std::uint8_t* m_data = nullptr;
    std::size_t m_count = 0;
    bool m_valid = true;
};

/// Writes a Subscribe for `mask` with `flags` and, when RESUME or ACKS is
/// set, the tail (since_ns, points) into `buffer` (at least MAX_SIZE bytes
/// for a full tail). Returns the frame length, 0 when it does not fit.
inline std::size_t build(std::uint8_t* buffer, std::size_t capacity, const std::array<std::uint8_t, 32>& mask,
                         std::uint8_t flags, std::uint64_t sinceNs, std::span<const ResumePoint> points) noexcept {
    auto made = SubscribeBuilder::into(buffer, capacity);
    if (!made) return 0;
    SubscribeBuilder builder = *made;
    builder.message_types(mask).flags(flags);
    if ((flags & (FLAG_RESUME | FLAG_ACKS)) == 0) return builder.finish();
    const std::size_t tail = TAIL_HEADER + ENTRY_SIZE * points.size();
    if (points.size() > MAX_ENTRIES || capacity - SubscribeLayout::SIZE < tail) return 0;
    std::uint8_t* p = builder.tail();
    storeLe<std::uint64_t>(p, sinceNs);
    p += TAIL_HEADER;
    for (const ResumePoint& point : points) {
        p[0] = point.source;
        for (std::size_t i = 1; i < 8; ++i) p[i] = 0;
        storeLe<std::uint64_t>(p + 8, point.lastSequence);
        p += ENTRY_SIZE;
    }
    const auto length = builder.finishWithTail(tail);
    return length ? *length : 0;
}

} // namespace alphapulse::wire::subscribe
