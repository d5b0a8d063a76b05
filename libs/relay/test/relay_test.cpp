// The relay in this process (a thread), clients over real Unix sockets.
// Multi-process tests with the alphapulse command are in test/relay/.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/relay/relay.hpp"
#include "alphapulse/transport/tcp_transport.hpp"
#include "alphapulse/transport/unix_socket.hpp"
#include "alphapulse/transport/unix_socket_transport.hpp"
#include "alphapulse/wire/relay_errors.hpp"
#include "test_frames.hpp"

using namespace alphapulse;
using relay::DropReason;
using relay::Relay;
using relay::RelayConfig;
using transport::UnixSocketTransport;

namespace {

class RunningRelay {
public:
    explicit RunningRelay(RelayConfig config) {
        char tmpl[] = "/tmp/alphapulse-relay-test-XXXXXX";
        m_dir = ::mkdtemp(tmpl);
        config.socketPath = m_dir + "/relay.sock";
        m_relay = std::make_unique<Relay>(config);
        m_thread = std::thread([this] { m_relay->run(/*handleSignals=*/false); });
    }
    ~RunningRelay() {
        m_relay->stop();
        m_thread.join();
        m_relay.reset();
        std::filesystem::remove_all(m_dir);
    }
    [[nodiscard]] std::string path() const { return m_relay->config().socketPath; }
    [[nodiscard]] relay::RelayStats stats() const { return m_relay->stats(); }
    [[nodiscard]] std::uint64_t drops(DropReason r) const { return stats().drops[static_cast<std::size_t>(r)]; }

private:
    std::string m_dir;
    std::unique_ptr<Relay> m_relay;
    std::thread m_thread;
};

std::unique_ptr<client::BusClient> connectTo(const RunningRelay& relay, client::ClientOptions options = {}) {
    // Small buffers: what is in flight stays well below the relay's queue
    // bounds even when this thread is preempted (the tests count drops).
    UnixSocketTransport::Options transportOptions{relay.path()};
    transportOptions.sendBufferBytes = 256 << 10;
    transportOptions.socketBufferBytes = 256 << 10;
    auto c = std::make_unique<client::BusClient>(std::make_unique<UnixSocketTransport>(transportOptions),
                                                   std::move(options));
    EXPECT_TRUE(c->connected()) << c->transport().reason();
    return c;
}

client::ClientOptions producerOnly() {
    client::ClientOptions o;
    o.subscription = std::bitset<256>{};
    return o;
}

/// Receives until `count` frames arrived or `timeoutMs` passed.
std::vector<std::vector<std::uint8_t>> receive(client::BusClient& c, std::size_t count, int timeoutMs = 3000) {
    std::vector<std::vector<std::uint8_t>> got;
    auto handler = [&](const wire::FrameView& f) { got.emplace_back(f.data(), f.data() + f.size()); };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (got.size() < count && std::chrono::steady_clock::now() < deadline) c.poll(handler, 20);
    return got;
}

template <typename Pred>
bool eventually(Pred pred, int timeoutMs = 3000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return pred();
}

/// A client that connects and never reads, with a small receive buffer so the
/// relay's queue for it fills instead of the kernel's.
int connectNeverReading(const RunningRelay& relay) {
    const int fd = transport::connectUnix(relay.path());
    int tiny = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof tiny);
    return fd;
}

/// Wait until the relay has registered `n` clients (and their subscriptions).
void waitClients(const RunningRelay& relay, std::size_t n) {
    ASSERT_TRUE(eventually([&] { return relay.stats().clients.size() == n; }));
}

} // namespace

TEST(Relay, FansOutToEveryOtherClientInOrderWithoutEcho) {
    RunningRelay relay(relay::defaultConfig(wire::Domain::MarketData));
    auto a = connectTo(relay);
    auto b = connectTo(relay);
    auto c = connectTo(relay);
    waitClients(relay, 3);
    std::vector<std::uint8_t> batch;
    for (std::uint64_t i = 1; i <= 1000; ++i) fixtures::append(batch, fixtures::tradeFrame(1, i));
    ASSERT_EQ(a->publish(batch), transport::SendStatus::Ok);
    for (auto* consumer : {b.get(), c.get()}) {
        const auto got = receive(*consumer, 1000);
        ASSERT_EQ(got.size(), 1000u);
        for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], fixtures::tradeFrame(1, i + 1));
    }
    EXPECT_TRUE(receive(*a, 1, 100).empty()) << "no echo to the sender";
}

TEST(Relay, SubscriptionsSelectTypesAndOtherDomainsAreDropped) {
    RunningRelay relay(relay::defaultConfig(wire::Domain::MarketData));
    auto producer = connectTo(relay, producerOnly());
    client::ClientOptions quotes;
    quotes.subscription = client::typesOf({wire::MessageType::Quote});
    auto quoteConsumer = connectTo(relay, quotes);
    auto everything = connectTo(relay);
    waitClients(relay, 3);
    ASSERT_TRUE(eventually([&] { return relay.stats().clients[1].subscribed; }));
    producer->publish(fixtures::tradeFrame(1, 1));
    producer->publish(fixtures::orderFrame(1, 2)); // execution type on market data
    const auto got = receive(*everything, 2, 500);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], fixtures::tradeFrame(1, 1));
    EXPECT_TRUE(receive(*quoteConsumer, 1, 100).empty());
    EXPECT_EQ(relay.drops(DropReason::OutOfDomain), 1u);
}

TEST(Relay, BadChecksumDroppedWhereValidatedConnectionKept) {
    auto config = relay::defaultConfig(wire::Domain::Signals);
    RunningRelay relay(config);
    auto producer = connectTo(relay, producerOnly());
    auto consumer = connectTo(relay);
    waitClients(relay, 2);
    std::vector<std::uint8_t> frame(wire::ArbitrageOpportunityLayout::SIZE);
    auto b = *wire::ArbitrageOpportunityBuilder::into(frame.data(), frame.size());
    b.sequence(1).spread_bps(12);
    b.finish();
    auto corrupt = frame;
    corrupt[60] ^= 1;
    producer->publish(corrupt);
    producer->publish(frame);
    const auto got = receive(*consumer, 2, 500);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], frame);
    EXPECT_EQ(relay.drops(DropReason::BadChecksum), 1u);
}

TEST(Relay, GarbageClosesOnlyThatConnection) {
    RunningRelay relay(relay::defaultConfig(wire::Domain::MarketData));
    auto consumer = connectTo(relay);
    auto good = connectTo(relay, producerOnly());
    const int bad = transport::connectUnix(relay.path());
    ASSERT_GE(bad, 0);
    waitClients(relay, 3);
    const char garbage[] = "GET / HTTP/1.1\r\nHost: relay\r\n\r\n";
    ASSERT_TRUE(transport::writeAll(bad, garbage, sizeof garbage));
    ASSERT_TRUE(eventually([&] { return relay.drops(DropReason::Desynchronised) == 1; }));
    char byte = 0;
    EXPECT_TRUE(eventually([&] { return ::recv(bad, &byte, 1, MSG_DONTWAIT) == 0; })) << "closed by the relay";
    ::close(bad);
    good->publish(fixtures::tradeFrame(1, 1));
    EXPECT_EQ(receive(*consumer, 1).size(), 1u);
}

TEST(Relay, ExecutionRejectsSequenceGapsAndReportsThem) {
    RunningRelay relay(relay::defaultConfig(wire::Domain::Execution));
    auto producer = connectTo(relay);
    auto engine = connectTo(relay);
    waitClients(relay, 2);
    for (std::uint64_t seq : {1u, 2u, 4u, 3u}) producer->publish(fixtures::orderFrame(60, seq));
    const auto got = receive(*engine, 3, 500);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0], fixtures::orderFrame(60, 1));
    EXPECT_EQ(got[1], fixtures::orderFrame(60, 2));
    EXPECT_EQ(got[2], fixtures::orderFrame(60, 3));
    EXPECT_EQ(relay.drops(DropReason::BadSequence), 1u);
    // The producer is told (an Error frame from the relay).
    const auto report = receive(*producer, 1, 500);
    ASSERT_EQ(report.size(), 1u);
    EXPECT_EQ(report[0][wire::header::MESSAGE_TYPE_OFFSET], static_cast<std::uint8_t>(wire::MessageType::Error));
    EXPECT_EQ(producer->counters().relayErrors, 1u);
}

TEST(Relay, SequencesAreCheckedPerSourceOnAConnection) {
    RunningRelay relay(relay::defaultConfig(wire::Domain::Execution));
    auto producer = connectTo(relay); // carries two sources, as a bridge does
    auto engine = connectTo(relay);
    waitClients(relay, 2);
    for (const auto& [source, seq] : std::vector<std::pair<std::uint8_t, std::uint64_t>>{
             {60, 1}, {61, 7}, {60, 2}, {61, 8}, {61, 10}, {60, 3}}) {
        producer->publish(fixtures::orderFrame(source, seq));
    }
    const auto got = receive(*engine, 5, 500);
    ASSERT_EQ(got.size(), 5u);
    EXPECT_EQ(got[3], fixtures::orderFrame(61, 8));
    EXPECT_EQ(got[4], fixtures::orderFrame(60, 3)) << "source 61's gap does not concern source 60";
    EXPECT_EQ(relay.drops(DropReason::BadSequence), 1u);
}

TEST(Relay, MarketDataDropsForTheSlowConsumerOnly) {
    auto config = relay::defaultConfig(wire::Domain::MarketData);
    // Above any burst the relay can read at once (at most ~12,000 frames are
    // in flight from the producer), below what the slow one is sent.
    config.maxQueueSize = 100'000;
    config.circuitBreaker = 80'000;
    config.socketBufferBytes = 64 << 10; // so the kernel does not absorb what the relay must shed
    RunningRelay relay(config);
    auto producer = connectTo(relay, producerOnly());
    auto fast = connectTo(relay);
    const int slow = connectNeverReading(relay);
    waitClients(relay, 3);
    constexpr std::uint64_t TOTAL = 250'000;
    std::size_t fastGot = 0;
    std::uint64_t expected = 1;
    auto handler = [&](const wire::FrameView& f) {
        EXPECT_EQ(f.sequence(), expected++);
        ++fastGot;
    };
    for (std::uint64_t i = 1; i <= TOTAL; ++i) {
        while (producer->publish(fixtures::tradeFrame(1, i)) != transport::SendStatus::Ok) fast->poll(handler, 0);
        if (i % 256 == 0) fast->poll(handler, 0);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (fastGot < TOTAL && std::chrono::steady_clock::now() < deadline) {
        producer->flush(); // what the producer's transport still holds
        fast->poll(handler, 20);
    }
    EXPECT_EQ(fastGot, TOTAL) << "the fast consumer lost nothing; relay: " << relay.stats().toJson();
    EXPECT_GT(relay.drops(DropReason::QueueFull), 0u) << "the slow one was shed";
    ::close(slow);
}

TEST(Relay, ExecutionDisconnectsAConsumerThatCannotKeepUpAndLosesNothingElse) {
    auto config = relay::defaultConfig(wire::Domain::Execution);
    config.maxQueueSize = 2000;
    config.circuitBreaker = 1600;
    config.slowConsumerTimeoutMs = 300;
    config.socketBufferBytes = 64 << 10;
    RunningRelay relay(config);
    auto producer = connectTo(relay, producerOnly());
    auto engine = connectTo(relay);
    const int stuck = connectNeverReading(relay);
    waitClients(relay, 3);
    // A connection that never speaks is held by the journaled relay for its
    // first 100 ms (docs/design/recovery.md), then served like any consumer.
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    constexpr std::uint64_t TOTAL = 20'000;
    std::uint64_t expected = 1;
    std::size_t got = 0;
    auto handler = [&](const wire::FrameView& f) {
        if (f.messageType() != static_cast<std::uint8_t>(wire::MessageType::OrderRequest)) return;
        EXPECT_EQ(f.sequence(), expected++);
        ++got;
    };
    // The engine reads on its own thread, as an engine does: polled between
    // the producer's publishes, it would not be read while publishBlocking()
    // waits for the paused relay, and could be taken for a slow consumer too.
    std::atomic<bool> engineDone{false};
    std::thread engineThread([&] {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (got < TOTAL && std::chrono::steady_clock::now() < deadline) engine->poll(handler, 20);
        engineDone = true;
    });
    std::uint64_t accepted = 0;
    while (accepted < TOTAL &&
           producer->publishBlocking(fixtures::orderFrame(60, accepted + 1), std::chrono::seconds(10))) {
        ++accepted;
    }
    EXPECT_EQ(accepted, TOTAL) << "publishBlocking gave up";
    while (!engineDone) {
        producer->flush();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    engineThread.join();
    EXPECT_EQ(got, TOTAL) << "every order reached the engine, in order; relay: " << relay.stats().toJson();
    EXPECT_EQ(relay.drops(DropReason::SlowConsumer), 1u);
    EXPECT_EQ(relay.drops(DropReason::QueueFull), 0u);
    EXPECT_GE(relay.stats().producerPauses, 1u);
    ::close(stuck);
}

TEST(Relay, OnlyItsOwnUserProducesOnExecutionByDefault) {
    const auto config = relay::defaultConfig(wire::Domain::Execution);
    EXPECT_FALSE(config.producersAnyone);
    EXPECT_TRUE(config.validateChecksums);
    EXPECT_TRUE(config.requireSequence);
    EXPECT_EQ(config.maxQueueSize, 10'000u);
    EXPECT_EQ(config.circuitBreaker, 8'000u);
    const auto md = relay::defaultConfig(wire::Domain::MarketData);
    EXPECT_EQ(md.maxQueueSize, 1'000'000u);
    EXPECT_EQ(md.circuitBreaker, 800'000u);
    EXPECT_FALSE(md.validateChecksums);
    const auto sig = relay::defaultConfig(wire::Domain::Signals);
    EXPECT_EQ(sig.maxQueueSize, 100'000u);
    EXPECT_TRUE(sig.validateChecksums);
    EXPECT_FALSE(sig.requireSequence);
}

TEST(Relay, StaleSocketFileDoesNotStopANewRelayButALiveOneDoes) {
    char tmpl[] = "/tmp/alphapulse-stale-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    auto config = relay::defaultConfig(wire::Domain::System);
    config.socketPath = dir + "/system.sock";
    {
        // A socket file nobody listens on: what a crashed relay leaves.
        const int fd = transport::listenUnix(config.socketPath, 0600);
        ::close(fd);
    }
    ASSERT_TRUE(std::filesystem::exists(config.socketPath));
    {
        Relay first(config);
        EXPECT_THROW(Relay second(config), std::runtime_error);
    }
    EXPECT_FALSE(std::filesystem::exists(config.socketPath)) << "removed on shutdown";
    std::filesystem::remove_all(dir);
}

// ---- TCP ----

namespace {

std::uint16_t freeTcpPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    ::close(fd);
    return ntohs(addr.sin_port);
}

std::unique_ptr<client::BusClient> connectTcp(std::uint16_t port, client::ClientOptions options = {}) {
    transport::TcpTransport::Options o;
    o.port = port;
    o.sendBufferBytes = 256 << 10;
    o.socketBufferBytes = 256 << 10;
    return std::make_unique<client::BusClient>(std::make_unique<transport::TcpTransport>(o), std::move(options));
}

} // namespace

TEST(RelayTcp, FansOutOverTcpWithThePeerAddressInStats) {
    auto config = relay::defaultConfig(wire::Domain::MarketData);
    const auto port = freeTcpPort();
    config.tcpAddress = "127.0.0.1:" + std::to_string(port);
    RunningRelay relay(config);
    auto consumer = connectTcp(port);
    ASSERT_TRUE(consumer->connected()) << consumer->transport().reason();
    ASSERT_TRUE(eventually([&] { return relay.stats().clients.size() == 1; }));
    {
        auto producer = connectTcp(port, producerOnly());
        std::vector<std::uint8_t> frames;
        for (std::uint64_t s = 1; s <= 200; ++s) fixtures::append(frames, fixtures::tradeFrame(3, s));
        ASSERT_EQ(producer->publish(frames), transport::SendStatus::Ok);
    } // gone right after writing: its frames still arrive (TcpTransport closes gracefully)
    const auto got = receive(*consumer, 200);
    ASSERT_EQ(got.size(), 200u);
    for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(wire::FrameView(got[i].data(), got[i].size()).sequence(), i + 1);
    }
    const auto stats = relay.stats();
    EXPECT_EQ(stats.socketPath, "tcp:127.0.0.1:" + std::to_string(port));
    ASSERT_FALSE(stats.clients.empty());
    EXPECT_EQ(stats.clients[0].peer.rfind("127.0.0.1:", 0), 0u) << stats.clients[0].peer;
}

TEST(RelayTcp, RefusesPeersOutsideAllowedAddresses) {
    auto config = relay::defaultConfig(wire::Domain::Execution);
    const auto port = freeTcpPort();
    config.tcpAddress = "127.0.0.1:" + std::to_string(port);
    config.allowedAddresses = {"127.0.0.2"}; // this test connects from 127.0.0.1
    RunningRelay relay(config);
    auto c = connectTcp(port);
    ASSERT_TRUE(eventually([&] { return relay.stats().connectionsRefused == 1; }));
    int closed = 0;
    auto ignore = [](const wire::FrameView&) {};
    for (int i = 0; i < 100 && closed >= 0; ++i) closed = c->transport().receive(ignore, 10);
    EXPECT_EQ(closed, -1) << "the relay closed the connection";
    EXPECT_EQ(relay.stats().connectionsAccepted, 0u);
}

// ---- nothing lost silently, bounded memory and clients (issue 11) ----

namespace {

/// The Error frames in `frames`, as (error_code, related_sequence).
std::vector<std::pair<std::uint16_t, std::uint64_t>> errorsIn(const std::vector<std::vector<std::uint8_t>>& frames) {
    std::vector<std::pair<std::uint16_t, std::uint64_t>> out;
    for (const auto& f : frames) {
        const auto view = wire::ErrorView::parse(f.data(), f.size(), /*verifyChecksum=*/true);
        if (view) out.emplace_back(view->error_code(), view->related_sequence());
    }
    return out;
}

} // namespace

TEST(Relay, ExecutionCountsOrdersNoConsumerReceivedAndTellsTheProducer) {
    RunningRelay relay(relay::defaultConfig(wire::Domain::Execution));
    auto producer = connectTo(relay, producerOnly());
    waitClients(relay, 1);
    for (std::uint64_t seq = 1; seq <= 5; ++seq) producer->publish(fixtures::orderFrame(60, seq));
    ASSERT_TRUE(eventually([&] { return relay.drops(DropReason::NoConsumer) == 5; })) << relay.stats().toJson();
    const auto errors = errorsIn(receive(*producer, 1, 1000));
    ASSERT_EQ(errors.size(), 1u) << "one Error for the first order nobody received";
    EXPECT_EQ(errors[0].first, static_cast<std::uint16_t>(wire::RelayError::NoConsumer));
    EXPECT_EQ(errors[0].second, 1u);
    // A consumer arrives: the next orders reach it, and the sequence the
    // relay checks carried on through the undelivered ones.
    auto engine = connectTo(relay);
    waitClients(relay, 2);
    for (std::uint64_t seq = 6; seq <= 8; ++seq) producer->publish(fixtures::orderFrame(60, seq));
    const auto got = receive(*engine, 3);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0], fixtures::orderFrame(60, 6));
    EXPECT_EQ(relay.drops(DropReason::NoConsumer), 5u);
    EXPECT_EQ(relay.drops(DropReason::BadSequence), 0u);
}

TEST(Relay, SignalsCountATypeNoConsumerSubscribedTo) {
    RunningRelay relay(relay::defaultConfig(wire::Domain::Signals));
    auto producer = connectTo(relay, producerOnly());
    client::ClientOptions other;
    other.subscription = client::typesOf({wire::MessageType::DeFiSignal});
    auto consumer = connectTo(relay, other);
    waitClients(relay, 2);
    ASSERT_TRUE(eventually([&] { return relay.stats().clients[1].subscribed; }));
    std::vector<std::uint8_t> frame(wire::ArbitrageOpportunityLayout::SIZE);
    auto b = *wire::ArbitrageOpportunityBuilder::into(frame.data(), frame.size());
    b.sequence(1).spread_bps(12);
    b.finish();
    producer->publish(frame);
    ASSERT_TRUE(eventually([&] { return relay.drops(DropReason::NoConsumer) == 1; })) << relay.stats().toJson();
    EXPECT_TRUE(receive(*consumer, 1, 100).empty());
}

TEST(Relay, MarketDataDoesNotCountFramesNobodyWants) {
    RunningRelay relay(relay::defaultConfig(wire::Domain::MarketData));
    auto producer = connectTo(relay, producerOnly());
    waitClients(relay, 1);
    producer->publish(fixtures::tradeFrame(1, 1));
    auto consumer = connectTo(relay);
    waitClients(relay, 2);
    producer->publish(fixtures::tradeFrame(1, 2));
    ASSERT_EQ(receive(*consumer, 1).size(), 1u);
    EXPECT_EQ(relay.drops(DropReason::NoConsumer), 0u) << "market data is lossy by design";
}

TEST(Relay, ProducerIsToldOfOutOfDomainAndBadChecksumFramesOnce) {
    RunningRelay relay(relay::defaultConfig(wire::Domain::Signals));
    auto producer = connectTo(relay, producerOnly());
    auto consumer = connectTo(relay);
    waitClients(relay, 2);
    for (std::uint64_t i = 1; i <= 3; ++i) producer->publish(fixtures::tradeFrame(1, i)); // market data on signals
    std::vector<std::uint8_t> frame(wire::ArbitrageOpportunityLayout::SIZE);
    auto b = *wire::ArbitrageOpportunityBuilder::into(frame.data(), frame.size());
    b.sequence(9).spread_bps(12);
    b.finish();
    frame[60] ^= 1;
    producer->publish(frame);
    producer->publish(frame);
    const auto errors = errorsIn(receive(*producer, 2, 3000));
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_TRUE(receive(*producer, 1, 200).empty()) << "each reason is reported once per connection";
    EXPECT_EQ(errors[0], std::make_pair(static_cast<std::uint16_t>(wire::RelayError::OutOfDomain), std::uint64_t{1}));
    EXPECT_EQ(errors[1], std::make_pair(static_cast<std::uint16_t>(wire::RelayError::BadChecksum), std::uint64_t{9}));
    EXPECT_EQ(relay.drops(DropReason::OutOfDomain), 3u);
    EXPECT_EQ(relay.drops(DropReason::BadChecksum), 2u);
}

TEST(Relay, RefusesClientsBeyondMaxClientsSayingWhy) {
    auto config = relay::defaultConfig(wire::Domain::MarketData);
    config.maxClients = 2;
    RunningRelay relay(config);
    auto a = connectTo(relay);
    auto b = connectTo(relay, producerOnly());
    waitClients(relay, 2);
    const int third = transport::connectUnix(relay.path());
    ASSERT_GE(third, 0);
    std::vector<std::uint8_t> got(wire::ErrorLayout::SIZE);
    std::size_t have = 0;
    ASSERT_TRUE(eventually([&] {
        const auto n = ::recv(third, got.data() + have, got.size() - have, MSG_DONTWAIT);
        if (n > 0) have += static_cast<std::size_t>(n);
        return have == got.size();
    }));
    const auto error = wire::ErrorView::parse(got.data(), got.size(), true);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->error_code(), static_cast<std::uint16_t>(wire::RelayError::RelayFull));
    char byte = 0;
    EXPECT_TRUE(eventually([&] { return ::recv(third, &byte, 1, MSG_DONTWAIT) == 0; })) << "then closed";
    ::close(third);
    EXPECT_EQ(relay.stats().connectionsRefused, 1u);
    b->publish(fixtures::tradeFrame(1, 1));
    EXPECT_EQ(receive(*a, 1).size(), 1u) << "the clients it has are served";
}

TEST(Relay, MarketDataShedsAtTheRelayBudgetAndStaysUnderIt) {
    auto config = relay::defaultConfig(wire::Domain::MarketData);
    config.maxTotalQueueBytes = 2u << 20;
    config.socketBufferBytes = 64 << 10;
    RunningRelay relay(config);
    auto producer = connectTo(relay, producerOnly());
    auto fast = connectTo(relay);
    std::vector<int> idle;
    for (int i = 0; i < 4; ++i) {
        idle.push_back(connectNeverReading(relay));
    }
    waitClients(relay, 6);
    constexpr std::uint64_t TOTAL = 200'000;
    std::uint64_t got = 0;
    std::uint64_t peak = 0;
    auto handler = [&](const wire::FrameView&) { ++got; };
    std::vector<std::uint8_t> batch;
    for (std::uint64_t i = 1; i <= TOTAL; ++i) {
        fixtures::append(batch, fixtures::tradeFrame(1, i));
        if (batch.size() < 64 * 256) continue;
        while (producer->publish(batch) != transport::SendStatus::Ok) fast->poll(handler, 0);
        batch.clear();
        fast->poll(handler, 0);
        if (i % 20'000 == 0) peak = std::max(peak, relay.stats().queueMemory);
    }
    // Until the producer's transport is empty and nothing arrived for 300 ms
    // (the fast consumer may be shed some too: the budget is shared).
    auto quietSince = std::chrono::steady_clock::now();
    const auto deadline = quietSince + std::chrono::seconds(10);
    while (got < TOTAL && std::chrono::steady_clock::now() < deadline &&
           (producer->transport().pendingBytes() != 0 || std::chrono::steady_clock::now() - quietSince < std::chrono::milliseconds(300))) {
        producer->flush();
        if (fast->poll(handler, 20) > 0) quietSince = std::chrono::steady_clock::now();
    }
    const auto stats = relay.stats();
    EXPECT_GT(stats.drops[static_cast<std::size_t>(DropReason::MemoryLimit)], 0u) << stats.toJson();
    EXPECT_LE(std::max(peak, stats.queueMemory), config.maxTotalQueueBytes) << stats.toJson();
    EXPECT_EQ(stats.queueMemoryLimit, config.maxTotalQueueBytes);
    EXPECT_GT(got, TOTAL / 2) << "the consumer that reads keeps getting frames";
    for (int fd : idle) ::close(fd);
}

TEST(Relay, BackpressureAtTheRelayBudgetDisconnectsTheConsumerHoldingMost) {
    auto config = relay::defaultConfig(wire::Domain::Signals);
    config.maxQueueSize = 1'000'000; // only the relay's budget binds
    config.circuitBreaker = 900'000;
    config.maxQueueBytes = 256u << 20;
    config.maxTotalQueueBytes = 1u << 20;
    config.slowConsumerTimeoutMs = 300;
    config.socketBufferBytes = 64 << 10;
    RunningRelay relay(config);
    auto producer = connectTo(relay, producerOnly());
    auto engine = connectTo(relay);
    const int stuck = connectNeverReading(relay);
    waitClients(relay, 3);
    constexpr std::uint64_t TOTAL = 40'000;
    std::uint64_t got = 0;
    auto handler = [&](const wire::FrameView& f) {
        if (f.messageType() == static_cast<std::uint8_t>(wire::MessageType::ArbitrageOpportunity)) ++got;
    };
    std::vector<std::uint8_t> frame(wire::ArbitrageOpportunityLayout::SIZE);
    for (std::uint64_t i = 1; i <= TOTAL; ++i) {
        auto b = *wire::ArbitrageOpportunityBuilder::into(frame.data(), frame.size());
        b.sequence(i).spread_bps(12);
        b.finish();
        ASSERT_TRUE(producer->publishBlocking(frame, std::chrono::seconds(10))) << relay.stats().toJson();
        engine->poll(handler, 0);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (got < TOTAL && std::chrono::steady_clock::now() < deadline) {
        producer->flush();
        engine->poll(handler, 20);
    }
    const auto stats = relay.stats();
    EXPECT_EQ(got, TOTAL) << stats.toJson();
    EXPECT_EQ(stats.drops[static_cast<std::size_t>(DropReason::SlowConsumer)], 1u) << stats.toJson();
    EXPECT_EQ(stats.drops[static_cast<std::size_t>(DropReason::NoConsumer)], 0u);
    EXPECT_LE(stats.queueMemory, config.maxTotalQueueBytes);
    ::close(stuck);
}
