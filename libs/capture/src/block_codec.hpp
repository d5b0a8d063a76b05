#pragma once
// The payloads of frames blocks and index blocks: checked views for
// reading, encoders for writing. Every offset and size read from a payload
// is checked against the payload's size before it is used.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "alphapulse/capture/format.hpp"
#include "alphapulse/wire/endian.hpp"

namespace alphapulse::capture::detail {

/// The columns of a frames block's raw payload: count times, count
/// offsets, padding to 8, then the frames part.
[[nodiscard]] constexpr std::size_t framesPartOffset(std::uint64_t count) noexcept {
    return static_cast<std::size_t>(alignUp(12 * count));
}

/// A frames block whose every slot has been checked (parseFramesBlock).
class FramesBlockView {
public:
    [[nodiscard]] std::uint32_t count() const noexcept { return m_count; }
    [[nodiscard]] std::uint64_t time(std::uint32_t i) const noexcept {
        return wire::loadLe<std::uint64_t>(m_raw + 8 * static_cast<std::size_t>(i));
    }
    [[nodiscard]] std::span<const std::uint8_t> frame(std::uint32_t i) const noexcept {
        const std::uint32_t offset = wire::loadLe<std::uint32_t>(m_raw + 8 * std::size_t{m_count} + 4 * std::size_t{i});
        const std::uint8_t* f = m_frames + offset;
        return {f, 32 + std::size_t{wire::loadLe<std::uint32_t>(f + 8)}};
    }

private:
    friend Error parseFramesBlock(const std::uint8_t*, std::size_t, std::uint32_t, FramesBlockView&);
    const std::uint8_t* m_raw = nullptr;
    const std::uint8_t* m_frames = nullptr;
    std::uint32_t m_count = 0;
};

/// Checks a raw frames payload of `count` records: every offset is where
/// the previous frame (padded to 8) ends, every frame has the wire magic and
/// fits, and the frames fill the payload exactly. Error BadSize or BadFrame
/// (offset field: the byte within the raw payload).
[[nodiscard]] Error parseFramesBlock(const std::uint8_t* raw, std::size_t rawSize, std::uint32_t count,
                                     FramesBlockView& out);

struct SourceRange {
    std::uint8_t source = 0;
    std::uint64_t low = 0;
    std::uint64_t high = 0;
};

struct IndexEntry {
    std::uint64_t blockOffset = 0;
    std::uint64_t firstTimeNs = 0;
    std::uint64_t lastTimeNs = 0;
    std::uint64_t firstFrame = 0;
    std::uint32_t frames = 0;
    std::uint32_t rangeBegin = 0; ///< into the ranges vector given to parseIndexBlock
    std::uint16_t rangeCount = 0;
};

/// Appends the entries and their source ranges of an index payload holding
/// `count` entries. Error BadSize when the entries do not fill the payload exactly.
[[nodiscard]] Error parseIndexBlock(const std::uint8_t* raw, std::size_t rawSize, std::uint32_t count,
                                    std::vector<IndexEntry>& entries, std::vector<SourceRange>& ranges);

/// Writes one entry (48 bytes) followed by its ranges; returns bytes written.
std::size_t encodeIndexEntry(std::uint8_t* out, const IndexEntry& entry, std::span<const SourceRange> ranges) noexcept;

} // namespace alphapulse::capture::detail
