#pragma once
// Per-domain relay settings (the design document's RelayConfig, with R1).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alphapulse/transport/domain_policy.hpp"
#include "alphapulse/wire/header.hpp"
#include "alphapulse/wire/message_type.hpp"

namespace alphapulse::relay {

/// What a relay does when a consumer's queue is full.
enum class OverloadPolicy : std::uint8_t {
    /// Drop frames for that consumer only, count them; it sees a sequence gap
    /// (market data: never wait for a slow consumer).
    Drop,
    /// Stop reading from producers until the consumer drains; a consumer that
    /// stays stuck is disconnected with an explicit reason (execution: never
    /// lose a frame silently).
    Backpressure,
};

/// The relay's journal (docs/design/recovery.md): accepted frames kept in a
/// window in memory and in capture files, resent to consumers that resume
/// and acknowledged to producers that ask.
struct JournalConfig {
    bool enabled = false;               ///< default: on for execution, off elsewhere
    std::string dir;                    ///< empty: "<socket path's directory>/<domain>.journal"
    std::uint32_t windowFrames = 250'000;   ///< frames the window in memory holds (40 bytes each when used)
    std::uint64_t windowBytes = 64ull << 20; ///< bytes of frames the window holds
    std::uint64_t fileBytes = 64ull << 20;    ///< a new file past this size
    std::uint32_t keepFiles = 4;        ///< files kept on disk (the oldest are removed)
    bool fsync = false;                 ///< fdatasync each commit: survive a machine crash, not only the relay's
};

/// The admission settings (domain, customTypes, validateChecksums,
/// requireSequence, maxPayload) are the transport layer's DomainRules, which
/// this derives from; the rest is the relay's own.
struct RelayConfig : transport::DomainRules {
    std::string socketPath;                 ///< default: defaultSocketPath(domain)
    /// "host:port": serve clients on TCP instead of `socketPath`, which then
    /// carries only the stats socket ("<socketPath>.stats"). Empty: Unix socket.
    std::string tcpAddress;
    /// TCP peers accepted: addresses ("10.0.0.7", "::1") or networks
    /// ("10.0.0.0/8"). Empty: loopback only. Others are refused at accept and logged.
    std::vector<std::string> allowedAddresses;
    std::uint32_t maxQueueSize = 1'000'000; ///< frames queued per consumer
    std::uint32_t circuitBreaker = 800'000; ///< queue depth that trips the overload policy (see relay.hpp)
    std::uint64_t maxQueueBytes = 256ull << 20; ///< bytes queued per consumer, a second bound
    /// Memory all consumers' queues may hold together (their capacity, which
    /// bounds the relay's size whatever its clients do). When it is reached,
    /// Drop sheds and counts (memory_limit); Backpressure holds producers back
    /// and, after slow_consumer_timeout, disconnects the consumer holding most.
    std::uint64_t maxTotalQueueBytes = 1ull << 30;
    /// Connections served at once; more are sent an Error (relay_full) and closed.
    std::uint32_t maxClients = 1024;
    OverloadPolicy overload = OverloadPolicy::Drop;
    std::uint32_t slowConsumerTimeoutMs = 2000; ///< Backpressure: longest a consumer may hold producers back
    std::uint32_t shutdownFlushMs = 1000;       ///< on SIGTERM, longest spent flushing queues
    std::uint32_t socketMode = 0660;            ///< file mode of the socket
    int socketBufferBytes = 4 << 20;            ///< SO_SNDBUF/SO_RCVBUF of each client connection
    /// After traffic, keep polling without sleeping for this long before
    /// blocking in epoll_wait: saves the relay's wake-up (several us on a VM)
    /// at the price of a core while busy. 0 = always block.
    std::uint32_t busyPollUs = 0;
    std::vector<std::uint32_t> allowedUids;     ///< who may connect (empty: anyone the file mode lets in)
    std::vector<std::uint32_t> allowedGids;
    std::vector<std::uint32_t> producerUids;    ///< who may produce (empty with producersAnyone=false: own uid only)
    std::vector<std::uint32_t> producerGids;
    bool producersAnyone = true;                ///< execution defaults to false: only the relay's own user
    JournalConfig journal;                      ///< `journal:` (execution: on)
    /// Last frame per (type, instrument) kept for late joiners that ask for a
    /// snapshot (Subscribe flag); 0 = none kept. Market data: 100,000.
    std::uint32_t snapshotInstruments = 0;
};

/// The document's defaults for a domain: the admission rules and overload
/// policy of transport::DomainPolicy::defaults (market data: no checksums, no
/// sequence, drop; signals and system: checksums, backpressure; execution:
/// checksums, sequence, backpressure), and the relay's own: queues market
/// data 1,000,000 / 800,000, signals and system 100,000 / 80,000, execution
/// 10,000 / 8,000; on execution only the relay's user produces, and a journal.
[[nodiscard]] RelayConfig defaultConfig(wire::Domain domain);

/// "/tmp/alphapulse/<domain>.sock", or under $ALPHAPULSE_RUNTIME_DIR when set.
[[nodiscard]] std::string defaultSocketPath(wire::Domain domain);

/// Applies a YAML file of settings (keys as in docs/design/relay.md) over `config`.
/// Throws std::runtime_error naming the bad key and line.
void loadRelayConfig(const std::string& path, RelayConfig& config);

/// Checks what one setting cannot check alone (circuit_breaker <= max_queue_size,
/// allowed addresses well formed). Throws std::runtime_error saying what is wrong.
void validateRelayConfig(const RelayConfig& config);

/// The policy keys every relay-like transport accepts (docs/design/relay.md),
/// without the socket's own (`path`, `socket`): for messages listing allowed keys.
[[nodiscard]] const std::vector<std::string>& relayPolicyKeys();

} // namespace alphapulse::relay
