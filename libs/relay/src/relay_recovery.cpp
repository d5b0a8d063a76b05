// The relay's recovery glue (docs/design/recovery.md): opening the journal,
// the Subscribe flags that ask for a resume, a snapshot or acknowledgements,
// and the catch-up pump the loop runs every turn. The journal itself is
// journal.cpp, the resume planning resume.cpp, the snapshot cache
// snapshot_cache.cpp.
#include <filesystem>

#include "relay_impl.hpp"

namespace alphapulse::relay {

namespace subscribe = wire::subscribe;

void Relay::Impl::openJournal() {
    if (!m_config.journal.enabled) return;
    JournalConfig journal = m_config.journal;
    if (journal.dir.empty()) {
        // Beside the socket: a relay restarted on the same socket finds it.
        const auto socketDir = std::filesystem::path(m_config.socketPath).parent_path();
        journal.dir = (socketDir / (std::string(wire::domainName(m_config.domain)) + ".journal")).string();
    }
    m_journal = std::make_unique<detail::Journal>(journal, m_config.domain);
    m_stats.journal = true;
    m_stats.journalRecovered = m_journal->recovered();
    logInfo("journal %s: window %u frames / %llu bytes, files of %llu bytes, %u kept, fsync %s",
            m_journal->directory().c_str(), journal.windowFrames, static_cast<unsigned long long>(journal.windowBytes),
            static_cast<unsigned long long>(journal.fileBytes), journal.keepFiles, journal.fsync ? "on" : "off");
}

void Relay::Impl::applyRecoveryFlags(Client& client, const wire::SubscribeView& view) {
    const std::uint8_t flags = view.flags();
    const subscribe::ResumeTail tail(view);
    if (!tail.valid()) {
        logWarn("fd=%d pid=%u: Subscribe resume tail malformed (%zu bytes): resume points ignored", client.fd,
                client.cred.pid, view.size() - wire::SubscribeLayout::SIZE);
    }
    if ((flags & subscribe::FLAG_ACKS) != 0 && m_journal) {
        // A producer (re)connecting learns at once where each of its sources
        // stands: it resends from the next sequence, and may forget the rest.
        client.wantsAcks = true;
        for (std::size_t i = 0; tail.valid() && i < tail.size(); ++i) {
            const std::uint8_t source = tail[i].source;
            sendControl(client, subscribe::PHASE_ACK, source, m_journal->acknowledged(source), 0, realtimeNs());
        }
    }
    const bool resume = (flags & subscribe::FLAG_RESUME) != 0 && tail.valid();
    const bool snapshot = (flags & subscribe::FLAG_SNAPSHOT) != 0 && m_snapshots;
    if (client.catchUp.state == detail::CatchUp::State::Held) {
        client.catchUp.bracket = resume || snapshot;
        activate(client, resume ? &tail : nullptr, snapshot);
        return;
    }
    if (snapshot && client.catchUp.state == detail::CatchUp::State::Live) {
        // Not journaled (market data): the snapshot goes ahead of the next live frame.
        sendControl(client, subscribe::PHASE_BEGIN, 0, 0, 0, realtimeNs());
        const std::uint32_t items = sendSnapshot(client);
        sendControl(client, subscribe::PHASE_END, 0, 0, items, realtimeNs());
        logInfo("fd=%d pid=%u: snapshot of %u frames", client.fd, client.cred.pid, items);
    }
    if (resume && !m_journal) {
        logInfo("fd=%d pid=%u asked to resume; this relay keeps no journal (journal: off)", client.fd, client.cred.pid);
    }
}

void Relay::Impl::activate(Client& client, const subscribe::ResumeTail* tail, bool snapshot) {
    auto& state = client.catchUp;
    if (tail != nullptr) {
        detail::planResume(*m_journal, *tail, state);
    } else {
        detail::planJoin(*m_journal, state);
    }
    state.state = detail::CatchUp::State::Resending;
    if (client.subscription.none()) state.cursor = m_journal->head(); // a pure producer: nothing to walk
    if (state.bracket) {
        // BEGIN carries the relay's clock at this connection: the client's
        // since_ns when it resumes later (resend unlisted sources from then).
        sendControl(client, subscribe::PHASE_BEGIN, 0, 0, 0, state.connectedRealNs);
        if (snapshot) state.resent += sendSnapshot(client);
    }
    if (tail != nullptr) {
        logInfo("fd=%d pid=%u resumes %zu sources from journal position %llu (head %llu)", client.fd, client.cred.pid,
                tail->size(), static_cast<unsigned long long>(state.cursor),
                static_cast<unsigned long long>(m_journal->head()));
    }
    m_anyCatchingUp = true;
}

void Relay::Impl::pumpCatchUps() {
    if (!m_anyCatchingUp) return;
    bool catchingUp = false;
    bool resending = false;
    const std::uint64_t now = monotonicNs();
    for (Client* c : m_order) {
        auto& state = c->catchUp;
        if (state.state == detail::CatchUp::State::Live || c->closing) continue;
        if (state.state == detail::CatchUp::State::Held) {
            if (now - state.connectedNs < detail::HOLD_NS) {
                catchingUp = true;
                continue;
            }
            activate(*c, nullptr, false); // never spoke: joins where it connected
        }
        // Up to its circuit breaker (frames, and 80% of its bytes): one that
        // reads stays below it; one that does not sits there, and the
        // overload rules apply as to a live consumer (producers wait, then it
        // is disconnected as a slow consumer and resumes when it comes back).
        const std::uint64_t limitFrames = std::max<std::uint32_t>(1, m_config.circuitBreaker);
        const std::size_t limitBytes = m_config.maxQueueBytes / 10 * 8;
        while (!c->peerGone && c->out.frames() < limitFrames && c->out.bytes() < limitBytes) {
            const std::size_t roomBytes = std::min(limitBytes - c->out.bytes(), c->out.room());
            const auto run = detail::nextRun(*m_journal, state, c->subscription, limitFrames - c->out.frames(), roomBytes);
            if (run.frames == 0) break;
            enqueue(*c, run.data, run.bytes, run.frames);
            state.resent += run.frames;
            m_stats.journalResent += run.frames;
        }
        if (state.cursor >= m_journal->head()) {
            state.state = detail::CatchUp::State::Live; // the next fan-out includes it: nothing between
            if (state.bracket) {
                sendControl(*c, subscribe::PHASE_END, 0, 0, static_cast<std::uint32_t>(state.resent), realtimeNs());
            }
            if (state.resent != 0 || state.missed != 0) {
                logInfo("fd=%d pid=%u caught up: %llu frames resent from the journal, %llu no longer in its window",
                        c->fd, c->cred.pid, static_cast<unsigned long long>(state.resent),
                        static_cast<unsigned long long>(state.missed));
            }
            m_stats.journalMissed += state.missed;
            state.from.reset();
            continue;
        }
        catchingUp = true;
        // Its socket takes more: the flush after this pump empties the queue,
        // and the next turn must not sleep (a blocked socket wakes the loop itself).
        resending |= !c->writeBlocked;
    }
    m_anyCatchingUp = catchingUp;
    m_anyResending = resending;
}

void Relay::Impl::sendControl(Client& to, std::uint8_t phase, std::uint64_t id, std::uint64_t lastSequence,
                              std::uint32_t items, std::uint64_t timestampNs) {
    const auto frame =
        detail::controlFrame(relaySource(m_config.domain), m_config.domain, phase, id, lastSequence, items, timestampNs);
    if (!to.peerGone && to.out.fits(1, frame.size()) && to.out.push(frame.data(), frame.size(), 1)) countOwnFrame(to);
}

std::uint32_t Relay::Impl::sendSnapshot(Client& to) {
    std::uint32_t items = 0;
    m_snapshots->forEach([&](const std::uint8_t* data, std::size_t size) {
        if (!to.subscription.test(data[wire::header::MESSAGE_TYPE_OFFSET]) || !to.out.fits(1, size)) return;
        if (to.out.push(data, size, 1)) ++items;
    });
    m_stats.snapshotFrames += items;
    return items;
}

void Relay::Impl::sendAcks(Client& producer) {
    // At most a few queued: a producer that does not read its acknowledgements
    // must not become a slow consumer for them (they are cumulative; the next
    // one says it all).
    constexpr std::uint64_t MAX_QUEUED = 64;
    const std::uint64_t now = realtimeNs();
    for (std::size_t source = producer.ackSources._Find_first(); source < 256;
         source = producer.ackSources._Find_next(source)) {
        if (producer.out.frames() >= MAX_QUEUED) break;
        const auto s = static_cast<std::uint8_t>(source);
        sendControl(producer, subscribe::PHASE_ACK, s, m_journal->acknowledged(s), 0, now);
        ++m_stats.journalAcks;
    }
    producer.ackSources.reset();
}

} // namespace alphapulse::relay
