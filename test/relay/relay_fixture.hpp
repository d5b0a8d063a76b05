#pragma once
// The fixture of the relay process tests (relay_process_test.cpp,
// recovery_process_test.cpp): a relay per test in a temporary directory,
// peers and commands as child processes, bounded waits.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "alphapulse/transport/unix_socket.hpp"
#include "alphapulse/wire/messages.hpp"
#include "test_process.hpp"

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

using namespace aptest;

/// The command under test: the build's, or $ALPHAPULSE_TEST_BIN (an installed
/// one, or an older build to show what a test catches).
const std::string ALPHAPULSE = std::getenv("ALPHAPULSE_TEST_BIN") != nullptr ? std::getenv("ALPHAPULSE_TEST_BIN") : ALPHAPULSE_BIN;
const std::string PEER = ALPHAPULSE_TEST_PEER_BIN;
constexpr const char* OTHER_USER = "alphapulse-test";
constexpr std::uint64_t SUBSCRIBE_SIZE = alphapulse::wire::SubscribeLayout::SIZE;

class RelayProcessTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/alphapulse-relay-it-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
        ::chmod(m_dir.c_str(), 0755); // a peer running as another user reaches the socket (mode permitting)
        m_sock = m_dir + "/x.sock";
    }
    void TearDown() override {
        // The relay's log on failure (or always with ALPHAPULSE_TEST_VERBOSE=1).
        if ((HasFailure() || std::getenv("ALPHAPULSE_TEST_VERBOSE") != nullptr) && m_relay) {
            std::cerr << "relay: " << m_relay->describe();
        }
        m_procs.clear(); // kills whatever still runs
        m_relay.reset();
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }

    Process& spawn(const std::vector<std::string>& argv, const SpawnOptions& options = {}) {
        const std::string base = m_dir + "/p" + std::to_string(m_procs.size());
        m_procs.push_back(std::make_unique<Process>(argv, base + ".out", base + ".err", options));
        return *m_procs.back();
    }

    /// Starts the relay (config: YAML text, or none) and waits until it serves.
    void startRelay(const std::string& domain, const std::string& config = "") {
        m_domain = domain;
        std::vector<std::string> argv{ALPHAPULSE, "relay", domain, "--socket", m_sock};
        if (m_descriptorLimit != 0) {
            // Under `ulimit -n` (soft and hard), as a user would start it.
            argv.insert(argv.begin(), {"/bin/bash", "-c", "ulimit -n " + std::to_string(m_descriptorLimit) +
                                                              " && exec \"$0\" \"$@\""});
        }
        if (!config.empty()) {
            const std::string path = m_dir + "/relay.yaml";
            std::ofstream(path) << config;
            argv.push_back("--config");
            argv.push_back(path);
        }
        const std::string base = m_dir + "/relay" + std::to_string(m_relayStarts++);
        m_relay = std::make_unique<Process>(argv, base + ".out", base + ".err", SpawnOptions{});
        // Serving: the socket is bound and listening (bound first), and the
        // event loop answers on <socket>.stats. (Probing the stats socket
        // does not add a client to the counters.)
        const bool ready = eventually(
            [&] {
                if (!m_relay->running()) return true;
                return fs::is_socket(m_sock) && statsAnswer(m_sock + ".stats");
            },
            5000, 5);
        ASSERT_TRUE(ready && m_relay->running()) << "relay did not start: " << m_relay->describe();
    }

    /// SIGTERM; it must exit 0 within boundMs and remove its socket files.
    void stopRelay(int boundMs = 3000) {
        ASSERT_TRUE(m_relay);
        m_relay->signal(SIGTERM);
        const auto status = m_relay->wait(boundMs);
        EXPECT_TRUE(exitedZero(status)) << statusText(status) << "\n" << m_relay->describe();
        EXPECT_FALSE(fs::exists(m_sock)) << "socket file left behind";
        EXPECT_FALSE(fs::exists(m_sock + ".stats")) << "stats socket file left behind";
    }

    /// `alphapulse stats <socket>` (JSON); null when the relay does not answer.
    Json stats() {
        Process& p = spawn({ALPHAPULSE, "stats", m_sock});
        const auto status = p.wait(5000);
        if (!exitedZero(status)) return Json();
        return Json::parse(p.out(), nullptr, /*allow_exceptions=*/false);
    }
    std::uint64_t drops(const Json& s, const std::string& reason) { return s.at("drops").at(reason).get<std::uint64_t>(); }

    /// The stats entry of the client with this pid (null when not connected).
    Json clientOf(const Json& s, pid_t pid) {
        if (!s.is_object()) return Json();
        for (const auto& c : s.at("clients")) {
            if (c.at("pid").get<pid_t>() == pid) return c;
        }
        return Json();
    }
    /// Waits until the process is connected (and, if asked, has subscribed).
    void waitClient(const Process& p, bool subscribed = false, int timeoutMs = 5000) {
        const bool ok = eventually(
            [&] {
                Json c = clientOf(stats(), p.pid());
                return c.is_object() && (!subscribed || c.at("subscribed").get<bool>());
            },
            timeoutMs, 5);
        ASSERT_TRUE(ok) << p.describe();
    }
    void waitGone(pid_t pid, int timeoutMs = 5000) {
        ASSERT_TRUE(eventually([&] { return clientOf(stats(), pid).is_null() && m_relay->running(); }, timeoutMs, 5))
            << "client pid " << pid << " still connected";
    }

    Process& peer(std::vector<std::string> args, const SpawnOptions& options = {}) {
        std::vector<std::string> argv{options.uid ? m_peerCopy : PEER};
        argv.push_back(args.front());
        argv.push_back("--socket");
        argv.push_back(m_sock);
        argv.insert(argv.end(), args.begin() + 1, args.end());
        return spawn(argv, options);
    }
    Process& producer(const std::string& type, int source, std::uint64_t count,
                      std::vector<std::string> extra = {}, const SpawnOptions& options = {}) {
        std::vector<std::string> args{"produce", "--type", type, "--source", std::to_string(source), "--count",
                                      std::to_string(count)};
        args.insert(args.end(), extra.begin(), extra.end());
        return peer(args, options);
    }
    Process& consumer(std::uint64_t count, std::vector<std::string> extra = {}, const SpawnOptions& options = {}) {
        std::vector<std::string> args{"consume", "--count", std::to_string(count), "--timeout-ms", "15000"};
        args.insert(args.end(), extra.begin(), extra.end());
        return peer(args, options);
    }

    /// Waits for a peer to exit 0 and returns the JSON of its last output line.
    Json finish(Process& p, int timeoutMs = 20000) {
        const auto status = p.wait(timeoutMs);
        EXPECT_TRUE(exitedZero(status)) << statusText(status) << ": " << p.describe();
        const auto out = lines(p.out());
        if (out.empty()) return Json();
        return Json::parse(out.back(), nullptr, false);
    }

    /// The relay still serves: a fresh consumer gets every frame of a fresh
    /// producer, nothing lost or reordered.
    void checkPair(const std::string& type = "trade", int source = 42, std::uint64_t count = 500) {
        SCOPED_TRACE("producer -> consumer pair after the fault");
        Process& c = consumer(count, {"--linger-ms", "50"});
        ASSERT_NO_FATAL_FAILURE(waitClient(c));
        Process& p = producer(type, source, count);
        Json published = finish(p);
        EXPECT_EQ(published.value("published", 0u), count);
        Json got = finish(c);
        EXPECT_EQ(got.value("count", 0u), count) << got.dump();
        EXPECT_EQ(got["per_source"].value(std::to_string(source), 0u), count) << got.dump();
        EXPECT_TRUE(got.value("order_ok", false)) << got.dump();
        EXPECT_EQ(got.value("gaps", 1u), 0u) << got.dump();
    }

    /// Makes sure the second user exists; false (with a reason) when it cannot.
    bool ensureOtherUser(uid_t& uid, gid_t& gid, std::string& why) {
        if (::geteuid() != 0) {
            why = "needs root (to create the user '" + std::string(OTHER_USER) + "' and setuid to it)";
            return false;
        }
        if (::getpwnam(OTHER_USER) == nullptr) {
            const auto useradd = fs::exists("/usr/sbin/useradd") ? std::optional<std::string>("/usr/sbin/useradd")
                                                                 : findInPath("useradd");
            if (useradd) {
                Process& p = spawn({*useradd, "--system", "--no-create-home", OTHER_USER});
                p.wait(10000);
            }
        }
        const passwd* pw = ::getpwnam(OTHER_USER);
        if (pw == nullptr) {
            why = "could not create the user '" + std::string(OTHER_USER) + "' with useradd";
            return false;
        }
        uid = pw->pw_uid;
        gid = pw->pw_gid;
        // The peer, where that user can execute it (the build tree may not be reachable).
        m_peerCopy = m_dir + "/alphapulse_test_peer";
        fs::copy_file(PEER, m_peerCopy, fs::copy_options::overwrite_existing);
        ::chmod(m_peerCopy.c_str(), 0755);
        return true;
    }

    std::string m_dir;
    std::string m_sock;
    std::string m_domain;
    int m_descriptorLimit = 0; ///< startRelay under `ulimit -n` this (0: as inherited)
    std::string m_peerCopy;
    int m_relayStarts = 0;
    std::unique_ptr<Process> m_relay;
    std::vector<std::unique_ptr<Process>> m_procs;
};

} // namespace
