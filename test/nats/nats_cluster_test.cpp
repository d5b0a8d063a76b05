// A 3-node nats-server cluster with JetStream: one node is killed mid-stream.
// Core clients fail over to the other nodes; a replicated stream with
// acknowledged publishing and an acknowledging durable consumer loses nothing.
#include <gtest/gtest.h>

#include "nats_server.hpp"
#include "nats_test_frames.hpp"
#include "nats_test_util.hpp"

using namespace alphapulse;
using namespace alphapulse::natstest;

namespace {

std::size_t nodeOf(NatsCluster& cluster, const std::string& url) {
    for (std::size_t i = 0; i < 3; ++i) {
        if (cluster.node(i).url() == url) return i;
    }
    return 3;
}

/// Connects once the cluster's JetStream is ready (a meta leader is elected
/// some seconds after the nodes start): until then creating the stream fails.
std::unique_ptr<client::BusClient> connectWhenReady(const nats::NatsOptions& options,
                                                      std::optional<std::bitset<256>> subscription, const std::string& name) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        auto c = natsClient(options, subscription, name);
        if (c->connected() || std::chrono::steady_clock::now() > deadline) return c;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
}

} // namespace

TEST(NatsCluster, NodeKilledMidStreamClientsFailOverJetStreamLosesNothing) {
    TempDir dir;
    NatsCluster cluster(dir.path());

    // Core NATS: a market data producer and consumer.
    auto md = busOptions(cluster.urls(), wire::Domain::MarketData);
    auto mdProducer = natsClient(md, std::bitset<256>{}, "md-producer");
    auto mdConsumer = natsClient(md, std::nullopt, "md-consumer");
    ASSERT_TRUE(mdProducer->connected()) << mdProducer->transport().reason();

    // JetStream: execution on a stream replicated on the three nodes.
    auto ex = busOptions(cluster.urls(), wire::Domain::Execution);
    ex.validateChecksums = true;
    ex.requireSequence = true;
    ex.dropWhenFull = false;
    ex.jetstream.enabled = true;
    ex.jetstream.ack = true;
    ex.jetstream.replicas = 3;
    ex.jetstream.ackTimeoutMs = 1000;
    ex.jetstream.ackWaitMs = 2000;
    ex.jetstream.durable = "engine";
    auto exProducer = connectWhenReady(ex, std::bitset<256>{}, "ex-producer");
    ASSERT_TRUE(exProducer->connected()) << exProducer->transport().reason();
    auto exConsumer = connectWhenReady(ex, std::nullopt, "engine");
    ASSERT_TRUE(exConsumer->connected()) << exConsumer->transport().reason();

    std::set<std::uint64_t> orders;
    std::uint64_t trades = 0;
    auto onOrder = [&](const wire::FrameView& f) { orders.insert(f.sequence()); };
    auto onTrade = [&](const wire::FrameView&) { ++trades; };
    ASSERT_TRUE(waitFor([&] {
        exConsumer->poll(onOrder, 10);
        mdConsumer->poll(onTrade, 10);
        return natsOf(*exConsumer).counters().inflight == 0; // subscriptions made on first poll
    }, 5000));

    constexpr std::uint64_t N = 3000;
    std::size_t killed = 3;
    for (std::uint64_t seq = 1; seq <= N; ++seq) {
        if (seq == N / 3) {
            // Kill the node the execution producer is connected to.
            killed = nodeOf(cluster, natsOf(*exProducer).connectedUrl());
            ASSERT_LT(killed, 3u);
            cluster.node(killed).kill();
        }
        ASSERT_TRUE(exProducer->publishBlocking(order(80, seq), std::chrono::seconds(30))) << seq;
        exConsumer->poll(onOrder, 0);
    }
    EXPECT_TRUE(natsOf(*exProducer).waitAcknowledged(60'000)) << natsOf(*exProducer).counters().inflight;
    EXPECT_TRUE(pollUntil(*exConsumer, onOrder, [&] { return orders.size() == N; }, 60'000)) << orders.size();
    EXPECT_EQ(orders.size(), N);
    EXPECT_EQ(natsOf(*exProducer).counters().publishErrors, 0u);
    EXPECT_NE(nodeOf(cluster, natsOf(*exProducer).connectedUrl()), killed);

    // Core clients fail over: once both are on surviving nodes, frames flow again.
    ASSERT_TRUE(waitFor([&] {
        mdConsumer->poll(onTrade, 10);
        const auto p = nodeOf(cluster, natsOf(*mdProducer).connectedUrl());
        const auto c = nodeOf(cluster, natsOf(*mdConsumer).connectedUrl());
        return p != killed && c != killed && p < 3 && c < 3;
    }, 20'000));
    std::this_thread::sleep_for(std::chrono::milliseconds(500)); // interest propagates between nodes
    const auto before = trades;
    for (std::uint64_t seq = 1; seq <= 1000; ++seq) ASSERT_EQ(mdProducer->publish(trade(1, seq)), transport::SendStatus::Ok);
    mdProducer->flush();
    EXPECT_TRUE(pollUntil(*mdConsumer, onTrade, [&] { return trades - before >= 1000; }, 10'000)) << trades - before;
}
