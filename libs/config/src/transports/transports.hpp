#pragma once
// What the rows of the transport table (transport_table.cpp) share; each
// row's own header is alphapulse/config/transports/<name>.hpp.
#include "alphapulse/config/transport_table.hpp"

namespace alphapulse::config::rows {

/// Rows without a relay process: no address, no reason to give.
[[nodiscard]] inline std::optional<RelayAddress> noRelayAddress(const DomainSettings& /*d*/) { return std::nullopt; }
/// Rows whose relay process is alphapulse's: nothing to explain.
[[nodiscard]] inline std::string relayRuns(const DomainSettings& /*d*/) { return {}; }
/// Rows served by an alphapulse relay: its stats socket beside its socket (a TCP relay keeps one there too).
[[nodiscard]] inline StatsSource relayStatsSocket(const DomainSettings& d) {
    return {StatsSource::Kind::RelaySocket, d.relay.socketPath + ".stats"};
}
[[nodiscard]] inline StatsSource noStats(const DomainSettings& /*d*/) { return {}; }
/// "<runtime_dir>/<domain>.sock": where a domain's relay socket is by default.
[[nodiscard]] inline std::string defaultSocketPath(const DomainSettings& d, const std::string& runtimeDir) {
    return runtimeDir + "/" + std::string(wire::domainName(d.domain)) + ".sock";
}

} // namespace alphapulse::config::rows
