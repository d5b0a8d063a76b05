// Natural batching (docs/design/client-batching.md) keeps what the stream
// transports promised: order, backpressure (WouldBlock), recovery of queued
// frames across a reconnection, nothing lost on a clean close; and close()
// gives up at its timeout when nobody reads. Every case runs on Unix sockets
// and TCP, batched and immediate. Speed lives in bench/relay_bench.cpp.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/transport/frame_reader.hpp"
#include "alphapulse/transport/tcp_transport.hpp"
#include "alphapulse/transport/unix_socket.hpp"
#include "alphapulse/transport/unix_socket_transport.hpp"
#include "tcp_listener.hpp"
#include "test_frames.hpp"

using namespace alphapulse;
using transport::SendStatus;
using transport::WriteMode;

namespace {

struct Case {
    bool tcp;
    WriteMode mode;
};

/// A listening socket the client connects (and reconnects) to; small buffers
/// everywhere so that queues fill, wrap and block within a few hundred frames.
class Bus {
public:
    explicit Bus(bool tcp) : m_tcp(tcp) {
        if (tcp) {
            EXPECT_TRUE(m_tcpListener.ok);
            m_listen = m_tcpListener.fd;
            m_port = m_tcpListener.port;
        } else {
            char tmpl[] = "/tmp/alphapulse-batching-XXXXXX";
            m_dir = ::mkdtemp(tmpl);
            m_listen = transport::listenUnix(m_dir + "/bus.sock", 0600);
        }
    }
    ~Bus() {
        if (!m_tcp) ::close(m_listen);
        if (!m_dir.empty()) std::filesystem::remove_all(m_dir);
    }
    Bus(const Bus&) = delete;
    Bus& operator=(const Bus&) = delete;

    std::unique_ptr<client::BusClient> client(WriteMode mode, std::size_t ringBytes = 64 << 10) const {
        std::unique_ptr<transport::Transport> t;
        if (m_tcp) {
            transport::TcpTransport::Options o;
            o.port = m_port;
            o.sendBufferBytes = ringBytes;
            o.socketBufferBytes = 16 << 10;
            o.writeMode = mode;
            t = std::make_unique<transport::TcpTransport>(o);
        } else {
            transport::UnixSocketTransport::Options o{m_dir + "/bus.sock"};
            o.sendBufferBytes = ringBytes;
            o.socketBufferBytes = 16 << 10;
            o.writeMode = mode;
            t = std::make_unique<transport::UnixSocketTransport>(o);
        }
        client::ClientOptions co;
        co.subscription = std::bitset<256>{}; // a pure producer
        co.initialBackoff = std::chrono::milliseconds(0);
        co.closeTimeout = std::chrono::milliseconds(10'000);
        return std::make_unique<client::BusClient>(std::move(t), co);
    }

    /// The next connection, or -1 after 5 s.
    [[nodiscard]] int accept() const {
        pollfd pfd{m_listen, POLLIN, 0};
        if (::poll(&pfd, 1, 5000) != 1) return -1;
        const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
        // Not on TCP: a receive buffer below two segments (64 KiB on loopback)
        // never announces a reopened window, and the sender then waits for its
        // zero-window probes, backing off to seconds.
        if (!m_tcp) transport::setSocketBuffers(fd, 16 << 10);
        return fd;
    }

private:
    bool m_tcp;
    fixtures::TcpListener m_tcpListener; // bound whether used or not: cheap
    int m_listen = -1;
    std::uint16_t m_port = 0;
    std::string m_dir;
};

/// Reads `fd` until `last` arrives, the peer closes or 20 s pass; returns the
/// sequences of the data frames (the Subscribe frame a client sends is skipped).
std::vector<std::uint64_t> readUntil(int fd, std::uint64_t last) {
    transport::FrameReader reader(1 << 20, wire::header::DEFAULT_MAX_PAYLOAD);
    std::vector<std::uint64_t> seqs;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while ((seqs.empty() || seqs.back() != last) && std::chrono::steady_clock::now() < deadline) {
        pollfd pfd{fd, POLLIN, 0};
        if (::poll(&pfd, 1, 20) <= 0) continue;
        auto space = reader.writable();
        const ssize_t n = ::read(fd, space.data(), space.size());
        if (n <= 0) break;
        reader.commit(static_cast<std::size_t>(n));
        for (auto frame = reader.next(); frame; frame = reader.next()) {
            if (frame->messageType() != static_cast<std::uint8_t>(wire::MessageType::Subscribe)) {
                seqs.push_back(frame->sequence());
            }
        }
    }
    return seqs;
}

/// Frame `seq`: mostly 64-byte trades, every 7th a book of up to 3 KB, so
/// frames straddle the ring's end and the socket's partial writes.
std::vector<std::uint8_t> frameFor(std::uint64_t seq) {
    return seq % 7 == 0 ? fixtures::bookFrame(seq * 37 % 3000, seq) : fixtures::tradeFrame(1, seq);
}

/// Publishes until the transport says WouldBlock (nobody reads); returns the last sequence taken.
std::uint64_t fill(client::BusClient& c) {
    std::uint64_t seq = 0;
    while (c.publish(frameFor(seq + 1)) == SendStatus::Ok) ++seq;
    return seq;
}

void expectContiguous(const std::vector<std::uint64_t>& seqs, std::uint64_t first, std::uint64_t last) {
    ASSERT_FALSE(seqs.empty());
    EXPECT_EQ(seqs.front(), first);
    EXPECT_EQ(seqs.back(), last);
    for (std::size_t i = 1; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], seqs[i - 1] + 1) << "in order, no hole, no repeat";
}

/// What a failure message needs to tell a stall from a broken connection.
std::string state(const client::BusClient& c) {
    std::string out = c.connected() ? "connected" : "disconnected (" + c.transport().reason() + ")";
    out += ", pending " + std::to_string(c.transport().pendingBytes()) + ", buffered " +
           std::to_string(c.bufferedBytes()) + ", reconnects " + std::to_string(c.counters().reconnects);
    if (const auto* st = dynamic_cast<const transport::StreamTransport*>(&c.transport())) {
        const auto w = st->writeCounters();
        out += ", writes " + std::to_string(w.writes) + " (caller " + std::to_string(w.callerWrites) + "), kicks " +
               std::to_string(w.kicks);
    }
    return out;
}

class Batching : public ::testing::TestWithParam<Case> {};

std::string caseName(const ::testing::TestParamInfo<Case>& info) {
    return std::string(info.param.tcp ? "tcp_" : "unix_") + std::string(transport::writeModeName(info.param.mode));
}

} // namespace

TEST_P(Batching, OneFramePerPublishArrivesInOrderWhileTheReaderRuns) {
    Bus bus(GetParam().tcp);
    auto producer = bus.client(GetParam().mode);
    ASSERT_TRUE(producer->connected());
    const int peer = bus.accept();
    ASSERT_GE(peer, 0);
    constexpr std::uint64_t N = 100'000;
    std::vector<std::uint64_t> seqs;
    std::thread reader([&] { seqs = readUntil(peer, N); });
    for (std::uint64_t seq = 1; seq <= N; ++seq) {
        if (!producer->publishBlocking(frameFor(seq), std::chrono::seconds(20))) {
            ADD_FAILURE() << "stuck at " << seq << ": " << state(*producer);
            break;
        }
    }
    EXPECT_TRUE(producer->close(std::chrono::seconds(20))) << state(*producer);
    reader.join();
    expectContiguous(seqs, 1, N);
    ::close(peer);
}

TEST_P(Batching, CloseGivesUpAtItsTimeoutWhenNobodyReads) {
    Bus bus(GetParam().tcp);
    // A ring far larger than what the kernel buffers of a reader that never
    // reads can take (TCP keeps opening its window a little for a while).
    auto producer = bus.client(GetParam().mode, 8 << 20);
    const int peer = bus.accept();
    ASSERT_GE(peer, 0);
    const std::uint64_t taken = fill(*producer);
    ASSERT_GT(taken, 0u);
    EXPECT_GT(producer->transport().pendingBytes(), 1u << 20);
    EXPECT_FALSE(producer->close(std::chrono::milliseconds(50))) << state(*producer);
    EXPECT_EQ(producer->publish(frameFor(taken + 1)), SendStatus::Closed) << "closed for good";
    ::close(peer);
}

TEST_P(Batching, CloseHandsEverythingToAReaderThatStartsLate) {
    Bus bus(GetParam().tcp);
    auto producer = bus.client(GetParam().mode);
    const int peer = bus.accept();
    ASSERT_GE(peer, 0);
    const std::uint64_t taken = fill(*producer); // the ring and both sockets full
    std::vector<std::uint64_t> seqs;
    std::thread reader([&] { seqs = readUntil(peer, taken); });
    EXPECT_TRUE(producer->close(std::chrono::seconds(20)));
    reader.join();
    expectContiguous(seqs, 1, taken);
    ::close(peer);
}

TEST_P(Batching, DestructionDrainsWhatWasPublished) {
    Bus bus(GetParam().tcp);
    auto producer = bus.client(GetParam().mode);
    const int peer = bus.accept();
    ASSERT_GE(peer, 0);
    const std::uint64_t taken = fill(*producer);
    std::vector<std::uint64_t> seqs;
    std::thread reader([&] { seqs = readUntil(peer, taken); });
    producer.reset(); // a service returning from main()
    reader.join();
    expectContiguous(seqs, 1, taken);
    ::close(peer);
}

TEST_P(Batching, QueuedFramesFollowAReconnectionInOrder) {
    Bus bus(GetParam().tcp);
    // A ring far larger than the kernel buffers, so that frames are still
    // queued in the client at the break (TCP keeps taking bytes for a while
    // after the first WouldBlock; what the dead peer's kernel took is lost).
    auto producer = bus.client(GetParam().mode, 8 << 20);
    const int first = bus.accept();
    ASSERT_GE(first, 0);
    const std::uint64_t taken = fill(*producer);
    ASSERT_GT(producer->transport().pendingBytes(), 1u << 20) << state(*producer);
    ::close(first); // the bus dies without reading anything

    constexpr std::uint64_t MORE = 500;
    std::vector<std::uint64_t> seqs;
    std::thread reader([&] {
        const int second = bus.accept();
        if (second < 0) return;
        seqs = readUntil(second, taken + MORE);
        ::close(second);
    });
    for (std::uint64_t seq = taken + 1; seq <= taken + MORE; ++seq) {
        ASSERT_TRUE(producer->publishBlocking(frameFor(seq), std::chrono::seconds(20))) << seq;
    }
    EXPECT_TRUE(producer->close(std::chrono::seconds(20)));
    reader.join();
    ASSERT_FALSE(seqs.empty());
    // Only what the dead connection's kernel had taken is lost; everything
    // queued in the client follows, first, in order, without a repeat.
    expectContiguous(seqs, seqs.front(), taken + MORE);
    EXPECT_LE(seqs.front(), taken) << "the frames queued at the break were sent again";
    EXPECT_GE(producer->counters().reconnects, 1u);
}

INSTANTIATE_TEST_SUITE_P(StreamTransports, Batching,
                         ::testing::Values(Case{false, WriteMode::Batched}, Case{false, WriteMode::Immediate},
                                           Case{true, WriteMode::Batched}, Case{true, WriteMode::Immediate}),
                         caseName);

TEST(StreamReceive, OneReadDeliversEveryFrameAlreadyThere) {
    Bus bus(false);
    auto consumer = bus.client(WriteMode::Batched);
    const int peer = bus.accept();
    ASSERT_GE(peer, 0);
    std::vector<std::uint8_t> frames;
    for (std::uint64_t seq = 1; seq <= 100; ++seq) fixtures::append(frames, fixtures::tradeFrame(1, seq));
    ASSERT_TRUE(transport::writeAll(peer, frames.data(), frames.size())); // one write: all in the socket at once
    int calls = 0;
    std::uint64_t received = 0;
    auto handler = [&](const wire::FrameView&) { ++received; };
    while (received < 100 && calls < 100) {
        if (consumer->poll(handler, 100) > 0) ++calls;
    }
    EXPECT_EQ(received, 100u);
    EXPECT_EQ(calls, 1) << "one poll (one read) delivered them all";
    ::close(peer);
}
