#pragma once
// The last frame per (message type, instrument) a relay accepted, for late
// joiners that ask for a snapshot (Subscribe flag, docs/design/recovery.md).
//
// Why not schema::ObjectCache: that one holds what discovery messages said
// about an instrument (symbol, decimals, pool tokens), not its last trade or
// quote; a late joiner needs both, and both are frames. So this keeps frames:
// the last InstrumentDiscovered/PoolDiscovered of an id is its object, the
// last Trade/Quote/OrderBook its value, and a joiner gets them as they were
// sent, in the order the ids were first seen (discoveries before the values
// that refer to them, as on the live stream).
//
// Table: open addressing over (type, 12-byte InstrumentId), linear probing, 24-byte slots,
// at most half full, allocated at construction. A frame is copied into its
// entry's buffer, which grows only when a larger frame of that key comes
// (order books), so a steady stream allocates nothing. Nothing is evicted:
// beyond `capacity` keys new ones are not kept (counted in refused()).
// Thread contract: the relay's loop thread only.
#include <array>
#include <cstdint>
#include <vector>

#include "alphapulse/wire/message_type.hpp"

namespace alphapulse::relay::detail {

class SnapshotCache {
public:
    SnapshotCache(std::uint32_t capacity, wire::Domain domain);

    /// Keeps `frame` as the last of its (type, instrument) if its type has an
    /// instrument_id (Trade, Quote, OrderBook, discoveries, ...).
    void update(const std::uint8_t* frame, std::size_t size);

    /// Calls fn(data, size) for every kept frame, in first-seen order.
    template <typename Fn>
    void forEach(Fn&& fn) const {
        for (const auto& e : m_frames) fn(e.data(), e.size());
    }
    [[nodiscard]] std::size_t size() const noexcept { return m_frames.size(); }
    [[nodiscard]] std::uint64_t refused() const noexcept { return m_refused; }

private:
    struct Slot {
        std::uint64_t low = 0;  ///< InstrumentId bytes 0..7
        std::uint32_t high = 0; ///< InstrumentId bytes 8..11
        std::uint32_t index = 0;
        std::uint8_t type = 0;
        bool used = false;
    };
    std::array<std::uint16_t, 256> m_idOffset{}; ///< per type: offset of instrument_id, 0 = not kept
    std::vector<Slot> m_slots;
    std::vector<std::vector<std::uint8_t>> m_frames;
    std::uint32_t m_capacity = 0;
    std::uint64_t m_refused = 0;
};

} // namespace alphapulse::relay::detail
