// alphapulse-execution-sim: the execution engine, simulated. Every
// OrderRequest is answered on the execution domain as a venue would:
//   OrderStatus New, then a Fill at the quoted price (the ask to buy, the bid
//   to sell, else the last trade; at most the quoted size), then OrderStatus
//   and one final ExecutionReport: Filled, or Canceled for the unfilled rest
//   (the orders are immediate-or-cancel). A limit the market does not reach
//   expires unfilled; an instrument without prices is rejected.
// Exactly one final ExecutionReport per order: the pipeline's check that no
// order goes unanswered counts them.
#include "alphapulse/client/multi_bus_consumer.hpp"
#include "alphapulse/service/prices.hpp"
#include "alphapulse/service/service.hpp"
#include "alphapulse/wire.hpp"

namespace {

using namespace alphapulse;

struct Options {
    service::CommonOptions common{.config = {}, .name = "execution_sim", .statsIntervalS = 5.0};
    double feeBps = 10; ///< taker fee charged on fills
};

constexpr std::uint8_t REJECT_NO_MARKET = 1;
constexpr auto PRICE_WAIT = std::chrono::milliseconds(200);

class Engine {
public:
    Engine(const Options& options, client::BusClient& execution, service::Stats& stats)
        : m_options(options), m_execution(execution), m_orders(stats.counter("orders_received")),
          m_fills(stats.counter("fills_sent")), m_filled(stats.counter("orders_filled")),
          m_partial(stats.counter("orders_partially_filled")), m_expired(stats.counter("orders_expired")),
          m_rejected(stats.counter("orders_rejected")), m_reports(stats.counter("reports_sent")),
          m_statuses(stats.counter("statuses_sent")), m_failed(stats.counter("failed")) {}

    void onMarketData(const wire::FrameView& frame) { m_prices.update(frame); }

    /// An order may overtake the market data it was priced from (they come
    /// over different relays): one without a price here waits, up to
    /// PRICE_WAIT, for the quotes to arrive before it is rejected.
    void onOrder(const wire::FrameView& frame) {
        const auto order = wire::OrderRequestView::parse(frame.data(), frame.size());
        if (!order) return;
        ++m_orders;
        if (!answer(*order, false)) {
            m_waiting.push_back({std::vector<std::uint8_t>(frame.data(), frame.data() + frame.size()),
                                 std::chrono::steady_clock::now() + PRICE_WAIT});
        }
    }

    /// Answers the orders waiting for prices, in the order they came.
    void retryWaiting() {
        const auto now = std::chrono::steady_clock::now();
        while (!m_waiting.empty()) {
            const auto& waiting = m_waiting.front();
            const auto order = *wire::OrderRequestView::parse(waiting.frame.data(), waiting.frame.size());
            if (!answer(order, now >= waiting.deadline)) return;
            m_waiting.erase(m_waiting.begin());
        }
    }

    [[nodiscard]] bool waiting() const noexcept { return !m_waiting.empty(); }

private:
    /// False when there is no price yet and it is not the last chance.
    bool answer(const wire::OrderRequestView& order, bool lastChance) {
        const bool buy = order.side() == static_cast<std::uint8_t>(wire::Side::Buy);
        const auto price = m_prices.takerPrice(order.instrument_id(), buy);
        if (!price && !lastChance) return false;
        Answer answer{order, ++m_venueOrderCount, buy};
        if (!price) {
            ++m_rejected;
            finish(answer, wire::OrderStatus::Rejected, wire::ExecType::Rejected, REJECT_NO_MARKET);
            return true;
        }
        status(answer, wire::OrderStatus::New);
        const bool marketable = order.order_type() == static_cast<std::uint8_t>(wire::OrderType::Market) ||
                                (buy ? *price <= order.price() : *price >= order.price());
        if (!marketable) {
            ++m_expired;
            finish(answer, wire::OrderStatus::Expired, wire::ExecType::Expired, 0);
            return true;
        }
        const auto available = m_prices.takerSize(order.instrument_id(), buy);
        const auto quantity = available > 0 ? std::min(available, order.quantity()) : order.quantity();
        fill(answer, *price, quantity);
        if (quantity == order.quantity()) {
            ++m_filled;
            finish(answer, wire::OrderStatus::Filled, wire::ExecType::Trade, 0);
        } else {
            ++m_partial;
            finish(answer, wire::OrderStatus::Canceled, wire::ExecType::Canceled, 0);
        }
        return true;
    }

    struct Answer {
        wire::OrderRequestView order;
        std::uint64_t venueOrderId;
        bool buy;
        std::uint64_t filled = 0;
        std::int64_t lastPrice = 0;
        std::uint64_t lastQuantity = 0;
    };

    void status(const Answer& answer, wire::OrderStatus state) {
        std::array<std::uint8_t, wire::OrderStatusLayout::SIZE> frame{};
        auto out = *wire::OrderStatusBuilder::into(frame.data(), frame.size());
        header(out);
        out.client_order_id(answer.order.client_order_id()).venue_order_id(answer.venueOrderId);
        out.instrument_id(answer.order.instrument_id()).status(static_cast<std::uint8_t>(state));
        out.side(answer.order.side()).price(answer.order.price()).quantity(answer.order.quantity());
        out.filled_quantity(answer.filled).leaves_quantity(leaves(answer, state));
        out.avg_fill_price(answer.filled > 0 ? answer.lastPrice : 0);
        out.finish();
        send(frame, m_statuses);
    }

    void fill(Answer& answer, std::int64_t price, std::uint64_t quantity) {
        answer.filled = quantity;
        answer.lastPrice = price;
        answer.lastQuantity = quantity;
        std::array<std::uint8_t, wire::FillLayout::SIZE> frame{};
        auto out = *wire::FillBuilder::into(frame.data(), frame.size());
        header(out);
        const auto now = service::nowNs();
        out.client_order_id(answer.order.client_order_id()).venue_order_id(answer.venueOrderId);
        out.fill_id(++m_fillCount).instrument_id(answer.order.instrument_id()).side(answer.order.side());
        out.liquidity(static_cast<std::uint8_t>(wire::Liquidity::Taker)).price(price).quantity(quantity);
        out.fee(static_cast<std::int64_t>(static_cast<double>(service::notional(price, quantity)) * m_options.feeBps / 1e4));
        out.executed_at(now);
        out.finish();
        send(frame, m_fills);
    }

    /// The order's last OrderStatus and its one final ExecutionReport.
    void finish(const Answer& answer, wire::OrderStatus state, wire::ExecType execType, std::uint8_t rejectReason) {
        status(answer, state);
        std::array<std::uint8_t, wire::ExecutionReportLayout::SIZE> frame{};
        auto out = *wire::ExecutionReportBuilder::into(frame.data(), frame.size());
        header(out);
        out.client_order_id(answer.order.client_order_id()).venue_order_id(answer.venueOrderId);
        out.exec_id(++m_execCount).instrument_id(answer.order.instrument_id());
        out.exec_type(static_cast<std::uint8_t>(execType)).order_status(static_cast<std::uint8_t>(state));
        out.side(answer.order.side()).reject_reason(rejectReason);
        out.last_price(answer.lastPrice).last_quantity(answer.lastQuantity);
        out.cumulative_quantity(answer.filled).leaves_quantity(0).avg_price(answer.filled > 0 ? answer.lastPrice : 0);
        out.finish();
        send(frame, m_reports);
    }

    static std::uint64_t leaves(const Answer& answer, wire::OrderStatus state) {
        const bool open = state == wire::OrderStatus::New || state == wire::OrderStatus::PartiallyFilled;
        return open ? answer.order.quantity() - answer.filled : 0;
    }

    template <typename Builder>
    void header(Builder& builder) {
        builder.source(wire::SourceType::ExecutionEngine).sequence(m_sequence.next()).timestamp(service::nowNs());
    }

    void send(std::span<const std::uint8_t> frame, std::uint64_t& counter) {
        if (service::publish(m_execution, frame)) ++counter;
        else ++m_failed;
    }

    const Options& m_options;
    client::BusClient& m_execution;
    service::Prices m_prices;
    struct Waiting {
        std::vector<std::uint8_t> frame;
        std::chrono::steady_clock::time_point deadline;
    };
    std::vector<Waiting> m_waiting;
    service::Sequence m_sequence; ///< strictly +1 per frame (the execution relay requires it)
    std::uint64_t m_venueOrderCount = 0, m_fillCount = 0, m_execCount = 0;
    std::uint64_t& m_orders;
    std::uint64_t& m_fills;
    std::uint64_t& m_filled;
    std::uint64_t& m_partial;
    std::uint64_t& m_expired;
    std::uint64_t& m_rejected;
    std::uint64_t& m_reports;
    std::uint64_t& m_statuses;
    std::uint64_t& m_failed;
};

int runEngine(const Options& options) {
    const auto deployment = service::loadDeployment(options.common);
    const auto& name = options.common.name;
    using wire::MessageType;
    client::MultiBusConsumer consumer;
    consumer.add(wire::Domain::MarketData, service::connect(deployment, wire::Domain::MarketData, name,
                                                            {MessageType::Trade, MessageType::Quote,
                                                             MessageType::OrderBook}));
    consumer.add(wire::Domain::Execution,
                 service::connect(deployment, wire::Domain::Execution, name, {MessageType::OrderRequest}));
    service::Stats stats(name, options.common.statsIntervalS);
    auto& gaps = stats.counter("execution_gaps");
    service::reportRelayErrors(consumer, stats);
    Engine engine(options, *consumer.client(wire::Domain::Execution), stats);
    consumer.onDomain(wire::Domain::MarketData, [&](const wire::FrameView& f) { engine.onMarketData(f); });
    consumer.on(MessageType::OrderRequest, [&](const wire::FrameView& f) { engine.onOrder(f); });
    while (!service::stopRequested()) {
        consumer.poll(engine.waiting() ? 5 : 100);
        engine.retryWaiting();
        gaps = consumer.client(wire::Domain::Execution)->counters().missedFrames;
        stats.tick();
    }
    while (engine.waiting()) { // answer every order taken: the last ones without a price are rejected
        consumer.poll(5);
        engine.retryWaiting();
    }
    // Answers already handed to the client go out before the process does
    // (also those buffered while the relay was away), at most 2 s.
    if (!consumer.client(wire::Domain::Execution)->close(std::chrono::seconds(2))) {
        std::fprintf(stderr, "%s: answers still queued after 2 s were not handed over\n", name.c_str());
    }
    stats.print();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"Simulated execution engine: OrderRequest in; OrderStatus, Fill, ExecutionReport out",
                 "alphapulse-execution-sim"};
    service::addCommonOptions(app, options.common);
    app.add_option("--fee-bps", options.feeBps, "Taker fee on fills")->capture_default_str();
    return service::run(app, argc, argv, [&] { return runEngine(options); });
}
