// A connection that breaks with frames still queued in the client: they are
// sent again, in order, after reconnecting (over a real Unix socket).
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/transport/frame_reader.hpp"
#include "alphapulse/transport/unix_socket.hpp"
#include "alphapulse/transport/unix_socket_transport.hpp"
#include "test_frames.hpp"

using namespace alphapulse;

namespace {

int acceptWithin(int listenFd, int timeoutMs) {
    pollfd pfd{listenFd, POLLIN, 0};
    if (::poll(&pfd, 1, timeoutMs) <= 0) return -1;
    return ::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
}

} // namespace

TEST(BusClientRecovery, FramesTheBrokenConnectionNeverDeliveredAreSentAgainInOrder) {
    char tmpl[] = "/tmp/alphapulse-recovery-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    const std::string path = dir + "/bus.sock";
    const int listenFd = transport::listenUnix(path, 0600);

    transport::UnixSocketTransport::Options options{path};
    options.socketBufferBytes = 4096; // the kernel holds little: most stays in the client
    // Immediate: the publish right after the break meets it synchronously (batching
    // notices it on its flusher; batching_test covers that path).
    options.writeMode = transport::WriteMode::Immediate;
    client::ClientOptions clientOptions;
    clientOptions.subscription = std::bitset<256>{};
    clientOptions.initialBackoff = std::chrono::milliseconds(0);
    client::BusClient producer(std::make_unique<transport::UnixSocketTransport>(options), clientOptions);
    ASSERT_TRUE(producer.connected());
    const int first = acceptWithin(listenFd, 2000);
    ASSERT_GE(first, 0);

    constexpr std::uint64_t N = 2000;
    std::vector<std::uint8_t> batch;
    for (std::uint64_t i = 1; i <= N; ++i) fixtures::append(batch, fixtures::tradeFrame(1, i));
    ASSERT_EQ(producer.publish(batch), transport::SendStatus::Ok);
    ASSERT_GT(producer.transport().pendingBytes(), 0u) << "frames are still queued in the client";

    ::close(first); // the bus dies without reading anything
    // The next publish finds the connection broken and recovers what it held;
    // the next call reconnects and sends it all, first.
    ASSERT_EQ(producer.publish(fixtures::tradeFrame(1, N + 1)), transport::SendStatus::Ok);
    EXPECT_GE(producer.bufferedBytes(), 2 * wire::TradeLayout::SIZE) << "recovered frames wait for the reconnect";
    int second = -1;
    for (int i = 0; i < 200 && second < 0; ++i) {
        producer.flush();
        second = acceptWithin(listenFd, 10);
    }
    ASSERT_GE(second, 0);

    transport::FrameReader reader(1 << 20, wire::header::DEFAULT_MAX_PAYLOAD);
    std::vector<std::uint64_t> seqs;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while ((seqs.empty() || seqs.back() != N + 1) && std::chrono::steady_clock::now() < deadline) {
        producer.flush();
        pollfd pfd{second, POLLIN, 0};
        if (::poll(&pfd, 1, 20) <= 0) continue;
        auto space = reader.writable();
        const ssize_t n = ::read(second, space.data(), space.size());
        ASSERT_GT(n, 0);
        reader.commit(static_cast<std::size_t>(n));
        for (auto frame = reader.next(); frame; frame = reader.next()) {
            if (frame->messageType() == static_cast<std::uint8_t>(wire::MessageType::Trade)) {
                seqs.push_back(frame->sequence());
            }
        }
    }
    ASSERT_FALSE(seqs.empty());
    EXPECT_EQ(seqs.back(), N + 1);
    for (std::size_t i = 1; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], seqs[i - 1] + 1) << "in order, no hole";
    // Only what the dead connection's kernel buffers held (a few KiB) is lost.
    EXPECT_GE(seqs.size(), N + 1 - 400) << "recovered " << seqs.size() << " of " << N + 1;
    ::close(second);
    ::close(listenFd);
    std::filesystem::remove_all(dir);
}
