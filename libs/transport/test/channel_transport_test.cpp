#include <gtest/gtest.h>

#include <thread>

#include "alphapulse/transport/channel_transport.hpp"
#include "test_frames.hpp"

using namespace alphapulse;
using transport::ChannelHub;
using transport::ChannelTransport;
using transport::SendStatus;

namespace {

std::vector<std::uint64_t> drain(ChannelTransport& t, int timeoutMs = 0) {
    std::vector<std::uint64_t> seqs;
    auto handler = [&](const wire::FrameView& f) { seqs.push_back(f.sequence()); };
    while (t.receive(handler, timeoutMs) > 0) {
    }
    return seqs;
}

} // namespace

TEST(ChannelTransport, FansOutToEveryOtherEndpointNeverBackToTheSender) {
    auto hub = ChannelHub::create({});
    ChannelTransport a(hub), b(hub), c(hub);
    ASSERT_TRUE(a.connect() && b.connect() && c.connect());
    std::vector<std::uint8_t> batch;
    for (std::uint64_t i = 1; i <= 10; ++i) fixtures::append(batch, fixtures::tradeFrame(1, i));
    ASSERT_EQ(a.send(batch), SendStatus::Ok);
    EXPECT_EQ(drain(b).size(), 10u);
    EXPECT_EQ(drain(c).size(), 10u);
    EXPECT_TRUE(drain(a).empty());
}

TEST(ChannelTransport, DropsOtherDomainsAndHonoursSubscriptions) {
    auto hub = ChannelHub::create({});
    ChannelTransport producer(hub), quotesOnly(hub), all(hub);
    ASSERT_TRUE(producer.connect() && quotesOnly.connect() && all.connect());
    std::array<std::uint8_t, wire::SubscribeLayout::SIZE> subscribe{};
    std::array<std::uint8_t, 32> mask{};
    mask[static_cast<std::uint8_t>(wire::MessageType::Quote) / 8] = 1U << (static_cast<std::uint8_t>(wire::MessageType::Quote) % 8);
    auto b = *wire::SubscribeBuilder::into(subscribe.data(), subscribe.size());
    b.message_types(mask);
    b.finish();
    ASSERT_EQ(quotesOnly.send(subscribe), SendStatus::Ok);

    ASSERT_EQ(producer.send(fixtures::tradeFrame(1, 1)), SendStatus::Ok);
    ASSERT_EQ(producer.send(fixtures::orderFrame(1, 2)), SendStatus::Ok); // execution: not on market data
    EXPECT_TRUE(drain(quotesOnly).empty());
    EXPECT_EQ(drain(all), std::vector<std::uint64_t>{1});
    EXPECT_EQ(hub->counters().dropsOutOfDomain, 1u);
}

TEST(ChannelTransport, FullQueueDropsOrPushesBackByPolicy) {
    auto dropping = ChannelHub::create({"md", wire::Domain::MarketData, 5, true});
    ChannelTransport p(dropping), slow(dropping);
    ASSERT_TRUE(p.connect() && slow.connect());
    for (std::uint64_t i = 1; i <= 8; ++i) EXPECT_EQ(p.send(fixtures::tradeFrame(1, i)), SendStatus::Ok);
    EXPECT_EQ(drain(slow).size(), 5u);
    EXPECT_EQ(dropping->counters().dropsQueueFull, 3u);

    auto blocking = ChannelHub::create({"md", wire::Domain::MarketData, 5, false});
    ChannelTransport p2(blocking), slow2(blocking);
    ASSERT_TRUE(p2.connect() && slow2.connect());
    for (std::uint64_t i = 1; i <= 5; ++i) EXPECT_EQ(p2.send(fixtures::tradeFrame(1, i)), SendStatus::Ok);
    EXPECT_EQ(p2.send(fixtures::tradeFrame(1, 6)), SendStatus::WouldBlock);
    EXPECT_EQ(drain(slow2).size(), 5u);
    EXPECT_EQ(p2.send(fixtures::tradeFrame(1, 6)), SendStatus::Ok);
}

TEST(ChannelTransport, ConcurrentProducersKeepPerProducerOrder) {
    auto hub = ChannelHub::create({"md", wire::Domain::MarketData, 1'000'000, false});
    ChannelTransport consumer(hub);
    ASSERT_TRUE(consumer.connect());
    constexpr int PRODUCERS = 3;
    constexpr std::uint64_t EACH = 2000;
    std::vector<std::thread> threads;
    for (int p = 0; p < PRODUCERS; ++p) {
        threads.emplace_back([&hub, p] {
            ChannelTransport t(hub);
            t.connect();
            for (std::uint64_t i = 1; i <= EACH; ++i) {
                while (t.send(fixtures::tradeFrame(static_cast<std::uint8_t>(p + 1), i)) != SendStatus::Ok) {
                }
            }
        });
    }
    std::vector<std::uint64_t> last(PRODUCERS + 1, 0);
    std::uint64_t total = 0;
    auto handler = [&](const wire::FrameView& f) {
        EXPECT_EQ(f.sequence(), last[f.source()] + 1);
        last[f.source()] = f.sequence();
        ++total;
    };
    while (total < PRODUCERS * EACH) consumer.receive(handler, 1000);
    for (auto& t : threads) t.join();
    EXPECT_EQ(total, PRODUCERS * EACH);
}

TEST(ChannelTransport, NamedHubsAreSharedInTheProcessWhileHeld) {
    ChannelHub::Options options;
    options.name = "named-hub-test";
    options.domain = wire::Domain::Signals;
    auto first = ChannelHub::named(options, {});
    auto second = ChannelHub::named(options, {});
    EXPECT_EQ(first.get(), second.get());
    auto otherDomain = options;
    otherDomain.domain = wire::Domain::Execution;
    EXPECT_THROW(static_cast<void>(ChannelHub::named(otherDomain, {})), std::invalid_argument);
    first.reset();
    second.reset();
    // Nobody holds it any more: the next caller's options make a new one.
    auto fresh = ChannelHub::named(otherDomain, {});
    EXPECT_EQ(fresh->options().domain, wire::Domain::Execution);
}

TEST(ChannelTransport, ValidationDropsBadChecksums) {
    ChannelHub::Validation validation;
    validation.validateChecksums = true;
    auto hub = ChannelHub::create({}, validation);
    ChannelTransport producer(hub), consumer(hub);
    ASSERT_TRUE(producer.connect() && consumer.connect());
    auto bad = fixtures::tradeFrame(1, 1);
    bad[wire::header::CHECKSUM_OFFSET] ^= 0x5A;
    ASSERT_EQ(producer.send(bad), SendStatus::Ok);
    ASSERT_EQ(producer.send(fixtures::tradeFrame(1, 2)), SendStatus::Ok);
    EXPECT_EQ(drain(consumer), std::vector<std::uint64_t>{2});
    EXPECT_EQ(hub->counters().dropsBadChecksum, 1u);
}

TEST(ChannelTransport, ValidationChecksSequencesPerSourceAndEndpoint) {
    ChannelHub::Options options;
    options.domain = wire::Domain::Execution;
    ChannelHub::Validation validation;
    validation.requireSequence = true;
    auto hub = ChannelHub::create(options, validation);
    ChannelTransport producer(hub), other(hub), consumer(hub);
    ASSERT_TRUE(producer.connect() && other.connect() && consumer.connect());
    for (const auto& [source, seq] : std::vector<std::pair<std::uint8_t, std::uint64_t>>{{1, 1}, {2, 5}, {1, 3}, {1, 2}}) {
        ASSERT_EQ(producer.send(fixtures::orderFrame(source, seq)), SendStatus::Ok);
    }
    ASSERT_EQ(other.send(fixtures::orderFrame(1, 50)), SendStatus::Ok); // its own sources
    EXPECT_EQ(drain(consumer), (std::vector<std::uint64_t>{1, 5, 2, 50}));
    EXPECT_EQ(hub->counters().dropsBadSequence, 1u);
}
