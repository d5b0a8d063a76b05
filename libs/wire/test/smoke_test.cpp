#include <gtest/gtest.h>

#include <array>

#include "alphapulse/wire.hpp"

using namespace alphapulse::wire;

TEST(Smoke, CrcMatchesZlibCheckValue) {
    const char* text = "123456789";
    EXPECT_EQ(crc32(text, 9), 0xCBF43926u);
}

TEST(Smoke, TradeBuildThenView) {
    std::array<std::uint8_t, 64> buf{};
    auto b = TradeBuilder::into(buf.data(), buf.size());
    ASSERT_TRUE(b);
    auto builder = *b;
    const auto id = InstrumentId::stock(VenueId::NASDAQ, "AAPL");
    ASSERT_TRUE(id);
    builder.source(SourceType::AlpacaCollector).sequence(7).timestamp(99);
    builder.instrument_id(*id).price(150 * PRICE_SCALE).volume(100).side(1);
    EXPECT_EQ(builder.finish(), 64u);
    const auto view = TradeView::parse(buf.data(), buf.size(), true);
    ASSERT_TRUE(view) << errorName(view.error());
    EXPECT_EQ(view->price(), 150 * PRICE_SCALE);
    EXPECT_EQ(view->instrument_id().text(), "NASDAQ Stock AAPL");
    const auto frame = parseFrame(buf.data(), buf.size());
    ASSERT_TRUE(frame) << errorName(frame.error());
}
