// BusClient and MultiBusConsumer over the shared-memory transport: the
// Subscribe frame a client sends is applied locally, and a connection
// without a descriptor (pollFd() == -1) is still served beside others.
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "alphapulse/client/multi_bus_consumer.hpp"
#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/transport/channel_transport.hpp"
#include "alphapulse/transport/shm_transport.hpp"
#include "test_frames.hpp"

using namespace alphapulse;
using transport::ShmTransport;

namespace {

std::string uniqueName(const char* what) { return "alphapulse-test-" + std::to_string(::getpid()) + "-" + what; }

std::unique_ptr<ShmTransport> shm(const std::string& name) {
    auto o = ShmTransport::defaults(wire::Domain::MarketData);
    o.name = name;
    o.sizeBytes = 1 << 20;
    o.prefault = false;
    return std::make_unique<ShmTransport>(o);
}

} // namespace

TEST(ShmClient, BusClientPublishesAndSubscribesOverSharedMemory) {
    const auto name = uniqueName("client");
    client::ClientOptions producerOptions;
    producerOptions.subscription = std::bitset<256>{}; // a pure producer
    client::BusClient producer(shm(name), producerOptions);
    client::ClientOptions consumerOptions;
    consumerOptions.subscription = client::typesOf({wire::MessageType::Trade});
    client::BusClient consumer(shm(name), consumerOptions);
    ASSERT_TRUE(producer.connected());
    ASSERT_TRUE(consumer.connected());
    EXPECT_EQ(consumer.pollFd(), -1);
    for (std::uint64_t s = 1; s <= 100; ++s) {
        ASSERT_EQ(producer.publish(fixtures::tradeFrame(4, s)), transport::SendStatus::Ok);
    }
    std::uint64_t got = 0;
    auto handler = [&](const wire::FrameView&) { ++got; };
    for (int i = 0; i < 100 && got < 100; ++i) consumer.poll(handler, 10);
    EXPECT_EQ(got, 100U);
    EXPECT_EQ(consumer.counters().gaps, 0U);
    auto none = [](const wire::FrameView&) {};
    EXPECT_EQ(producer.poll(none, 0), 0) << "subscribed to nothing";
}

TEST(ShmClient, MultiBusConsumerServesAConnectionWithoutDescriptor) {
    const auto name = uniqueName("multi");
    transport::ChannelHub::Options hubOptions;
    hubOptions.name = "execution";
    hubOptions.domain = wire::Domain::Execution;
    auto hub = transport::ChannelHub::create(hubOptions);
    client::ClientOptions producerOnly;
    producerOnly.subscription = std::bitset<256>{};
    client::BusClient mdProducer(shm(name), producerOnly);

    client::MultiBusConsumer multi;
    multi.add(wire::Domain::MarketData, std::make_unique<client::BusClient>(shm(name), client::ClientOptions{}));
    multi.add(wire::Domain::Execution,
              std::make_unique<client::BusClient>(std::make_unique<transport::ChannelTransport>(hub),
                                                    client::ClientOptions{}));
    int trades = 0, orders = 0;
    multi.on(wire::MessageType::Trade, [&](const wire::FrameView&) { ++trades; });
    multi.onDomain(wire::Domain::Execution, [&](const wire::FrameView&) { ++orders; });

    // Nothing there: poll() honours its timeout.
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(multi.poll(30), 0);
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(25));

    // A frame on the shared-memory ring arriving while poll() waits wakes it.
    std::thread later([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        mdProducer.publish(fixtures::tradeFrame(1, 1));
    });
    int n = 0;
    for (int i = 0; i < 50 && n == 0; ++i) n += multi.poll(100);
    later.join();
    EXPECT_EQ(trades, 1);

    // And the descriptor-backed connection is still served beside it.
    transport::ChannelTransport orderProducer(hub);
    ASSERT_TRUE(orderProducer.connect());
    ASSERT_EQ(orderProducer.send(fixtures::orderFrame(1, 1)), transport::SendStatus::Ok);
    for (int i = 0; i < 50 && orders == 0; ++i) multi.poll(100);
    EXPECT_EQ(orders, 1);
    EXPECT_EQ(trades, 1);
}
