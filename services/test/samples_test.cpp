// The Uniswap V2 swaps derived from data/samples' recorded reserves.
#include <gtest/gtest.h>

#include "alphapulse/samples/sample_data.hpp"
#include "alphapulse/wire.hpp"

using namespace alphapulse;

TEST(UniswapSwaps, DiscoveriesThenSwapsAtPlausiblePrices) {
    const auto swaps = samples::loadUniswapV2Swaps(std::string(ALPHAPULSE_REPO_DIR) +
                                                   "/data/samples/uniswap_v2_usdc_weth_reserves.csv");
    ASSERT_EQ(swaps.discoveries, 3u); // USDC, WETH, the pool
    EXPECT_GT(swaps.trades, 400u);    // 499 reserve changes, nearly all swaps
    EXPECT_EQ(swaps.trades + swaps.skipped.size(), 499u);
    EXPECT_EQ(swaps.quotes, 500u); // one per recorded block
    ASSERT_EQ(swaps.frames.size(), swaps.discoveries + swaps.trades + swaps.quotes);

    const auto pool = wire::DiscoveryView::parse(swaps.frames[2].data(), swaps.frames[2].size());
    ASSERT_TRUE(pool);
    ASSERT_TRUE(pool->isPool());
    std::uint64_t lastSequence = 0;
    std::uint64_t lastTime = 0;
    for (std::size_t i = swaps.discoveries; i < swaps.frames.size(); ++i) {
        const auto& frame = swaps.frames[i];
        if (const auto quote = wire::QuoteView::parse(frame.data(), frame.size())) {
            // The pool fee on either side of the marginal price.
            EXPECT_EQ(quote->instrument_id(), pool->instrumentId());
            const double ratio = static_cast<double>(quote->ask_price()) / static_cast<double>(quote->bid_price());
            EXPECT_NEAR(ratio, 1.0 / (0.997 * 0.997), 1e-6);
            EXPECT_GT(quote->frame().sequence(), lastSequence);
            lastSequence = quote->frame().sequence();
            continue;
        }
        const auto trade = wire::TradeView::parse(frame.data(), frame.size());
        ASSERT_TRUE(trade) << i;
        EXPECT_EQ(trade->instrument_id(), pool->instrumentId());
        // ETH was about 2,200-2,400 USDC in these blocks (early January 2024);
        // a swap's own average price stays near the pool's.
        EXPECT_GT(trade->price(), 2'000 * wire::PRICE_SCALE) << i;
        EXPECT_LT(trade->price(), 2'700 * wire::PRICE_SCALE) << i;
        EXPECT_GT(trade->frame().sequence(), lastSequence);
        EXPECT_GE(trade->frame().timestamp(), lastTime);
        lastSequence = trade->frame().sequence();
        lastTime = trade->frame().timestamp();
    }
}
