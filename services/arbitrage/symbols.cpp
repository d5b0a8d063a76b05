#include "symbols.hpp"

#include <array>

namespace alphapulse::arbitrage {
namespace {

std::string canonicalAsset(std::string_view asset) {
    // Kraken's ISO-style names for the same assets.
    if (asset == "XBT") return "BTC";
    if (asset == "XDG") return "DOGE";
    return std::string(asset);
}

bool isDollarStablecoin(std::string_view asset) {
    return asset == "USDT" || asset == "USDC" || asset == "BUSD" || asset == "TUSD" || asset == "DAI" ||
           asset == "USDP";
}

// Quote assets of Binance symbols (which have no separator), longest first
// so that "BTCUSDT" splits as BTC/USDT and not BTCUSD/T.
constexpr std::array<std::string_view, 16> BINANCE_QUOTES{"USDT", "BUSD", "USDC", "TUSD", "FDUSD", "BTC",
                                                          "ETH",  "BNB",  "EUR",  "GBP",  "TRY",   "AUD",
                                                          "BRL",  "USD",  "DAI",  "RUB"};

} // namespace

std::optional<AssetPair> normalise(wire::VenueId venue, std::string_view symbol, bool stablecoinsAsUsd) {
    std::string_view base;
    std::string_view quote;
    const auto separator = symbol.find_first_of("-/");
    if (separator != std::string_view::npos) {
        base = symbol.substr(0, separator);
        quote = symbol.substr(separator + 1);
    } else if (venue == wire::VenueId::Binance || venue == wire::VenueId::BinanceFutures) {
        for (const auto candidate : BINANCE_QUOTES) {
            if (symbol.size() > candidate.size() && symbol.ends_with(candidate)) {
                base = symbol.substr(0, symbol.size() - candidate.size());
                quote = candidate;
                break;
            }
        }
    }
    if (base.empty() || quote.empty()) return std::nullopt;
    AssetPair pair{canonicalAsset(base), canonicalAsset(quote), false};
    if (stablecoinsAsUsd && isDollarStablecoin(pair.quote)) {
        pair.quote = "USD";
        pair.viaStablecoin = true;
    }
    return pair;
}

std::optional<AssetPair> normalise(const wire::InstrumentId& id, bool stablecoinsAsUsd) {
    if ((id.assetType & 0x7F) != static_cast<std::uint8_t>(wire::AssetType::Pair)) return std::nullopt;
    const std::string symbol = id.symbolText();
    if (symbol.empty()) return std::nullopt;
    return normalise(static_cast<wire::VenueId>(id.venue), symbol, stablecoinsAsUsd);
}

} // namespace alphapulse::arbitrage
