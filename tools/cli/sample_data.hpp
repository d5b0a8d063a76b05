#pragma once
// Real market data (data/samples, ../shared/data) turned into frames.
//
// Used by `alphapulse replay` and the demonstration: discovery messages for
// the SushiSwap pools, then the recorded trades, quotes and order books in
// time order, each as the collector of its venue would publish it.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace alphapulse::cli {

/// A decimal string as fixed point with 8 decimals ("14.7775" -> 1477750000).
/// Trailing zeros beyond 8 decimals are accepted; anything that would lose
/// digits, overflow, or is not a plain decimal gives nullopt.
[[nodiscard]] std::optional<std::int64_t> parseFixed8(std::string_view text);

struct SampleFrames {
    std::vector<std::vector<std::uint8_t>> frames; ///< in replay order, each a whole frame
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

} // namespace alphapulse::cli
