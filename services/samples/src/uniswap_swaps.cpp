// Swaps of the Uniswap V2 USDC/WETH pool, derived from its recorded reserves.
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "alphapulse/samples/sample_data.hpp"
#include "alphapulse/wire.hpp"

namespace alphapulse::samples {
namespace {

using namespace alphapulse::wire;

// The tokens of the pool the reserves file records (Ethereum mainnet).
constexpr std::string_view USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
constexpr std::string_view WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2";
constexpr Uint128 USDC_UNIT = 1'000'000;                    // 6 decimals
constexpr Uint128 WETH_UNIT = 1'000'000'000'000'000'000ULL; // 18 decimals

Uint128 parseU128(const std::string& text) {
    if (text.empty()) throw std::runtime_error("empty reserve");
    Uint128 value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') throw std::runtime_error("not a reserve: " + text);
        value = value * 10 + static_cast<Uint128>(c - '0');
    }
    return value;
}

EvmAddress addressOf(std::string_view text) {
    EvmAddress out{};
    if (parseEvmAddress(text, out) != WireError::Ok) throw std::logic_error("bad built-in address");
    return out;
}

void addDiscovery(SampleFrames& result, const DiscoveryInfo& info, std::uint64_t& sequence) {
    std::vector<std::uint8_t> frame(512);
    const auto length = buildDiscovery(frame.data(), frame.size(), info,
                                       static_cast<std::uint8_t>(SourceType::External), ++sequence, 0);
    if (!length) throw std::logic_error("discovery frame refused: " + std::string(errorName(length.error())));
    frame.resize(*length);
    result.frames.push_back(std::move(frame));
    ++result.discoveries;
}

} // namespace

SampleFrames loadUniswapV2Swaps(const std::filesystem::path& csv) {
    std::ifstream in(csv);
    if (!in) throw std::runtime_error("cannot read " + csv.string());
    SampleFrames result;
    std::uint64_t sequence = 0;

    std::string line;
    std::getline(in, line); // chainId,pair,blockNumber,reserve0_usdc_raw,reserve1_weth_raw
    std::string pair;
    std::uint64_t firstBlock = 0;
    Uint128 last0 = 0;
    Uint128 last1 = 0;
    bool haveLast = false;
    InstrumentId poolId{};
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::stringstream fields(line);
        std::string chain, address, block, r0, r1;
        std::getline(fields, chain, ',');
        std::getline(fields, address, ',');
        std::getline(fields, block, ',');
        std::getline(fields, r0, ',');
        std::getline(fields, r1, ',');
        const Uint128 reserve0 = parseU128(r0);
        const Uint128 reserve1 = parseU128(r1);
        const std::uint64_t blockNumber = std::stoull(block);
        if (pair.empty()) {
            // First row: announce the tokens and the pool before any trade on it.
            pair = address;
            firstBlock = blockNumber;
            const auto usdc = *InstrumentId::token(VenueId::Ethereum, USDC);
            const auto weth = *InstrumentId::token(VenueId::Ethereum, WETH);
            auto pool = InstrumentId::pool(VenueId::UniswapV2, pair);
            if (!pool) throw std::runtime_error("bad pool address in " + csv.string());
            poolId = *pool;
            DiscoveryInfo token;
            token.chainId = 1;
            token.id = usdc, token.decimals = 6, token.symbol = "USDC", token.name = "USD Coin",
            token.address = addressOf(USDC);
            addDiscovery(result, token, sequence);
            token.id = weth, token.decimals = 18, token.symbol = "WETH", token.name = "Wrapped Ether",
            token.address = addressOf(WETH);
            addDiscovery(result, token, sequence);
            DiscoveryInfo info;
            info.id = poolId;
            info.decimals = 18;
            info.symbol = "USDC/WETH";
            info.address = addressOf(pair);
            info.chainId = 1;
            info.pool = DiscoveryInfo::Pool{usdc, weth, addressOf(USDC), addressOf(WETH), 3000}; // V2: 0.30%
            addDiscovery(result, info, sequence);
        }
        // The pool's marginal price after this block: token1 (WETH) in token0
        // (USDC) is reserve0 / reserve1 scaled by the decimals; a taker pays
        // the 0.30% fee on top (ask) or receives that much less (bid).
        const Uint128 mid = reserve0 * (WETH_UNIT / USDC_UNIT) * static_cast<Uint128>(PRICE_SCALE) / reserve1;
        std::vector<std::uint8_t> quoteFrame(QuoteLayout::SIZE);
        auto quote = *QuoteBuilder::into(quoteFrame.data(), quoteFrame.size());
        quote.source(SourceType::External).timestamp((blockNumber - firstBlock) * ETHEREUM_BLOCK_NS);
        quote.instrument_id(poolId);
        quote.bid_price(static_cast<std::int64_t>(mid * 997 / 1000)).ask_price(static_cast<std::int64_t>(mid * 1000 / 997));
        if (haveLast) {
            const bool usdcIn = reserve0 > last0;
            const bool wethIn = reserve1 > last1;
            if (reserve0 != last0 && reserve1 != last1 && usdcIn != wethIn) {
                const Uint128 dUsdc = usdcIn ? reserve0 - last0 : last0 - reserve0;
                const Uint128 dWeth = wethIn ? reserve1 - last1 : last1 - reserve1;
                // price = (dUsdc / 1e6) / (dWeth / 1e18), in units of 1e-8.
                const Uint128 price = dUsdc * (WETH_UNIT / USDC_UNIT) * static_cast<Uint128>(PRICE_SCALE) / dWeth;
                const Uint128 volume = dWeth * static_cast<Uint128>(PRICE_SCALE) / WETH_UNIT;
                std::vector<std::uint8_t> frame(TradeLayout::SIZE);
                auto trade = *TradeBuilder::into(frame.data(), frame.size());
                trade.source(SourceType::External).sequence(++sequence);
                trade.timestamp((blockNumber - firstBlock) * ETHEREUM_BLOCK_NS);
                trade.instrument_id(poolId).price(static_cast<std::int64_t>(price));
                trade.volume(static_cast<std::uint64_t>(volume));
                trade.side(static_cast<std::uint8_t>(usdcIn ? Side::Buy : Side::Sell)); // USDC in: WETH out
                trade.finish();
                result.frames.push_back(std::move(frame));
                ++result.trades;
            } else {
                result.skipped.push_back("block " + block + ": liquidity change, not a swap");
            }
        }
        // After the swap that moved it: the quote follows the trade.
        quote.sequence(++sequence).finish();
        result.frames.push_back(std::move(quoteFrame));
        ++result.quotes;
        last0 = reserve0;
        last1 = reserve1;
        haveLast = true;
    }
    return result;
}

} // namespace alphapulse::samples
