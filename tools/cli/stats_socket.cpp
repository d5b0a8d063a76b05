#include "stats_socket.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "alphapulse/dashboard/relay_stats_reader.hpp"
#include "relay_path.hpp"

namespace alphapulse::cli {
namespace {

using Clock = std::chrono::steady_clock;

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
    using Status = dashboard::StatsSocketAnswer::Status;
    const auto timeout = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeoutS));
    const auto deadline = Clock::now() + timeout;
    // A stats socket answers at once; a quiet one is something else.
    const int readMs = timeoutS > 0 ? std::max(1000, static_cast<int>(timeoutS * 1000)) : -1;
    bool said = false;
    for (;;) {
        const auto check = inspectRelayPath(relaySocket);
        if (!worthWaiting(check.kind) && check.kind != PathKind::StatsSocket) {
            return {std::nullopt, notARelayMessage(relaySocket, check)};
        }
        auto answer = dashboard::readStatsSocketOnce(statsPath, readMs);
        switch (answer.status) {
        case Status::Ok:
        case Status::Failed: // reset before a byte: what came is what there is
            if (!answer.text.empty()) return {std::move(answer.text), {}};
            return {std::nullopt, statsPath + " closed without answering: not a relay's stats socket"};
        case Status::Closed: return {std::nullopt, statsPath + " closed without answering: not a relay's stats socket"};
        case Status::Quiet:
            return {std::nullopt, statsPath + " accepted a connection but sent nothing: not a relay's stats socket"};
        case Status::NoConnect: break;
        }
        if (answer.connectErrno == EACCES) {
            return {std::nullopt, statsPath + ": permission denied (the relay's socket_mode says who may connect)"};
        }
        if (timeoutS > 0 && Clock::now() >= deadline) {
            return {std::nullopt, "no relay answered within " + secondsText(timeoutS) +
                                      " (--timeout): " + whyNoAnswer(relaySocket, statsPath)};
        }
        if (!said && command != nullptr) {
            std::cerr << command << ": waiting for a relay on " << relaySocket << " (connect " << statsPath << ": "
                      << std::strerror(answer.connectErrno) << "); giving up after "
                      << (timeoutS > 0 ? secondsText(timeoutS) : std::string("never (--timeout 0)")) << '\n';
            said = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

} // namespace alphapulse::cli
