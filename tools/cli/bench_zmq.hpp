#pragma once
// ZeroMQ as a peer in `alphapulse bench --compare`: PUB/SUB over ipc, one
// ZeroMQ message per frame (its normal use), lossless (XPUB_NODROP, so a
// full pipe makes the publisher wait, as bench's relays do), through the
// same harness, frames and tally as our transports. Built only when libzmq
// was found (ALPHAPULSE_BENCH_ZMQ); otherwise zmqBuiltIn() is false and
// runZmq() says so.
#include <string>

#include "bench_measure.hpp"

namespace alphapulse::cli::bench {

[[nodiscard]] bool zmqBuiltIn() noexcept;
/// "4.3.4", or why it is absent.
[[nodiscard]] std::string zmqVersion();
/// One run over ipc:// in a temporary directory.
[[nodiscard]] Outcome runZmq(const Settings& settings, ProgressSink* progress);

} // namespace alphapulse::cli::bench
