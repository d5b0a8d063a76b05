#pragma once
// A TCP listener on 127.0.0.1 at a port the kernel picks, for tests of TCP clients.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace alphapulse::fixtures {

struct TcpListener {
    TcpListener() {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(fd, 4) == 0 &&
             ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
        port = ntohs(addr.sin_port);
    }
    ~TcpListener() { ::close(fd); }
    TcpListener(const TcpListener&) = delete;
    TcpListener& operator=(const TcpListener&) = delete;

    /// The next connection, or -1 after `timeoutMs`.
    [[nodiscard]] int acceptOne(int timeoutMs = 5000) const {
        pollfd pfd{fd, POLLIN, 0};
        if (::poll(&pfd, 1, timeoutMs) != 1) return -1;
        return ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    }

    int fd = -1;
    std::uint16_t port = 0;
    bool ok = false; ///< bound and listening
};

} // namespace alphapulse::fixtures
