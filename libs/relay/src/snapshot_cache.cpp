#include "snapshot_cache.hpp"

#include <bit>
#include <cstring>

#include "alphapulse/wire/endian.hpp"
#include "alphapulse/wire/header.hpp"
#include "alphapulse/wire/layout.hpp"

namespace alphapulse::relay::detail {

SnapshotCache::SnapshotCache(std::uint32_t capacity, wire::Domain domain) : m_capacity(capacity) {
    for (const wire::MessageLayout* layout : wire::allLayouts()) {
        if (layout->domain != domain) continue;
        if (const auto* field = wire::findField(*layout, "instrument_id"); field != nullptr && field->size == 12) {
            m_idOffset[layout->type] = field->offset;
        }
    }
    m_slots.resize(std::bit_ceil(std::uint64_t{capacity} * 2 + 2));
    m_frames.reserve(capacity);
}

void SnapshotCache::update(const std::uint8_t* frame, std::size_t size) {
    const std::uint8_t type = frame[wire::header::MESSAGE_TYPE_OFFSET];
    const std::uint16_t offset = m_idOffset[type];
    if (offset == 0 || size < offset + 12u || m_capacity == 0) return;
    const std::uint8_t* id = frame + offset;
    // The id as two words (venue/asset type/reserved and asset id, W4) and the
    // type, mixed by one multiply: on the market-data hot path, per frame.
    const std::uint64_t low = wire::loadLe<std::uint64_t>(id);
    const std::uint32_t high = wire::loadLe<std::uint32_t>(id + 8);
    std::uint64_t hash = (low ^ (static_cast<std::uint64_t>(high) << 24 | type)) * 0x9E3779B97F4A7C15ULL;
    hash ^= hash >> 32;
    const std::size_t mask = m_slots.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        Slot& slot = m_slots[i];
        if (!slot.used) {
            if (m_frames.size() >= m_capacity) {
                ++m_refused;
                return;
            }
            slot.used = true;
            slot.type = type;
            slot.low = low;
            slot.high = high;
            slot.index = static_cast<std::uint32_t>(m_frames.size());
            m_frames.emplace_back(frame, frame + size);
            return;
        }
        if (slot.type == type && slot.low == low && slot.high == high) {
            auto& kept = m_frames[slot.index];
            if (kept.size() != size) kept.resize(size); // within its capacity unless this frame is the largest yet
            std::memcpy(kept.data(), frame, size);
            return;
        }
    }
}

} // namespace alphapulse::relay::detail
