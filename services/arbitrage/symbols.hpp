#pragma once
// One name per market across venues: the same asset pair is BTC-USD on
// Coinbase, XBT/USD on Kraken and BTCUSDT on Binance. Cross-venue comparison
// needs them to meet under one key.
#include <optional>
#include <string>
#include <string_view>

#include "alphapulse/wire/instrument_id.hpp"

namespace alphapulse::arbitrage {

struct AssetPair {
    std::string base;   ///< "BTC"
    std::string quote;  ///< "USD"
    bool viaStablecoin = false; ///< the quote was a dollar stablecoin (USDT, USDC, ...) taken as USD
    [[nodiscard]] std::string key() const { return base + "/" + quote; }
};

/// The venue's symbol split into base and quote, with the venues' aliases
/// (XBT, XDG) mapped to the usual names and dollar stablecoins taken as USD
/// when `stablecoinsAsUsd`. nullopt when the symbol cannot be split (a
/// Binance symbol whose quote is not a known quote asset).
[[nodiscard]] std::optional<AssetPair> normalise(wire::VenueId venue, std::string_view symbol, bool stablecoinsAsUsd);

/// Same, for an exchange pair's InstrumentId (nullopt for tokens, pools, stocks).
[[nodiscard]] std::optional<AssetPair> normalise(const wire::InstrumentId& id, bool stablecoinsAsUsd);

} // namespace alphapulse::arbitrage
