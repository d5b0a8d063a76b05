#pragma once
// One `alphapulse bench` run on our transports: a producer and N consumers,
// each a BusClient from config::makeClient on the bus's deployment, each
// on its own thread of this process (as `nats bench` runs its clients), so
// the figures are those of the client library and the relay or server that
// services use.
#include "bench_bus.hpp"
#include "bench_measure.hpp"

namespace alphapulse::cli::bench {

/// Runs `settings` on `bus`. Never throws for a run that went wrong: the
/// outcome's `error` says what (a client that could not connect, consumers
/// that never heard the warm-up frames, the time limit).
[[nodiscard]] Outcome runOnBus(Bus& bus, const Settings& settings, ProgressSink* progress);

} // namespace alphapulse::cli::bench
