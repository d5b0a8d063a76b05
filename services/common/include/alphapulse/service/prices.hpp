#pragma once
// The latest prices per instrument, from the market-data frames a service
// receives (Trade, Quote, OrderBook): what the strategy compares, what the
// risk service marks positions and sizes orders with, and what the execution
// simulator fills at. Fixed point with 8 decimals, as on the wire.
#include <cstdint>
#include <optional>
#include <unordered_map>

#include "alphapulse/wire.hpp"

namespace alphapulse::service {

struct TopOfBook {
    std::int64_t bid = 0;       ///< 0 = none seen
    std::int64_t ask = 0;
    std::uint64_t bidSize = 0;  ///< 0 = unknown
    std::uint64_t askSize = 0;
    std::int64_t last = 0;      ///< last trade price
    std::uint64_t lastVolume = 0;
    std::uint8_t lastSide = 0;
};

class Prices {
public:
    /// Takes a Trade, Quote or OrderBook frame; returns the instrument it
    /// updated, nullopt for other types or a frame that does not validate.
    std::optional<wire::InstrumentId> update(const wire::FrameView& frame);

    [[nodiscard]] const TopOfBook* find(const wire::InstrumentId& id) const noexcept;
    /// The price a taker would get: the ask to buy, the bid to sell, else the last trade.
    [[nodiscard]] std::optional<std::int64_t> takerPrice(const wire::InstrumentId& id, bool buy) const noexcept;
    /// Size available at that price (0 = unknown).
    [[nodiscard]] std::uint64_t takerSize(const wire::InstrumentId& id, bool buy) const noexcept;
    /// Mid of bid and ask, else the last trade.
    [[nodiscard]] std::optional<std::int64_t> mark(const wire::InstrumentId& id) const noexcept;

    [[nodiscard]] const std::unordered_map<wire::InstrumentId, TopOfBook, wire::InstrumentIdHash>& all() const noexcept {
        return m_books;
    }

private:
    std::unordered_map<wire::InstrumentId, TopOfBook, wire::InstrumentIdHash> m_books;
};

/// Fixed-point product of a price and a quantity, both x 1e8 (an amount x 1e8).
[[nodiscard]] inline std::int64_t notional(std::int64_t price, std::uint64_t quantity) noexcept {
    const wire::Int128 value = static_cast<wire::Int128>(price) * static_cast<wire::Int128>(quantity) /
                               wire::PRICE_SCALE;
    return static_cast<std::int64_t>(value);
}

/// Whether an instrument id is a DEX pool (asset type Pool).
[[nodiscard]] inline bool isPool(const wire::InstrumentId& id) noexcept {
    return (id.assetType & 0x7F) == static_cast<std::uint8_t>(wire::AssetType::Pool);
}

/// The routers of the DEXes whose pools the samples hold (Ethereum mainnet):
/// a DeFiSignal names venues by router, as a transaction would.
[[nodiscard]] std::optional<wire::EvmAddress> routerOf(wire::VenueId dex) noexcept;
[[nodiscard]] std::optional<wire::VenueId> dexOfRouter(const std::uint8_t* address) noexcept;

} // namespace alphapulse::service
