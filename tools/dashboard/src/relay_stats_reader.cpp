#include "alphapulse/dashboard/relay_stats_reader.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "alphapulse/transport/unix_socket.hpp"

namespace alphapulse::dashboard {

RelayStatsReading readRelayStats(const std::string& statsPath, int timeoutMs) {
    RelayStatsReading out;
    const int fd = transport::connectUnix(statsPath);
    if (fd < 0) {
        out.error = "no relay answers on " + statsPath + ": " + std::strerror(errno);
        return out;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    char buf[16384];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            out.error = "the relay did not answer on " + statsPath + " within " + std::to_string(timeoutMs) + " ms";
            break;
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            out.json.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0) {
            break; // the relay closes after its one line
        } else if (errno != EINTR && errno != EAGAIN) {
            out.error = std::string("reading ") + statsPath + ": " + std::strerror(errno);
            break;
        }
    }
    ::close(fd);
    while (!out.json.empty() && (out.json.back() == '\n' || out.json.back() == '\r')) out.json.pop_back();
    if (!out.error.empty()) return out;
    if (auto stats = relay::RelayStats::fromJson(out.json)) {
        out.stats = std::move(*stats);
        out.ok = true;
    } else {
        out.error = "the answer on " + statsPath + " is not relay stats JSON";
    }
    return out;
}

std::optional<std::string> statsPathOf(const config::DomainSettings& domain) {
    switch (domain.transport) {
    case config::TransportKind::UnixSocket:
    case config::TransportKind::Tcp: return domain.relay.socketPath + ".stats";
    default: return std::nullopt;
    }
}

} // namespace alphapulse::dashboard
