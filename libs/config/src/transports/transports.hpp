#pragma once
// The rows of the transport table (transport_table.cpp), one file each.
#include "alphapulse/config/transport_table.hpp"

namespace alphapulse::config::rows {

extern const TransportDescriptor UNIX_SOCKET;
extern const TransportDescriptor TCP;
extern const TransportDescriptor SHARED_MEMORY;
extern const TransportDescriptor CHANNEL;
extern const TransportDescriptor NATS;

/// Rows without a relay process: no address, no reason to give.
[[nodiscard]] inline std::optional<RelayAddress> noRelayAddress(const DomainSettings& /*d*/) { return std::nullopt; }
/// Rows whose relay process is alphapulse's: nothing to explain.
[[nodiscard]] inline std::string relayRuns(const DomainSettings& /*d*/) { return {}; }
/// Rows served by an alphapulse relay: its stats socket beside its socket (a TCP relay keeps one there too).
[[nodiscard]] inline StatsSource relayStatsSocket(const DomainSettings& d) {
    return {StatsSource::Kind::RelaySocket, d.relay.socketPath + ".stats"};
}
[[nodiscard]] inline StatsSource noStats(const DomainSettings& /*d*/) { return {}; }

} // namespace alphapulse::config::rows
