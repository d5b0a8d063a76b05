#pragma once
// Everything a NatsTransport needs: servers, credentials, TLS, JetStream,
// and the domain's policies (transport::DomainRules, the same ones a relay
// applies, R1).
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alphapulse/transport/domain_policy.hpp"
#include "alphapulse/wire/header.hpp"
#include "alphapulse/wire/message_type.hpp"

namespace alphapulse::nats {

/// Where a new JetStream consumer starts (an existing durable resumes where it was).
struct DeliverPolicy {
    enum class Kind : std::uint8_t { All, New, Last, Sequence, Time } kind = Kind::New;
    std::uint64_t sequence = 0; ///< Sequence: first stream sequence delivered (>= 1)
    std::int64_t timeNs = 0;    ///< Time: nanoseconds since the Unix epoch
};

/// "all" | "new" | "last" | "sequence:<n>" | "time:<RFC 3339>"
/// (e.g. time:2026-11-26T12:00:00Z, time:2026-11-26T13:00:00.5+01:00).
/// nullopt with `error` set when the text is none of these.
[[nodiscard]] std::optional<DeliverPolicy> parseDeliver(std::string_view text, std::string* error = nullptr);
[[nodiscard]] std::string deliverText(const DeliverPolicy& policy);

struct JetStreamOptions {
    bool enabled = false;
    std::string stream;           ///< default defaultStreamName(prefix, domain); created when absent
    std::string durable;          ///< consumer name (a restarted consumer resumes); "" = ephemeral
    DeliverPolicy deliver;        ///< where a newly created consumer starts
    std::uint64_t maxBytes = 0;   ///< stream size bound when this creates it; 0 = unlimited
    int replicas = 1;             ///< stream replicas when this creates it (3 in a 3-node cluster)
    bool memoryStorage = false;   ///< stream in memory instead of files (when this creates it)
    /// Publish with acknowledgements (retried until acknowledged; WouldBlock
    /// when too many are outstanding) and consume with explicit acks sent
    /// after the frame was delivered. Execution needs this.
    bool ack = false;
    int ackTimeoutMs = 2000;          ///< a publish not acknowledged by then is sent again
    int ackWaitMs = 30'000;           ///< consumer: a delivered frame not acknowledged by then is delivered again
    std::uint32_t maxInflight = 20'000; ///< outstanding acknowledged publishes before WouldBlock
    std::int64_t maxAckPending = 20'000; ///< consumer: delivered but unacknowledged
};

struct NatsOptions {
    // --- connection
    std::vector<std::string> servers{"nats://127.0.0.1:4222"};
    std::string name = "alphapulse"; ///< connection name (server monitoring), default durable name
    int connectTimeoutMs = 2000;
    int reconnectWaitMs = 100;       ///< between attempts on the same server
    int maxReconnect = -1;           ///< -1: forever (nats.c keeps the connection across restarts)
    int reconnectBufferBytes = 8 << 20; ///< published while reconnecting; beyond it send() says WouldBlock
    int pingIntervalMs = 2000;       ///< how soon a dead server is noticed
    bool retryOnFailedConnect = false; ///< connect() succeeds while no server is up yet
    /// Write each publish at once (nats.c's SendAsap) instead of handing it to
    /// nats.c's flusher thread, which waits about a millisecond to gather more:
    /// the deployment's `write_mode: immediate` (execution's default).
    bool sendAsap = false;

    // --- authentication (passed through to nats.c)
    std::string user, password;
    std::string token;
    std::string nkeySeedFile;        ///< NKey seed file (the public key is derived from it)
    std::string credsFile;           ///< JWT + seed creds file (decentralized auth)

    // --- TLS
    bool tls = false;
    std::string tlsCaFile, tlsCertFile, tlsKeyFile;
    bool tlsSkipVerify = false;      ///< tests only

    // --- subjects and bus
    std::string subjectPrefix = "alphapulse";
    wire::Domain domain = wire::Domain::MarketData;
    JetStreamOptions jetstream;

    // --- the domain's policies (transport::DomainRules' fields; applyPolicy copies them)
    std::vector<std::uint8_t> customTypes; ///< custom types (200-255) this bus also carries
    bool validateChecksums = false;  ///< drop (and count) frames whose checksum is wrong, both ways
    bool requireSequence = false;    ///< publish: each source's sequence must rise by exactly one
    std::uint32_t maxPayload = wire::header::DEFAULT_MAX_PAYLOAD;

    // --- delivery to the caller's thread
    /// Types delivered; nullopt = all the bus carries, {} = none (a producer).
    /// A Subscribe frame sent through send() replaces it (BusClient does).
    std::optional<std::bitset<256>> subscription;
    std::size_t receiveQueueFrames = 1 << 16; ///< frames arrived and not yet received (rounded up to a power of two)
    /// Queue full: drop the frame (counted; market data), or hold nats.c's
    /// delivery thread until there is room (its own pending limits then
    /// apply; with JetStream acks an unacknowledged frame is redelivered).
    bool dropWhenFull = true;
    int pendingLimitMessages = 1 << 20; ///< nats.c's per-subscription buffer (slow consumer beyond)
    int pendingLimitBytes = 256 << 20;
};

/// "" when the options can be used, else what is wrong (first problem).
[[nodiscard]] std::string checkOptions(const NatsOptions& options);

/// Copies the domain's rules (domain, custom types, checksums, sequence,
/// payload bound) and its overload policy: drop when full (market data's
/// default) or hold the delivery back (the lossless domains').
void applyPolicy(NatsOptions& options, const transport::DomainRules& rules, bool dropWhenFull);

} // namespace alphapulse::nats
