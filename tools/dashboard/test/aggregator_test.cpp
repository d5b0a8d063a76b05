#include "alphapulse/dashboard/aggregator.hpp"

#include <gtest/gtest.h>

#include <array>
#include <memory>

#include "alphapulse/wire.hpp"

namespace alphapulse::dashboard {
namespace {

using namespace alphapulse::wire;
constexpr std::uint64_t S = 1'000'000'000;
constexpr std::uint64_t T0 = 1'700'000'000 * S; // a whole second

struct Frame {
    std::array<std::uint8_t, 256> bytes{};
    std::size_t size = 0;
    [[nodiscard]] FrameView view() const { return {bytes.data(), size}; }
};

Frame quote(const char* symbol, std::int64_t bid, std::int64_t ask, std::uint64_t sentNs) {
    Frame f;
    auto b = *QuoteBuilder::into(f.bytes.data(), f.bytes.size());
    b.source(SourceType::BinanceCollector).sequence(1).timestamp(sentNs);
    b.instrument_id(*InstrumentId::symbol(VenueId::Binance, AssetType::Pair, symbol))
        .bid_price(bid).ask_price(ask).bid_size(2 * PRICE_SCALE).ask_size(3 * PRICE_SCALE);
    f.size = b.finish();
    return f;
}

Frame trade(const char* symbol, std::int64_t price, std::uint64_t sentNs) {
    Frame f;
    auto b = *TradeBuilder::into(f.bytes.data(), f.bytes.size());
    b.source(SourceType::BinanceCollector).sequence(1).timestamp(sentNs);
    b.instrument_id(*InstrumentId::symbol(VenueId::Binance, AssetType::Pair, symbol)).price(price).volume(PRICE_SCALE).side(1);
    f.size = b.finish();
    return f;
}

Frame fill(std::uint64_t orderId, std::uint64_t sentNs) {
    Frame f;
    auto b = *FillBuilder::into(f.bytes.data(), f.bytes.size());
    b.source(SourceType::ExecutionEngine).sequence(orderId).timestamp(sentNs);
    b.client_order_id(orderId).instrument_id(*InstrumentId::symbol(VenueId::Binance, AssetType::Pair, "BTCUSDT"))
        .price(65'000 * PRICE_SCALE).quantity(PRICE_SCALE);
    f.size = b.finish();
    return f;
}

const codec::Json& byName(const codec::Json& list, const std::string& key, const std::string& name) {
    for (const auto& e : list) {
        if (e[key] == name) return e;
    }
    static const codec::Json none;
    ADD_FAILURE() << "no " << name << " in " << list.dump();
    return none;
}

TEST(Aggregator, RatesAreMeansOverCompleteSecondsOfTheWindow) {
    AggregatorOptions options;
    options.rateWindowSeconds = 4;
    auto agg = std::make_unique<Aggregator>(options);
    agg->start(T0 + S / 2); // the partial second T0 is left out of rates
    // 10, 20, 30, 40, 50 quotes in seconds T0+1 .. T0+5, 7 trades in T0+5.
    for (std::uint64_t k = 1; k <= 5; ++k) {
        for (std::uint64_t i = 0; i < 10 * k; ++i) {
            const auto now = T0 + k * S + i * 1000;
            agg->onFrame(Domain::MarketData, quote("BTCUSDT", 1, 2, now - 50'000).view(), now);
        }
    }
    for (int i = 0; i < 7; ++i) agg->onFrame(Domain::MarketData, trade("BTCUSDT", 3, T0 + 5 * S).view(), T0 + 5 * S + 10);

    // At T0+6.2 s the window is seconds T0+2..T0+5: (20+30+40+57) / 4.
    const auto snap = agg->snapshot(T0 + 6 * S + S / 5);
    EXPECT_EQ(snap["frames"], 157);
    const auto& md = byName(snap["domains"], "name", "market_data");
    EXPECT_EQ(md["frames"], 157);
    EXPECT_DOUBLE_EQ(md["rate"].get<double>(), (20 + 30 + 40 + 57) / 4.0);
    EXPECT_DOUBLE_EQ(byName(snap["types"], "name", "Quote")["rate"].get<double>(), (20 + 30 + 40 + 50) / 4.0);
    EXPECT_DOUBLE_EQ(byName(snap["types"], "name", "Trade")["rate"].get<double>(), 7 / 4.0);

    // History: one point per second since the start, the current one excluded.
    const auto& history = snap["history"];
    ASSERT_EQ(history["seconds"].size(), 6U);
    EXPECT_EQ(history["seconds"][0], T0 / S);
    EXPECT_EQ(history["frames_per_second"]["market_data"], codec::Json({0, 10, 20, 30, 40, 57}));

    // Early on, before a complete second: everything over the time so far.
    auto fresh = std::make_unique<Aggregator>();
    fresh->start(T0);
    for (int i = 0; i < 50; ++i) fresh->onFrame(Domain::Signals, fill(1, T0).view(), T0 + S / 4);
    EXPECT_DOUBLE_EQ(byName(fresh->snapshot(T0 + S / 2)["domains"], "name", "signals")["rate"].get<double>(), 100.0);
}

TEST(Aggregator, SourcesCountedAndRatedPerProducer) {
    AggregatorOptions options;
    options.rateWindowSeconds = 2;
    auto agg = std::make_unique<Aggregator>(options);
    agg->start(T0);
    // Seconds T0+1 and T0+2: 30 Binance quotes and 4 fills each; 6 frames from a source no name is given to.
    for (std::uint64_t k = 1; k <= 2; ++k) {
        for (int i = 0; i < 30; ++i) agg->onFrame(Domain::MarketData, quote("BTCUSDT", 1, 2, T0 + k * S).view(), T0 + k * S);
        for (std::uint64_t i = 0; i < 4; ++i) agg->onFrame(Domain::Execution, fill(i + 1, T0 + k * S).view(), T0 + k * S);
    }
    auto unnamed = trade("ETHUSDT", 3, T0 + 2 * S);
    unnamed.bytes[header::SOURCE_OFFSET] = 0xB0;
    for (int i = 0; i < 6; ++i) agg->onFrame(Domain::MarketData, unnamed.view(), T0 + 2 * S);

    const auto snap = agg->snapshot(T0 + 3 * S);
    ASSERT_EQ(snap["sources"].size(), 3U) << snap["sources"].dump();
    const auto& binance = byName(snap["sources"], "name", "BinanceCollector");
    EXPECT_EQ(binance["frames"], 60);
    EXPECT_DOUBLE_EQ(binance["rate"].get<double>(), 30.0);
    EXPECT_EQ(byName(snap["sources"], "name", "ExecutionEngine")["frames"], 8);
    const auto& other = byName(snap["sources"], "name", "source 176");
    EXPECT_EQ(other["source"], 176);
    EXPECT_DOUBLE_EQ(other["rate"].get<double>(), 3.0); // 6 frames over the 2-second window
}

TEST(Aggregator, LatencyPercentilesFromHeaderTimestamps) {
    auto agg = std::make_unique<Aggregator>();
    const std::uint64_t now = T0 + 3 * S;
    // 90 frames 10 us old, 10 frames 1 ms old; one replayed from a year ago.
    for (int i = 0; i < 90; ++i) agg->onFrame(Domain::MarketData, quote("ETHUSDT", 1, 2, now - 10'000).view(), now);
    for (int i = 0; i < 10; ++i) agg->onFrame(Domain::MarketData, quote("ETHUSDT", 1, 2, now - 1'000'000).view(), now);
    agg->onFrame(Domain::MarketData, quote("ETHUSDT", 1, 2, now - 365 * 24 * 3600 * S).view(), now);
    // One from a producer whose clock runs ahead: counted as 0.
    agg->onFrame(Domain::Execution, fill(9, now + 5000).view(), now);

    const auto snap = agg->snapshot(now + 1);
    const auto& md = snap["latency"]["by_domain"]["market_data"];
    EXPECT_EQ(md["count"], 100);
    EXPECT_EQ(md["stale_timestamps"], 1);
    EXPECT_GE(md["p50_us"].get<double>(), 10.0);
    EXPECT_LE(md["p50_us"].get<double>(), 10.0 * 1.125);
    EXPECT_GE(md["p99_us"].get<double>(), 1000.0);
    EXPECT_LE(md["p99_us"].get<double>(), 1000.0 * 1.125);
    EXPECT_DOUBLE_EQ(md["max_us"].get<double>(), 1000.0);
    EXPECT_EQ(snap["latency"]["all"]["count"], 101);
    EXPECT_EQ(byName(snap["domains"], "name", "execution")["clock_ahead"], 1);

    // Out of the window (10 s by default) they no longer count.
    EXPECT_EQ(agg->snapshot(now + 11 * S)["latency"]["all"]["count"], 0);
}

TEST(Aggregator, LatestQuoteAndTradePerInstrumentDecoded) {
    auto agg = std::make_unique<Aggregator>();
    agg->onFrame(Domain::MarketData, quote("BTCUSDT", 64'000 * PRICE_SCALE, 64'001 * PRICE_SCALE, T0).view(), T0);
    agg->onFrame(Domain::MarketData, quote("BTCUSDT", 65'000 * PRICE_SCALE, 65'000'50000000, T0 + 1).view(), T0 + 1);
    agg->onFrame(Domain::MarketData, trade("BTCUSDT", 64'999 * PRICE_SCALE, T0 + 2).view(), T0 + 2);
    agg->onFrame(Domain::MarketData, quote("ETHUSDT", 3'000 * PRICE_SCALE, 3'001 * PRICE_SCALE, T0 + 3).view(), T0 + 3);

    const auto snap = agg->snapshot(T0 + S);
    ASSERT_EQ(snap["instruments"].size(), 2U);
    const auto& btc = byName(snap["instruments"], "symbol", "BTCUSDT");
    EXPECT_EQ(btc["venue"], "Binance");
    EXPECT_EQ(btc["asset_type"], "Pair");
    EXPECT_DOUBLE_EQ(btc["bid"].get<double>(), 65'000.0);
    EXPECT_DOUBLE_EQ(btc["ask"].get<double>(), 65'000.5);
    EXPECT_DOUBLE_EQ(btc["bid_size"].get<double>(), 2.0);
    EXPECT_DOUBLE_EQ(btc["last"].get<double>(), 64'999.0);
    EXPECT_EQ(btc["quotes"], 2);
    EXPECT_EQ(btc["trades"], 1);
    EXPECT_EQ(btc["quote_from"], "Quote");
    EXPECT_EQ(btc["updated_ns"], T0 + 2);
    EXPECT_EQ(byName(snap["instruments"], "symbol", "ETHUSDT")["instrument"], "Binance Pair ETHUSDT");
}

TEST(Aggregator, InstrumentTableIsBoundedAndCountsTheRest) {
    AggregatorOptions options;
    options.maxInstruments = 2;
    auto agg = std::make_unique<Aggregator>(options);
    for (const char* s : {"AAA", "BBB", "CCC", "CCC"}) agg->onFrame(Domain::MarketData, quote(s, 1, 2, T0).view(), T0);
    const auto snap = agg->snapshot(T0);
    EXPECT_EQ(snap["instruments"].size(), 2U);
    EXPECT_EQ(snap["instruments_not_shown"], 2);
    EXPECT_EQ(snap["frames"], 4);
}

TEST(Aggregator, RecentEventsNewestFirstAndBounded) {
    AggregatorOptions options;
    options.recentEvents = 3;
    auto agg = std::make_unique<Aggregator>(options);
    for (std::uint64_t id = 1; id <= 5; ++id) agg->onFrame(Domain::Execution, fill(id, T0).view(), T0 + id);
    const auto snap = agg->snapshot(T0 + S);
    ASSERT_EQ(snap["fills"].size(), 3U);
    EXPECT_EQ(snap["fills"][0]["type"], "Fill");
    EXPECT_EQ(snap["fills"][0]["frame"]["client_order_id"], 5);
    EXPECT_EQ(snap["fills"][2]["frame"]["client_order_id"], 3);
    EXPECT_EQ(snap["fills"][0]["frame"]["instrument_id"]["text"], "Binance Pair BTCUSDT");
    EXPECT_TRUE(snap["orders"].empty());
    EXPECT_TRUE(snap["signals"].empty());
}

TEST(Aggregator, ConnectionsAppearWithTheirCounters) {
    auto agg = std::make_unique<Aggregator>();
    ConnectionState c;
    c.domain = Domain::Signals;
    c.transport = "unix_socket";
    c.endpoint = "/tmp/x/signals.sock";
    c.connected = true;
    c.counters.gaps = 3;
    agg->setConnections({c});
    const auto snap = agg->snapshot(T0);
    const auto& signals = byName(snap["domains"], "name", "signals");
    EXPECT_EQ(signals["connected"], true);
    EXPECT_EQ(signals["gaps"], 3);
    EXPECT_EQ(signals["frames"], 0);
    EXPECT_EQ(signals["endpoint"], "/tmp/x/signals.sock");
}

} // namespace
} // namespace alphapulse::dashboard
