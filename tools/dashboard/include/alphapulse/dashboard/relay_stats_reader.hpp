#pragma once
// A relay's counters: connect to "<socket>.stats", read the one JSON line
// the relay writes, parse it. The one reader of stats sockets: `alphapulse
// stats`, `publish` (tools/cli/stats_socket.hpp waits for a relay around it)
// and the dashboard. Where a domain's counters are (a relay's stats socket,
// a shared-memory segment, nowhere) its transport's row says
// (config::TransportDescriptor::stats).
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

/// One attempt at a stats socket: connect, then read until the relay closes.
struct StatsSocketAnswer {
    enum class Status : std::uint8_t {
        Ok,        ///< `text` is the answer
        NoConnect, ///< nobody accepted (`connectErrno` says why): no relay yet, or not a socket
        Quiet,     ///< accepted, then nothing within the timeout: not a relay's stats socket, or a stalled relay
        Closed,    ///< closed without a byte: not a relay's stats socket
        Failed,    ///< reading failed (`connectErrno` holds the errno)
    } status = Status::NoConnect;
    int connectErrno = 0;
    std::string text;
};

/// Connects to `statsPath` once and reads what comes until the peer closes,
/// waiting at most `timeoutMs` for it (< 0: no bound).
[[nodiscard]] StatsSocketAnswer readStatsSocketOnce(const std::string& statsPath, int timeoutMs);

/// Reads once and parses; gives up after `timeoutMs` (a stalled relay must not stall us).
[[nodiscard]] RelayStatsReading readRelayStats(const std::string& statsPath, int timeoutMs);

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
