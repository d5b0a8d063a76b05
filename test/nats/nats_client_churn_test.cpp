// NATS clients started and stopped many times while their domain is flooded
// (issue 11). nats.c 3.4.1 (Debian's) reads a subscription pointer on its
// read-loop thread without a reference (upstream #637): a subscription
// unsubscribed and destroyed while that thread still delivers to it is used
// after it was freed, and the process dies (SIGSEGV, SIGABRT, SIGILL). These
// tests go through what services use (config::makeClient, BusClient) so
// they catch any path that frees a subscription under the read loop: start,
// run-time Subscribe frames, and close.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "../../libs/nats/test/nats_test_frames.hpp"
#include "alphapulse/config/deployment.hpp"
#include "nats_server.hpp"
#include "nats_test_util.hpp"

using namespace alphapulse;
using namespace alphapulse::natstest;
using client::typesOf;
using wire::MessageType;

namespace {

constexpr const char* PREFIX = "churn";
constexpr auto BOUND = std::chrono::seconds(45); ///< each test's own time limit (ctest's is 180 s)

/// A deployment with market data on the server, as the services read it.
config::Deployment deployment(const TempDir& dir, const NatsServer& server) {
    const std::string path = (dir.path() / "deploy.yaml").string();
    std::ofstream(path) << "alphapulse:\n  runtime_dir: " << dir.path().string()
                        << "\n  market_data:\n    transport: nats\n    servers: [\"" << server.url()
                        << "\"]\n    subject_prefix: " << PREFIX << "\n";
    return config::loadDeployment(path);
}

/// Another publisher (plain nats.c) sending trades on the domain as fast as
/// it can, so that nats.c's read loop is always delivering.
class Flood {
public:
    explicit Flood(const std::string& url) {
        if (natsConnection_ConnectTo(&m_conn, url.c_str()) != NATS_OK) throw std::runtime_error("flood: cannot connect");
        m_thread = std::thread([this] { run(); });
    }
    ~Flood() {
        m_stop = true;
        m_thread.join();
        natsConnection_Destroy(m_conn);
    }
    Flood(const Flood&) = delete;
    Flood& operator=(const Flood&) = delete;

    [[nodiscard]] std::uint64_t published() const { return m_published.load(); }

private:
    void run() {
        const auto frame = trade(9, 1);
        const std::string subject = std::string(PREFIX) + ".market_data.trade";
        while (!m_stop.load()) {
            for (int i = 0; i < 256; ++i) {
                natsConnection_Publish(m_conn, subject.c_str(), frame.data(), static_cast<int>(frame.size()));
            }
            m_published.fetch_add(256);
            // A round trip now and then bounds what the server holds for us.
            natsConnection_FlushTimeout(m_conn, 1000);
        }
    }

    natsConnection* m_conn = nullptr;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<std::uint64_t> m_published{0};
};

std::unique_ptr<client::BusClient> makeClient(const config::Deployment& d, const std::string& name,
                                                std::optional<std::bitset<256>> subscription) {
    client::ClientOptions options;
    options.name = name;
    options.subscription = std::move(subscription);
    return config::makeClient(d, wire::Domain::MarketData, options);
}

/// A Subscribe frame, published as BusClient does on connect.
std::vector<std::uint8_t> subscribeFrame(const std::bitset<256>& types) {
    std::vector<std::uint8_t> frame(wire::SubscribeLayout::SIZE);
    client::buildSubscribe(frame.data(), types);
    return frame;
}

} // namespace

// What the transport suite's `produce` peer does, 300 times: a producer-only
// client (empty subscription) connects through the deployment, publishes,
// and closes, while another publisher floods the domain it would have
// subscribed to. Each quote must arrive: the producers really worked.
TEST(NatsClientChurn, ProducersStartAndStopWhileTheirDomainIsFlooded) {
    constexpr int CLIENTS = 300;
    TempDir dir;
    NatsServer server(dir.path(), {});
    const auto d = deployment(dir, server);
    auto listener = makeClient(d, "listener", typesOf({MessageType::Quote}));
    std::size_t quotes = 0;
    auto count = [&](const wire::FrameView&) { ++quotes; };
    ASSERT_TRUE(pollUntil(*listener, count, [&] { return listener->connected(); }, 5000));
    Flood flood(server.url());
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < CLIENTS && std::chrono::steady_clock::now() - start < BOUND; ++i) {
        auto producer = makeClient(d, "produce-" + std::to_string(i), std::bitset<256>{});
        ASSERT_TRUE(producer->publishBlocking(quote(1, static_cast<std::uint64_t>(i) + 1), std::chrono::seconds(5)))
            << "client " << i;
        producer->flush();
        listener->poll(count, 0);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, BOUND) << "fewer than " << CLIENTS << " clients in time";
    EXPECT_TRUE(pollUntil(*listener, count, [&] { return quotes >= CLIENTS; }, 10'000)) << quotes << " quotes";
    EXPECT_EQ(quotes, static_cast<std::size_t>(CLIENTS));
    EXPECT_GT(flood.published(), 0U);
}

// Consumers of the flooded domain that change their subscription at run time
// (Subscribe frames: one type, another, nothing, everything, one type again:
// each replaces the subscriptions the read loop is delivering to) and close
// while frames are still arriving.
TEST(NatsClientChurn, ConsumersResubscribeAndCloseWhileFlooded) {
    constexpr int CLIENTS = 300;
    TempDir dir;
    NatsServer server(dir.path(), {});
    const auto d = deployment(dir, server);
    Flood flood(server.url());
    const std::vector<std::vector<std::uint8_t>> changes{
        subscribeFrame(typesOf({MessageType::Trade})), subscribeFrame(typesOf({MessageType::Quote})),
        subscribeFrame({}), subscribeFrame(std::bitset<256>{}.set()), subscribeFrame(typesOf({MessageType::Trade}))};
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < CLIENTS && std::chrono::steady_clock::now() - start < BOUND; ++i) {
        auto consumer = makeClient(d, "consume-" + std::to_string(i), std::nullopt);
        std::size_t frames = 0;
        auto count = [&](const wire::FrameView&) { ++frames; };
        ASSERT_TRUE(pollUntil(*consumer, count, [&] { return frames > 0; }, 5000)) << "client " << i << " got nothing";
        for (const auto& change : changes) {
            ASSERT_EQ(consumer->publish(change), transport::SendStatus::Ok) << "client " << i;
            consumer->poll(count, 0);
        }
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, BOUND) << "fewer than " << CLIENTS << " clients in time";
    EXPECT_GT(flood.published(), 0U);
}
