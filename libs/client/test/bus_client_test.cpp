// BusClient and MultiBusConsumer over in-process channels (the transport
// interface's second implementation): the same code runs over Unix sockets.
#include <gtest/gtest.h>

#include <type_traits>

#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/client/multi_bus_consumer.hpp"
// The names before the rename still compile (deprecated for one release).
#include "alphapulse/client/multi_relay_consumer.hpp"
#include "alphapulse/client/relay_client.hpp"
#include "alphapulse/transport/channel_transport.hpp"
#include "test_frames.hpp"

using namespace alphapulse;
using client::ClientOptions;
using client::BusClient;
using client::MultiBusConsumer;
using transport::ChannelHub;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static_assert(std::is_same_v<client::RelayClient, BusClient>);
static_assert(std::is_same_v<client::MultiRelayConsumer, MultiBusConsumer>);
#pragma GCC diagnostic pop
using transport::ChannelTransport;

namespace {

std::unique_ptr<BusClient> clientOn(const std::shared_ptr<ChannelHub>& hub, ClientOptions options = {}) {
    return std::make_unique<BusClient>(std::make_unique<ChannelTransport>(hub), std::move(options));
}

int drain(BusClient& c, std::vector<std::uint64_t>* seqs = nullptr) {
    int total = 0;
    auto handler = [&](const wire::FrameView& f) {
        if (seqs != nullptr) seqs->push_back(f.sequence());
    };
    for (int n = c.poll(handler, 0); n > 0; n = c.poll(handler, 0)) total += n;
    return total;
}

} // namespace

TEST(BusClient, DetectsGapsPerSource) {
    auto hub = ChannelHub::create({});
    auto producer = clientOn(hub);
    auto consumer = clientOn(hub);
    std::vector<std::tuple<std::uint8_t, std::uint64_t, std::uint64_t>> gaps;
    consumer->onGap([&](std::uint8_t s, std::uint64_t first, std::uint64_t n) { gaps.emplace_back(s, first, n); });
    for (std::uint64_t seq : {1u, 2u, 3u, 7u, 8u}) producer->publish(fixtures::tradeFrame(5, seq));
    for (std::uint64_t seq : {1u, 2u}) producer->publish(fixtures::tradeFrame(6, seq));
    EXPECT_EQ(drain(*consumer), 7);
    EXPECT_EQ(consumer->counters().gaps, 1u);
    EXPECT_EQ(consumer->counters().missedFrames, 3u);
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0], std::make_tuple(std::uint8_t{5}, std::uint64_t{4}, std::uint64_t{3}));
}

TEST(BusClient, PureProducerReceivesNothingAndSubscriberOnlyItsTypes) {
    auto hub = ChannelHub::create({});
    ClientOptions producerOnly;
    producerOnly.subscription = std::bitset<256>{};
    auto producer = clientOn(hub, producerOnly);
    ClientOptions quotes;
    quotes.subscription = client::typesOf({wire::MessageType::Quote});
    auto quoteConsumer = clientOn(hub, quotes);
    auto other = clientOn(hub);
    other->publish(fixtures::tradeFrame(2, 1));
    EXPECT_EQ(drain(*producer), 0);
    EXPECT_EQ(drain(*quoteConsumer), 0);
    producer->publish(fixtures::tradeFrame(1, 1));
    EXPECT_EQ(drain(*other), 1);
}

TEST(BusClient, BuffersWhileDisconnectedWithinItsBoundThenSendsInOrder) {
    auto hub = ChannelHub::create({});
    auto consumer = clientOn(hub);
    ClientOptions options;
    options.maxBufferedBytes = 3 * wire::TradeLayout::SIZE;
    options.initialBackoff = std::chrono::milliseconds(0);
    options.closeTimeout = std::chrono::milliseconds(0); // `offline` never connects: nothing to wait for
    auto producer = clientOn(hub, options);
    producer->transport().close(); // the bus went away
    // The first publish reconnects at once (back-off 0): make it stay down by
    // testing the buffer through a transport that cannot connect instead.
    struct NeverConnects final : transport::Transport {
        bool connect() override { return false; }
        bool connected() const noexcept override { return false; }
        transport::SendStatus send(std::span<const std::uint8_t>) override { return transport::SendStatus::Closed; }
        bool flush() override { return false; }
        std::size_t pendingBytes() const noexcept override { return 0; }
        int receive(transport::FrameHandler, int) override { return -1; }
        int pollFd() const noexcept override { return -1; }
        void close() noexcept override {}
        const std::string& reason() const noexcept override { return m_reason; }
        std::string describe() const override { return "never"; }
        std::string m_reason = "down";
    };
    BusClient offline(std::make_unique<NeverConnects>(), options);
    for (std::uint64_t i = 1; i <= 3; ++i) EXPECT_EQ(offline.publish(fixtures::tradeFrame(1, i)), transport::SendStatus::Ok);
    EXPECT_EQ(offline.publish(fixtures::tradeFrame(1, 4)), transport::SendStatus::WouldBlock);
    EXPECT_EQ(offline.bufferedBytes(), 3 * wire::TradeLayout::SIZE);

    // With a real (channel) transport the buffered frames go out on reconnect, first and in order.
    for (std::uint64_t i = 1; i <= 3; ++i) producer->publish(fixtures::tradeFrame(1, i));
    std::vector<std::uint64_t> seqs;
    drain(*consumer, &seqs);
    EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2, 3}));
    EXPECT_GE(producer->counters().reconnects, 1u);
}

TEST(MultiBusConsumer, DispatchesByTypeThenDomainThenOther) {
    auto market = ChannelHub::create({"md", wire::Domain::MarketData});
    auto execution = ChannelHub::create({"ex", wire::Domain::Execution, 10'000, false});
    MultiBusConsumer dashboard;
    dashboard.add(wire::Domain::MarketData, clientOn(market));
    dashboard.add(wire::Domain::Execution, clientOn(execution));
    EXPECT_THROW(dashboard.add(wire::Domain::Execution, clientOn(execution)), std::invalid_argument);
    int trades = 0;
    int executionFrames = 0;
    int other = 0;
    dashboard.on(wire::MessageType::Trade, [&](const wire::FrameView&) { ++trades; });
    dashboard.onDomain(wire::Domain::Execution, [&](const wire::FrameView&) { ++executionFrames; });
    dashboard.onOther([&](const wire::FrameView&) { ++other; });

    auto collector = clientOn(market);
    auto portfolio = clientOn(execution);
    collector->publish(fixtures::tradeFrame(1, 1));
    portfolio->publish(fixtures::orderFrame(60, 1));
    portfolio->publish(fixtures::orderFrame(60, 2));
    int got = 0;
    for (int i = 0; i < 10 && got < 3; ++i) got += dashboard.poll(100);
    EXPECT_EQ(got, 3);
    EXPECT_EQ(trades, 1);
    EXPECT_EQ(executionFrames, 2);
    EXPECT_EQ(other, 0);
}
