// Cross-venue symbol normalisation: the venues' spellings of one market meet.
#include <gtest/gtest.h>

#include "symbols.hpp"

using alphapulse::arbitrage::normalise;
using alphapulse::wire::VenueId;

TEST(Symbols, VenueSpellingsOfOneMarketMeet) {
    EXPECT_EQ(normalise(VenueId::Coinbase, "BTC-USD", true)->key(), "BTC/USD");
    EXPECT_EQ(normalise(VenueId::Kraken, "XBT/USD", true)->key(), "BTC/USD");
    EXPECT_EQ(normalise(VenueId::Binance, "BTCUSDT", true)->key(), "BTC/USD");
    EXPECT_TRUE(normalise(VenueId::Binance, "BTCUSDT", true)->viaStablecoin);
    EXPECT_FALSE(normalise(VenueId::Coinbase, "BTC-USD", true)->viaStablecoin);
}

TEST(Symbols, StablecoinsStayApartWhenAsked) {
    EXPECT_EQ(normalise(VenueId::Binance, "BTCUSDT", false)->key(), "BTC/USDT");
    EXPECT_EQ(normalise(VenueId::Binance, "LRCBTC", false)->key(), "LRC/BTC");
    EXPECT_EQ(normalise(VenueId::Binance, "NKNUSDT", false)->key(), "NKN/USDT");
}

TEST(Symbols, SampleSymbolsSplit) {
    // Every spot symbol in data/samples splits into base and quote.
    for (const auto* symbol : {"BAND-GBP", "SKL-USD", "DASH-BTC", "NMR-EUR"}) {
        EXPECT_TRUE(normalise(VenueId::Coinbase, symbol, true).has_value()) << symbol;
    }
    for (const auto* symbol : {"SC/EUR", "XMR/USD", "ADA/XBT", "XBT/CHF"}) {
        EXPECT_TRUE(normalise(VenueId::Kraken, symbol, true).has_value()) << symbol;
    }
    EXPECT_EQ(normalise(VenueId::Kraken, "ADA/XBT", true)->key(), "ADA/BTC");
    for (const auto* symbol : {"BLZETH", "LRCBTC", "NKNUSDT", "RUNEEUR"}) {
        EXPECT_TRUE(normalise(VenueId::Binance, symbol, true).has_value()) << symbol;
    }
    EXPECT_FALSE(normalise(VenueId::Binance, "USDT", true).has_value());  // nothing left for a base
    EXPECT_FALSE(normalise(VenueId::Binance, "ABCXYZ", true).has_value()); // unknown quote asset
}
