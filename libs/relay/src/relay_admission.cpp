// What the relay does with the frames a client sends: reading them, the
// domain's admission rules (transport::DomainPolicy: types, checksums, each
// source's sequence on the connection), who may produce, Subscribe frames, and
// the Error frames that tell a producer why its frame was dropped
// (docs/design/relay.md, "Where admission rules live").
#include "relay_impl.hpp"

namespace alphapulse::relay {

void Relay::Impl::readFrom(Client& client) {
    for (int i = 0; i < MAX_READS_PER_EVENT && !client.closing && !client.heldBack; ++i) {
        auto space = client.reader.writable();
        const ssize_t n = ::read(client.fd, space.data(), space.size());
        if (n == 0) {
            markClosing(client, NO_DROP, client.reader.pending() != 0
                                                        ? "peer closed mid-frame (partial frame discarded)"
                                                        : "peer closed");
            return;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            markClosing(client, NO_DROP, std::string("read: ") + std::strerror(errno));
            return;
        }
        client.reader.commit(static_cast<std::size_t>(n));
        client.stats.bytesIn += static_cast<std::uint64_t>(n);
        m_stats.bytesIn += static_cast<std::uint64_t>(n);
        processFrames(client);
        if (client.heldBack || m_producersPaused || static_cast<std::size_t>(n) < space.size()) return;
    }
}

void Relay::Impl::processFrames(Client& client) {
    std::size_t roomBytesOut = 0;
    // Accepted frames are fanned out in runs of adjacent bytes, so a batch of
    // good frames costs one copy per consumer, not one per frame.
    const std::uint8_t* runStart = nullptr;
    std::size_t runBytes = 0;
    std::uint64_t runFrames = 0;
    const auto flushRun = [&] {
        if (runFrames != 0) fanOut(client, runStart, runBytes, runFrames);
        runStart = nullptr;
        runBytes = 0;
        runFrames = 0;
    };
    // Backpressure: take no more frames than every other client's queue has
    // room for; the rest stay in this client's buffer until they drain.
    const bool backpressure = m_config.overload == OverloadPolicy::Backpressure;
    std::uint64_t roomFrames = backpressure ? roomForFanOut(client, roomBytesOut) : 0;
    // A lossless domain promises that nothing is lost silently: a frame no
    // consumer receives (none connected yet, or none subscribed to its type)
    // is counted and its producer told, not fanned out to nobody.
    const std::bitset<256> wanted = backpressure ? consumersWant(client) : std::bitset<256>{};
    const std::uint64_t receivedNs = m_journal ? realtimeNs() : 0; // one clock read per batch
    for (;;) {
        const auto next = client.reader.peek();
        if (!next) {
            if (next.error() == WireError::Truncated) break;
            flushRun();
            if (m_journal) m_journal->commit(); // what it accepted before the garbage goes out: journaled first
            client.reader.clear();
            markClosing(client, DropReason::Desynchronised,
                        std::string("stream desynchronised: ") + std::string(wire::errorName(next.error())));
            return;
        }
        const FrameView frame = *next;
        if (backpressure && (roomFrames == 0 || roomBytesOut < frame.size())) {
            client.heldBack = true; // checkBackpressure() pauses producers, and resumes this once consumers drain
            break;
        }
        client.reader.skip(frame.size());
        if (backpressure) {
            --roomFrames;
            roomBytesOut -= frame.size();
        }
        ++client.stats.framesIn;
        ++m_stats.framesIn;
        const std::uint8_t type = frame.messageType();
        DropReason reject = NO_DROP;
        if (type == static_cast<std::uint8_t>(wire::MessageType::Subscribe)) {
            flushRun();
            handleSubscribe(client, frame);
            continue;
        }
        if (client.catchUp.state == detail::CatchUp::State::Held) activate(client, nullptr, false); // spoke without resuming
        // A producer that asked for acknowledgements continues its source's
        // sequence across connections and relay restarts: the journal's
        // last frame of that source is what it must follow.
        const std::uint8_t source = frame.source();
        const bool journalSequence = m_journal && client.wantsAcks && m_journal->hasSource(source);
        if (journalSequence) client.sequences.advance(source, m_journal->lastSequence(source));
        if (!client.mayProduce) {
            reject = DropReason::NotAllowed;
        } else if (const auto content = m_policy.checkContent(frame)) {
            reject = *content;
        } else if (journalSequence && frame.sequence() <= m_journal->lastSequence(source)) {
            // Resent after a reconnect, and already journaled: dropped
            // without a word (the producer expects it), counted.
            flushRun();
            ++m_stats.journalDuplicates;
            continue;
        } else if (!m_policy.sequenceFollows(frame, client.sequences)) {
            reject = DropReason::BadSequence;
        } else if (backpressure && !wanted.test(type)) {
            reject = DropReason::NoConsumer;
        }
        // A frame nobody received still advances its source's sequence: the
        // next one is not a sequence error too.
        if (reject == NO_DROP || reject == DropReason::NoConsumer) m_policy.accepted(frame, client.sequences);
        if (m_journal && (reject == NO_DROP || reject == DropReason::NoConsumer)) {
            // Journaled even when no consumer is connected: a consumer that
            // resumes gets it (its producer is still told no_consumer).
            m_journal->append(frame.data(), frame.size(), receivedNs);
            client.ackSources.set(frame.source());
        }
        if (m_snapshots && reject == NO_DROP) m_snapshots->update(frame.data(), frame.size());
        if (reject != NO_DROP) {
            flushRun();
            ++m_stats.drops[static_cast<std::size_t>(reject)];
            if (client.errorsReported++ < 10) {
                logWarn("dropped frame type=%u seq=%llu from fd=%d pid=%u: %s", type,
                        static_cast<unsigned long long>(frame.sequence()), client.fd, client.cred.pid,
                        std::string(dropReasonName(reject)).c_str());
            }
            reportRejection(client, reject, frame);
            continue;
        }
        if (runStart != nullptr && runStart + runBytes == frame.data()) {
            runBytes += frame.size();
            ++runFrames;
        } else {
            flushRun();
            runStart = frame.data();
            runBytes = frame.size();
            runFrames = 1;
        }
    }
    flushRun();
    // Written before anything of this batch reaches a consumer (sockets are
    // written later in the loop turn), then acknowledged to its producer.
    if (m_journal && m_journal->commit() && client.wantsAcks && client.ackSources.any()) sendAcks(client);
}

void Relay::Impl::handleSubscribe(Client& client, const FrameView& frame) {
    const auto view = wire::SubscribeView::parse(frame.data(), frame.size(), /*verifyChecksum=*/true);
    if (!view) {
        logWarn("ignored malformed subscription from fd=%d: %s", client.fd,
                std::string(wire::errorName(view.error())).c_str());
        return;
    }
    const std::bitset<256> subscription = wire::subscribe::types(*view);
    client.subscription = subscription;
    client.stats.subscribed = true;
    logInfo("fd=%d pid=%u subscribed to %zu message types%s", client.fd, client.cred.pid, subscription.count(),
            view->flags() != 0 ? " (recovery flags follow)" : "");
    applyRecoveryFlags(client, *view);
}

void Relay::Impl::sendError(Client& to, RelayError code, std::uint8_t relatedType, std::uint64_t relatedSequence,
                            std::string_view text) {
    std::uint8_t buffer[wire::ErrorLayout::SIZE];
    auto builder = *wire::ErrorBuilder::into(buffer, sizeof buffer);
    builder.source(relaySource(m_config.domain)).sequence(0).timestamp(realtimeNs());
    builder.error_code(static_cast<std::uint16_t>(code)).severity(static_cast<std::uint8_t>(wire::Severity::Error));
    builder.related_type(relatedType).related_sequence(relatedSequence);
    builder.message(text.substr(0, wire::ErrorLayout::SIZES[wire::ErrorLayout::Field::message]));
    builder.finish();
    if (!to.peerGone && to.out.fits(1, sizeof buffer) && to.out.push(buffer, sizeof buffer, 1)) countOwnFrame(to);
}

void Relay::Impl::sendErrorOnce(Client& to, RelayError code, std::uint8_t relatedType, std::uint64_t relatedSequence,
                                std::string_view text) {
    const std::uint32_t bit = 1U << static_cast<unsigned>(code);
    if ((to.errorCodesSent & bit) != 0) return;
    to.errorCodesSent |= bit;
    sendError(to, code, relatedType, relatedSequence, text);
}

void Relay::Impl::reportRejection(Client& client, DropReason reason, const FrameView& frame) {
    // Reported once per connection (all but bad sequences): a producer that
    // floods rejected frames must not cost a message built per frame.
    const auto once = [&](RelayError code) { return (client.errorCodesSent & (1U << static_cast<unsigned>(code))) != 0; };
    if ((reason == DropReason::NotAllowed && once(RelayError::NotAllowed)) ||
        (reason == DropReason::OutOfDomain && once(RelayError::OutOfDomain)) ||
        (reason == DropReason::BadChecksum && once(RelayError::BadChecksum)) ||
        (reason == DropReason::NoConsumer && once(RelayError::NoConsumer))) {
        return;
    }
    const std::uint8_t type = frame.messageType();
    const std::string typeName = std::to_string(type) + " (" + std::string(wire::messageTypeName(type)) + ")";
    const std::string domain(wire::domainName(m_config.domain));
    switch (reason) {
    case DropReason::BadSequence:
        sendError(client, RelayError::BadSequence, type, frame.sequence(),
                  "sequence must rise by one: expected " +
                      std::to_string(client.sequences.last(frame.source()).value_or(0) + 1));
        break;
    case DropReason::NotAllowed:
        sendErrorOnce(client, RelayError::NotAllowed, type, frame.sequence(), "not allowed to produce here");
        break;
    case DropReason::OutOfDomain:
        sendErrorOnce(client, RelayError::OutOfDomain, type, frame.sequence(),
                      "type " + typeName + " is not carried by the " + domain + " relay");
        break;
    case DropReason::BadChecksum:
        sendErrorOnce(client, RelayError::BadChecksum, type, frame.sequence(), "checksum does not match the frame");
        break;
    case DropReason::NoConsumer:
        sendErrorOnce(client, RelayError::NoConsumer, type, frame.sequence(),
                      "no consumer on " + domain + " receives type " + typeName + ": not delivered (counted as no_consumer)");
        break;
    default: break;
    }
}

} // namespace alphapulse::relay
