#pragma once
// Real market data (data/samples, ../shared/data) turned into frames.
//
// Used by `alphapulse replay`, the collector service and the tests:
// discovery messages for the SushiSwap pools, then the recorded trades,
// quotes and order books in time order, each as the collector of its venue
// would publish it; and the swaps of a Uniswap V2 pool, derived from its
// recorded reserves.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace alphapulse::samples {

/// A decimal string as fixed point with 8 decimals ("14.7775" -> 1477750000).
/// Trailing zeros beyond 8 decimals are accepted; anything that would lose
/// digits, overflow, or is not a plain decimal gives nullopt.
[[nodiscard]] std::optional<std::int64_t> parseFixed8(std::string_view text);

struct SampleFrames {
    /// In replay order, each a whole frame. The header timestamp is the
    /// recorded time of the record (the time it was built for discoveries).
    std::vector<std::vector<std::uint8_t>> frames;
    std::size_t discoveries = 0;
    std::size_t trades = 0;
    std::size_t quotes = 0;
    std::size_t books = 0;
    std::vector<std::string> skipped; ///< one line per record that could not be represented exactly, and why
};

/// Reads every sample file present in `dir` (trades.csv, quotes.csv,
/// orderbooks.json, pools_sushiswap_v2.json). Throws std::runtime_error when
/// the directory or a file cannot be read or parsed.
[[nodiscard]] SampleFrames loadSampleFrames(const std::filesystem::path& dir);

/// Ethereum's slot time since the merge: the reserves file has block numbers
/// and no times, so a swap's recorded time is its block's distance from the
/// first block at 12 s a block.
inline constexpr std::uint64_t ETHEREUM_BLOCK_NS = 12'000'000'000ULL;

/// The Uniswap V2 USDC/WETH pool of uniswap_v2_usdc_weth_reserves.csv:
/// discovery frames for its two tokens and the pool, then for each recorded
/// block a Trade when the reserve change is a swap (one reserve up, the other
/// down; both in the same direction is liquidity added or removed: no trade),
/// followed by a Quote of the pool's marginal price after the block
/// (reserve0/reserve1 in USDC per WETH; bid 0.30% below it, ask 0.30% above:
/// the pool fee), sizes 0 (a pool's depth is a curve, not a size).
/// The instrument is the pool; prices are USDC per WETH (token1 in units of
/// token0) and volumes WETH, rounded to 8 decimals (derived, not recorded,
/// values); side Buy when the trader took WETH out of the pool. Header timestamps:
/// (block - first block) * ETHEREUM_BLOCK_NS; sequence numbers from 1 (source
/// External). Throws std::runtime_error when the file cannot be read.
[[nodiscard]] SampleFrames loadUniswapV2Swaps(const std::filesystem::path& csv);

} // namespace alphapulse::samples
