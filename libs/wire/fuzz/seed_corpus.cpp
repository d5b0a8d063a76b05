// Writes the seed corpora of the wire fuzz targets, built with the
// library's own builders so they are real-looking, valid frames:
//   seed_corpus <dir>  ->  <dir>/frame/*, <dir>/tlv/*, <dir>/discovery/*
// The committed copies live in libs/wire/fuzz/corpus/; scripts/fuzz.sh
// regenerates them into the build directory on every run.
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "alphapulse/wire.hpp"

using namespace alphapulse::wire;
namespace fs = std::filesystem;

namespace {

using Bytes = std::vector<std::uint8_t>;

template <typename T>
T need(const Expected<T>& e, const char* what) {
    if (!e) {
        std::fprintf(stderr, "seed_corpus: %s: %s\n", what, std::string(errorName(e.error())).c_str());
        std::exit(1);
    }
    return *e;
}

void write(const fs::path& path, const Bytes& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        std::fprintf(stderr, "seed_corpus: cannot write %s\n", path.c_str());
        std::exit(1);
    }
}

EvmAddress address(const char* text) {
    EvmAddress a{};
    if (parseEvmAddress(text, a) != WireError::Ok) std::exit(1);
    return a;
}

Bytes trade() {
    Bytes b(TradeLayout::SIZE);
    auto t = need(TradeBuilder::into(b.data(), b.size()), "trade");
    t.source(SourceType::AlpacaCollector).sequence(1001).timestamp(1764115200123456789ULL);
    t.instrument_id(need(InstrumentId::stock(VenueId::NASDAQ, "AAPL"), "AAPL"))
        .price(189'25000000)
        .volume(300)
        .side(static_cast<std::uint8_t>(Side::Buy));
    b.resize(t.finish());
    return b;
}

Bytes quote() {
    Bytes b(QuoteLayout::SIZE);
    auto q = need(QuoteBuilder::into(b.data(), b.size()), "quote");
    q.source(SourceType::BinanceCollector).sequence(77).timestamp(1764115200000000000ULL);
    q.instrument_id(need(InstrumentId::symbol(VenueId::Binance, AssetType::Pair, "BTCUSDT"), "BTCUSDT"))
        .bid_price(97000'00000000)
        .ask_price(97000'50000000)
        .bid_size(150000000)
        .ask_size(20000000);
    b.resize(q.finish());
    return b;
}

Bytes orderBook() {
    Bytes b(OrderBookLayout::SIZE + 4 * BookLevel::SIZE);
    auto o = need(OrderBookBuilder::into(b.data(), b.size()), "book");
    o.source(SourceType::KrakenCollector).sequence(5).timestamp(1764115200000000001ULL);
    o.instrument_id(need(InstrumentId::symbol(VenueId::Kraken, AssetType::Pair, "ETHUSD"), "ETHUSD"))
        .update_id(42)
        .is_snapshot(1);
    const std::array<BookLevel, 2> bids{BookLevel{3000'00000000, 5}, BookLevel{2999'00000000, 7}};
    const std::array<BookLevel, 2> asks{BookLevel{3001'00000000, 4}, BookLevel{3002'00000000, 9}};
    b.resize(need(finishOrderBook(o, bids, asks), "book finish"));
    return b;
}

Bytes strategyAlert() {
    Bytes b(StrategyAlertLayout::SIZE);
    auto s = need(StrategyAlertBuilder::into(b.data(), b.size()), "alert");
    s.source(SourceType::ArbitrageStrategy).sequence(9).timestamp(1764115200000000002ULL);
    s.strategy_id(3).severity(static_cast<std::uint8_t>(Severity::Warning)).alert_code(7).value(-5).threshold(10);
    s.message("spread collapsed \xC3\xA9t\xC3\xA9");
    b.resize(s.finish());
    return b;
}

Bytes extensions() {
    Bytes region(256);
    TlvWriter w{region.data(), region.size()};
    auto pa = need(PoolAddressTlvBuilder::in(w), "pool tlv");
    pa.venue_a_pool(address("0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640"))
        .venue_b_pool(address("0x397ff1542f962076d0bfe58ea045ffa2d347aca0"));
    auto tv = need(TertiaryVenueTlvBuilder::in(w), "tertiary tlv");
    tv.venue_c_router(address("0xe592427a0aece92de3edee1f18e0157c05861564")).venue_c_type(2).fee_c_ppm(3000);
    auto mb = need(MEVBundleTlvBuilder::in(w), "mev tlv");
    mb.target_builder(1).bundle_uuid(0xABCD).max_bundle_size(3).priority_fee_gwei(2).target_block_range(2)
        .submission_strategy(1).relay_preferences(0x5);
    const std::uint8_t custom[] = {1, 2, 3, 4, 5};
    if (w.append(static_cast<std::uint8_t>(TlvType::CustomStrategy), custom, sizeof custom) != WireError::Ok) std::exit(1);
    region.resize(w.size());
    return region;
}

Bytes defiSignal(const Bytes& tlv) {
    Bytes b(DeFiSignalLayout::SIZE + tlv.size());
    auto d = need(DeFiSignalBuilder::into(b.data(), b.size()), "defi");
    d.source(SourceType::ArbitrageStrategy).sequence(314).timestamp(1764115200000000003ULL);
    const auto weth = address("0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2");
    const auto usdc = address("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
    d.strategy_id(21).signal_id(0x1122334455667788ULL).signal_nonce(1).chain_id(1).version(1).adapter_id(2);
    d.base_instrument(need(InstrumentId::fromAddress(VenueId::Ethereum, AssetType::Token, weth), "weth"))
        .quote_instrument(need(InstrumentId::fromAddress(VenueId::Ethereum, AssetType::Token, usdc), "usdc"))
        .base_token_addr(weth)
        .quote_token_addr(usdc)
        .fee_a_ppm(500)
        .fee_b_ppm(3000)
        .confidence(90)
        .expected_profit_q(static_cast<Int128>(12) << 64)
        .observed_block(21'000'000)
        .valid_through_block(21'000'002)
        .slippage_bps(30)
        .created_at_sec(1764115200);
    std::copy(tlv.begin(), tlv.end(), d.tail());
    b.resize(need(finishDeFiSignal(d, tlv.size()), "defi finish"));
    return b;
}

DiscoveryInfo tokenInfo() {
    static const EvmAddress usdc = address("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
    DiscoveryInfo info;
    info.id = need(InstrumentId::fromAddress(VenueId::Ethereum, AssetType::Token, usdc), "usdc");
    info.decimals = 6;
    info.symbol = "USDC";
    info.address = usdc;
    info.name = "USD Coin";
    info.chainId = 1;
    return info;
}

DiscoveryInfo poolInfo() {
    static const EvmAddress pool = address("0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640");
    static const EvmAddress usdc = address("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
    static const EvmAddress weth = address("0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2");
    DiscoveryInfo info;
    info.id = need(InstrumentId::fromAddress(VenueId::UniswapV3, AssetType::Pool, pool), "pool");
    info.decimals = 18;
    info.symbol = "USDC/WETH 0.05%";
    info.address = pool;
    info.name = "Uniswap V3 USDC\xE2\x80\x93WETH";
    info.chainId = 1;
    DiscoveryInfo::Pool p;
    p.token0 = need(InstrumentId::fromAddress(VenueId::Ethereum, AssetType::Token, usdc), "usdc");
    p.token1 = need(InstrumentId::fromAddress(VenueId::Ethereum, AssetType::Token, weth), "weth");
    p.token0Address = usdc;
    p.token1Address = weth;
    p.feeTier = 500;
    info.pool = p;
    return info;
}

Bytes discovery(const DiscoveryInfo& info) {
    Bytes b(1024);
    b.resize(need(buildDiscovery(b.data(), b.size(), info, static_cast<std::uint8_t>(SourceType::PolygonCollector),
                                 12, 1764115200000000004ULL),
                  "discovery"));
    return b;
}

Bytes stockDiscovery() {
    DiscoveryInfo info;
    info.id = need(InstrumentId::stock(VenueId::NYSE, "BRK.B"), "BRK.B");
    info.decimals = 2;
    info.symbol = "BRK.B";
    info.name = "Berkshire Hathaway Inc. Class B";
    return discovery(info);
}

Bytes metadataOf(const Bytes& frame) {
    const auto view = need(DiscoveryView::parse(frame.data(), frame.size()), "discovery parse");
    return Bytes(view.metadata(), view.metadata() + view.metadataLen());
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: seed_corpus <output-dir>\n");
        return 2;
    }
    const fs::path root{argv[1]};
    for (const char* sub : {"frame", "tlv", "discovery"}) fs::create_directories(root / sub);

    const Bytes ext = extensions();
    const Bytes defi = defiSignal(ext);
    const Bytes token = discovery(tokenInfo());
    const Bytes pool = discovery(poolInfo());
    const Bytes stock = stockDiscovery();

    write(root / "frame" / "trade.bin", trade());
    write(root / "frame" / "quote.bin", quote());
    write(root / "frame" / "order_book.bin", orderBook());
    write(root / "frame" / "strategy_alert.bin", strategyAlert());
    write(root / "frame" / "defi_signal_tlv.bin", defi);
    write(root / "frame" / "defi_signal_no_tlv.bin", defiSignal({}));
    write(root / "frame" / "token_discovered.bin", token);
    write(root / "frame" / "pool_discovered.bin", pool);
    write(root / "frame" / "stream.bin", concat({trade(), quote(), defi, token}));

    write(root / "tlv" / "defi_extensions.bin", ext);
    write(root / "tlv" / "token_metadata.bin", metadataOf(token));
    write(root / "tlv" / "pool_metadata.bin", metadataOf(pool));
    write(root / "tlv" / "unknown_types.bin", Bytes{200, 0, 150, 3, 'a', 'b', 'c', 9, 1, 0});

    write(root / "discovery" / "token.bin", token);
    write(root / "discovery" / "pool.bin", pool);
    write(root / "discovery" / "stock.bin", stock);
    return 0;
}
