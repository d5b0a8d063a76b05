// The shared-memory ring across real processes (shm_peer): eight readers, a
// lapped reader, a writer killed mid-write, a reader killed mid-read, and
// segments cleaned up after kill -9. Labelled "integration" (not re-run
// under the sanitizers: the peers are separate programs).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "alphapulse/transport/shm_transport.hpp"
#include "test_frames.hpp"

using namespace alphapulse;
using transport::SendStatus;
using transport::ShmTransport;

namespace {

/// A child process with its stdout on a pipe; killed and reaped on destruction.
class Peer {
public:
    explicit Peer(const std::vector<std::string>& args) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) return;
        m_pid = ::fork();
        if (m_pid == 0) {
            ::dup2(fds[1], STDOUT_FILENO);
            std::vector<char*> argv;
            std::string bin = SHM_PEER_BIN;
            argv.push_back(bin.data());
            std::vector<std::string> copy = args;
            for (auto& a : copy) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(bin.c_str(), argv.data());
            ::_exit(127);
        }
        ::close(fds[1]);
        m_out = fds[0];
    }
    ~Peer() {
        kill9();
        if (m_out >= 0) ::close(m_out);
    }
    Peer(const Peer&) = delete;
    Peer& operator=(const Peer&) = delete;

    /// The next line of output, waiting up to `timeoutMs`.
    std::optional<std::string> line(int timeoutMs = 10'000) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
        for (;;) {
            if (const auto nl = m_buffer.find('\n'); nl != std::string::npos) {
                std::string l = m_buffer.substr(0, nl);
                m_buffer.erase(0, nl + 1);
                return l;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                    std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            pollfd pfd{m_out, POLLIN, 0};
            if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
            char chunk[512];
            const ssize_t n = ::read(m_out, chunk, sizeof chunk);
            if (n <= 0) return std::nullopt;
            m_buffer.append(chunk, static_cast<std::size_t>(n));
        }
    }
    bool ready() {
        const auto l = line();
        return l && l->rfind("ready", 0) == 0;
    }
    void kill9() {
        if (m_pid <= 0) return;
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
        m_pid = -1;
    }
    /// Exit status after it ends by itself (-1: did not end within the time).
    int wait(int timeoutMs = 30'000) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return -1;
    }

private:
    pid_t m_pid = -1;
    int m_out = -1;
    std::string m_buffer;
};

std::string uniqueName(const char* what) { return "alphapulse-test-" + std::to_string(::getpid()) + "-" + what; }
bool segmentExists(const std::string& name) {
    struct stat st{};
    return ::stat(("/dev/shm/" + name).c_str(), &st) == 0;
}

ShmTransport::Options opts(const std::string& name, std::uint64_t size, bool backpressure = false) {
    auto o = ShmTransport::defaults(wire::Domain::MarketData);
    o.name = name;
    o.sizeBytes = size;
    o.backpressure = backpressure;
    o.prefault = false;
    o.wait = ShmTransport::Wait::Block;
    return o;
}

/// "done received=R missed=M laps=L ordered=O bad=B" -> fields.
std::map<std::string, std::uint64_t> results(const std::string& line) {
    std::map<std::string, std::uint64_t> out;
    std::size_t at = line.find(' ');
    while (at != std::string::npos) {
        const std::size_t eq = line.find('=', at);
        const std::size_t end = line.find(' ', at + 1);
        if (eq == std::string::npos) break;
        out[line.substr(at + 1, eq - at - 1)] = std::stoull(line.substr(eq + 1, end - eq - 1));
        at = end;
    }
    return out;
}

void sendAll(ShmTransport& t, std::uint8_t source, std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t seq = from; seq <= to;) {
        const auto f = fixtures::tradeFrame(source, seq, static_cast<std::int64_t>(seq));
        const auto s = t.send(f);
        ASSERT_NE(s, SendStatus::Closed) << t.reason();
        if (s == SendStatus::Ok) ++seq;
    }
}

} // namespace

TEST(ShmProcess, EightReadersEachGetEveryFrameInOrder) {
    const std::string name = uniqueName("eight");
    constexpr std::uint64_t N = 20'000;
    ShmTransport writer(opts(name, 4 << 20));
    ASSERT_TRUE(writer.connect()) << writer.reason();
    std::vector<std::unique_ptr<Peer>> readers;
    for (int i = 0; i < 8; ++i) {
        readers.push_back(std::make_unique<Peer>(std::vector<std::string>{
            "read", name, std::to_string(N), "--size", std::to_string(4 << 20), "--wait", "block"}));
    }
    for (auto& r : readers) ASSERT_TRUE(r->ready());
    sendAll(writer, 1, 1, N); // 20,000 records of 80 bytes: less than the ring, nobody is lapped
    for (auto& r : readers) {
        const auto l = r->line(30'000);
        ASSERT_TRUE(l);
        const auto res = results(*l);
        EXPECT_EQ(res.at("received"), N) << *l;
        EXPECT_EQ(res.at("missed"), 0U) << *l;
        EXPECT_EQ(res.at("ordered"), 1U) << *l;
        EXPECT_EQ(res.at("bad"), 0U) << *l;
        EXPECT_EQ(r->wait(), 0);
    }
}

TEST(ShmProcess, LappedReaderDetectsAndCountsTheGap) {
    const std::string name = uniqueName("lapped");
    constexpr std::uint64_t N = 20'000;
    ShmTransport writer(opts(name, 64 << 10)); // 64 KiB: about 800 records
    ASSERT_TRUE(writer.connect()) << writer.reason();
    Peer reader({"read", name, std::to_string(N + 1), "--size", std::to_string(64 << 10), "--slow-us", "100",
                 "--idle-ms", "1500"});
    ASSERT_TRUE(reader.ready());
    sendAll(writer, 1, 1, N); // far faster than 10,000 frames/s: the reader is lapped
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    sendAll(writer, 1, N + 1, N + 1); // a last frame after the reader caught up: it sees the gap before it
    const auto l = reader.line(60'000);
    ASSERT_TRUE(l);
    const auto res = results(*l);
    EXPECT_GE(res.at("laps"), 1U) << *l;
    EXPECT_GT(res.at("missed"), 0U) << *l;
    EXPECT_EQ(res.at("received") + res.at("missed"), N + 1) << *l; // every frame is delivered or counted missing
    EXPECT_EQ(res.at("ordered"), 1U) << *l;
    EXPECT_EQ(res.at("bad"), 0U) << *l; // never a torn frame
    EXPECT_EQ(reader.wait(), 0);
}

TEST(ShmProcess, WriterKilledHoldingTheLockLeavesNoTornFrameAndNoWedge) {
    const std::string name = uniqueName("torn");
    ShmTransport reader(opts(name, 1 << 20));
    ASSERT_TRUE(reader.connect()) << reader.reason();
    ShmTransport writer(opts(name, 1 << 20));
    ASSERT_TRUE(writer.connect()) << writer.reason();
    {
        Peer torn({"torn", name, "--size", std::to_string(1 << 20)});
        ASSERT_TRUE(torn.ready());
        torn.kill9(); // dies holding the write lock, half a record written
    }
    sendAll(writer, 2, 1, 3);
    EXPECT_EQ(writer.counters().lockRecoveries, 1U);
    std::vector<std::uint64_t> got;
    auto handler = [&](const wire::FrameView& f) {
        EXPECT_TRUE(f.checksumMatches());
        got.push_back(f.sequence());
    };
    for (int i = 0; i < 20 && got.size() < 3; ++i) ASSERT_GE(reader.receive(handler, 100), 0);
    EXPECT_EQ(got, (std::vector<std::uint64_t>{1, 2, 3})); // not the dead writer's 999999
}

TEST(ShmProcess, SoloWriterKilledInsideASendIsRepairedByTheNextWriter) {
    const std::string name = uniqueName("tornsolo");
    ShmTransport reader(opts(name, 1 << 20));
    ASSERT_TRUE(reader.connect()) << reader.reason();
    ShmTransport writer(opts(name, 1 << 20));
    ASSERT_TRUE(writer.connect()) << writer.reason();
    std::vector<std::uint64_t> fromPeer, fromWriter;
    auto handler = [&](const wire::FrameView& f) {
        EXPECT_TRUE(f.checksumMatches());
        (f.source() == 5 ? fromPeer : fromWriter).push_back(f.sequence());
    };
    {
        // Sends 100 frames (becoming the writer that skips the lock), then
        // dies inside a lock-free send with half a record written.
        Peer torn({"torn-solo", name, "--size", std::to_string(1 << 20), "--source", "5"});
        ASSERT_TRUE(torn.ready());
        torn.kill9();
    }
    sendAll(writer, 2, 1, 3); // revokes the dead solo writer, repairs its claim
    EXPECT_EQ(writer.counters().lockRecoveries, 1U);
    for (int i = 0; i < 20 && fromWriter.size() < 3; ++i) ASSERT_GE(reader.receive(handler, 100), 0);
    EXPECT_EQ(fromPeer.size(), 100U); // its whole frames, never the torn 999999
    EXPECT_EQ(fromPeer.back(), 100U);
    EXPECT_EQ(fromWriter, (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(ShmProcess, WritersKilledAtRandomMomentsNeverDeliverTornFrames) {
    const std::string name = uniqueName("killwriter");
    ShmTransport reader(opts(name, 256 << 10));
    ASSERT_TRUE(reader.connect()) << reader.reason();
    ShmTransport writer(opts(name, 256 << 10));
    ASSERT_TRUE(writer.connect()) << writer.reason();
    std::uint64_t received = 0, bad = 0, mine = 0;
    auto handler = [&](const wire::FrameView& f) {
        ++received;
        if (!f.checksumMatches() || f.size() != wire::TradeLayout::SIZE) ++bad;
        if (f.source() == 7) ++mine;
    };
    std::mt19937 random(42);
    for (int round = 0; round < 6; ++round) {
        Peer w({"write", name, "0", "--size", std::to_string(256 << 10), "--source", "3"});
        ASSERT_TRUE(w.ready());
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(20 + random() % 60);
        while (std::chrono::steady_clock::now() < until) ASSERT_GE(reader.receive(handler, 1), 0);
        w.kill9(); // at whatever instant it is in
        // Catch up first (a lapped reader jumps to the newest record, which
        // would skip a frame sent now), then check the ring still works.
        for (int i = 0; i < 10'000 && reader.backlogBytes() != 0; ++i) ASSERT_GE(reader.receive(handler, 0), 0);
        const std::uint64_t before = mine;
        sendAll(writer, 7, static_cast<std::uint64_t>(round) + 1, static_cast<std::uint64_t>(round) + 1);
        for (int i = 0; i < 200 && mine == before; ++i) ASSERT_GE(reader.receive(handler, 10), 0);
        EXPECT_EQ(mine, before + 1) << "round " << round;
    }
    EXPECT_GT(received, 0U);
    EXPECT_EQ(bad, 0U);
}

TEST(ShmProcess, ReaderKilledMidReadDoesNotHoldBackpressuredWriters) {
    const std::string name = uniqueName("killreader");
    constexpr std::uint64_t N = 5'000; // 400 KB of records through a 64 KiB ring
    ShmTransport writer(opts(name, 64 << 10, true));
    ASSERT_TRUE(writer.connect()) << writer.reason();
    ShmTransport reader(opts(name, 64 << 10, true));
    ASSERT_TRUE(reader.connect()) << reader.reason();
    Peer slow({"read", name, "1000000", "--size", std::to_string(64 << 10), "--backpressure", "--slow-us", "2000"});
    ASSERT_TRUE(slow.ready());
    std::uint64_t expected = 1;
    bool ordered = true;
    auto handler = [&](const wire::FrameView& f) {
        if (f.sequence() != expected) ordered = false;
        expected = f.sequence() + 1;
    };
    std::uint64_t seq = 1, blocked = 0;
    bool killed = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (expected <= N && std::chrono::steady_clock::now() < deadline) {
        while (seq <= N) {
            const auto f = fixtures::tradeFrame(1, seq, 1);
            const auto s = writer.send(f);
            ASSERT_NE(s, SendStatus::Closed) << writer.reason();
            if (s == SendStatus::WouldBlock) {
                ++blocked;
                break;
            }
            ++seq;
        }
        ASSERT_GE(reader.receive(handler, 0), 0) << reader.reason();
        if (!killed && blocked > 100) {
            slow.kill9(); // in the middle of its (slow) handler: its slot still holds the writers back
            killed = true;
        }
    }
    EXPECT_TRUE(killed);
    EXPECT_EQ(expected, N + 1) << "the live reader got everything (backpressure loses nothing)";
    EXPECT_TRUE(ordered);
    EXPECT_GE(writer.counters().readersReaped, 1U);
}

TEST(ShmProcess, SegmentsOfKilledProcessesAreCleanedUp) {
    const std::string name = uniqueName("cleanup");
    {
        std::vector<std::unique_ptr<Peer>> peers;
        for (int i = 0; i < 3; ++i) {
            peers.push_back(std::make_unique<Peer>(std::vector<std::string>{"hold", name, "--size", "1048576"}));
            ASSERT_TRUE(peers.back()->ready());
        }
        EXPECT_TRUE(segmentExists(name));
        peers[0]->kill9();
        peers[1]->kill9();
        EXPECT_FALSE(ShmTransport::removeAbandoned(name)) << "one process is still attached";
        // And a different size is refused while it lives.
        ShmTransport other(opts(name, 2 << 20));
        EXPECT_FALSE(other.connect());
        EXPECT_NE(other.reason().find("different setup"), std::string::npos) << other.reason();
        peers[2]->kill9();
    }
    EXPECT_TRUE(segmentExists(name)) << "kill -9 leaves the file behind";
    EXPECT_TRUE(ShmTransport::removeAbandoned(name));
    EXPECT_FALSE(segmentExists(name));

    // The next process to open a dead segment reinitialises it (any size),
    // and the last to close removes it.
    {
        Peer p({"hold", name, "--size", "1048576"});
        ASSERT_TRUE(p.ready());
        p.kill9();
    }
    {
        ShmTransport t(opts(name, 2 << 20));
        ASSERT_TRUE(t.connect()) << t.reason();
        EXPECT_EQ(t.ringBytes(), 2U << 20);
    }
    EXPECT_FALSE(segmentExists(name));
}
