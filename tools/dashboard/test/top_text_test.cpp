#include "alphapulse/dashboard/top_text.hpp"

#include <gtest/gtest.h>

#include "alphapulse/dashboard/aggregator.hpp"
#include "alphapulse/wire.hpp"

namespace alphapulse::dashboard {
namespace {

TEST(TopText, ShowsDomainsRelaysLatencyAndQuotes) {
    using namespace alphapulse::wire;
    constexpr std::uint64_t now = 1'700'000'000'000'000'000ULL;
    auto agg = std::make_unique<Aggregator>();
    std::array<std::uint8_t, QuoteLayout::SIZE> buf{};
    auto b = *QuoteBuilder::into(buf.data(), buf.size());
    b.timestamp(now - 20'000).instrument_id(*InstrumentId::symbol(VenueId::Kraken, AssetType::Pair, "XBTUSD"))
        .bid_price(6'500'012'000'000).ask_price(6'500'112'000'000);
    const FrameView frame(buf.data(), b.finish());
    for (int i = 0; i < 3; ++i) agg->onFrame(Domain::MarketData, frame, now);
    ConnectionState c{Domain::MarketData, "unix_socket", "/tmp/md.sock", true, {}};
    agg->setConnections({c});
    auto snap = agg->snapshot(now + 1000);
    snap["relays"] = codec::Json::array({{{"domain", "market_data"}, {"ok", true}, {"drops_total", 4},
                                          {"stats", {{"frames_in", 11}, {"frames_out", 9}}}}});

    const std::string plain = renderTopText(snap, {false, 10});
    EXPECT_EQ(plain.find('\x1b'), std::string::npos);
    EXPECT_NE(plain.find("market_data   unix_socket    connected"), std::string::npos) << plain;
    EXPECT_NE(plain.find("11         9          4"), std::string::npos) << plain; // relay in, out, drops
    EXPECT_NE(plain.find("Kraken Pair XBTUSD"), std::string::npos) << plain;
    EXPECT_NE(plain.find("65000.12"), std::string::npos) << plain;
    EXPECT_NE(plain.find("Quote"), std::string::npos) << plain;
    EXPECT_NE(renderTopText(snap, {true, 10}).find("\x1b[1m"), std::string::npos);
}

} // namespace
} // namespace alphapulse::dashboard
