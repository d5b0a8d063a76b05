#pragma once
// Frames for transport, client and relay tests.
#include <cstdint>
#include <vector>

#include "alphapulse/wire/messages.hpp"

namespace alphapulse::fixtures {

/// A checksummed Trade from `source` with `sequence`.
inline std::vector<std::uint8_t> tradeFrame(std::uint8_t source, std::uint64_t sequence, std::int64_t price = 1) {
    std::vector<std::uint8_t> frame(wire::TradeLayout::SIZE);
    auto b = *wire::TradeBuilder::into(frame.data(), frame.size());
    b.source(source).sequence(sequence).timestamp(sequence * 1000);
    b.instrument_id(*wire::InstrumentId::symbol(wire::VenueId::Binance, wire::AssetType::Pair, "BTCUSDT"));
    b.price(price).volume(sequence).side(1);
    b.finish();
    return frame;
}

/// A checksummed OrderRequest (execution domain).
inline std::vector<std::uint8_t> orderFrame(std::uint8_t source, std::uint64_t sequence) {
    std::vector<std::uint8_t> frame(wire::OrderRequestLayout::SIZE);
    auto b = *wire::OrderRequestBuilder::into(frame.data(), frame.size());
    b.source(source).sequence(sequence).timestamp(sequence);
    b.client_order_id(sequence).instrument_id(*wire::InstrumentId::stock(wire::VenueId::NASDAQ, "AAPL"));
    b.side(1).order_type(2).price(100).quantity(10);
    b.finish();
    return frame;
}

/// A market-data frame (OrderBook type) of `payload` zero bytes, unchecked
/// content: for relays, which do not parse payloads.
inline std::vector<std::uint8_t> bookFrame(std::size_t payload, std::uint64_t sequence) {
    std::vector<std::uint8_t> frame(wire::header::SIZE + payload, 0);
    wire::storeLe<std::uint32_t>(frame.data() + wire::header::MAGIC_OFFSET, wire::header::MAGIC);
    frame[wire::header::MESSAGE_TYPE_OFFSET] = static_cast<std::uint8_t>(wire::MessageType::OrderBook);
    frame[wire::header::VERSION_OFFSET] = 1;
    wire::storeLe<std::uint32_t>(frame.data() + wire::header::PAYLOAD_SIZE_OFFSET, static_cast<std::uint32_t>(payload));
    wire::storeLe<std::uint64_t>(frame.data() + wire::header::SEQUENCE_OFFSET, sequence);
    return frame;
}

inline void append(std::vector<std::uint8_t>& to, const std::vector<std::uint8_t>& frame) {
    to.insert(to.end(), frame.begin(), frame.end());
}

} // namespace alphapulse::fixtures
