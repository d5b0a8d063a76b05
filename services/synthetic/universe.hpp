#pragma once
// The instruments the synthetic market-data service quotes: real listed
// symbols (data/symbols: US stocks on Nasdaq and NYSE, Binance spot pairs),
// each with a starting price and a tick size. The symbols are real; the
// starting prices are drawn (log-uniform over a range typical of the asset
// class, from a hash of the symbol, so every run starts the same), because
// the lists carry no prices.
#include <cstdint>
#include <string>
#include <vector>

#include "alphapulse/wire/instrument_id.hpp"

namespace alphapulse::synthetic {

enum class Universe : std::uint8_t { Stocks, Crypto, Both };

struct Instrument {
    wire::InstrumentId id;
    std::string symbol;
    double price = 0;     ///< starting mid, in quote currency
    double tick = 0.01;   ///< price increment
    double lot = 100;     ///< typical size of a quote or a trade (shares, base units)
};

/// `count` instruments of `universe` from the CSV files in `symbolsDir`
/// (us_stocks.csv, binance_spot.csv), in file order; Both alternates the two
/// lists. Throws std::runtime_error when a file is missing or holds fewer.
[[nodiscard]] std::vector<Instrument> loadUniverse(const std::string& symbolsDir, Universe universe, std::size_t count);

} // namespace alphapulse::synthetic
