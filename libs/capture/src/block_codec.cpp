#include "block_codec.hpp"

#include <cstring>
#include <string>

#include "alphapulse/wire/header.hpp"

namespace alphapulse::capture::detail {

using wire::loadLe;
using wire::storeLe;

namespace {
Error badSize(std::uint64_t at, std::string why) { return {ErrorCode::BadSize, {}, at, std::move(why)}; }
} // namespace

Error parseFramesBlock(const std::uint8_t* raw, std::size_t rawSize, std::uint32_t count, FramesBlockView& out) {
    if (count == 0) return badSize(0, "a frames block with no frames");
    const std::size_t framesAt = framesPartOffset(count);
    if (framesAt > rawSize) {
        return badSize(0, "count " + std::to_string(count) + " needs more columns than the payload's " +
                              std::to_string(rawSize) + " bytes");
    }
    const std::uint8_t* frames = raw + framesAt;
    const std::uint64_t framesSize = rawSize - framesAt;
    std::uint64_t expected = 0;
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::uint32_t offset = loadLe<std::uint32_t>(raw + 8 * std::size_t{count} + 4 * std::size_t{i});
        if (offset != expected) {
            return badSize(8 * std::uint64_t{count} + 4 * std::uint64_t{i},
                           "frame " + std::to_string(i) + " is at offset " + std::to_string(offset) +
                               ", not where the previous one ends (" + std::to_string(expected) + ")");
        }
        if (framesSize - offset < wire::header::SIZE) {
            return {ErrorCode::BadFrame, {}, framesAt + offset,
                    "frame " + std::to_string(i) + " does not hold a 32-byte header"};
        }
        const std::uint8_t* f = frames + offset;
        if (loadLe<std::uint32_t>(f) != wire::header::MAGIC) {
            return {ErrorCode::BadFrame, {}, framesAt + offset, "frame " + std::to_string(i) + " has no wire magic"};
        }
        const std::uint64_t length = wire::header::frameSize(f);
        if (length > framesSize - offset) {
            return {ErrorCode::BadFrame, {}, framesAt + offset,
                    "frame " + std::to_string(i) + "'s payload_size runs past the block"};
        }
        expected = alignUp(offset + length);
    }
    if (expected != framesSize) {
        return badSize(framesAt + expected, "the frames end " + std::to_string(framesSize - std::min(expected, framesSize)) +
                                                " bytes before the payload does");
    }
    out.m_raw = raw;
    out.m_frames = frames;
    out.m_count = count;
    return {};
}

Error parseIndexBlock(const std::uint8_t* raw, std::size_t rawSize, std::uint32_t count,
                      std::vector<IndexEntry>& entries, std::vector<SourceRange>& ranges) {
    std::size_t at = 0;
    for (std::uint32_t i = 0; i < count; ++i) {
        if (rawSize - at < index_entry::SIZE) return badSize(at, "index entry " + std::to_string(i) + " is cut short");
        const std::uint8_t* e = raw + at;
        IndexEntry entry;
        entry.blockOffset = loadLe<std::uint64_t>(e);
        entry.firstTimeNs = loadLe<std::uint64_t>(e + 8);
        entry.lastTimeNs = loadLe<std::uint64_t>(e + 16);
        entry.firstFrame = loadLe<std::uint64_t>(e + 24);
        entry.frames = loadLe<std::uint32_t>(e + 32);
        entry.rangeCount = loadLe<std::uint16_t>(e + 36);
        entry.rangeBegin = static_cast<std::uint32_t>(ranges.size());
        at += index_entry::SIZE;
        const std::size_t rangeBytes = std::size_t{entry.rangeCount} * index_entry::SOURCE_RANGE_SIZE;
        if (rawSize - at < rangeBytes) {
            return badSize(at, "index entry " + std::to_string(i) + "'s source ranges run past the block");
        }
        for (std::uint16_t r = 0; r < entry.rangeCount; ++r) {
            const std::uint8_t* p = raw + at + std::size_t{r} * index_entry::SOURCE_RANGE_SIZE;
            ranges.push_back({p[0], loadLe<std::uint64_t>(p + 8), loadLe<std::uint64_t>(p + 16)});
        }
        at += rangeBytes;
        entries.push_back(entry);
    }
    if (at != rawSize) return badSize(at, "bytes after the last index entry");
    return {};
}

std::size_t encodeIndexEntry(std::uint8_t* out, const IndexEntry& entry, std::span<const SourceRange> ranges) noexcept {
    std::memset(out, 0, index_entry::SIZE + ranges.size() * index_entry::SOURCE_RANGE_SIZE);
    storeLe<std::uint64_t>(out, entry.blockOffset);
    storeLe<std::uint64_t>(out + 8, entry.firstTimeNs);
    storeLe<std::uint64_t>(out + 16, entry.lastTimeNs);
    storeLe<std::uint64_t>(out + 24, entry.firstFrame);
    storeLe<std::uint32_t>(out + 32, entry.frames);
    storeLe<std::uint16_t>(out + 36, static_cast<std::uint16_t>(ranges.size()));
    std::uint8_t* p = out + index_entry::SIZE;
    for (const auto& range : ranges) {
        p[0] = range.source;
        storeLe<std::uint64_t>(p + 8, range.low);
        storeLe<std::uint64_t>(p + 16, range.high);
        p += index_entry::SOURCE_RANGE_SIZE;
    }
    return static_cast<std::size_t>(p - out);
}

} // namespace alphapulse::capture::detail
