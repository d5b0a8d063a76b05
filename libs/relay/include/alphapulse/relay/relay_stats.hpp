#pragma once
// Counters a relay keeps while it runs (read with `alphapulse stats`).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alphapulse/transport/domain_policy.hpp"

namespace alphapulse::relay {

/// Why a frame did not reach a consumer, or a connection was closed: the
/// transports' vocabulary (domain_policy.hpp), so that a relay and every
/// transport count drops alike.
using transport::DropReason;
using transport::dropReasonName;

struct ClientStats {
    int fd = -1;
    std::uint32_t pid = 0;
    std::uint32_t uid = 0;
    std::uint64_t framesIn = 0;
    std::uint64_t bytesIn = 0;
    std::uint64_t framesOut = 0;
    std::uint64_t bytesOut = 0;
    std::uint64_t ownFrames = 0; ///< of the relay's own (Error, recovery control) queued for this client
    std::uint64_t queuedFrames = 0;
    std::uint64_t queuedBytes = 0;
    std::uint64_t dropped = 0; ///< frames meant for this client that it did not get
    bool subscribed = false;   ///< sent a subscription (else receives everything)
    std::string peer;          ///< TCP: the peer's "address:port" (Unix socket: empty; pid/uid say who)
};

struct RelayStats {
    std::string domain;
    std::string socketPath;   ///< where clients connect: a socket path, or "tcp:<host:port>"
    std::uint64_t uptimeNs = 0;
    std::uint64_t framesIn = 0;
    std::uint64_t bytesIn = 0;
    std::uint64_t framesOut = 0;     ///< frames written to clients, the relay's own included
    std::uint64_t bytesOut = 0;
    /// Frames the relay made itself (Error frames, the recovery control frames
    /// BEGIN/END/ACK) queued for clients: frames_out minus these is what was forwarded.
    std::uint64_t ownFrames = 0;
    std::uint64_t connectionsAccepted = 0;
    std::uint64_t connectionsRefused = 0;
    std::array<std::uint64_t, static_cast<std::size_t>(DropReason::COUNT_)> drops{};
    std::uint64_t producerPauses = 0; ///< times backpressure paused the producers
    std::uint64_t queueMemory = 0;      ///< bytes all consumers' queues hold (their capacity)
    std::uint64_t queueMemoryLimit = 0; ///< max_total_queue_bytes
    std::uint64_t acceptErrors = 0;     ///< accept() failures (out of file descriptors: EMFILE, ENFILE)
    // Recovery (docs/design/recovery.md); in the JSON as "journal": {...} when journaled.
    bool journal = false;               ///< this relay keeps a journal
    std::uint64_t journalRecovered = 0; ///< frames read back from disk at start
    std::uint64_t journalResent = 0;    ///< frames queued to clients catching up from the journal
    std::uint64_t journalMissed = 0;    ///< frames clients asked for that the window no longer held
    std::uint64_t journalDuplicates = 0; ///< frames a resending producer sent again, already journaled (dropped)
    std::uint64_t journalAcks = 0;      ///< acknowledgements sent to producers
    std::uint64_t snapshotFrames = 0;   ///< frames sent as snapshots to late joiners
    std::vector<ClientStats> clients;

    [[nodiscard]] std::string toJson() const;
    /// The inverse of toJson(); nullopt when `json` is not stats JSON.
    [[nodiscard]] static std::optional<RelayStats> fromJson(std::string_view json);
    /// Prometheus text exposition format (metrics prefixed alphapulse_relay_).
    [[nodiscard]] std::string toPrometheus() const;
};

} // namespace alphapulse::relay
