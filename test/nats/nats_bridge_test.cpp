// `alphapulse bridge` end to end: two "machines" (two sets of relays on two
// socket directories, joined only through one nats-server), a bridge on
// each, producers and consumers on both sides. Relays and bridges are real
// processes; producers and consumers are clients in this test process.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "alphapulse/transport/unix_socket_transport.hpp"
#include "nats_server.hpp"
#include "nats_test_frames.hpp"
#include "nats_test_util.hpp"

using namespace alphapulse;
using namespace alphapulse::natstest;

namespace {

class Process {
public:
    Process(std::vector<std::string> args, std::filesystem::path log) : m_log(std::move(log)) {
        m_pid = ::fork();
        if (m_pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            const int fd = ::open(m_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            // Says so in its log (the binary may be relinked by a build at this moment).
            std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
            ::_exit(127);
        }
    }
    ~Process() { stop(); }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    /// SIGTERM, then the exit status (SIGKILL after 10 s).
    int stop() {
        if (m_pid <= 0) return m_status;
        ::kill(m_pid, SIGTERM);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        int status = 0;
        while (::waitpid(m_pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(m_pid, SIGKILL);
                ::waitpid(m_pid, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        m_pid = -1;
        m_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return m_status;
    }
    [[nodiscard]] std::string log() const {
        std::ifstream in(m_log);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    [[nodiscard]] bool logContains(const std::string& text) const { return log().find(text) != std::string::npos; }

private:
    std::filesystem::path m_log;
    pid_t m_pid = -1;
    int m_status = -1;
};

/// One machine: a market data and an execution relay in its own directory,
/// a deployment file naming them, and a bridge reading that file.
struct Machine {
    Machine(const std::filesystem::path& root, const std::string& name, const std::string& natsUrl) : dir(root / name) {
        std::filesystem::create_directories(dir);
        const std::array<std::string, 2> domains{"market_data", "execution"};
        for (const auto& domain : domains) {
            relays.push_back(std::make_unique<Process>(
                std::vector<std::string>{ALPHAPULSE_BIN, "relay", domain, "--socket", socket(domain)}, dir / (domain + ".log")));
        }
        for (std::size_t i = 0; i < domains.size(); ++i) {
            // The relay's own words when it never served (its log goes with the directory).
            EXPECT_TRUE(waitFor([&] { return std::filesystem::exists(socket(domains[i])); }, 10'000))
                << socket(domains[i]) << ": relay log:\n" << relays[i]->log();
        }
        writeConfig(name, natsUrl);
    }
    void writeConfig(const std::string& name, const std::string& natsUrl) const {
        std::ofstream(config(name)) << "alphapulse:\n"
                                       "  runtime_dir: " << dir.string() << "\n"
                                       "  market_data: {transport: unix_socket}\n"
                                       "  execution: {transport: unix_socket}\n"
                                       "  bridge:\n"
                                       "    name: " << name << "\n"
                                       "    domains: [market_data, execution]\n"
                                       "    nats:\n"
                                       "      servers: [" << natsUrl << "]\n"
                                       "      subject_prefix: e2e\n"
                                       "      reconnect_wait_ms: 50\n"
                                       "      jetstream: {domains: [execution], ack: true, deliver: all, storage: memory,"
                                       " ack_wait_ms: 2000}\n";
    }
    std::unique_ptr<Process> startBridge(const std::string& name) {
        auto bridge = std::make_unique<Process>(std::vector<std::string>{ALPHAPULSE_BIN, "bridge", "--config", config(name)},
                                                dir / ("bridge-" + name + ".log"));
        EXPECT_TRUE(waitFor([&] { return bridge->logContains(" <-> nats:"); }, 10'000)) << bridge->log();
        return bridge;
    }
    [[nodiscard]] std::string socket(const std::string& domain) const { return (dir / (domain + ".sock")).string(); }
    [[nodiscard]] std::string config(const std::string& name) const { return (dir / (name + ".yaml")).string(); }
    std::unique_ptr<client::BusClient> client(const std::string& domain, std::optional<std::bitset<256>> subscription) const {
        client::ClientOptions options;
        options.subscription = std::move(subscription);
        return std::make_unique<client::BusClient>(
            std::make_unique<transport::UnixSocketTransport>(transport::UnixSocketTransport::Options{socket(domain)}), options);
    }

    std::filesystem::path dir;
    std::vector<std::unique_ptr<Process>> relays;
};

/// Frames by source, in arrival order.
struct BySource {
    std::map<std::uint8_t, std::vector<std::vector<std::uint8_t>>> frames;
    void operator()(const wire::FrameView& f) { frames[f.source()].emplace_back(f.data(), f.data() + f.size()); }
    std::size_t count(std::uint8_t source) { return frames[source].size(); }
};

std::map<std::string, std::uint64_t> counters(const std::string& log, const std::string& domain) {
    std::map<std::string, std::uint64_t> out;
    const auto at = log.find("alphapulse bridge: " + domain + ": ");
    if (at == std::string::npos) return out;
    std::istringstream line(log.substr(at + 21 + domain.size(), log.find('\n', at) - at - 21 - domain.size()));
    std::string item;
    while (line >> item) {
        const auto eq = item.find('=');
        if (eq != std::string::npos) out[item.substr(0, eq)] = std::stoull(item.substr(eq + 1));
    }
    return out;
}

} // namespace

TEST(NatsBridge, TwoMachinesTalkThroughNatsBothWaysWithoutLoops) {
    TempDir root;
    NatsServer::Options serverOptions;
    serverOptions.jetstream = true;
    NatsServer server(root.path(), serverOptions);
    Machine a(root.path(), "a", server.url());
    Machine b(root.path(), "b", server.url());
    auto bridgeA = a.startBridge("a");
    auto bridgeB = b.startBridge("b");

    auto aMdProducer = a.client("market_data", std::bitset<256>{});
    auto aExProducer = a.client("execution", std::bitset<256>{});
    auto aMdConsumer = a.client("market_data", std::nullopt);
    auto bMdProducer = b.client("market_data", std::bitset<256>{});
    auto bMdConsumer = b.client("market_data", std::nullopt);
    auto bExConsumer = b.client("execution", std::nullopt);
    BySource aMd, bMd, bEx;
    const auto pollAll = [&] {
        aMdConsumer->poll(aMd, 5);
        bMdConsumer->poll(bMd, 5);
        bExConsumer->poll(bEx, 5);
    };

    // Both directions ready: probes (sources 7 and 8) until they come through.
    std::uint64_t probe = 0;
    ASSERT_TRUE(waitFor([&] {
        ++probe;
        aMdProducer->publish(trade(7, probe));
        bMdProducer->publish(trade(8, probe));
        aMdProducer->flush();
        bMdProducer->flush();
        pollAll();
        return bMd.count(7) > 0 && aMd.count(8) > 0;
    }, 15'000)) << a.dir / "bridge-a.log";
    std::this_thread::sleep_for(std::chrono::milliseconds(300));

    constexpr std::uint64_t A_TRADES = 5000, B_TRADES = 1000, ORDERS = 500;
    std::vector<std::vector<std::uint8_t>> aTrades, bTrades, aOrders;
    for (std::uint64_t seq = 1; seq <= std::max(A_TRADES, ORDERS); ++seq) {
        if (seq <= A_TRADES) {
            aTrades.push_back(trade(1, seq, static_cast<std::int64_t>(seq)));
            ASSERT_TRUE(aMdProducer->publishBlocking(aTrades.back(), std::chrono::seconds(5)));
        }
        if (seq <= B_TRADES) {
            bTrades.push_back(trade(2, seq));
            ASSERT_TRUE(bMdProducer->publishBlocking(bTrades.back(), std::chrono::seconds(5)));
        }
        if (seq <= ORDERS) {
            aOrders.push_back(order(80, seq));
            ASSERT_TRUE(aExProducer->publishBlocking(aOrders.back(), std::chrono::seconds(5)));
        }
        if (seq % 100 == 0) pollAll();
    }
    aMdProducer->flush();
    bMdProducer->flush();
    aExProducer->flush();
    EXPECT_TRUE(waitFor([&] {
        pollAll();
        return bMd.count(1) >= A_TRADES && aMd.count(2) >= B_TRADES && bEx.count(80) >= ORDERS;
    }, 30'000)) << bMd.count(1) << " " << aMd.count(2) << " " << bEx.count(80);
    // Quiet for a second: nothing more arrives (no loop, no duplicate).
    for (int i = 0; i < 100; ++i) pollAll();
    EXPECT_EQ(bMd.frames[1], aTrades) << "A's trades reach B once each, in order, byte for byte";
    EXPECT_EQ(aMd.frames[2], bTrades) << "B's trades reach A once each, in order";
    EXPECT_EQ(bEx.frames[80], aOrders) << "orders reach B once each, in sequence (JetStream, acknowledged)";
    EXPECT_EQ(aMd.count(1), A_TRADES) << "A's own trades are not brought back into A";
    EXPECT_EQ(bMd.count(2), B_TRADES);

    EXPECT_EQ(bridgeA->stop(), 0) << bridgeA->log();
    EXPECT_EQ(bridgeB->stop(), 0) << bridgeB->log();
    const auto aMdCounters = counters(bridgeA->log(), "market_data");
    const auto bExCounters = counters(bridgeB->log(), "execution");
    EXPECT_EQ(aMdCounters.at("to_nats"), A_TRADES + probe) << bridgeA->log();
    EXPECT_EQ(aMdCounters.at("to_local"), B_TRADES + probe);
    EXPECT_EQ(bExCounters.at("to_local"), ORDERS) << bridgeB->log();
    EXPECT_EQ(bExCounters.at("dropped"), 0u);
}

TEST(NatsBridge, ASecondBridgeOnTheSameRelaysCannotLoop) {
    TempDir root;
    NatsServer::Options serverOptions;
    serverOptions.jetstream = true;
    NatsServer server(root.path(), serverOptions);
    Machine a(root.path(), "a", server.url());
    Machine b(root.path(), "b", server.url());
    auto bridgeA1 = a.startBridge("a");
    auto bridgeB = b.startBridge("b");
    // A second bridge on A's relays (a misconfiguration, or a hand-over).
    a.writeConfig("a2", server.url());
    auto bridgeA2 = a.startBridge("a2");

    auto aMdProducer = a.client("market_data", std::bitset<256>{});
    auto bMdConsumer = b.client("market_data", std::nullopt);
    auto aMdConsumer = a.client("market_data", std::nullopt);
    BySource aMd, bMd;
    std::uint64_t probe = 0;
    ASSERT_TRUE(waitFor([&] {
        aMdProducer->publish(trade(7, ++probe));
        aMdProducer->flush();
        bMdConsumer->poll(bMd, 5);
        return bMd.count(7) > 0;
    }, 15'000));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    constexpr std::uint64_t N = 2000;
    for (std::uint64_t seq = 1; seq <= N; ++seq) {
        ASSERT_TRUE(aMdProducer->publishBlocking(trade(1, seq), std::chrono::seconds(5)));
        if (seq % 100 == 0) bMdConsumer->poll(bMd, 0);
    }
    aMdProducer->flush();
    // Wait for what is in flight (by time, not by a number of polls: a
    // loaded machine delays the bridges), then for as long again that
    // nothing more arrives.
    auto pollBothFor = [&](std::chrono::milliseconds span, const std::function<bool()>& done) {
        const auto end = std::chrono::steady_clock::now() + span;
        while (std::chrono::steady_clock::now() < end && !done()) {
            bMdConsumer->poll(bMd, 5);
            aMdConsumer->poll(aMd, 0);
        }
    };
    pollBothFor(std::chrono::seconds(15), [&] { return bMd.count(1) >= N && aMd.count(1) >= N; });
    pollBothFor(std::chrono::milliseconds(500), [] { return false; });
    // Each frame reaches NATS once per bridge on A, and B once: B's bridge
    // drops the second copy. Nothing circulates: the counts are final.
    EXPECT_EQ(bMd.count(1), N);
    const auto aLocal = aMd.count(1);
    EXPECT_GE(aLocal, N);
    EXPECT_LE(aLocal, 2 * N) << "a frame enters A again at most once (the race between A's two bridges)";
    pollBothFor(std::chrono::milliseconds(500), [] { return false; });
    EXPECT_EQ(bMd.count(1), N);
    EXPECT_EQ(aMd.count(1), aLocal);
    bridgeA1->stop();
    bridgeA2->stop();
    EXPECT_EQ(bridgeB->stop(), 0);
    const auto bCounters = counters(bridgeB->log(), "market_data");
    // B saw the second copies and dropped them. Not necessarily all N: market
    // data's relay drops for a consumer that falls behind (R1), and a loaded
    // machine can make A's second bridge one (seen: 1,984 of 2,000). Each
    // frame's second copy (the probes' too) is dropped at most once.
    EXPECT_GT(bCounters.at("duplicates"), N / 2) << bridgeB->log();
    EXPECT_LE(bCounters.at("duplicates"), N + probe) << bridgeB->log();
}
