#pragma once
// Transport over NATS (nats.c), the design document's network bus.
//
// One NatsTransport is one NATS connection for one domain. Frames travel
// unchanged, one frame per NATS message, on the subject of their type
// (subjects.hpp), so the CRC holds end to end. The relay's rules hold:
//  - no echo: the server never returns a connection's own frames to it;
//  - subscriptions: the Subscribe frame BusClient sends through send() is
//    not published: it becomes NATS subscriptions (a wildcard for the whole
//    domain, or one subject per type; none for a pure producer);
//  - the domain's rules (transport::DomainPolicy, fields from frame_policy.hpp)
//    on what is published (sequences per source, on this connection) and on
//    what arrives; dropped frames are counted;
//  - reconnection and fail-over across the servers listed are nats.c's: the
//    transport stays connected() while nats.c reconnects, publishing into its
//    reconnect buffer (WouldBlock when that is full).
// nats.c delivers on its own threads; a callback only puts the message in a
// bounded queue and, when the queue was empty, signals an eventfd, so
// receive() delivers on the caller's thread, in batches, straight from
// nats.c's buffers (no copy), and pollFd() can be polled with other transports.
//
// JetStream (options.jetstream.enabled): the domain's stream is created when
// absent; consumers are push consumers (durable when named) replaying from
// the configured start; with `ack`, publishes wait for the stream's
// acknowledgement asynchronously and are sent again until acknowledged, and
// each delivered frame is acknowledged after the handler returned.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "alphapulse/nats/nats_options.hpp"
#include "alphapulse/transport/transport.hpp"

namespace alphapulse::nats {

struct NatsCounters {
    std::uint64_t framesPublished = 0;    ///< frames handed to nats.c, one message each (not send() calls)
    std::uint64_t framesReceived = 0;     ///< delivered to the handler
    std::uint64_t dropsOutOfDomain = 0;   ///< both directions
    std::uint64_t dropsBadChecksum = 0;   ///< both directions
    std::uint64_t dropsBadSequence = 0;   ///< on publish
    std::uint64_t dropsMalformed = 0;     ///< arrived: not exactly one frame
    std::uint64_t dropsQueueFull = 0;     ///< arrived while the receive queue was full
    std::uint64_t dropsSlowConsumer = 0;  ///< dropped by nats.c (its pending limits)
    std::uint64_t ownFramesSkipped = 0;   ///< JetStream returned this connection's own frame
    std::uint64_t disconnects = 0;
    std::uint64_t reconnects = 0;
    std::uint64_t publishRetries = 0;     ///< JetStream publishes sent again (no or negative ack)
    std::uint64_t publishErrors = 0;      ///< JetStream publishes the stream refused (final)
    std::uint64_t inflight = 0;           ///< JetStream publishes not yet acknowledged
};

class NatsTransport final : public transport::Transport {
public:
    /// Does not connect (connect() does). Throws std::invalid_argument when
    /// checkOptions() finds a problem.
    explicit NatsTransport(NatsOptions options);
    ~NatsTransport() override;
    NatsTransport(const NatsTransport&) = delete;
    NatsTransport& operator=(const NatsTransport&) = delete;

    bool connect() override;
    [[nodiscard]] bool connected() const noexcept override;
    transport::SendStatus send(std::span<const std::uint8_t> frames) override;
    bool flush() override;
    [[nodiscard]] std::size_t pendingBytes() const noexcept override;
    int receive(transport::FrameHandler handler, int timeoutMs) override;
    [[nodiscard]] int pollFd() const noexcept override;
    void takeUnsent(std::vector<std::uint8_t>& into) override;
    void close() noexcept override;
    [[nodiscard]] const std::string& reason() const noexcept override;
    /// "nats:alphapulse.market_data@nats://127.0.0.1:4222"
    [[nodiscard]] std::string describe() const override;

    [[nodiscard]] NatsCounters counters() const noexcept;
    [[nodiscard]] const NatsOptions& options() const noexcept;
    /// The URL of the server currently connected to ("" when none).
    [[nodiscard]] std::string connectedUrl() const;
    /// Waits up to `timeoutMs` until every acknowledged publish was acknowledged.
    bool waitAcknowledged(int timeoutMs);

    class Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace alphapulse::nats
