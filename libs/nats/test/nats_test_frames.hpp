#pragma once
// Frames for the NATS tests.
#include <cstdint>
#include <vector>

#include "alphapulse/wire/frame.hpp"
#include "alphapulse/wire/messages.hpp"

namespace alphapulse::natstest {

/// A checksummed Trade from `source` with `sequence`.
inline std::vector<std::uint8_t> trade(std::uint8_t source, std::uint64_t sequence, std::int64_t price = 1) {
    std::vector<std::uint8_t> frame(wire::TradeLayout::SIZE);
    auto b = *wire::TradeBuilder::into(frame.data(), frame.size());
    b.source(source).sequence(sequence).timestamp(1'700'000'000'000'000'000ULL + sequence);
    b.instrument_id(*wire::InstrumentId::symbol(wire::VenueId::Binance, wire::AssetType::Pair, "BTCUSDT"));
    b.price(price).volume(sequence).side(1);
    b.finish();
    return frame;
}

/// The same frame with another message type (resealed): for domain checks.
inline std::vector<std::uint8_t> retyped(std::vector<std::uint8_t> frame, std::uint8_t type) {
    frame[wire::header::MESSAGE_TYPE_OFFSET] = type;
    wire::sealFrame(frame.data(), frame.size());
    return frame;
}

/// A checksummed Quote (a Trade's bytes under the Quote type): a second market data type.
inline std::vector<std::uint8_t> quote(std::uint8_t source, std::uint64_t sequence) {
    return retyped(trade(source, sequence), static_cast<std::uint8_t>(wire::MessageType::Quote));
}

/// A checksummed OrderRequest (execution domain).
inline std::vector<std::uint8_t> order(std::uint8_t source, std::uint64_t sequence) {
    std::vector<std::uint8_t> frame(wire::OrderRequestLayout::SIZE);
    auto b = *wire::OrderRequestBuilder::into(frame.data(), frame.size());
    b.source(source).sequence(sequence).timestamp(1'700'000'000'000'000'000ULL + sequence);
    b.client_order_id(sequence).instrument_id(*wire::InstrumentId::stock(wire::VenueId::NASDAQ, "AAPL"));
    b.side(1).order_type(2).price(100).quantity(10);
    b.finish();
    return frame;
}

} // namespace alphapulse::natstest
