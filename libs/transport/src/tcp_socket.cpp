#include "alphapulse/transport/tcp_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace alphapulse::transport {
namespace {

struct AddrInfoDeleter {
    void operator()(addrinfo* info) const noexcept { ::freeaddrinfo(info); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoDeleter>;

AddrInfoPtr resolve(const HostPort& address, bool passive, std::string& why) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    addrinfo* result = nullptr;
    const std::string port = std::to_string(address.port);
    const int rc = ::getaddrinfo(address.host.empty() ? nullptr : address.host.c_str(), port.c_str(), &hints, &result);
    if (rc != 0) {
        why = "resolve " + address.host + ": " + ::gai_strerror(rc);
        return nullptr;
    }
    return AddrInfoPtr(result);
}

/// 16 bytes (IPv4 as IPv4-mapped IPv6) so one comparison serves both families.
std::array<std::uint8_t, 16> mapped(const sockaddr_storage& address) {
    std::array<std::uint8_t, 16> out{};
    if (address.ss_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, &address, sizeof in);
        out[10] = out[11] = 0xFF;
        std::memcpy(out.data() + 12, &in.sin_addr, 4);
    } else if (address.ss_family == AF_INET6) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, &address, sizeof in6);
        std::memcpy(out.data(), &in6.sin6_addr, 16);
    }
    return out;
}

/// A pattern as a 16-byte prefix and its length in bits.
bool parsePattern(const std::string& pattern, std::array<std::uint8_t, 16>& prefix, unsigned& bits) {
    std::string text = pattern;
    int explicitBits = -1;
    if (const auto slash = text.find('/'); slash != std::string::npos) {
        const std::string count = text.substr(slash + 1);
        if (count.empty() || count.size() > 3 || count.find_first_not_of("0123456789") != std::string::npos) {
            return false;
        }
        explicitBits = std::stoi(count);
        text.resize(slash);
    }
    prefix = {};
    in_addr v4{};
    in6_addr v6{};
    if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
        if (explicitBits > 32) return false;
        prefix[10] = prefix[11] = 0xFF;
        std::memcpy(prefix.data() + 12, &v4, 4);
        bits = 96 + static_cast<unsigned>(explicitBits < 0 ? 32 : explicitBits);
        return true;
    }
    if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
        if (explicitBits > 128) return false;
        std::memcpy(prefix.data(), &v6, 16);
        bits = static_cast<unsigned>(explicitBits < 0 ? 128 : explicitBits);
        return true;
    }
    return false;
}

bool matches(const std::array<std::uint8_t, 16>& address, const std::array<std::uint8_t, 16>& prefix, unsigned bits) {
    for (unsigned i = 0; i < bits; ++i) {
        const unsigned byte = i / 8;
        const unsigned shift = 7 - i % 8;
        if (((static_cast<unsigned>(address[byte]) >> shift) & 1U) != ((static_cast<unsigned>(prefix[byte]) >> shift) & 1U)) {
            return false;
        }
    }
    return true;
}

} // namespace

std::optional<HostPort> parseHostPort(const std::string& text, std::string* why) {
    const auto fail = [&](const std::string& reason) -> std::optional<HostPort> {
        if (why != nullptr) *why = "'" + text + "': " + reason;
        return std::nullopt;
    };
    HostPort out;
    std::string port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return fail("expected [ipv6-address]:port");
        }
        out.host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string::npos) return fail("expected host:port");
        out.host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (out.host.find(':') != std::string::npos) return fail("an IPv6 address goes in brackets: [::1]:7400");
    }
    if (out.host.empty()) return fail("no host (use 0.0.0.0 to listen on every interface)");
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
        return fail("port is not a number");
    }
    const unsigned long number = std::stoul(port);
    if (number == 0 || number > 65535) return fail("port must be 1 to 65535");
    out.port = static_cast<std::uint16_t>(number);
    return out;
}

int listenTcp(const HostPort& address) {
    std::string why;
    const auto info = resolve(address, true, why);
    if (!info) throw std::runtime_error(why);
    int lastErrno = 0;
    for (const addrinfo* ai = info.get(); ai != nullptr; ai = ai->ai_next) {
        const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            lastErrno = errno;
            continue;
        }
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 128) == 0) return fd;
        lastErrno = errno;
        ::close(fd);
    }
    throw std::runtime_error("listen on " + address.host + ":" + std::to_string(address.port) + ": " +
                             std::strerror(lastErrno));
}

int connectTcp(const HostPort& address, int timeoutMs) {
    std::string why;
    const auto info = resolve(address, false, why);
    if (!info) {
        errno = EHOSTUNREACH;
        return -1;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    int lastErrno = ECONNREFUSED;
    for (const addrinfo* ai = info.get(); ai != nullptr; ai = ai->ai_next) {
        const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            lastErrno = errno;
            continue;
        }
        int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                    std::chrono::steady_clock::now());
            pollfd pfd{fd, POLLOUT, 0};
            const int ready = ::poll(&pfd, 1, left.count() > 0 ? static_cast<int>(left.count()) : 0);
            if (ready == 1) {
                int error = 0;
                socklen_t len = sizeof error;
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
                rc = error == 0 ? 0 : -1;
                errno = error;
            } else {
                rc = -1;
                errno = ready == 0 ? ETIMEDOUT : errno;
            }
        }
        if (rc == 0) {
            setNoDelay(fd);
            return fd; // already non-blocking
        }
        lastErrno = errno;
        ::close(fd);
    }
    errno = lastErrno;
    return -1;
}

void setNoDelay(int fd) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

std::string addressText(const sockaddr_storage& address) {
    char text[INET6_ADDRSTRLEN] = {};
    if (address.ss_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, &address, sizeof in);
        ::inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
        // Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict in
        // chained operator+ on a temporary std::string.
        std::string out(text);
        out += ':';
        out += std::to_string(ntohs(in.sin_port));
        return out;
    }
    if (address.ss_family == AF_INET6) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, &address, sizeof in6);
        ::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
        std::string out = "[";
        out += text;
        out += "]:";
        out += std::to_string(ntohs(in6.sin6_port));
        return out;
    }
    return "unknown";
}

bool validAddressPattern(const std::string& pattern) {
    std::array<std::uint8_t, 16> prefix{};
    unsigned bits = 0;
    return parsePattern(pattern, prefix, bits);
}

bool addressAllowed(const sockaddr_storage& peer, const std::vector<std::string>& allowed) {
    const auto address = mapped(peer);
    if (allowed.empty()) {
        static const std::vector<std::string> loopback{"127.0.0.0/8", "::1"};
        return addressAllowed(peer, loopback);
    }
    for (const auto& pattern : allowed) {
        std::array<std::uint8_t, 16> prefix{};
        unsigned bits = 0;
        if (parsePattern(pattern, prefix, bits) && matches(address, prefix, bits)) return true;
    }
    return false;
}

} // namespace alphapulse::transport
