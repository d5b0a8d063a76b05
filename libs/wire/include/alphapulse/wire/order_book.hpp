#pragma once
// OrderBook price levels: after the 64-byte fixed part, bid_count bids then
// ask_count asks, best first, each {price: i64, size: u64} (16 bytes).
#include <cstddef>
#include <cstdint>
#include <span>

#include "alphapulse/wire/messages.hpp"

namespace alphapulse::wire {

/// Level `index` of the bids (0 = best). @pre index < view.bid_count()
[[nodiscard]] inline BookLevel bidLevel(const OrderBookView& view, std::size_t index) noexcept {
    const std::uint8_t* p = view.data() + OrderBookLayout::SIZE + index * BookLevel::SIZE;
    return BookLevel{loadLe<std::int64_t>(p), loadLe<std::uint64_t>(p + 8)};
}

/// Level `index` of the asks (0 = best). @pre index < view.ask_count()
[[nodiscard]] inline BookLevel askLevel(const OrderBookView& view, std::size_t index) noexcept {
    return bidLevel(view, view.bid_count() + index);
}

/// Writes an OrderBook frame with its checksum. Fill instrument, update id
/// and the snapshot flag through `builder` first; the header fields too.
[[nodiscard]] inline Expected<std::size_t> finishOrderBook(OrderBookBuilder& builder, std::span<const BookLevel> bids,
                                                           std::span<const BookLevel> asks) noexcept {
    if (bids.size() > 0xFFFF || asks.size() > 0xFFFF) return WireError::ValueOutOfRange;
    const std::size_t tail = (bids.size() + asks.size()) * BookLevel::SIZE;
    if (tail > builder.capacity() - OrderBookLayout::SIZE) return WireError::BufferTooSmall;
    std::uint8_t* p = builder.tail();
    for (const auto* side : {&bids, &asks}) {
        for (const BookLevel& level : *side) {
            storeLe<std::int64_t>(p, level.price);
            storeLe<std::uint64_t>(p + 8, level.size);
            p += BookLevel::SIZE;
        }
    }
    builder.bid_count(static_cast<std::uint16_t>(bids.size()));
    builder.ask_count(static_cast<std::uint16_t>(asks.size()));
    return builder.finishWithTail(tail);
}

} // namespace alphapulse::wire
