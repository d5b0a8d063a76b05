#include "alphapulse/client/bus_client.hpp"

#include <algorithm>
#include <limits>
#include <thread>

#include "alphapulse/wire/frame.hpp"
#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/subscribe.hpp"

namespace alphapulse::client {

using transport::SendStatus;

std::bitset<256> typesOf(std::initializer_list<wire::MessageType> types) {
    std::bitset<256> set;
    for (auto t : types) set.set(static_cast<std::uint8_t>(t));
    return set;
}

void buildSubscribe(std::uint8_t* buffer, const std::bitset<256>& types) {
    std::array<std::uint8_t, 32> mask{};
    for (std::size_t t = 0; t < 256; ++t) {
        if (types.test(t)) mask[t / 8] = static_cast<std::uint8_t>(mask[t / 8] | (1U << (t % 8)));
    }
    auto builder = *wire::SubscribeBuilder::into(buffer, wire::SubscribeLayout::SIZE);
    builder.message_types(mask);
    builder.finish();
}

BusClient::BusClient(std::unique_ptr<transport::Transport> transport, ClientOptions options)
    : m_transport(std::move(transport)), m_options(std::move(options)), m_backoff(m_options.initialBackoff),
      m_lastSequence(256, 0), m_unacked(std::max<std::size_t>(1, m_options.maxUnackedBytes)) {
    const std::string where = m_transport->describe();
    const bool relay = where.rfind("unix:", 0) == 0 || where.rfind("tcp:", 0) == 0;
    m_ackMode = relay && m_options.acknowledged.value_or(false);
    ensureConnected();
}

BusClient::~BusClient() {
    if (!m_closed) close(m_options.closeTimeout);
}

bool BusClient::drain(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (m_ackMode) {
        // Done when the journal acknowledged everything: flush() reconnects
        // when due and resends; the ACKs are read here whatever the client
        // subscribes to (other frames wait in m_held for poll()).
        flush();
        if (m_transport->connected()) readReplies(0);
        if (m_unacked.empty()) return true;
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline || m_closed) return false;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
        if (m_transport->connected()) {
            readReplies(static_cast<int>(std::clamp<long long>(left, 0, 2))); // woken by the next ACK
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(std::clamp<long long>(left, 0, 2)));
        }
    }
    for (;;) {
        // Frames a broken connection left behind count too (they go first).
        if (!m_transport->connected()) recoverUnsent();
        if (m_buffered.empty() && m_transport->pendingBytes() == 0) return true;
        flush();
        if (m_buffered.empty() && m_transport->pendingBytes() == 0) return true;
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline || m_closed) return false;
        // A flusher thread or a full socket: let either make progress. Short
        // sleeps, not a poll for POLLOUT, which is true while the flusher works.
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(deadline - now,
                                                                                  std::chrono::microseconds(200)));
    }
}

bool BusClient::close(std::chrono::milliseconds timeout) {
    if (m_closed) return m_ackMode ? m_unacked.empty() : m_buffered.empty();
    const bool drained = drain(timeout);
    m_transport->close();
    m_closed = true;
    return drained;
}

void BusClient::onGap(std::function<void(std::uint8_t, std::uint64_t, std::uint64_t)> callback) {
    m_onGap = std::move(callback);
}

bool BusClient::connected() const noexcept { return m_transport->connected(); }
int BusClient::pollFd() const noexcept { return m_transport->pollFd(); }

int BusClient::reconnectDelayMs() const noexcept {
    if (m_transport->connected()) return 0;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(m_nextAttempt -
                                                                            std::chrono::steady_clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

void BusClient::recoverUnsent() {
    // Frames the broken connection never delivered whole go first, ahead of
    // anything published since (they are older). They were accepted, so they
    // are kept even past maxBufferedBytes.
    m_scratch.clear();
    m_transport->takeUnsent(m_scratch);
    // Acknowledged: the kept frames hold all of them (and the Subscribes,
    // sent again anyway), and are resent from the oldest not acknowledged.
    if (m_ackMode) {
        m_scratch.clear();
        return;
    }
    if (!m_scratch.empty()) m_buffered.insert(m_buffered.begin(), m_scratch.begin(), m_scratch.end());
}

bool BusClient::ensureConnected() {
    if (m_transport->connected()) return true;
    if (m_closed) return false;
    recoverUnsent();
    const auto now = std::chrono::steady_clock::now();
    if (now < m_nextAttempt) return false;
    if (!m_transport->connect()) {
        m_nextAttempt = now + m_backoff;
        m_backoff = std::min(m_backoff * 2, m_options.maxBackoff);
        return false;
    }
    if (m_everConnected) ++m_counters.reconnects;
    m_everConnected = true;
    m_backoff = m_options.initialBackoff;
    sendSubscribe();
    if (m_ackMode) {
        sendAckSubscribe();
        return m_transport->connected();
    }
    if (!m_buffered.empty()) {
        // Frames published while away go first, in order.
        if (m_transport->send(m_buffered) == SendStatus::Ok) {
            m_buffered.clear();
        }
    }
    return m_transport->connected();
}

SendStatus BusClient::publish(std::span<const std::uint8_t> frames) {
    if (m_closed) return SendStatus::Closed;
    if (m_ackMode) {
        // A copy into the ring, then whatever the transport takes of what is
        // not sent yet (nothing while the journal's answer is awaited).
        ensureConnected();
        if (m_awaitingReply) checkReplyDeadline();
        auto pushed = m_unacked.push(frames);
        if (pushed == UnackedFrames::Push::Full && producerOnly() && m_transport->connected()) {
            readReplies(0); // the slow path only: ACKs may have freed room
            pushed = m_unacked.push(frames);
        }
        if (pushed == UnackedFrames::Push::NotFrames) {
            // Not whole frames, so not kept: handed over as they are when
            // nothing kept is waiting (the relay judges them).
            sendRetained();
            if (m_awaitingReply || !m_transport->connected() || m_unacked.unsentBytes() != 0) {
                return SendStatus::WouldBlock;
            }
            const auto status = m_transport->send(frames);
            if (status == SendStatus::Ok) ++m_counters.framesPublished;
            return status;
        }
        if (pushed == UnackedFrames::Push::Full) return SendStatus::WouldBlock;
        ++m_counters.framesPublished;
        sendRetained();
        return SendStatus::Ok;
    }
    if (ensureConnected() && m_buffered.empty()) {
        const auto status = m_transport->send(frames);
        if (status == SendStatus::Ok) {
            ++m_counters.framesPublished;
            return status;
        }
        if (status == SendStatus::WouldBlock) return status;
        // Closed: fall through and buffer (after what the connection left
        // unsent); the next call reconnects.
        recoverUnsent();
        m_nextAttempt = std::chrono::steady_clock::now() + m_backoff;
    } else if (m_transport->connected() && !m_buffered.empty()) {
        if (m_transport->send(m_buffered) == SendStatus::Ok) m_buffered.clear();
        if (m_buffered.empty()) return publish(frames);
    }
    if (m_buffered.size() + frames.size() > m_options.maxBufferedBytes) return SendStatus::WouldBlock;
    m_buffered.insert(m_buffered.end(), frames.begin(), frames.end());
    ++m_counters.framesPublished;
    return SendStatus::Ok;
}

bool BusClient::publishBlocking(std::span<const std::uint8_t> frames, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto status = publish(frames);
        if (status == SendStatus::Ok) return true;
        if (std::chrono::steady_clock::now() >= deadline || m_closed) return false;
        if (m_ackMode) {
            flush(); // reads the ACKs that free room (a producer-only client)
        } else {
            m_transport->flush();
        }
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
}

void BusClient::flush() {
    if (!ensureConnected()) return;
    if (m_ackMode) {
        // A producer-only client reads its ACKs here (nothing else polls it).
        if (producerOnly()) readReplies(0);
        checkReplyDeadline();
        sendRetained();
        m_transport->flush();
        return;
    }
    if (!m_buffered.empty() && m_transport->send(m_buffered) == SendStatus::Ok) m_buffered.clear();
    m_transport->flush();
}

void BusClient::sendSubscribe() {
    // Resume points go to relays only: other buses (channel, shared memory,
    // NATS) keep no journal and take a Subscribe as a subscription change.
    const std::string where = m_transport->describe();
    const bool relay = where.rfind("unix:", 0) == 0 || where.rfind("tcp:", 0) == 0;
    const bool producerOnly = m_options.subscription && m_options.subscription->none(); // nothing to resume
    if (relay && !producerOnly && (m_options.resume || m_options.snapshot)) {
        std::bitset<256> types;
        if (m_options.subscription) {
            types = *m_options.subscription;
        } else {
            types.set(); // everything, as without a Subscribe
        }
        std::array<std::uint8_t, wire::subscribe::MAX_SIZE> frame{};
        const auto extra = static_cast<std::uint8_t>(m_options.snapshot ? wire::subscribe::FLAG_SNAPSHOT : 0);
        const std::size_t size = m_resume.buildSubscribe(frame.data(), frame.size(), types, extra);
        m_transport->send({frame.data(), size});
        return;
    }
    if (m_ackMode) return; // the ACKS Subscribe that follows carries the subscription
    if (m_options.subscription) {
        std::array<std::uint8_t, wire::SubscribeLayout::SIZE> subscribe{};
        buildSubscribe(subscribe.data(), *m_options.subscription);
        m_transport->send(subscribe);
    }
}

void BusClient::track(const wire::FrameView& frame) {
    ++m_counters.framesReceived;
    const std::uint8_t source = frame.source();
    if (frame.messageType() == static_cast<std::uint8_t>(wire::MessageType::Error) &&
        source >= static_cast<std::uint8_t>(wire::SourceType::MarketDataRelay) &&
        source <= static_cast<std::uint8_t>(wire::SourceType::SystemRelay)) {
        ++m_counters.relayErrors; // the relay's own reports carry no producer sequence
        return;
    }
    const std::uint64_t seq = frame.sequence();
    std::uint64_t& last = m_lastSequence[source];
    if (last != 0 && seq > last + 1) {
        ++m_counters.gaps;
        m_counters.missedFrames += seq - last - 1;
        if (m_onGap) m_onGap(source, last + 1, seq - last - 1);
    } else if (last != 0 && seq <= last) {
        ++m_counters.sequenceResets;
    }
    last = seq;
}

int BusClient::poll(transport::FrameHandler handler, int timeoutMs) {
    if (!m_held.empty()) return deliverHeld(handler); // read by flush()/drain(): older than what comes next
    if (!ensureConnected()) {
        const int wait = std::min(timeoutMs < 0 ? 1000 : timeoutMs, reconnectDelayMs());
        if (wait > 0) std::this_thread::sleep_for(std::chrono::milliseconds(wait));
        ensureConnected();
        return 0;
    }
    auto deliver = [&](const wire::FrameView& frame) {
        if (takeControl(frame)) return;
        track(frame);
        m_resume.delivered(frame);
        handler(frame);
    };
    const int n = m_transport->receive(deliver, timeoutMs);
    if (n < 0) {
        m_nextAttempt = std::chrono::steady_clock::now() + m_backoff;
        return 0;
    }
    if (m_ackMode) {
        checkReplyDeadline();
        sendRetained();
    }
    return n;
}

bool BusClient::producerOnly() const noexcept { return m_options.subscription && m_options.subscription->none(); }

bool BusClient::takeControl(const wire::FrameView& frame) {
    if (m_ackMode && frame.messageType() == static_cast<std::uint8_t>(wire::MessageType::Snapshot) &&
        isRelaySource(frame.source())) {
        const auto view = wire::SnapshotView::parse(frame.data(), frame.size(), /*verifyChecksum=*/false);
        if (view && view->phase() == wire::subscribe::PHASE_ACK) {
            const auto source = static_cast<std::uint8_t>(view->snapshot_id());
            m_counters.framesAcknowledged += m_unacked.acknowledge(source, view->last_sequence());
            if (m_awaitingReply) {
                m_awaiting.reset(source);
                if (m_awaiting.none()) m_awaitingReply = false; // sendRetained() follows
            }
            return true;
        }
    }
    if (m_resume.control(frame)) { // the relay's resend brackets: counted, not the application's
        m_counters.catchUps = m_resume.catchUps();
        m_counters.framesResent = m_resume.resent();
        return true;
    }
    return false;
}

void BusClient::sendAckSubscribe() {
    // Where the journal stands for every source kept: its answer (one ACK
    // each) forgets what it holds, and resending starts after it.
    m_unacked.rewind();
    const std::bitset<256> sources = m_unacked.sources();
    std::array<wire::subscribe::ResumePoint, wire::subscribe::MAX_ENTRIES> points{};
    std::size_t count = 0;
    for (std::size_t s = sources._Find_first(); s < 256; s = sources._Find_next(s)) {
        points[count++] = {static_cast<std::uint8_t>(s), 0};
    }
    std::bitset<256> types;
    if (m_options.subscription) {
        types = *m_options.subscription;
    } else {
        types.set(); // everything, as without a Subscribe
    }
    std::array<std::uint8_t, 32> mask{};
    for (std::size_t t = 0; t < 256; ++t) {
        if (types.test(t)) mask[t / 8] = static_cast<std::uint8_t>(mask[t / 8] | (1U << (t % 8)));
    }
    std::array<std::uint8_t, wire::subscribe::MAX_SIZE> frame{};
    const std::size_t size = wire::subscribe::build(frame.data(), frame.size(), mask, wire::subscribe::FLAG_ACKS, 0,
                                                    {points.data(), count});
    m_awaiting = sources;
    m_awaitingReply = sources.any();
    m_replyDeadline = std::chrono::steady_clock::now() + m_options.ackReplyTimeout;
    if (m_transport->send({frame.data(), size}) != SendStatus::Ok) return;
    m_transport->flush();
    sendRetained();
}

void BusClient::checkReplyDeadline() {
    // A relay that does not answer (no journal, or slow): resend everything
    // kept; a journaled relay drops what it holds already.
    if (m_awaitingReply && std::chrono::steady_clock::now() >= m_replyDeadline) m_awaitingReply = false;
}

void BusClient::sendRetained() {
    constexpr std::size_t PIECE = 256 << 10; // whole frames; the transport's ring need not grow
    while (!m_awaitingReply && m_transport->connected()) {
        const auto piece = m_unacked.unsent(PIECE);
        if (piece.empty()) return;
        const auto status = m_transport->send(piece);
        if (status == SendStatus::WouldBlock) return;
        if (status != SendStatus::Ok) {
            recoverUnsent(); // discards: the kept frames are resent after the reconnect
            m_nextAttempt = std::chrono::steady_clock::now() + m_backoff;
            return;
        }
        m_counters.framesRepublished += m_unacked.markSent(piece.size());
    }
}

int BusClient::readReplies(int timeoutMs) {
    if (!m_transport->connected()) return 0;
    auto take = [this](const wire::FrameView& frame) {
        if (!takeControl(frame)) m_held.insert(m_held.end(), frame.data(), frame.data() + frame.size());
    };
    const int n = m_transport->receive(take, timeoutMs);
    if (n < 0) m_nextAttempt = std::chrono::steady_clock::now() + m_backoff;
    checkReplyDeadline();
    sendRetained();
    return n;
}

int BusClient::deliverHeld(transport::FrameHandler handler) {
    int n = 0;
    // Held frames were whole frames when they arrived: no payload bound here.
    for (wire::FrameCursor cursor(m_held, std::numeric_limits<std::uint32_t>::max()); const auto frame = cursor.next(); ++n) {
        track(*frame);
        m_resume.delivered(*frame);
        handler(*frame);
    }
    m_held.clear();
    return n;
}

} // namespace alphapulse::client
