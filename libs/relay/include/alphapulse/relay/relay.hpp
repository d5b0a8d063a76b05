#pragma once
// A domain relay (R1): a fan-out hub on a Unix stream socket.
//
// Every frame a client sends goes to every other client (never back to its
// sender) whose subscription includes its type; only the relay's domain
// passes. One thread runs an epoll loop; a read takes many frames, and each
// consumer gets one write per loop turn for everything queued for it, so
// syscalls are amortised over many frames and nothing is allocated per frame.
//
// Overload (per consumer, queue depth in frames and bytes, and the relay's
// memory budget, max_total_queue_bytes, of which each queue gets at most an
// equal share):
//  - Drop: when a consumer's queue is full, frames for it are dropped and
//    counted, and keep being dropped until it drains below circuit_breaker
//    (and 80% of its bytes), so it sees one clean gap rather than a scatter
//    of holes.
//  - Backpressure: when a consumer's queue reaches circuit_breaker the relay
//    stops reading from every producer (their socket buffers fill, their
//    writes block); if that consumer does not drain below it within
//    slow_consumer_timeout, or its queue reaches max_queue_size, it is sent
//    an Error frame saying why and disconnected. Nothing is dropped silently.
//
// Lossless domains (Backpressure): a frame no consumer receives is counted
// (no_consumer) and its producer told, never fanned out to nobody silently.
// Clients beyond max_clients, or arriving when descriptors have run out, are
// sent an Error (relay_full) and closed; the loop never spins on accept.
//
// Bad input: bad magic or an impossible payload_size close that connection;
// out-of-domain types, bad checksums (when validated), sequence errors (when
// required) and frames from clients not allowed to produce are dropped and
// counted, and the connection stays.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "alphapulse/relay/relay_config.hpp"
#include "alphapulse/relay/relay_stats.hpp"

namespace alphapulse::relay {

class Relay {
public:
    /// Binds the socket (removing a stale file left by a crashed relay;
    /// refusing when a live relay answers on it) and its stats socket
    /// "<path>.stats". Throws std::runtime_error with the reason.
    explicit Relay(RelayConfig config);
    ~Relay();
    Relay(const Relay&) = delete;
    Relay& operator=(const Relay&) = delete;

    /// Runs until stop() or SIGTERM/SIGINT (when handleSignals), then stops
    /// accepting, flushes queues for at most shutdown_flush, closes every
    /// connection and removes the socket files.
    void run(bool handleSignals = true);
    /// Thread-safe; run() returns soon after.
    void stop() noexcept;

    [[nodiscard]] RelayStats stats() const;
    [[nodiscard]] const RelayConfig& config() const noexcept;

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace alphapulse::relay
