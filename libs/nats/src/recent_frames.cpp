#include "alphapulse/nats/recent_frames.hpp"

#include <algorithm>
#include <bit>

namespace alphapulse::nats {
namespace {

std::uint64_t mix(std::uint64_t x) noexcept {
    // splitmix64's finaliser: spreads every input bit over the key.
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

} // namespace

RecentFrames::RecentFrames(std::size_t capacity)
    : m_mask(std::bit_ceil(std::max<std::size_t>(capacity, 64)) - 1) {
    for (auto& table : m_tables) table.assign(m_mask + 1, 0);
}

std::uint64_t RecentFrames::keyOf(const wire::FrameView& frame) noexcept {
    std::uint64_t key = mix(frame.sequence() ^ (static_cast<std::uint64_t>(frame.source()) << 56) ^
                            (static_cast<std::uint64_t>(frame.messageType()) << 48));
    key = mix(key ^ frame.timestamp());
    key = mix(key ^ frame.checksum());
    return key == 0 ? 1 : key; // 0 marks an empty slot
}

bool RecentFrames::find(const std::vector<std::uint64_t>& table, std::uint64_t key) noexcept {
    const std::size_t mask = table.size() - 1;
    for (std::size_t i = key & mask;; i = (i + 1) & mask) {
        if (table[i] == key) return true;
        if (table[i] == 0) return false;
    }
}

bool RecentFrames::contains(std::uint64_t key) const noexcept {
    return find(m_tables[m_current], key) || find(m_tables[1 - m_current], key);
}

bool RecentFrames::insert(std::uint64_t key) noexcept {
    if (contains(key)) return false;
    if (m_size >= (m_mask + 1) / 2) {
        // The older generation goes; the current one becomes the older.
        m_current = 1 - m_current;
        std::fill(m_tables[m_current].begin(), m_tables[m_current].end(), 0);
        m_size = 0;
    }
    auto& table = m_tables[m_current];
    std::size_t i = key & m_mask;
    while (table[i] != 0) i = (i + 1) & m_mask;
    table[i] = key;
    ++m_size;
    return true;
}

} // namespace alphapulse::nats
