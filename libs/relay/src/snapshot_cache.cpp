#include "snapshot_cache.hpp"

#include <bit>
#include <cstring>

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
    // FNV-1a over type and id: 13 bytes, cheap and well spread for packed symbols.
    std::uint64_t hash = 1469598103934665603ULL ^ type;
    for (int i = 0; i < 12; ++i) hash = (hash ^ id[i]) * 1099511628211ULL;
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
            std::memcpy(slot.id.data(), id, 12);
            slot.index = static_cast<std::uint32_t>(m_frames.size());
            m_frames.emplace_back(frame, frame + size);
            return;
        }
        if (slot.type == type && std::memcmp(slot.id.data(), id, 12) == 0) {
            auto& kept = m_frames[slot.index];
            kept.resize(size); // within its capacity unless this frame is the largest yet
            std::memcpy(kept.data(), frame, size);
            return;
        }
    }
}

} // namespace alphapulse::relay::detail
