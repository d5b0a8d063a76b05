#pragma once
// A bounded memory of frames seen recently, keyed by what identifies a frame
// (type, source, sequence, timestamp, checksum). The bridge remembers each
// frame it brings in from NATS, so the same frame coming back from the local
// relay (through a second bridge on that relay) or arriving twice is not
// forwarded again. Two generations of a fixed open-addressing table: when
// the current one is half full the older one is cleared and they swap, so
// the last `capacity / 2` to `capacity` frames are remembered, with no
// allocation after construction.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "alphapulse/wire/frame.hpp"

namespace alphapulse::nats {

class RecentFrames {
public:
    /// Remembers at least `capacity / 2` frames (rounded up to a power of two).
    explicit RecentFrames(std::size_t capacity = 1 << 16);

    [[nodiscard]] static std::uint64_t keyOf(const wire::FrameView& frame) noexcept;
    [[nodiscard]] bool contains(std::uint64_t key) const noexcept;
    /// Adds `key`; false when it was already there.
    bool insert(std::uint64_t key) noexcept;

private:
    [[nodiscard]] static bool find(const std::vector<std::uint64_t>& table, std::uint64_t key) noexcept;
    std::vector<std::uint64_t> m_tables[2];
    std::size_t m_current = 0;
    std::size_t m_size = 0; ///< keys in the current table
    std::size_t m_mask;
};

} // namespace alphapulse::nats
