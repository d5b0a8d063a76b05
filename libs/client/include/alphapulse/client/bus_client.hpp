#pragma once
// The connection every service uses to talk to one domain's bus: a relay
// over a Unix socket or TCP, a shared-memory ring, an in-process channel or
// NATS (it was called RelayClient; relay_client.hpp keeps that name for one
// release).
//
// Wraps a Transport (Unix socket, channel, ...) with what services should
// not have to write themselves:
//  - automatic reconnection with exponential back-off when the relay restarts;
//  - bounded buffering of published frames while disconnected (published
//    once connected again, in order); beyond the bound publish() says
//    WouldBlock and the caller decides. Frames a broken connection took but
//    never delivered whole are recovered from the transport and sent again
//    first (only what the dead peer's kernel already held is lost);
//  - its subscription, sent again on every reconnect (a producer-only client
//    subscribes to nothing, so the relay never queues frames for it);
//  - gap detection from sequence numbers, per source, on what it receives;
//  - resumption: on a relay that keeps a journal (execution), what it missed
//    while disconnected, in order and once (resume_state.hpp);
//  - a bounded drain on close() and destruction: what publish() took is
//    handed to the bus before the connection goes (services need not poll
//    the transport's pending bytes themselves);
//  - acknowledged publishing (`acknowledged`, on by default where the
//    deployment's domain keeps a journal): every published frame is kept
//    until the relay's journal acknowledges it, and resent after a reconnect
//    (docs/design/recovery.md, "BusClient as a producer").
#include <bitset>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alphapulse/client/resume_state.hpp"
#include "alphapulse/client/unacked_frames.hpp"
#include "alphapulse/transport/transport.hpp"

namespace alphapulse::client {

struct ClientOptions {
    std::string name = "client";
    /// Message types to receive; nullopt = everything the relay carries
    /// (no subscription sent), an empty set = nothing (a pure producer).
    std::optional<std::bitset<256>> subscription;
    std::size_t maxBufferedBytes = 4 << 20; ///< published while disconnected
    std::chrono::milliseconds initialBackoff{20};
    std::chrono::milliseconds maxBackoff{2000};
    /// Longest the destructor waits for published frames to be handed over
    /// (drain()); 0: not at all (what was not written is lost).
    std::chrono::milliseconds closeTimeout{2000};
    /// On a relay (Unix socket, TCP): every Subscribe says where it stopped
    /// (per source, the last sequence delivered), so a journaled relay resends
    /// what it missed before live frames (docs/design/recovery.md). Sent
    /// even when `subscription` is nullopt (as the whole mask).
    bool resume = true;
    /// Ask the relay for the last frame per instrument on every connection
    /// (market data: a late joiner's snapshot; not delivered twice).
    bool snapshot = false;
    /// Acknowledged publishing (docs/design/recovery.md): keep every frame
    /// published until an ACK of the relay's journal covers its (source,
    /// sequence); after every (re)connection ask where the journal stands
    /// (Subscribe flag ACKS) and resend the rest, in order, before new
    /// frames. nullopt: as the deployment says (config::makeClient: on when
    /// the domain keeps a journal), off for a client built directly. Only on
    /// Unix socket and TCP relays; a relay without a journal never
    /// acknowledges, so do not turn it on there.
    std::optional<bool> acknowledged;
    /// The bound on what acknowledged publishing keeps (frame bytes, one ring
    /// allocated on the first publish); beyond it publish() says WouldBlock
    /// until ACKs free room (they are read by poll(), flush(), drain()).
    std::size_t maxUnackedBytes = 64 << 20;
    /// After a (re)connection, the longest wait for the journal's answer
    /// before resending everything kept (the relay drops what it holds).
    std::chrono::milliseconds ackReplyTimeout{1000};
};

struct ClientCounters {
    std::uint64_t framesReceived = 0;
    /// publish() calls accepted (Ok), not frames: one call may hand over
    /// many back-to-back frames, and counting them would cost a walk of
    /// every header on the hot path.
    std::uint64_t framesPublished = 0;
    std::uint64_t gaps = 0;           ///< gap events (a source skipped sequence numbers)
    std::uint64_t missedFrames = 0;   ///< frames missing in those gaps
    std::uint64_t sequenceResets = 0; ///< a source's sequence went back (a restart)
    std::uint64_t reconnects = 0;
    std::uint64_t relayErrors = 0;    ///< Error frames sent by the relay (bad sequence, slow consumer, ...)
    std::uint64_t catchUps = 0;       ///< times a relay resent from its journal (or a snapshot) before live frames
    std::uint64_t framesResent = 0;   ///< frames those catch-ups announced
    // Acknowledged publishing:
    std::uint64_t framesAcknowledged = 0; ///< published frames the relay's journal acknowledged (forgotten)
    std::uint64_t framesRepublished = 0;  ///< kept frames sent again after a reconnect
};

/// Subscription helpers.
[[nodiscard]] std::bitset<256> typesOf(std::initializer_list<wire::MessageType> types);
/// Writes a Subscribe frame for `types` into `buffer` (SubscribeLayout::SIZE bytes).
void buildSubscribe(std::uint8_t* buffer, const std::bitset<256>& types);

class BusClient {
public:
    BusClient(std::unique_ptr<transport::Transport> transport, ClientOptions options);
    ~BusClient();
    BusClient(const BusClient&) = delete;
    BusClient& operator=(const BusClient&) = delete;

    /// Publishes whole frames. Connected: handed to the transport (WouldBlock
    /// under backpressure). Disconnected: buffered if they fit the bound.
    transport::SendStatus publish(std::span<const std::uint8_t> frames);
    /// Publishes, waiting out backpressure and reconnections up to `timeout`.
    bool publishBlocking(std::span<const std::uint8_t> frames, std::chrono::milliseconds timeout);
    /// Pushes out what the transport still holds; reconnects when due.
    void flush();
    /// Waits up to `timeout` until every frame publish() took is handed to the
    /// bus (the transport's pendingBytes() and bufferedBytes() both 0),
    /// reconnecting when due. True when nothing is left. Acknowledged: until
    /// every frame is acknowledged (reading the ACKs; other frames read
    /// meanwhile are delivered by the next poll()).
    bool drain(std::chrono::milliseconds timeout);
    /// drain(timeout), then closes the connection; publish() then says
    /// Closed and nothing reconnects. True when nothing was left behind.
    /// The destructor does the same with options().closeTimeout.
    bool close(std::chrono::milliseconds timeout);

    /// Receives and delivers frames for up to `timeoutMs`; reconnects when the
    /// connection is down and the back-off allows. Returns frames delivered.
    int poll(transport::FrameHandler handler, int timeoutMs);

    /// Called for each gap: (source, first missing sequence, missing count).
    void onGap(std::function<void(std::uint8_t, std::uint64_t, std::uint64_t)> callback);

    [[nodiscard]] bool connected() const noexcept;
    /// Bytes published and not yet handed to the transport (acknowledged: of
    /// the frames kept; otherwise: published while disconnected).
    [[nodiscard]] std::size_t bufferedBytes() const noexcept {
        return m_ackMode ? m_unacked.unsentBytes() : m_buffered.size();
    }
    /// Whether acknowledged publishing is on (the option, on a relay transport).
    [[nodiscard]] bool acknowledged() const noexcept { return m_ackMode; }
    /// Bytes of published frames not yet acknowledged (0 when not acknowledged).
    [[nodiscard]] std::size_t unacknowledgedBytes() const noexcept { return m_unacked.bytes(); }
    /// The frames kept until acknowledged, oldest first (forEach).
    [[nodiscard]] const UnackedFrames& unacknowledged() const noexcept { return m_unacked; }
    [[nodiscard]] int pollFd() const noexcept;
    [[nodiscard]] const ClientCounters& counters() const noexcept { return m_counters; }
    [[nodiscard]] transport::Transport& transport() noexcept { return *m_transport; }
    [[nodiscard]] const transport::Transport& transport() const noexcept { return *m_transport; }
    [[nodiscard]] const ClientOptions& options() const noexcept { return m_options; }
    /// Milliseconds until the next reconnect attempt is due (0 when connected or due now).
    [[nodiscard]] int reconnectDelayMs() const noexcept;

private:
    bool ensureConnected();
    void recoverUnsent();
    void track(const wire::FrameView& frame);
    void sendSubscribe();
    // Acknowledged publishing.
    void sendAckSubscribe();
    void sendRetained();
    bool takeControl(const wire::FrameView& frame);
    void checkReplyDeadline();
    int readReplies(int timeoutMs);
    int deliverHeld(transport::FrameHandler handler);
    [[nodiscard]] bool producerOnly() const noexcept;

    std::unique_ptr<transport::Transport> m_transport;
    ClientOptions m_options;
    ClientCounters m_counters;
    std::vector<std::uint8_t> m_buffered; ///< frames published while disconnected
    std::vector<std::uint8_t> m_scratch;  ///< recoverUnsent()'s buffer, reused
    std::chrono::steady_clock::time_point m_nextAttempt{};
    std::chrono::milliseconds m_backoff;
    bool m_everConnected = false;
    bool m_closed = false;
    std::vector<std::uint64_t> m_lastSequence; ///< per source, 0 = none yet
    std::function<void(std::uint8_t, std::uint64_t, std::uint64_t)> m_onGap;
    ResumeState m_resume; ///< what the next Subscribe asks a relay to resend
    bool m_ackMode = false;
    UnackedFrames m_unacked;
    bool m_awaitingReply = false;     ///< after a (re)connection: kept frames wait for the journal's answer
    std::bitset<256> m_awaiting;      ///< sources it has not answered for yet
    std::chrono::steady_clock::time_point m_replyDeadline{};
    std::vector<std::uint8_t> m_held; ///< frames flush()/drain() read that are not ACKs, for poll()
};

} // namespace alphapulse::client
