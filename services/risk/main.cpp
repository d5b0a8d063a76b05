// alphapulse-risk: portfolio and risk. Signals in, orders out, fills back.
//
// Turns signals into OrderRequests (limit, immediate-or-cancel) on the
// execution domain, but only within limits: the notional of one order, the
// position per instrument (counting orders still open), the number of open
// orders and the order rate. Fills update positions, each published as a
// PositionUpdate on the signals domain; every order is tracked until its
// final ExecutionReport. On SIGTERM it stops ordering and waits (a bounded
// time) for the answers to the orders it sent, so counts add up.
#include <cmath>
#include <deque>
#include <unordered_map>

#include "alphapulse/client/multi_bus_consumer.hpp"
#include "alphapulse/service/prices.hpp"
#include "alphapulse/service/service.hpp"
#include "alphapulse/wire.hpp"
#include "alphapulse/wire/extensions.hpp"

namespace {

using namespace alphapulse;
using wire::InstrumentId;
using Clock = std::chrono::steady_clock;

struct Options {
    service::CommonOptions common{.config = {}, .name = "risk", .statsIntervalS = 5.0};
    double maxOrderNotional = 10'000;   ///< in the instrument's quote currency
    double maxPositionNotional = 50'000;
    std::size_t maxOpenOrders = 20;
    double maxOrdersPerSecond = 20;
    std::uint32_t accountId = 1;
    double drainS = 3;
};

constexpr auto PRICE_WAIT = std::chrono::milliseconds(200);

struct Position {
    std::int64_t quantity = 0; ///< signed, x 1e8
    std::int64_t avgPrice = 0;
    std::int64_t realizedPnl = 0;
};

struct OpenOrder {
    InstrumentId instrument;
    bool buy = true;
    std::uint64_t quantity = 0;
    std::uint64_t filled = 0;
};

class Portfolio {
public:
    Portfolio(const Options& options, client::BusClient& execution, client::BusClient& signals,
              service::Stats& stats)
        : m_options(options), m_execution(execution), m_signals(signals),
          m_signalsIn(stats.counter("signals_received")), m_ordersSent(stats.counter("orders_sent")),
          m_limited(stats.counter("orders_refused_by_limits")), m_noPrice(stats.counter("signals_without_price")),
          m_statuses(stats.counter("statuses_received")), m_fills(stats.counter("fills_received")),
          m_reports(stats.counter("reports_received")), m_finals(stats.counter("orders_answered")),
          m_positionUpdates(stats.counter("position_updates")), m_open(stats.counter("open_orders")),
          m_failed(stats.counter("failed")) {}

    void onMarketData(const wire::FrameView& frame) { m_prices.update(frame); }

    /// A signal may overtake the market data it was computed from (they come
    /// over different relays): one without a price here waits, up to
    /// PRICE_WAIT, for the quotes to arrive.
    void onSignal(const wire::FrameView& frame) {
        if (m_draining) return;
        ++m_signalsIn;
        if (!handleSignal(frame, false)) {
            m_waiting.push_back({std::vector<std::uint8_t>(frame.data(), frame.data() + frame.size()),
                                 Clock::now() + PRICE_WAIT});
        }
    }

    /// Retries the signals waiting for prices (after market data arrived).
    void retryWaiting() {
        const auto now = Clock::now();
        for (auto it = m_waiting.begin(); it != m_waiting.end();) {
            const bool lastChance = now >= it->deadline;
            if (handleSignal(wire::FrameView{it->frame.data(), it->frame.size()}, lastChance) || lastChance) {
                it = m_waiting.erase(it);
            } else {
                ++it;
            }
        }
    }

    /// False when a price is missing and it is not the last chance.
    bool handleSignal(const wire::FrameView& frame, bool lastChance) {
        const auto noPrice = [&] {
            if (lastChance) ++m_noPrice;
            return lastChance;
        };
        if (frame.messageType() == static_cast<std::uint8_t>(wire::MessageType::ArbitrageOpportunity)) {
            const auto opportunity = wire::ArbitrageOpportunityView::parse(frame.data(), frame.size());
            if (!opportunity || opportunity->expires_at() < service::nowNs()) return true;
            // Both legs or none: buy where it is cheap, sell where it is dear.
            const auto buyPrice = m_prices.takerPrice(opportunity->base_id(), true);
            const auto sellPrice = m_prices.takerPrice(opportunity->quote_id(), false);
            if (!buyPrice || !sellPrice) return noPrice();
            const auto quantity = sizeFor(*buyPrice, 0);
            if (!allowed(opportunity->base_id(), true, *buyPrice, quantity, 2) ||
                !allowed(opportunity->quote_id(), false, *sellPrice, quantity, 2)) {
                ++m_limited;
                return true;
            }
            sendOrder(opportunity->base_id(), true, *buyPrice, quantity, 0);
            sendOrder(opportunity->quote_id(), false, *sellPrice, quantity, 0);
        } else if (frame.messageType() == static_cast<std::uint8_t>(wire::MessageType::DeFiSignal)) {
            const auto signal = wire::DeFiSignalView::parse(frame.data(), frame.size());
            if (!signal || signal->expected_profit_q() <= 0) return true;
            // The pool to trade is venue A's, named by the PoolAddresses extension and venue A's router.
            const auto pools = wire::findTlv(signal->data() + wire::DeFiSignalLayout::SIZE,
                                             signal->size() - wire::DeFiSignalLayout::SIZE,
                                             static_cast<std::uint8_t>(wire::TlvType::PoolAddresses));
            const auto dex = service::dexOfRouter(signal->venue_a_router().data());
            if (pools.value == nullptr || pools.length != wire::PoolAddressTlvLayout::LENGTH || !dex) return true;
            wire::EvmAddress poolAddress{};
            std::copy_n(pools.value, poolAddress.size(), poolAddress.begin());
            const auto pool = wire::InstrumentId::fromAddress(*dex, wire::AssetType::Pool, poolAddress);
            if (!pool) return true;
            const bool buy = signal->direction_flag() == 1;
            const auto price = m_prices.takerPrice(*pool, buy);
            if (!price) return noPrice();
            const auto suggested = static_cast<std::uint64_t>(
                (signal->optimal_size_q() * static_cast<wire::Uint128>(wire::PRICE_SCALE)) >> 64);
            const auto quantity = sizeFor(*price, suggested);
            if (!allowed(*pool, buy, *price, quantity, 1)) {
                ++m_limited;
                return true;
            }
            // Limit at the signal's slippage from the current price: immediate or cancel.
            const double slip = static_cast<double>(signal->slippage_bps()) / 1e4;
            const auto limit = static_cast<std::int64_t>(static_cast<double>(*price) * (buy ? 1 + slip : 1 - slip));
            sendOrder(*pool, buy, limit, quantity, signal->signal_id());
        }
        return true;
    }

    void onExecution(const wire::FrameView& frame) {
        switch (static_cast<wire::MessageType>(frame.messageType())) {
        case wire::MessageType::OrderStatus: ++m_statuses; break;
        case wire::MessageType::Fill: {
            const auto fill = wire::FillView::parse(frame.data(), frame.size());
            if (!fill) break;
            ++m_fills;
            const auto it = m_orders.find(fill->client_order_id());
            if (it != m_orders.end()) it->second.filled += fill->quantity();
            applyFill(fill->instrument_id(), fill->side() == static_cast<std::uint8_t>(wire::Side::Buy), fill->price(),
                      fill->quantity());
            break;
        }
        case wire::MessageType::ExecutionReport: {
            const auto report = wire::ExecutionReportView::parse(frame.data(), frame.size());
            if (!report) break;
            ++m_reports;
            const auto status = static_cast<wire::OrderStatus>(report->order_status());
            const bool final = status == wire::OrderStatus::Filled || status == wire::OrderStatus::Canceled ||
                               status == wire::OrderStatus::Rejected || status == wire::OrderStatus::Expired;
            if (final && m_orders.erase(report->client_order_id()) > 0) ++m_finals;
            m_open = m_orders.size();
            break;
        }
        default: break;
        }
    }

    void startDraining() { m_draining = true; }
    [[nodiscard]] bool idle() const noexcept { return m_orders.empty(); }
    [[nodiscard]] bool waiting() const noexcept { return !m_waiting.empty(); }

private:
    /// The order size: the suggestion if any, never above the notional limit.
    std::uint64_t sizeFor(std::int64_t price, std::uint64_t suggested) const {
        const double maxQuantity = m_options.maxOrderNotional / (static_cast<double>(price) / wire::PRICE_SCALE);
        auto quantity = static_cast<std::uint64_t>(maxQuantity * wire::PRICE_SCALE);
        if (suggested > 0) quantity = std::min(quantity, suggested);
        return quantity;
    }

    /// Whether one more order fits every limit (`orders` about to be sent at once).
    bool allowed(const InstrumentId& instrument, bool buy, std::int64_t price, std::uint64_t quantity,
                 std::size_t orders) {
        if (quantity == 0) return false;
        if (m_orders.size() + orders > m_options.maxOpenOrders) return false;
        // Rate: orders sent in the last second.
        const auto now = Clock::now();
        while (!m_sentAt.empty() && now - m_sentAt.front() > std::chrono::seconds(1)) m_sentAt.pop_front();
        if (static_cast<double>(m_sentAt.size() + orders) > m_options.maxOrdersPerSecond) return false;
        // Position: what is held plus every open order on the same side, as if all filled.
        std::int64_t exposure = m_positions[instrument].quantity;
        for (const auto& [id, order] : m_orders) {
            if (order.instrument == instrument) {
                const auto open = static_cast<std::int64_t>(order.quantity - order.filled);
                exposure += order.buy ? open : -open;
            }
        }
        exposure += buy ? static_cast<std::int64_t>(quantity) : -static_cast<std::int64_t>(quantity);
        const double exposureNotional = std::abs(static_cast<double>(exposure) / wire::PRICE_SCALE *
                                                 static_cast<double>(price) / wire::PRICE_SCALE);
        return exposureNotional <= m_options.maxPositionNotional;
    }

    void sendOrder(const InstrumentId& instrument, bool buy, std::int64_t price, std::uint64_t quantity,
                   std::uint64_t signalId) {
        std::array<std::uint8_t, wire::OrderRequestLayout::SIZE> frame{};
        auto order = *wire::OrderRequestBuilder::into(frame.data(), frame.size());
        const auto clientOrderId = m_runId | ++m_orderCount;
        order.source(wire::SourceType::RiskManager).sequence(m_sequence.next()).timestamp(service::nowNs());
        order.client_order_id(clientOrderId).instrument_id(instrument);
        order.side(static_cast<std::uint8_t>(buy ? wire::Side::Buy : wire::Side::Sell));
        order.order_type(static_cast<std::uint8_t>(wire::OrderType::Limit));
        order.time_in_force(static_cast<std::uint8_t>(wire::TimeInForce::ImmediateOrCancel));
        order.price(price).quantity(quantity).account_id(m_options.accountId).signal_id(signalId);
        order.finish();
        if (!service::publish(m_execution, frame)) return void(++m_failed);
        m_orders[clientOrderId] = OpenOrder{instrument, buy, quantity, 0};
        m_sentAt.push_back(Clock::now());
        ++m_ordersSent;
        m_open = m_orders.size();
    }

    void applyFill(const InstrumentId& instrument, bool buy, std::int64_t price, std::uint64_t quantity) {
        Position& position = m_positions[instrument];
        const auto signedQuantity = buy ? static_cast<std::int64_t>(quantity) : -static_cast<std::int64_t>(quantity);
        const bool adding = position.quantity == 0 || (position.quantity > 0) == buy;
        if (adding) {
            // Average price of what is held, weighted by quantity.
            const wire::Int128 cost = static_cast<wire::Int128>(position.avgPrice) * std::abs(position.quantity) +
                                      static_cast<wire::Int128>(price) * static_cast<wire::Int128>(quantity);
            position.quantity += signedQuantity;
            position.avgPrice = static_cast<std::int64_t>(cost / std::abs(position.quantity));
        } else {
            const auto closed = std::min<std::int64_t>(std::abs(position.quantity), static_cast<std::int64_t>(quantity));
            const auto perUnit = position.quantity > 0 ? price - position.avgPrice : position.avgPrice - price;
            position.realizedPnl += service::notional(perUnit, static_cast<std::uint64_t>(closed));
            position.quantity += signedQuantity;
            if (position.quantity == 0) position.avgPrice = 0;
            else if ((position.quantity > 0) == buy) position.avgPrice = price; // flipped side
        }
        const auto mark = m_prices.mark(instrument).value_or(price);
        const auto unrealized = position.quantity == 0 ? 0
                                : position.quantity > 0
                                    ? service::notional(mark - position.avgPrice, static_cast<std::uint64_t>(position.quantity))
                                    : service::notional(position.avgPrice - mark, static_cast<std::uint64_t>(-position.quantity));
        std::array<std::uint8_t, wire::PositionUpdateLayout::SIZE> frame{};
        auto update = *wire::PositionUpdateBuilder::into(frame.data(), frame.size());
        update.source(wire::SourceType::PortfolioManager).sequence(m_signalSequence.next()).timestamp(service::nowNs());
        update.instrument_id(instrument).quantity(position.quantity).avg_price(position.avgPrice);
        update.realized_pnl(position.realizedPnl).unrealized_pnl(unrealized);
        update.finish();
        if (service::publish(m_signals, frame)) ++m_positionUpdates;
        else ++m_failed;
    }

    const Options& m_options;
    client::BusClient& m_execution;
    client::BusClient& m_signals;
    service::Prices m_prices;
    service::Sequence m_sequence;       ///< execution: strictly +1 per frame (the relay requires it)
    service::Sequence m_signalSequence;
    std::unordered_map<std::uint64_t, OpenOrder> m_orders;
    std::unordered_map<InstrumentId, Position, wire::InstrumentIdHash> m_positions;
    std::deque<Clock::time_point> m_sentAt;
    struct Waiting {
        std::vector<std::uint8_t> frame;
        Clock::time_point deadline;
    };
    std::vector<Waiting> m_waiting;
    std::uint64_t m_runId = (service::nowNs() / 1'000'000'000ULL) << 24; // order ids unique across restarts
    std::uint64_t m_orderCount = 0;
    bool m_draining = false;
    std::uint64_t& m_signalsIn;
    std::uint64_t& m_ordersSent;
    std::uint64_t& m_limited;
    std::uint64_t& m_noPrice;
    std::uint64_t& m_statuses;
    std::uint64_t& m_fills;
    std::uint64_t& m_reports;
    std::uint64_t& m_finals;
    std::uint64_t& m_positionUpdates;
    std::uint64_t& m_open;
    std::uint64_t& m_failed;
};

int runRisk(const Options& options) {
    const auto deployment = service::loadDeployment(options.common);
    const auto& name = options.common.name;
    using wire::MessageType;
    client::MultiBusConsumer consumer;
    consumer.add(wire::Domain::MarketData, service::connect(deployment, wire::Domain::MarketData, name,
                                                            {MessageType::Trade, MessageType::Quote,
                                                             MessageType::OrderBook}));
    consumer.add(wire::Domain::Signals, service::connect(deployment, wire::Domain::Signals, name,
                                                         {MessageType::ArbitrageOpportunity, MessageType::DeFiSignal}));
    consumer.add(wire::Domain::Execution, service::connect(deployment, wire::Domain::Execution, name,
                                                           {MessageType::OrderStatus, MessageType::Fill,
                                                            MessageType::ExecutionReport}));
    service::Stats stats(name, options.common.statsIntervalS);
    auto& gaps = stats.counter("execution_gaps");
    service::reportRelayErrors(consumer, stats);
    Portfolio portfolio(options, *consumer.client(wire::Domain::Execution), *consumer.client(wire::Domain::Signals),
                        stats);
    consumer.onDomain(wire::Domain::MarketData, [&](const wire::FrameView& f) { portfolio.onMarketData(f); });
    consumer.onDomain(wire::Domain::Signals, [&](const wire::FrameView& f) { portfolio.onSignal(f); });
    consumer.onDomain(wire::Domain::Execution, [&](const wire::FrameView& f) { portfolio.onExecution(f); });
    const auto track = [&] { gaps = consumer.client(wire::Domain::Execution)->counters().missedFrames; };
    while (!service::stopRequested()) {
        consumer.poll(portfolio.waiting() ? 5 : 100);
        portfolio.retryWaiting();
        track();
        stats.tick();
    }
    portfolio.startDraining();
    const auto deadline = Clock::now() + std::chrono::duration<double>(options.drainS);
    while (!portfolio.idle() && Clock::now() < deadline) consumer.poll(50);
    track();
    stats.print();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"Portfolio and risk: signals in, OrderRequests within limits out, fills to positions",
                 "alphapulse-risk"};
    service::addCommonOptions(app, options.common);
    app.add_option("--max-order-notional", options.maxOrderNotional, "Largest order, in quote currency")
        ->capture_default_str();
    app.add_option("--max-position-notional", options.maxPositionNotional,
                   "Largest position per instrument, counting open orders")
        ->capture_default_str();
    app.add_option("--max-open-orders", options.maxOpenOrders, "Orders awaiting their final report")
        ->capture_default_str();
    app.add_option("--max-orders-per-second", options.maxOrdersPerSecond, "Order rate")->capture_default_str();
    app.add_option("--account", options.accountId, "account_id of the orders")->capture_default_str();
    app.add_option("--drain-s", options.drainS, "On stop, longest wait for answers to open orders")
        ->capture_default_str();
    return service::run(app, argc, argv, [&] { return runRisk(options); });
}
