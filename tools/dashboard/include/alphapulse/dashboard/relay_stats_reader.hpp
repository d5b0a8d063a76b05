#pragma once
// A relay's counters, read the way `alphapulse stats` reads them: connect to
// "<socket>.stats", read the one JSON line the relay writes, parse it.
// Unix-socket and TCP relays both serve it (a TCP relay keeps its stats
// socket beside where its Unix socket would be); transports without a
// relay process (shared memory, channel, NATS) have none.
#include <cstdint>
#include <optional>
#include <string>

#include "alphapulse/config/deployment.hpp"
#include "alphapulse/relay/relay_stats.hpp"

namespace alphapulse::dashboard {

struct RelayStatsReading {
    bool ok = false;
    std::string error;     ///< why not, when !ok
    std::string json;      ///< the relay's answer as it came
    relay::RelayStats stats;
};

/// Reads once; gives up after `timeoutMs` (a stalled relay must not stall us).
[[nodiscard]] RelayStatsReading readRelayStats(const std::string& statsPath, int timeoutMs);

/// "<socket>.stats" for domains served by a relay process, nullopt otherwise.
[[nodiscard]] std::optional<std::string> statsPathOf(const config::DomainSettings& domain);

} // namespace alphapulse::dashboard
