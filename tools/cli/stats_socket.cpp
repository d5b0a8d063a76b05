#include "stats_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "alphapulse/transport/unix_socket.hpp"
#include "relay_path.hpp"

namespace alphapulse::cli {
namespace {

using Clock = std::chrono::steady_clock;

/// Everything the peer sends until it closes, or nullopt when it goes quiet
/// for `timeoutMs` first (a socket that is not a relay's stats socket).
std::optional<std::string> readUntilClosed(int fd, int timeoutMs) {
    std::string text;
    char buf[65536];
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            text.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) return text;
        if (errno != EAGAIN && errno != EINTR) return text; // reset: what came is what there is
        const auto left = timeoutMs < 0 ? -1 : std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        pollfd pfd{fd, POLLIN, 0};
        if (timeoutMs >= 0 && left <= 0) return std::nullopt;
        if (::poll(&pfd, 1, static_cast<int>(left)) == 0) return std::nullopt;
    }
}

/// Why nothing answers on `statsPath` beside `relaySocket`.
std::string whyNoAnswer(const std::string& relaySocket, const std::string& statsPath) {
    auto check = inspectRelayPath(relaySocket);
    if (check.kind == PathKind::Socket && !std::filesystem::exists(statsPath)) {
        check.problem = "is a socket without " + statsPath + " beside it (not an alphapulse relay, or one still starting)";
    }
    return notARelayMessage(relaySocket, check);
}

} // namespace

StatsAnswer readStatsSocket(const std::string& relaySocket, const std::string& statsPath, double timeoutS,
                            const char* command) {
    const auto timeout = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeoutS));
    const auto deadline = Clock::now() + timeout;
    bool said = false;
    int fd = -1;
    for (;;) {
        const auto check = inspectRelayPath(relaySocket);
        if (!worthWaiting(check.kind) && check.kind != PathKind::StatsSocket) {
            return {std::nullopt, notARelayMessage(relaySocket, check)};
        }
        fd = transport::connectUnix(statsPath);
        if (fd >= 0) break;
        if (errno == EACCES) {
            return {std::nullopt, statsPath + ": permission denied (the relay's socket_mode says who may connect)"};
        }
        if (timeoutS > 0 && Clock::now() >= deadline) {
            return {std::nullopt, "no relay answered within " + secondsText(timeoutS) +
                                      " (--timeout): " + whyNoAnswer(relaySocket, statsPath)};
        }
        if (!said && command != nullptr) {
            std::cerr << command << ": waiting for a relay on " << relaySocket << " (connect " << statsPath << ": "
                      << std::strerror(errno) << ")\n";
            said = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // A stats socket answers at once; a quiet one is something else.
    const int readMs = std::max(1000, static_cast<int>(timeoutS * 1000));
    auto text = readUntilClosed(fd, timeoutS > 0 ? readMs : -1);
    ::close(fd);
    if (!text) return {std::nullopt, statsPath + " accepted a connection but sent nothing: not a relay's stats socket"};
    if (text->empty()) return {std::nullopt, statsPath + " closed without answering: not a relay's stats socket"};
    return {std::move(text), {}};
}

} // namespace alphapulse::cli
