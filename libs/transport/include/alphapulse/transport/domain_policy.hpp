#pragma once
// A domain's admission rules (R1, docs/design/relay.md "Where admission rules
// live"): which message types it carries, whether checksums are verified,
// whether each source's sequence must rise by exactly one, how large a
// payload may be. One definition for every place frames enter a domain: the
// relay, and the transports without a relay in the middle (shared memory,
// in-process channels, NATS). Each of them keeps its own counters, but counts
// by the one DropReason below.
//
// DomainPolicy is immutable once built and shared by every connection of a
// domain; what changes per connection, the last sequence of each source, is a
// SequenceTracker the caller keeps per connection (socket, shared-memory
// endpoint, channel endpoint, NATS connection). Checks are inline, allocate
// nothing and cost a bit test, plus a CRC where checksums are validated.
#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "alphapulse/wire/frame.hpp"
#include "alphapulse/wire/header.hpp"
#include "alphapulse/wire/message_type.hpp"

namespace alphapulse::transport {

/// Why a frame did not reach a consumer, or a connection was closed: the one
/// vocabulary of the relay's stats (`drops`) and every transport's counters.
enum class DropReason : std::uint8_t {
    OutOfDomain,     ///< message type of another domain (frame dropped, connection kept)
    BadChecksum,     ///< checksum verification failed (frame dropped)
    BadSequence,     ///< require_sequence: gap, duplicate or regression of its source (frame dropped)
    NotAllowed,      ///< sender may not produce on this relay (frame dropped)
    QueueFull,       ///< Drop policy: a consumer's queue was full (dropped for that consumer only)
    Desynchronised,  ///< framing broken (bad magic, impossible payload_size; on a message bus, not
                     ///< exactly one frame): a stream is closed, a message dropped
    SlowConsumer,    ///< Backpressure policy: consumer disconnected, it could not keep up
    NoConsumer,      ///< lossless domain (backpressure): the frame reached no consumer (producer told)
    MemoryLimit,     ///< Drop policy: max_total_queue_bytes reached (dropped for that consumer)
    COUNT_
};

/// "out_of_domain", "bad_checksum", ... (the keys of the relay's `drops`).
[[nodiscard]] std::string_view dropReasonName(DropReason reason) noexcept;

/// The admission settings as configured: the relay's RelayConfig fields of
/// the same names (RelayConfig and ShmTransport::Options derive from it), the
/// keys `custom_types`, `validate_checksums`, `require_sequence`, `max_payload`.
struct DomainRules {
    wire::Domain domain = wire::Domain::MarketData;
    std::vector<std::uint8_t> customTypes;  ///< custom types (200-255) the domain also carries
    bool validateChecksums = false;         ///< drop frames whose checksum does not match
    bool requireSequence = false;           ///< each source's sequence must rise by exactly one
    std::uint32_t maxPayload = wire::header::DEFAULT_MAX_PAYLOAD; ///< larger frames break the framing
};

/// The last sequence of each source (the header's `source`) seen on one
/// connection. 2 KiB, no allocation; one per connection.
class SequenceTracker {
public:
    /// Whether `sequence` may come next from `source`: anything when the
    /// source has not been seen, else exactly its last + 1.
    [[nodiscard]] bool follows(std::uint8_t source, std::uint64_t sequence) const noexcept {
        return !m_seen.test(source) || sequence == m_last[source] + 1;
    }
    [[nodiscard]] std::optional<std::uint64_t> last(std::uint8_t source) const noexcept {
        if (!m_seen.test(source)) return std::nullopt;
        return m_last[source];
    }
    /// `source`'s last sequence is now `sequence`.
    void advance(std::uint8_t source, std::uint64_t sequence) noexcept {
        m_seen.set(source);
        m_last[source] = sequence;
    }
    /// Back to "never seen" (`last` as returned by last(): nullopt forgets).
    void restore(std::uint8_t source, std::optional<std::uint64_t> last) noexcept {
        if (last) {
            advance(source, *last);
        } else {
            m_seen.reset(source);
            m_last[source] = 0;
        }
    }
    void reset() noexcept {
        m_seen.reset();
        m_last.fill(0);
    }

private:
    std::array<std::uint64_t, 256> m_last{};
    std::bitset<256> m_seen;
};

/// A domain's rules, compiled for checking frames.
class DomainPolicy {
public:
    /// The one place with the per-domain defaults (docs/design/relay.md):
    /// market data carries no checksum check and no sequence check; signals,
    /// system (and custom/none) validate checksums; execution validates
    /// checksums and requires sequences. maxPayload 65,536 everywhere.
    [[nodiscard]] static DomainRules defaults(wire::Domain domain);
    /// Whether the domain's default overload policy is lossless (backpressure,
    /// never dropping silently) rather than drop: all but market data.
    [[nodiscard]] static bool losslessByDefault(wire::Domain domain) noexcept {
        return domain != wire::Domain::MarketData;
    }

    /// The types carried: the domain's (wire::domainOf) and its custom types,
    /// never Subscribe (control, consumed where it arrives, never data).
    explicit DomainPolicy(const DomainRules& rules);

    [[nodiscard]] wire::Domain domain() const noexcept { return m_domain; }
    [[nodiscard]] bool carries(std::uint8_t type) const noexcept { return m_carried.test(type); }
    [[nodiscard]] const std::bitset<256>& carried() const noexcept { return m_carried; }
    [[nodiscard]] bool validatesChecksums() const noexcept { return m_validateChecksums; }
    [[nodiscard]] bool requiresSequence() const noexcept { return m_requireSequence; }
    [[nodiscard]] std::uint32_t maxPayload() const noexcept { return m_maxPayload; }

    /// Type, then checksum: what needs no state (a receiver checks this).
    [[nodiscard]] std::optional<DropReason> checkContent(const wire::FrameView& frame) const noexcept {
        if (!m_carried.test(frame.messageType())) [[unlikely]] return DropReason::OutOfDomain;
        if (m_validateChecksums && !frame.checksumMatches()) [[unlikely]] return DropReason::BadChecksum;
        return std::nullopt;
    }
    /// Whether `frame` may come next from its source on the connection
    /// `sequences` tracks (always true without requireSequence).
    [[nodiscard]] bool sequenceFollows(const wire::FrameView& frame, const SequenceTracker& sequences) const noexcept {
        return !m_requireSequence || sequences.follows(frame.source(), frame.sequence());
    }
    /// checkContent(), then the source's sequence. Remembers nothing (see accepted()).
    [[nodiscard]] std::optional<DropReason> check(const wire::FrameView& frame,
                                                  const SequenceTracker& sequences) const noexcept {
        if (const auto reason = checkContent(frame)) [[unlikely]] return reason;
        if (!sequenceFollows(frame, sequences)) [[unlikely]] return DropReason::BadSequence;
        return std::nullopt;
    }
    /// `frame` was taken: its sequence is its source's last (requireSequence only).
    void accepted(const wire::FrameView& frame, SequenceTracker& sequences) const noexcept {
        if (m_requireSequence) sequences.advance(frame.source(), frame.sequence());
    }
    /// check(), and accepted() when it passes.
    [[nodiscard]] std::optional<DropReason> admit(const wire::FrameView& frame, SequenceTracker& sequences) const noexcept {
        const auto reason = check(frame, sequences);
        if (!reason) accepted(frame, sequences);
        return reason;
    }
    /// A message bus's check of what arrives: the `size` bytes at `data`
    /// must be exactly one whole frame (else Desynchronised), then checkContent().
    [[nodiscard]] std::optional<DropReason> checkMessage(const std::uint8_t* data, std::size_t size) const noexcept;

private:
    std::bitset<256> m_carried;
    wire::Domain m_domain;
    bool m_validateChecksums;
    bool m_requireSequence;
    std::uint32_t m_maxPayload;
};

} // namespace alphapulse::transport
