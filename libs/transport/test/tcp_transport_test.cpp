// TCP: address parsing and the allow list, and TcpTransport against a
// listener in this test (loopback, a port the kernel picks).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "alphapulse/transport/tcp_socket.hpp"
#include "alphapulse/transport/tcp_transport.hpp"
#include "tcp_listener.hpp"
#include "test_frames.hpp"

using namespace alphapulse;
using transport::SendStatus;
using transport::TcpTransport;

namespace {

sockaddr_storage v4(const char* text) {
    sockaddr_storage s{};
    sockaddr_in in{};
    in.sin_family = AF_INET;
    EXPECT_EQ(::inet_pton(AF_INET, text, &in.sin_addr), 1);
    std::memcpy(&s, &in, sizeof in);
    return s;
}

sockaddr_storage v6(const char* text) {
    sockaddr_storage s{};
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    EXPECT_EQ(::inet_pton(AF_INET6, text, &in6.sin6_addr), 1);
    std::memcpy(&s, &in6, sizeof in6);
    return s;
}

using Listener = fixtures::TcpListener;

TcpTransport::Options optionsFor(std::uint16_t port) {
    TcpTransport::Options o;
    o.host = "127.0.0.1";
    o.port = port;
    return o;
}

} // namespace

TEST(TcpAddress, HostPortParsing) {
    EXPECT_EQ(transport::parseHostPort("127.0.0.1:7400")->port, 7400);
    EXPECT_EQ(transport::parseHostPort("[::1]:9")->host, "::1");
    EXPECT_EQ(transport::parseHostPort("relay-host:65535")->host, "relay-host");
    std::string why;
    EXPECT_FALSE(transport::parseHostPort("127.0.0.1:65536", &why));
    EXPECT_NE(why.find("1 to 65535"), std::string::npos) << why;
    EXPECT_FALSE(transport::parseHostPort("127.0.0.1", &why));
    EXPECT_FALSE(transport::parseHostPort("::1:80", &why));
    EXPECT_FALSE(transport::parseHostPort("[::1]80", &why));
    EXPECT_FALSE(transport::parseHostPort(":80", &why));
    EXPECT_FALSE(transport::parseHostPort("h:-1", &why));
}

TEST(TcpAddress, AllowListMatchesAddressesAndNetworks) {
    EXPECT_TRUE(transport::validAddressPattern("10.0.0.0/8"));
    EXPECT_TRUE(transport::validAddressPattern("fd00::/8"));
    EXPECT_FALSE(transport::validAddressPattern("10.0.0.0/33"));
    EXPECT_FALSE(transport::validAddressPattern("trading1"));
    EXPECT_FALSE(transport::validAddressPattern("10.0.0.0/"));
    const std::vector<std::string> allowed{"10.1.0.0/16", "192.168.1.7", "fd00::/8"};
    EXPECT_TRUE(transport::addressAllowed(v4("10.1.200.3"), allowed));
    EXPECT_FALSE(transport::addressAllowed(v4("10.2.0.1"), allowed));
    EXPECT_TRUE(transport::addressAllowed(v4("192.168.1.7"), allowed));
    EXPECT_FALSE(transport::addressAllowed(v4("192.168.1.8"), allowed));
    EXPECT_TRUE(transport::addressAllowed(v6("::ffff:10.1.0.9"), allowed)) << "IPv4-mapped peers match IPv4 rules";
    EXPECT_TRUE(transport::addressAllowed(v6("fd12::1"), allowed));
    EXPECT_FALSE(transport::addressAllowed(v6("::1"), allowed));
    // No list: loopback only.
    EXPECT_TRUE(transport::addressAllowed(v4("127.0.0.1"), {}));
    EXPECT_TRUE(transport::addressAllowed(v4("127.8.9.10"), {}));
    EXPECT_TRUE(transport::addressAllowed(v6("::1"), {}));
    EXPECT_FALSE(transport::addressAllowed(v4("10.0.0.1"), {}));
}

TEST(TcpTransport, ConnectFailureSaysWhere) {
    std::uint16_t port = 0;
    {
        Listener gone; // bound, then closed: nothing listens there now
        port = gone.port;
    }
    TcpTransport t(optionsFor(port));
    EXPECT_FALSE(t.connect());
    EXPECT_NE(t.reason().find("tcp:127.0.0.1:" + std::to_string(port)), std::string::npos) << t.reason();
    EXPECT_EQ(t.send(fixtures::tradeFrame(1, 1)), SendStatus::Closed);
}

TEST(TcpTransport, FramesSplitAnywhereArriveWhole) {
    Listener listener;
    TcpTransport t(optionsFor(listener.port));
    ASSERT_TRUE(t.connect()) << t.reason();
    const int server = listener.acceptOne();
    ASSERT_GE(server, 0);
    std::vector<std::uint8_t> bytes;
    for (std::uint64_t s = 1; s <= 3; ++s) fixtures::append(bytes, fixtures::tradeFrame(1, s));
    // One byte, then the rest of the first frame and half the second, then the rest.
    const std::size_t cuts[] = {1, bytes.size() / 2, bytes.size()};
    std::size_t at = 0;
    std::vector<std::uint64_t> got;
    auto handler = [&](const wire::FrameView& f) { got.push_back(f.sequence()); };
    for (const auto cut : cuts) {
        ASSERT_EQ(::send(server, bytes.data() + at, cut - at, MSG_NOSIGNAL), static_cast<ssize_t>(cut - at));
        at = cut;
        for (int i = 0; i < 20 && t.receive(handler, 10) == 0;) ++i;
    }
    for (int i = 0; i < 50 && got.size() < 3; ++i) t.receive(handler, 10);
    EXPECT_EQ(got, (std::vector<std::uint64_t>{1, 2, 3}));
    ::close(server);
    int closed = 0;
    for (int i = 0; i < 50 && closed == 0; ++i) closed = t.receive(handler, 10);
    EXPECT_EQ(closed, -1);
    EXPECT_FALSE(t.connected());
}

TEST(TcpTransport, AProducerThatExitsRightAfterWritingLosesNothingThoughItNeverRead) {
    // The peer sends the producer bytes it never reads; a plain close() would
    // then be a reset that discards what the producer's kernel still holds.
    Listener listener;
    constexpr std::uint64_t FRAMES = 20'000;
    std::vector<std::uint8_t> all;
    for (std::uint64_t s = 1; s <= FRAMES; ++s) fixtures::append(all, fixtures::tradeFrame(1, s));
    std::atomic<std::size_t> received{0};
    std::thread server([&] {
        const int fd = listener.acceptOne();
        if (fd < 0) return;
        std::vector<std::uint8_t> unsolicited(256 << 10, 0xAB);
        ::send(fd, unsolicited.data(), unsolicited.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        // Read slowly at first, so the producer is gone while its data is in flight.
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        std::uint8_t buf[65536];
        for (;;) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            received += static_cast<std::size_t>(n);
        }
        ::close(fd);
    });
    {
        auto options = optionsFor(listener.port);
        options.socketBufferBytes = 4 << 20;
        options.sendBufferBytes = all.size();
        TcpTransport t(options);
        ASSERT_TRUE(t.connect()) << t.reason();
        ASSERT_EQ(t.send(all), SendStatus::Ok);
        for (int i = 0; i < 5000 && t.pendingBytes() != 0; ++i) {
            ASSERT_TRUE(t.flush());
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        ASSERT_EQ(t.pendingBytes(), 0u);
    } // destroyed: closes right away
    server.join();
    EXPECT_EQ(received.load(), all.size());
}
