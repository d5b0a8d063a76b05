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

/// The segment of a shared_memory domain ("alphapulse-<domain>" unless named), nullopt otherwise.
[[nodiscard]] std::optional<std::string> segmentOf(const config::DomainSettings& domain);

/// A shared-memory domain's counters, read from its segment (there is no
/// relay process), in a relay's shape: the same JSON (plus "transport" and
/// an "shm" object, and per client "slot", "name", "position", "lag_bytes",
/// "alive", "missed", "laps") and the same Prometheus text. Mapping:
/// frames_in = frames committed to the ring; frames_out = frames delivered
/// to the endpoints attached now; connections_accepted = attaches since the
/// segment was initialised; drops out_of_domain / bad_checksum /
/// bad_sequence = frames producers' checks refused; queue_full = frames
/// lapped readers missed (Drop policy: a slow reader loses, the others do
/// not); slow_consumer = readers evicted (Backpressure); the queue memory is
/// the ring. Per client: fd = its slot, frames_in = frames it sent,
/// frames_out = frames delivered to it, queued_bytes = its lag, dropped =
/// frames it missed.
[[nodiscard]] RelayStatsReading readShmStats(const std::string& segment);

} // namespace alphapulse::dashboard
