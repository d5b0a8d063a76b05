#pragma once
// Deprecated: RelayClient is BusClient (it serves shared memory, channels and
// NATS too, where there is no relay). This header and the alias go in the
// next release.
#include "alphapulse/client/bus_client.hpp"

namespace alphapulse::client {

using RelayClient [[deprecated("renamed alphapulse::client::BusClient (alphapulse/client/bus_client.hpp)")]] = BusClient;

} // namespace alphapulse::client
