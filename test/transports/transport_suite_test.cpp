// The relay's fan-out, ordering and fault suite, once per transport.
//
// Every case runs the same services (alphapulse_test_peer's modes) against a
// deployment file that differs only in each domain's section, as the design
// document's "Migration to Message Bus" promises: only the configuration
// changes. Inter-process transports run each peer as its own process and, where
// the transport has one, the relay as `alphapulse relay <domain> --config FILE`;
// in-process transports (channel) run the peers as threads of this test.
//
// Adding a transport is one line in CASES (see the last entries' comment).
// Every wait is bounded; processes are killed (their whole group) and the
// temporary directory removed when a test ends, passed or not.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "alphapulse/transport/unix_socket.hpp"
#include "alphapulse/wire/messages.hpp"
#include "nats_server.hpp"
#include "peer.hpp"
#include "test_process.hpp"

namespace fs = std::filesystem;
using Json = nlohmann::json;
using namespace aptest;

namespace {

const std::string ALPHAPULSE = ALPHAPULSE_BIN;
const std::string PEER = ALPHAPULSE_TEST_PEER_BIN;

enum class PeerKind : std::uint8_t { Process, Thread };

struct TransportCase {
    std::string name;
    PeerKind peers;
    bool relayProcess; ///< `alphapulse relay <domain> --config FILE` serves each domain
    bool streamFaults; ///< raw bytes can be written to it (garbage, truncated frames)
    /// A domain's section of the deployment file (lines indented by four spaces).
    std::function<std::string(const std::string& domain, const std::string& dir, int port)> section;
    bool natsServer = false; ///< a nats-server is started for each test; `port` is its client port
};

std::ostream& operator<<(std::ostream& out, const TransportCase& c) { return out << c.name; }

const std::vector<TransportCase> CASES{
    {"unix_socket", PeerKind::Process, true, true,
     [](const std::string& domain, const std::string& dir, int) {
         return "    transport: unix_socket\n    path: " + dir + "/" + domain + ".sock\n";
     }},
    {"tcp", PeerKind::Process, true, true,
     [](const std::string&, const std::string&, int port) {
         return "    transport: tcp\n    address: 127.0.0.1:" + std::to_string(port) + "\n";
     }},
    {"channel", PeerKind::Thread, false, false,
     [](const std::string& domain, const std::string& dir, int) {
         return "    transport: channel\n    name: " + fs::path(dir).filename().string() + "-" + domain + "\n";
     }},
    {"shared_memory", PeerKind::Process, false, false,
     [](const std::string& domain, const std::string& dir, int) {
         return "    transport: shared_memory\n    size_mb: 8\n    name: " + fs::path(dir).filename().string() +
                "-" + domain + "\n";
     }},
    {"nats", PeerKind::Process, false, false,
     [](const std::string&, const std::string& dir, int port) {
         return "    transport: nats\n    servers: [\"nats://127.0.0.1:" + std::to_string(port) +
                "\"]\n    subject_prefix: " + fs::path(dir).filename().string() + "\n";
     },
     true},
};

std::string caseName(const ::testing::TestParamInfo<TransportCase>& param) { return param.param.name; }

/// A loopback port nobody listens on now (the kernel's choice, released at once).
int freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    ::close(fd);
    return port;
}

/// The JSON object on the last line a peer printed. A peer that printed
/// nothing, or whose last line is not a JSON object (it crashed, or printed
/// an error), is a test failure showing `shown` (its raw output); the result
/// is then an empty object, so the checks that follow read their defaults
/// instead of throwing on a null or discarded value (type_error.306).
Json lastObject(const std::string& out, const std::string& shown) {
    const auto all = lines(out);
    Json last = all.empty() ? Json() : Json::parse(all.back(), nullptr, false);
    if (last.is_object()) return last;
    ADD_FAILURE() << (all.empty() ? "the peer printed nothing" : "the peer's last line is not a JSON object")
                  << ":\n" << shown;
    return Json::object();
}

/// `result[key]` when that is an object, else an empty one (for lastObject's
/// empty object: `[]` on a const JSON without the key is undefined).
Json field(const Json& result, const std::string& key) {
    const auto it = result.find(key);
    return it != result.end() && it->is_object() ? *it : Json::object();
}

/// One service: a process, or a thread of this test running the same code.
class Peer {
public:
    explicit Peer(std::unique_ptr<Process> process) : m_process(std::move(process)) {}
    explicit Peer(std::vector<std::string> args) {
        m_thread = std::thread([this, args = std::move(args)] {
            std::string output;
            const int status = alphapulse::test::runPeer(args, output, /*echo=*/false);
            {
                std::lock_guard lock(m_mutex);
                m_output = std::move(output);
                m_status = status;
            }
            m_done.store(true);
        });
    }
    ~Peer() {
        if (m_thread.joinable()) m_thread.join(); // every mode ends by its own --timeout-ms
    }
    Peer(const Peer&) = delete;
    Peer& operator=(const Peer&) = delete;

    [[nodiscard]] Process* process() noexcept { return m_process.get(); }

    /// Waits for it to end with status 0; the JSON object of its last output
    /// line (lastObject: an empty object, and a failure, when there is none).
    Json finish(int timeoutMs = 30000) {
        if (m_process) {
            const auto status = m_process->wait(timeoutMs);
            EXPECT_TRUE(exitedZero(status)) << statusText(status) << ": " << m_process->describe();
            return lastObject(m_process->out(), m_process->describe());
        }
        const bool done = eventually([&] { return m_done.load(); }, timeoutMs, 2);
        EXPECT_TRUE(done) << "peer thread still running";
        if (!done) return Json::object();
        m_thread.join();
        std::lock_guard lock(m_mutex);
        EXPECT_EQ(m_status, 0) << m_output;
        return lastObject(m_output, m_output);
    }

private:
    std::unique_ptr<Process> m_process;
    std::thread m_thread;
    std::atomic<bool> m_done{false};
    std::mutex m_mutex;
    std::string m_output;
    int m_status = -1;
};

class TransportSuite : public ::testing::TestWithParam<TransportCase> {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/alphapulse-transports-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
        if (GetParam().natsServer) {
            // Started and answering, or it throws (the test fails with the log's path).
            m_nats = std::make_unique<alphapulse::natstest::NatsServer>(m_dir, alphapulse::natstest::NatsServer::Options{});
            for (const std::string domain : {"market_data", "signals", "execution"}) m_ports[domain] = m_nats->port();
        }
        writeDeployment(GetParam());
    }
    void TearDown() override {
        if (HasFailure() || std::getenv("ALPHAPULSE_TEST_VERBOSE") != nullptr) {
            for (const auto& [domain, relay] : m_relays) {
                if (relay) std::cerr << "relay " << domain << ": " << relay->describe();
            }
        }
        m_peers.clear(); // kills processes, joins threads
        m_relays.clear();
        m_helpers.clear();
        m_nats.reset();
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }

    /// The deployment: every domain on the case's transport (or on `overrides`' sections).
    void writeDeployment(const TransportCase& c, const std::map<std::string, std::string>& overrides = {}) {
        std::string yaml = "alphapulse:\n  runtime_dir: " + m_dir + "\n";
        for (const std::string domain : {"market_data", "signals", "execution"}) {
            if (m_ports.count(domain) == 0) m_ports[domain] = freePort();
            const auto it = overrides.find(domain);
            yaml += "  " + domain + ":\n" +
                    (it != overrides.end() ? it->second : c.section(domain, m_dir, m_ports[domain]));
        }
        m_config = m_dir + "/deploy.yaml";
        std::ofstream(m_config) << yaml;
    }

    [[nodiscard]] bool threads() const { return GetParam().peers == PeerKind::Thread; }

    Process& spawn(const std::vector<std::string>& argv, const SpawnOptions& options = {}) {
        const std::string base = m_dir + "/h" + std::to_string(m_helpers.size());
        m_helpers.push_back(std::make_unique<Process>(argv, base + ".out", base + ".err", options));
        return *m_helpers.back();
    }

    /// `alphapulse stats --config FILE --domain D` (JSON; null when no relay answers).
    Json stats(const std::string& domain) {
        Process& p = spawn({ALPHAPULSE, "stats", "--config", m_config, "--domain", domain});
        const auto status = p.wait(5000);
        if (!exitedZero(status)) return Json();
        return Json::parse(p.out(), nullptr, false);
    }
    /// Clients the domain's relay has now (-1 when it does not answer).
    int clientCount(const std::string& domain) {
        const Json s = stats(domain);
        return s.is_object() ? static_cast<int>(s.at("clients").size()) : -1;
    }
    /// A counter of a stats() answer; 0 when no relay answered (null: .value() would throw).
    static std::uint64_t counter(const Json& s, const std::string& key) {
        return s.is_object() ? s.value(key, 0u) : 0u;
    }
    static std::uint64_t drops(const Json& s, const std::string& reason) { return counter(field(s, "drops"), reason); }

    /// Starts the domain's relay from the deployment file (when the case has one) and waits until it serves.
    void startRelay(const std::string& domain) {
        if (!GetParam().relayProcess) return;
        const std::string base = m_dir + "/relay-" + domain + std::to_string(m_relayStarts++);
        m_relays[domain] = std::make_unique<Process>(
            std::vector<std::string>{ALPHAPULSE, "relay", domain, "--config", m_config}, base + ".out", base + ".err",
            SpawnOptions{});
        Process& relay = *m_relays[domain];
        const std::string statsPath = m_dir + "/" + domain + ".sock.stats";
        const bool ready = eventually(
            [&] {
                return !relay.running() || statsAnswer(statsPath);
            },
            5000, 5);
        ASSERT_TRUE(ready && relay.running()) << "relay did not start: " << relay.describe();
    }
    /// SIGTERM: it exits 0 within the bound and removes its socket files.
    void stopRelay(const std::string& domain) {
        if (!GetParam().relayProcess) return;
        Process& relay = *m_relays.at(domain);
        relay.signal(SIGTERM);
        const auto status = relay.wait(3000);
        EXPECT_TRUE(exitedZero(status)) << statusText(status) << "\n" << relay.describe();
        EXPECT_FALSE(fs::exists(m_dir + "/" + domain + ".sock.stats")) << "stats socket left behind";
    }

    /// A peer on `domain`: a process, or a thread (in-process transports).
    Peer& peer(const std::string& domain, std::vector<std::string> args) {
        args.insert(args.begin() + 1, {"--config", m_config, "--domain", domain});
        if (threads()) {
            m_peers.push_back(std::make_unique<Peer>(std::move(args)));
        } else {
            std::vector<std::string> argv{PEER};
            argv.insert(argv.end(), args.begin(), args.end());
            const std::string base = m_dir + "/p" + std::to_string(m_peers.size());
            m_peers.push_back(
                std::make_unique<Peer>(std::make_unique<Process>(argv, base + ".out", base + ".err", SpawnOptions{})));
        }
        return *m_peers.back();
    }
    Peer& producer(const std::string& domain, const std::string& type, int source, std::uint64_t count,
                   std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"produce", "--type", type, "--source", std::to_string(source), "--count",
                                      std::to_string(count)};
        args.insert(args.end(), extra.begin(), extra.end());
        return peer(domain, args);
    }
    /// A consumer; returns once it is connected (and subscribed, with --types) as far as its bus can tell.
    Peer& consumer(const std::string& domain, std::uint64_t count, std::vector<std::string> extra = {}) {
        const std::string ready = m_dir + "/ready" + std::to_string(m_readyFiles++);
        std::vector<std::string> args{"consume", "--count", std::to_string(count), "--timeout-ms", "20000",
                                      "--ready-file", ready};
        const bool subscribes = std::find(extra.begin(), extra.end(), "--types") != extra.end();
        args.insert(args.end(), extra.begin(), extra.end());
        Peer& p = peer(domain, args);
        awaitReady(domain, ready, subscribes);
        return p;
    }
    /// The peer wrote its ready file (connected); a relay also shows it (accepted, subscription applied).
    void awaitReady(const std::string& domain, const std::string& readyFile, bool subscribes) {
        ASSERT_TRUE(eventually([&] { return fs::exists(readyFile); }, 10000, 2)) << "peer never connected";
        ++m_connected[domain];
        if (subscribes) ++m_subscribed[domain];
        if (!GetParam().relayProcess) return;
        const bool seen = eventually(
            [&] {
                const Json s = stats(domain);
                if (!s.is_object()) return false;
                int clients = 0;
                int subscribed = 0;
                for (const auto& c : s.at("clients")) {
                    ++clients;
                    subscribed += c.value("subscribed", false) ? 1 : 0;
                }
                return clients >= m_connected[domain] && subscribed >= m_subscribed[domain];
            },
            10000, 5);
        ASSERT_TRUE(seen) << "the relay never showed the client";
    }

    /// The bus still works: a fresh consumer gets every frame of a fresh producer, in order.
    void checkPair(const std::string& domain = "market_data", const std::string& type = "trade", int source = 42,
                   std::uint64_t count = 500) {
        SCOPED_TRACE("producer -> consumer pair after the fault");
        Peer& c = consumer(domain, count, {"--linger-ms", "50"});
        Peer& p = producer(domain, type, source, count);
        EXPECT_EQ(p.finish().value("published", 0u), count);
        const Json got = c.finish();
        EXPECT_EQ(field(got, "per_source").value(std::to_string(source), 0u), count) << got.dump();
        EXPECT_TRUE(got.value("order_ok", false)) << got.dump();
        EXPECT_EQ(got.value("gaps", 1u), 0u) << got.dump();
    }

    /// Forget consumers that have finished (for awaitReady's counts).
    void consumersDone(const std::string& domain) {
        m_connected[domain] = 0;
        m_subscribed[domain] = 0;
    }

    std::string m_dir;
    std::string m_config;
    std::map<std::string, int> m_ports;
    std::unique_ptr<alphapulse::natstest::NatsServer> m_nats; ///< the "nats" case's server
    std::map<std::string, std::unique_ptr<Process>> m_relays;
    std::map<std::string, int> m_connected;
    std::map<std::string, int> m_subscribed;
    std::vector<std::unique_ptr<Peer>> m_peers;
    std::vector<std::unique_ptr<Process>> m_helpers;
    int m_relayStarts = 0;
    int m_readyFiles = 0;
};

// ---------------------------------------------------------------------------
// Fan-out

TEST_P(TransportSuite, ProducersTimesConsumersExactCountsAndPerProducerOrder) {
    ASSERT_NO_FATAL_FAILURE(startRelay("market_data"));
    constexpr int PRODUCERS = 3;
    constexpr int CONSUMERS = 3;
    constexpr std::uint64_t COUNT = 5000;
    std::vector<Peer*> consumers;
    for (int i = 0; i < CONSUMERS; ++i) {
        consumers.push_back(&consumer("market_data", PRODUCERS * COUNT, {"--linger-ms", "200"}));
    }
    std::vector<Peer*> producers;
    for (int i = 1; i <= PRODUCERS; ++i) {
        producers.push_back(&producer("market_data", "trade", i, COUNT, {"--batch", "50"}));
    }
    for (auto* p : producers) EXPECT_EQ(p->finish().value("published", 0u), COUNT);
    for (auto* c : consumers) {
        const Json got = c->finish();
        EXPECT_EQ(got.value("count", 0u), PRODUCERS * COUNT) << "nothing lost, nothing extra: " << got.dump();
        for (int i = 1; i <= PRODUCERS; ++i) {
            EXPECT_EQ(field(got, "per_source").value(std::to_string(i), 0u), COUNT) << got.dump();
            EXPECT_EQ(field(got, "last_seq").value(std::to_string(i), 0u), COUNT) << got.dump();
        }
        EXPECT_TRUE(got.value("order_ok", false)) << "per-producer order: " << got.dump();
        EXPECT_EQ(got.value("gaps", 1u), 0u) << got.dump();
    }
    if (GetParam().relayProcess) {
        EXPECT_EQ(drops(stats("market_data"), "queue_full"), 0u);
    }
    ASSERT_NO_FATAL_FAILURE(stopRelay("market_data"));
}

TEST_P(TransportSuite, SubscribersGetOnlyTheirTypes) {
    ASSERT_NO_FATAL_FAILURE(startRelay("market_data"));
    constexpr std::uint64_t COUNT = 1000;
    Peer& quotes = consumer("market_data", COUNT, {"--types", "Quote", "--linger-ms", "200"});
    Peer& all = consumer("market_data", 2 * COUNT, {"--linger-ms", "200"});
    Peer& t = producer("market_data", "trade", 1, COUNT);
    Peer& q = producer("market_data", "quote", 2, COUNT);
    EXPECT_EQ(t.finish().value("published", 0u), COUNT);
    EXPECT_EQ(q.finish().value("published", 0u), COUNT);
    const Json gotQuotes = quotes.finish();
    EXPECT_EQ(gotQuotes.value("count", 0u), COUNT) << gotQuotes.dump();
    EXPECT_EQ(field(gotQuotes, "per_type").size(), 1u) << "quotes only: " << gotQuotes.dump();
    EXPECT_EQ(field(gotQuotes, "per_type").value("2", 0u), COUNT) << gotQuotes.dump();
    const Json gotAll = all.finish();
    EXPECT_EQ(gotAll.value("count", 0u), 2 * COUNT) << gotAll.dump();
    EXPECT_TRUE(gotAll.value("order_ok", false)) << gotAll.dump();
    ASSERT_NO_FATAL_FAILURE(stopRelay("market_data"));
}

TEST_P(TransportSuite, AServiceThatProducesAndConsumesNeverGetsItsOwnFrames) {
    ASSERT_NO_FATAL_FAILURE(startRelay("market_data"));
    constexpr std::uint64_t COUNT = 2000;
    const std::string go = m_dir + "/go";
    std::vector<Peer*> both;
    for (const auto& [type, source] : std::vector<std::pair<std::string, int>>{{"trade", 7}, {"quote", 8}}) {
        const std::string ready = m_dir + "/ready-both-" + std::to_string(source);
        both.push_back(&peer("market_data", {"both", "--type", type, "--source", std::to_string(source), "--count",
                                             std::to_string(COUNT), "--expect", std::to_string(COUNT), "--wait-file",
                                             go, "--linger-ms", "200", "--ready-file", ready}));
        ASSERT_NO_FATAL_FAILURE(awaitReady("market_data", ready, false));
    }
    std::ofstream(go) << "go\n";
    const Json a = both[0]->finish();
    const Json b = both[1]->finish();
    EXPECT_EQ(a.value("count", 0u), COUNT) << a.dump();
    EXPECT_EQ(field(a, "per_source").size(), 1u) << "only the other's frames: " << a.dump();
    EXPECT_EQ(field(a, "per_source").value("8", 0u), COUNT) << a.dump();
    EXPECT_EQ(field(b, "per_source").size(), 1u) << "only the other's frames: " << b.dump();
    EXPECT_EQ(field(b, "per_source").value("7", 0u), COUNT) << b.dump();
    EXPECT_TRUE(a.value("order_ok", false) && b.value("order_ok", false)) << a.dump() << b.dump();
    ASSERT_NO_FATAL_FAILURE(stopRelay("market_data"));
}

// ---------------------------------------------------------------------------
// Bad frames and faults

TEST_P(TransportSuite, OutOfDomainAndBadChecksumFramesAreDroppedAndTheServiceCarriesOn) {
    // Signals validates checksums by default, on every transport.
    ASSERT_NO_FATAL_FAILURE(startRelay("signals"));
    constexpr std::uint64_t GOOD = 500;
    constexpr std::uint64_t BAD = 100;
    Peer& c = consumer("signals", GOOD, {"--linger-ms", "300", "--allow-gaps"});
    Peer& wrongDomain = producer("signals", "trade", 3, BAD);
    Peer& badSums = producer("signals", "arbitrage", 4, BAD, {"--bad-checksum"});
    Peer& good = producer("signals", "arbitrage", 5, GOOD);
    EXPECT_EQ(wrongDomain.finish().value("published", 0u), BAD);
    EXPECT_EQ(badSums.finish().value("published", 0u), BAD);
    EXPECT_EQ(good.finish().value("published", 0u), GOOD);
    const Json got = c.finish();
    EXPECT_EQ(got.value("count", 0u), GOOD) << "only the good frames: " << got.dump();
    EXPECT_EQ(field(got, "per_source").size(), 1u) << got.dump();
    EXPECT_EQ(field(got, "per_source").value("5", 0u), GOOD) << got.dump();
    EXPECT_TRUE(got.value("order_ok", false)) << got.dump();
    if (GetParam().relayProcess) {
        const Json s = stats("signals");
        EXPECT_EQ(drops(s, "out_of_domain"), BAD) << s.dump();
        EXPECT_EQ(drops(s, "bad_checksum"), BAD) << s.dump();
    }
    consumersDone("signals");
    ASSERT_NO_FATAL_FAILURE(checkPair("signals", "arbitrage", 9, 300));
    ASSERT_NO_FATAL_FAILURE(stopRelay("signals"));
}

TEST_P(TransportSuite, GarbageTruncatedAndImpossibleFramesCloseThatConnectionOnly) {
    if (!GetParam().streamFaults) GTEST_SKIP() << GetParam().name << " carries whole frames: no byte stream to corrupt";
    ASSERT_NO_FATAL_FAILURE(startRelay("market_data"));
    const Json garbage = peer("market_data", {"raw", "--fault", "garbage", "--hold-ms", "3000"}).finish();
    EXPECT_EQ(garbage.value("result", ""), "closed") << garbage.dump();
    const Json huge = peer("market_data", {"raw", "--fault", "huge", "--hold-ms", "3000"}).finish();
    EXPECT_EQ(huge.value("result", ""), "closed") << huge.dump();
    const Json truncated = peer("market_data", {"raw", "--fault", "truncated"}).finish();
    EXPECT_EQ(truncated.value("result", ""), "sent") << truncated.dump();
    EXPECT_TRUE(eventually([&] { return drops(stats("market_data"), "desynchronised") == 2; }, 5000))
        << stats("market_data").dump();
    ASSERT_NO_FATAL_FAILURE(checkPair());
    const Json s = stats("market_data");
    // The pair: the producer's empty subscription and the consumer's (its
    // resume points, which BusClient sends to a relay on every connection).
    EXPECT_EQ(counter(s, "frames_in"), 3 + 2 + 500u) << "3 fault subscriptions, the pair's subscriptions and frames: "
                                                      << s.dump();
    ASSERT_NO_FATAL_FAILURE(stopRelay("market_data"));
}

TEST_P(TransportSuite, AKilledClientCostsNobodyElseAnything) {
    if (threads()) GTEST_SKIP() << GetParam().name << ": its clients are threads of one process";
    ASSERT_NO_FATAL_FAILURE(startRelay("market_data"));
    Peer& victim = producer("market_data", "trade", 6, 1'000'000, {"--rate", "20000", "--timeout-ms", "20000"});
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    victim.process()->signal(SIGKILL);
    const auto status = victim.process()->wait(2000);
    ASSERT_TRUE(status && WIFSIGNALED(*status));
    if (GetParam().streamFaults) {
        // And one killed in the middle of writing a frame.
        Peer& half = peer("market_data", {"raw", "--fault", "half-frame"});
        ASSERT_TRUE(eventually([&] { return !lines(half.process()->out()).empty(); }, 5000))
            << half.process()->describe();
        half.process()->signal(SIGKILL);
        ASSERT_TRUE(half.process()->wait(2000).has_value());
    }
    ASSERT_NO_FATAL_FAILURE(checkPair());
    if (GetParam().relayProcess) {
        EXPECT_TRUE(eventually([&] { return clientCount("market_data") == 0; }, 5000))
            << "the killed clients are gone: " << stats("market_data").dump();
        EXPECT_EQ(drops(stats("market_data"), "desynchronised"), 0u) << "a cut-off frame is discarded quietly";
    }
    ASSERT_NO_FATAL_FAILURE(stopRelay("market_data"));
}

TEST_P(TransportSuite, RelayKilledAndRestartedClientsReconnectAndLaterFramesArrive) {
    if (!GetParam().relayProcess) GTEST_SKIP() << GetParam().name << " has no relay process to restart";
    ASSERT_NO_FATAL_FAILURE(startRelay("market_data"));
    constexpr std::uint64_t COUNT = 2000;
    Peer& c = consumer("market_data", 0, {"--until-seq", std::to_string(COUNT), "--allow-gaps", "--linger-ms", "50"});
    const std::string ready = m_dir + "/ready-producer";
    Peer& p = producer("market_data", "trade", 1, COUNT,
                       {"--batch", "10", "--rate", "2000", "--timeout-ms", "15000", "--ready-file", ready});
    ASSERT_NO_FATAL_FAILURE(awaitReady("market_data", ready, false));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    m_relays["market_data"]->signal(SIGKILL);
    const auto killed = m_relays["market_data"]->wait(2000);
    ASSERT_TRUE(killed && WIFSIGNALED(*killed));
    ASSERT_NO_FATAL_FAILURE(startRelay("market_data")); // same address: the stale socket / TIME_WAIT is handled
    const Json published = p.finish();
    EXPECT_EQ(published.value("published", 0u), COUNT);
    EXPECT_GE(published.value("reconnects", 0u), 1u) << published.dump();
    const Json got = c.finish();
    EXPECT_GE(got.value("reconnects", 0u), 1u) << got.dump();
    EXPECT_EQ(field(got, "last_seq").value("1", 0u), COUNT) << "the last frame, published after the restart: " << got.dump();
    EXPECT_TRUE(got.value("order_ok", false)) << "rising, never reordered: " << got.dump();
    EXPECT_LE(got.value("gaps", 2u), 1u) << "at most one hole, around the restart: " << got.dump();
    consumersDone("market_data");
    ASSERT_NO_FATAL_FAILURE(checkPair());
    ASSERT_NO_FATAL_FAILURE(stopRelay("market_data"));
}

// ---------------------------------------------------------------------------
// The commands take the same file

TEST_P(TransportSuite, TapAndPublishFindTheBusInTheDeploymentFile) {
    if (!GetParam().relayProcess) {
        GTEST_SKIP() << GetParam().name << ": no relay whose stats say when tap has joined";
    }
    ASSERT_NO_FATAL_FAILURE(startRelay("market_data"));
    const std::string input = m_dir + "/frames.jsonl";
    {
        std::ofstream in(input);
        for (int seq = 1; seq <= 3; ++seq) {
            in << R"({"header":{"message_type_name":"Trade","source":5,"sequence":)" << seq
               << R"(},"instrument_id":"NASDAQ Stock AAPL","price":15000000000,"volume":100,"side":"Buy"})" << '\n';
        }
        in << R"({"header":{"message_type_name":"Quote","source":6,"sequence":1},"instrument_id":"NASDAQ Stock AAPL",)"
           << R"("bid_price":1,"ask_price":2,"bid_size":3,"ask_size":4})" << '\n';
    }
    Process& tap = spawn({ALPHAPULSE, "tap", "--domain", "market_data", "--config", m_config, "--types", "Trade",
                          "--count", "3"});
    ASSERT_TRUE(eventually(
        [&] {
            const Json s = stats("market_data");
            return s.is_object() && s.at("clients").size() == 1 && s.at("clients")[0].value("subscribed", false);
        },
        10000, 5))
        << tap.describe();
    SpawnOptions fromFile;
    fromFile.stdinPath = input;
    Process& pub = spawn({ALPHAPULSE, "publish", "--domain", "market_data", "--config", m_config}, fromFile);
    EXPECT_TRUE(exitedZero(pub.wait(10000))) << pub.describe();
    EXPECT_TRUE(exitedZero(tap.wait(10000))) << tap.describe();
    const auto out = lines(tap.out());
    ASSERT_EQ(out.size(), 3u) << tap.describe();
    for (std::size_t i = 0; i < out.size(); ++i) {
        const Json frame = Json::parse(out[i], nullptr, false);
        EXPECT_EQ(field(frame, "header").value("message_type_name", ""), "Trade") << out[i];
        EXPECT_EQ(field(frame, "header").value("sequence", 0u), i + 1) << out[i];
    }
    ASSERT_NO_FATAL_FAILURE(stopRelay("market_data"));
}

INSTANTIATE_TEST_SUITE_P(Transports, TransportSuite, ::testing::ValuesIn(CASES),
                         caseName);

// ---------------------------------------------------------------------------
// TCP access control: refused at accept, logged with who and why.

class TcpAccess : public TransportSuite {};

TEST_P(TcpAccess, APeerFromAnAddressNotAllowedIsRefused) {
    // The relay allows only 127.0.0.2; a client connecting to 127.0.0.1 comes from 127.0.0.1.
    writeDeployment(GetParam(), {{"market_data", "    transport: tcp\n    address: 127.0.0.1:" +
                                                     std::to_string(m_ports["market_data"]) +
                                                     "\n    allowed_addresses: [127.0.0.2]\n"}});
    ASSERT_NO_FATAL_FAILURE(startRelay("market_data"));
    const Json refused = peer("market_data", {"raw", "--fault", "probe", "--hold-ms", "2000"}).finish();
    EXPECT_EQ(refused.value("result", ""), "closed") << refused.dump();
    const Json allowed =
        peer("market_data", {"raw", "--fault", "probe", "--hold-ms", "300", "--bind", "127.0.0.2"}).finish();
    EXPECT_EQ(allowed.value("result", ""), "open") << "from the allowed address it stays: " << allowed.dump();
    const Json s = stats("market_data");
    EXPECT_EQ(counter(s, "connections_refused"), 1u) << s.dump();
    EXPECT_EQ(counter(s, "connections_accepted"), 1u) << s.dump();
    ASSERT_NO_FATAL_FAILURE(stopRelay("market_data"));
    const std::string log = m_relays["market_data"]->err();
    EXPECT_NE(log.find("refused tcp peer 127.0.0.1:"), std::string::npos) << log;
    EXPECT_NE(log.find("not in allowed_addresses (127.0.0.2)"), std::string::npos) << log;
}

INSTANTIATE_TEST_SUITE_P(Tcp, TcpAccess, ::testing::Values(CASES[1]),
                         caseName);

// ---------------------------------------------------------------------------
// Mixed mode (the design document's Stage 2): market data on one transport,
// execution on Unix sockets, in one deployment file; the same service code.

class MixedMode : public TransportSuite {};

TEST_P(MixedMode, MarketDataOnOneTransportOrdersOnUnixSocketsSameServices) {
    const auto& unix = CASES[0];
    writeDeployment(GetParam(), {{"execution", unix.section("execution", m_dir, 0)},
                                 {"signals", unix.section("signals", m_dir, 0)}});
    ASSERT_NO_FATAL_FAILURE(startRelay("market_data"));
    // The execution relay runs whatever the market data transport is.
    const std::string base = m_dir + "/relay-execution";
    m_relays["execution"] = std::make_unique<Process>(
        std::vector<std::string>{ALPHAPULSE, "relay", "execution", "--config", m_config}, base + ".out",
        base + ".err", SpawnOptions{});
    ASSERT_TRUE(eventually([&] { return stats("execution").is_object(); }, 5000)) << m_relays["execution"]->describe();

    constexpr std::uint64_t COUNT = 300;
    // The execution engine: a process on the execution relay, whatever the market data transport.
    const std::string engineReady = m_dir + "/ready-engine";
    std::vector<std::string> engineArgs{PEER,           "consume",   "--config",     m_config,    "--domain",
                                        "execution",    "--count",   std::to_string(COUNT),       "--timeout-ms",
                                        "20000",        "--linger-ms", "100",        "--ready-file", engineReady};
    Process& engine = spawn(engineArgs);
    ASSERT_TRUE(eventually([&] { return fs::exists(engineReady); }, 10000));
    ASSERT_TRUE(eventually([&] { return clientCount("execution") == 1; }, 5000));
    // The strategy: reads market data, sends one order per trade (peer.cpp's strategy mode).
    const std::string strategyReady = m_dir + "/ready-strategy";
    Peer& strategy = peer("market_data", {"strategy", "--out-domain", "execution", "--count", std::to_string(COUNT),
                                          "--timeout-ms", "20000", "--ready-file", strategyReady});
    ASSERT_NO_FATAL_FAILURE(awaitReady("market_data", strategyReady, false));
    ASSERT_TRUE(eventually([&] { return clientCount("execution") == 2; }, 5000))
        << "the strategy's order connection";
    Peer& collector = producer("market_data", "trade", 1, COUNT);
    EXPECT_EQ(collector.finish().value("published", 0u), COUNT);
    const Json seen = strategy.finish();
    EXPECT_EQ(seen.value("count", 0u), COUNT) << seen.dump();
    const auto status = engine.wait(25000);
    EXPECT_TRUE(exitedZero(status)) << engine.describe();
    const Json orders = lastObject(engine.out(), engine.describe());
    EXPECT_EQ(orders.value("count", 0u), COUNT) << orders.dump();
    EXPECT_EQ(field(orders, "per_type").value("40", 0u), COUNT) << "OrderRequests: " << orders.dump();
    EXPECT_TRUE(orders.value("order_ok", false)) << orders.dump();
    EXPECT_EQ(orders.value("gaps", 1u), 0u) << orders.dump();
    ASSERT_NO_FATAL_FAILURE(stopRelay("market_data"));
    m_relays["execution"]->signal(SIGTERM);
    EXPECT_TRUE(exitedZero(m_relays["execution"]->wait(3000)));
}

INSTANTIATE_TEST_SUITE_P(Stage2, MixedMode, ::testing::Values(CASES[1], CASES[2]),
                         caseName);

} // namespace
