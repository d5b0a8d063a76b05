#pragma once
// The stats socket every relay serves beside its socket (<socket>.stats):
// it answers one JSON line of counters on connect, then closes. Used by
// `alphapulse stats` (the counters) and `publish` (the relay's domain).
// Each attempt is dashboard::readStatsSocketOnce, the reader the dashboard
// uses too; this waits around it for a relay that is (re)starting, up to a
// timeout.
#include <optional>
#include <string>

namespace alphapulse::cli {

struct StatsAnswer {
    std::optional<std::string> json; ///< the answer, or nullopt with `problem` set
    std::string problem;             ///< "<path>: ...; start one with ..." (for a message)
};

/// Reads the relay's answer on `statsPath`, waiting up to `timeoutS` (0:
/// forever) for a relay that is starting or restarting; when `command` is
/// given, one line on stderr says that it waits. A path that is no relay's
/// fails at once.
[[nodiscard]] StatsAnswer readStatsSocket(const std::string& relaySocket, const std::string& statsPath,
                                          double timeoutS, const char* command);

} // namespace alphapulse::cli
