// alphapulse-arbitrage: the strategy. Reads market data, writes signals.
//
//  - Cross-venue: the best bid and ask per instrument, grouped by asset pair
//    across venues (symbols.hpp). When one venue's bid is above another's ask
//    by more than --min-spread-bps, an ArbitrageOpportunity says: buy base_id
//    (the instrument on venue_a) and sell quote_id (the same pair on venue_b).
//  - DEX: pools are learned from discovery messages. When a block's swaps
//    move a pool's marginal price (its quote) by more than --min-move-bps and another DEX has a pool of the
//    same two tokens, the displaced pool is out of line with its twin: a
//    DeFiSignal (CrossDex) to trade against the move, naming both routers and
//    carrying both pool addresses in a PoolAddresses TLV extension.
#include <map>
#include <unordered_map>

#include "alphapulse/client/multi_bus_consumer.hpp"
#include "alphapulse/service/prices.hpp"
#include "alphapulse/service/service.hpp"
#include "alphapulse/wire.hpp"
#include "alphapulse/wire/extensions.hpp"
#include "symbols.hpp"

namespace {

using namespace alphapulse;
using wire::InstrumentId;

struct Options {
    service::CommonOptions common{.config = {}, .name = "arbitrage", .statsIntervalS = 5.0};
    double minSpreadBps = 10;  ///< cross-venue spread needed (covers taker fees on both sides)
    double minMoveBps = 5;     ///< pool price move that makes a DEX signal
    bool stablecoinsAsUsd = true;
    std::uint64_t expiryMs = 500;
};

constexpr std::uint16_t STRATEGY_CROSS_DEX = 2; // DeFiSignal strategy_id (docs/PROTOCOL.md)
constexpr std::uint8_t VENUE_TYPE_UNI_V2 = 1;

struct Pool {
    InstrumentId id;
    wire::EvmAddress address{};
    std::uint64_t chainId = 0;
    InstrumentId token0, token1;
    wire::EvmAddress token0Address{}, token1Address{};
    std::uint32_t feePpm = 0; ///< fee_tier is hundredths of a basis point, the same unit as ppm
    std::int64_t lastPrice = 0;
};

class Strategy {
public:
    Strategy(const Options& options, client::BusClient& signals, service::Stats& stats)
        : m_options(options), m_signals(signals), m_received(stats.counter("market_frames")),
          m_opportunities(stats.counter("arbitrage_opportunities")), m_defiSignals(stats.counter("defi_signals")),
          m_pools(stats.counter("pools_known")), m_failed(stats.counter("failed")) {}

    void onMarketData(const wire::FrameView& frame) {
        ++m_received;
        const auto type = static_cast<wire::MessageType>(frame.messageType());
        if (type == wire::MessageType::PoolDiscovered) return learnPool(frame);
        if (frame.size() < wire::TradeLayout::OFFSET_instrument_id + wire::InstrumentId::SIZE) return;
        const auto id = wire::InstrumentId::read(frame.data() + wire::TradeLayout::OFFSET_instrument_id);
        if (service::isPool(id)) return void(onPoolUpdate(frame)); // Trade, Quote and OrderBook start with it
        if (const auto changed = m_prices.update(frame)) compareVenues(*changed);
    }

private:
    void compareVenues(const InstrumentId& changed) {
        auto& key = m_pairOf[changed];
        if (key.empty()) {
            const auto pair = arbitrage::normalise(changed, m_options.stablecoinsAsUsd);
            key = pair ? pair->key() : "-";
            if (pair) m_venuesOf[key].push_back(changed);
            if (pair && pair->viaStablecoin) m_viaStablecoin[changed] = true;
        }
        if (key == "-") return;
        for (const auto& other : m_venuesOf[key]) {
            if (other.venue == changed.venue) continue;
            check(other, changed); // buy on other, sell on changed
            check(changed, other);
        }
    }

    void check(const InstrumentId& buyAt, const InstrumentId& sellAt) {
        const auto* buy = m_prices.find(buyAt);
        const auto* sell = m_prices.find(sellAt);
        if (buy == nullptr || sell == nullptr || buy->ask <= 0 || sell->bid <= buy->ask) return;
        const double spreadBps = static_cast<double>(sell->bid - buy->ask) * 1e4 / static_cast<double>(buy->ask);
        if (spreadBps < m_options.minSpreadBps) return;
        // Size: what both sides show; per one unit when a venue does not say.
        std::uint64_t size = std::min(buy->askSize, sell->bidSize);
        if (size == 0) size = static_cast<std::uint64_t>(wire::PRICE_SCALE);
        const bool stable = m_viaStablecoin.count(buyAt) + m_viaStablecoin.count(sellAt) > 0;
        std::array<std::uint8_t, wire::ArbitrageOpportunityLayout::SIZE> frame{};
        auto signal = *wire::ArbitrageOpportunityBuilder::into(frame.data(), frame.size());
        const auto now = service::nowNs();
        signal.source(wire::SourceType::ArbitrageStrategy).sequence(m_sequence.next()).timestamp(now);
        signal.base_id(buyAt).quote_id(sellAt).venue_a(buyAt.venue).venue_b(sellAt.venue);
        signal.spread_bps(static_cast<std::uint32_t>(spreadBps));
        signal.estimated_profit(service::notional(sell->bid - buy->ask, size));
        signal.confidence(stable ? 7000 : 9000); // a stablecoin is not quite a dollar
        signal.expires_at(now + m_options.expiryMs * 1'000'000);
        signal.finish();
        if (service::publish(m_signals, frame)) {
            ++m_opportunities;
        } else {
            ++m_failed;
        }
    }

    void learnPool(const wire::FrameView& frame) {
        const auto view = wire::DiscoveryView::parse(frame.data(), frame.size());
        if (!view) return;
        const auto tokens = view->poolTokens();
        const auto address = view->address();
        if (!tokens || !address) return;
        Pool pool;
        pool.id = view->instrumentId();
        pool.address = *address;
        pool.chainId = view->chainId().value_or(1);
        pool.token0 = tokens->token0_id();
        pool.token1 = tokens->token1_id();
        std::copy_n(tokens->token0_address().data(), 20, pool.token0Address.begin());
        std::copy_n(tokens->token1_address().data(), 20, pool.token1Address.begin());
        pool.feePpm = tokens->fee_tier();
        // Announced again (a collector restarted or replays from the start):
        // its price history starts over, lastPrice 0.
        const bool known = m_poolsById.count(pool.id) != 0;
        m_poolsById[pool.id] = pool;
        if (!known) {
            m_poolsByTokens[tokenKey(pool.token0, pool.token1)].push_back(pool.id);
            ++m_pools;
        }
    }

    static std::string tokenKey(const InstrumentId& a, const InstrumentId& b) {
        const auto text = [](const InstrumentId& id) { return std::to_string(id.venue) + ":" + std::to_string(id.assetId); };
        return a.assetId < b.assetId ? text(a) + "|" + text(b) : text(b) + "|" + text(a);
    }

    /// A trade or quote of a known pool: quotes carry the pool's marginal
    /// price after each block (price = token1 in units of token0), trades the
    /// swaps that moved it. True when the frame was a pool's (handled here).
    bool onPoolUpdate(const wire::FrameView& frame) {
        const auto id = m_prices.update(frame);
        if (!id || !service::isPool(*id)) return id.has_value();
        if (frame.messageType() != static_cast<std::uint8_t>(wire::MessageType::Quote)) return true;
        const auto it = m_poolsById.find(*id);
        const auto* book = m_prices.find(*id);
        if (it == m_poolsById.end() || book == nullptr) return true; // not discovered yet: nothing to pair it with
        Pool& pool = it->second;
        const std::int64_t before = pool.lastPrice;
        const std::int64_t mid = (book->bid + book->ask) / 2;
        pool.lastPrice = mid;
        if (before <= 0 || mid <= 0) return true;
        const double moveBps = static_cast<double>(mid - before) * 1e4 / static_cast<double>(before);
        if (std::abs(moveBps) < m_options.minMoveBps || book->lastVolume == 0) return true;
        for (const auto& twinId : m_poolsByTokens[tokenKey(pool.token0, pool.token1)]) {
            const Pool& twin = m_poolsById[twinId];
            if (twin.id.venue == pool.id.venue) continue;
            signalCrossDex(pool, twin, mid, book->lastVolume, moveBps);
            break;
        }
        return true;
    }

    void signalCrossDex(const Pool& moved, const Pool& twin, std::int64_t price, std::uint64_t swapVolume, double moveBps) {
        const auto routerA = service::routerOf(static_cast<wire::VenueId>(moved.id.venue));
        const auto routerB = service::routerOf(static_cast<wire::VenueId>(twin.id.venue));
        if (!routerA || !routerB) return;
        // Trade half the displacing swap back: the moved pool is rich (the
        // swap bought the base token) -> sell base there, else buy it there.
        const bool sellBase = moveBps > 0;
        const std::uint64_t size = swapVolume / 2;
        const auto toQ = [](std::uint64_t fixed8) {
            return (static_cast<wire::Uint128>(fixed8) << 64) / static_cast<wire::Uint128>(wire::PRICE_SCALE);
        };
        const std::int64_t capital = service::notional(price, size);
        // Gross of pool fees (they are in fee_a_ppm and fee_b_ppm): half the move on the size traded.
        const auto profit = static_cast<std::int64_t>(static_cast<double>(capital) * std::abs(moveBps) / 2e4);

        std::array<std::uint8_t, wire::DeFiSignalLayout::SIZE + wire::PoolAddressTlvLayout::SIZE> frame{};
        auto signal = *wire::DeFiSignalBuilder::into(frame.data(), frame.size());
        const auto now = service::nowNs();
        const auto id = ++m_signalCount;
        signal.source(wire::SourceType::ArbitrageStrategy).sequence(m_sequence.next()).timestamp(now);
        signal.strategy_id(STRATEGY_CROSS_DEX).signal_id(m_runId | id).signal_nonce(static_cast<std::uint32_t>(id));
        signal.chain_id(static_cast<std::uint32_t>(moved.chainId)).version(1);
        signal.base_instrument(moved.token1).quote_instrument(moved.token0);
        signal.base_token_addr(moved.token1Address).quote_token_addr(moved.token0Address);
        signal.venue_a_router(*routerA).venue_b_router(*routerB);
        signal.venue_a_type(VENUE_TYPE_UNI_V2).venue_b_type(VENUE_TYPE_UNI_V2);
        signal.fee_a_ppm(moved.feePpm).fee_b_ppm(twin.feePpm);
        signal.direction_flag(sellBase ? 0 : 1);
        signal.confidence(static_cast<std::uint8_t>(std::min(100.0, 40.0 + std::abs(moveBps) * 2)));
        signal.expected_profit_q(static_cast<wire::Int128>(toQ(static_cast<std::uint64_t>(profit))));
        signal.required_capital_q(toQ(static_cast<std::uint64_t>(capital)));
        signal.amount_in_q(sellBase ? toQ(size) : toQ(static_cast<std::uint64_t>(capital)));
        signal.optimal_size_q(toQ(size));
        signal.state_hash(static_cast<std::uint64_t>(price) ^ (moved.id.assetId * 0x9E3779B97F4A7C15ULL));
        signal.slippage_bps(50).price_impact_bps(static_cast<std::uint16_t>(std::min(65535.0, std::abs(moveBps))));
        signal.created_at_sec(static_cast<std::uint32_t>(now / 1'000'000'000ULL));
        wire::TlvWriter tlv(signal.tail(), frame.size() - wire::DeFiSignalLayout::SIZE);
        auto* pools = tlv.reserve(static_cast<std::uint8_t>(wire::TlvType::PoolAddresses),
                                  wire::PoolAddressTlvLayout::LENGTH);
        std::copy(moved.address.begin(), moved.address.end(), pools);
        std::copy(twin.address.begin(), twin.address.end(), pools + 20);
        const auto length = wire::finishDeFiSignal(signal, tlv.size());
        if (length && service::publish(m_signals, std::span(frame.data(), *length))) {
            ++m_defiSignals;
        } else {
            ++m_failed;
        }
    }

    const Options& m_options;
    client::BusClient& m_signals;
    service::Sequence m_sequence;
    service::Prices m_prices;
    std::unordered_map<InstrumentId, std::string, wire::InstrumentIdHash> m_pairOf;
    std::unordered_map<InstrumentId, bool, wire::InstrumentIdHash> m_viaStablecoin;
    std::map<std::string, std::vector<InstrumentId>> m_venuesOf;
    std::unordered_map<InstrumentId, Pool, wire::InstrumentIdHash> m_poolsById;
    std::map<std::string, std::vector<InstrumentId>> m_poolsByTokens;
    // Signal ids stay unique across restarts: the start time in the high bits.
    std::uint64_t m_runId = (service::nowNs() / 1'000'000'000ULL) << 24;
    std::uint64_t m_signalCount = 0;
    std::uint64_t& m_received;
    std::uint64_t& m_opportunities;
    std::uint64_t& m_defiSignals;
    std::uint64_t& m_pools;
    std::uint64_t& m_failed;
};

int runArbitrage(const Options& options) {
    const auto deployment = service::loadDeployment(options.common);
    const auto& name = options.common.name;
    client::MultiBusConsumer consumer;
    consumer.add(wire::Domain::MarketData,
                 service::connect(deployment, wire::Domain::MarketData, name,
                                  {wire::MessageType::Trade, wire::MessageType::Quote, wire::MessageType::OrderBook,
                                   wire::MessageType::PoolDiscovered}));
    consumer.add(wire::Domain::Signals, service::connect(deployment, wire::Domain::Signals, name, {}));
    service::Stats stats(name, options.common.statsIntervalS);
    service::reportRelayErrors(consumer, stats);
    Strategy strategy(options, *consumer.client(wire::Domain::Signals), stats);
    consumer.onDomain(wire::Domain::MarketData, [&](const wire::FrameView& frame) { strategy.onMarketData(frame); });
    while (!service::stopRequested()) {
        consumer.poll(100);
        stats.tick();
    }
    consumer.client(wire::Domain::Signals)->flush();
    stats.print();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"Cross-venue and cross-DEX arbitrage: market data in, ArbitrageOpportunity and DeFiSignal out",
                 "alphapulse-arbitrage"};
    service::addCommonOptions(app, options.common);
    app.add_option("--min-spread-bps", options.minSpreadBps, "Cross-venue spread that makes an opportunity")
        ->capture_default_str();
    app.add_option("--min-move-bps", options.minMoveBps, "Pool price move that makes a DEX signal")
        ->capture_default_str();
    app.add_option("--expiry-ms", options.expiryMs, "Lifetime of an opportunity")->capture_default_str();
    app.add_flag("!--no-stablecoins-as-usd", options.stablecoinsAsUsd,
                 "Do not compare USDT/USDC/... quotes with USD quotes");
    return service::run(app, argc, argv, [&] { return runArbitrage(options); });
}
