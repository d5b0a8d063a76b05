// ShmTransport's writer: send() checks frames (the domain's DomainPolicy),
// then writes them as one record under the writers' lock or as the solo
// writer, waits for room under backpressure, repairs a dead writer's record.
// docs/design/shared-memory.md, "Writing".
#include "alphapulse/transport/shm_transport.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <new>

#include "alphapulse/wire/frame.hpp"
#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/subscribe.hpp"
#include "shm_layout.hpp"
#include "shm_process.hpp"
#include "shm_internal.hpp"

namespace alphapulse::transport {

using namespace shm;

namespace {

constexpr std::uint8_t ACCEPT_DROP = 0, ACCEPT_KEEP = 1, ACCEPT_SUBSCRIBE = 2;

} // namespace

void ShmTransport::lockWriters() {
    const int rc = ::pthread_mutex_lock(&m_header->writeLock);
    if (rc == EOWNERDEAD) {
        // A writer died holding the lock: close its half-written record, then
        // mark the lock usable again.
        repairAfterDeadWriter();
        ::pthread_mutex_consistent(&m_header->writeLock);
        m_header->lockRecoveries.fetch_add(1, std::memory_order_relaxed);
        ++m_counters.lockRecoveries;
    }
    const std::uint64_t solo = m_header->soloWriter.load(std::memory_order_acquire);
    if (solo != 0 && solo != soloToken(static_cast<std::uint32_t>(m_slot), m_owner)) revokeSolo(solo);
}

[[gnu::always_inline]] inline bool ShmTransport::trySolo() noexcept {
    // The fast side of an asymmetric Dekker handshake with revokeSolo():
    // announce, then look; only a compiler barrier between (the revoker's
    // membarrier() stands in for our fence). No locked instruction here.
    auto* h = m_header;
    if (h->soloWriter.load(std::memory_order_relaxed) != m_soloToken || m_soloToken == 0) return false;
    m_slotPtr->inSend.store(1, std::memory_order_relaxed);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    if (h->soloWriter.load(std::memory_order_acquire) == m_soloToken) return true;
    m_slotPtr->inSend.store(0, std::memory_order_release);
    return false;
}

void ShmTransport::revokeSolo(std::uint64_t token) {
    // Under the write lock. After the store and the barrier on every CPU,
    // the solo writer either sees the revocation before its next send or is
    // seen inside one (inSend), which we wait out.
    auto* h = m_header;
    h->soloWriter.store(0, std::memory_order_seq_cst);
    globalMembarrier();
    const std::uint32_t index = soloSlot(token);
    if (index < SLOT_COUNT) {
        ReaderSlot& s = *reinterpret_cast<ReaderSlot*>(m_base + SLOTS_OFFSET + index * SLOT_BYTES);
        const std::uint32_t pid = ownerPid(token);
        std::uint64_t lastCheck = monotonicNs();
        for (std::uint32_t spins = 0; s.inSend.load(std::memory_order_acquire) != 0; ++spins) {
            if (spins < 1000) {
                cpuRelax();
                continue;
            }
            std::this_thread::yield();
            const std::uint64_t now = monotonicNs();
            if (now - lastCheck < LIVENESS_CHECK_NS) continue;
            lastCheck = now;
            const std::uint64_t start = ownerPid(s.owner.load(std::memory_order_relaxed)) == pid
                                            ? s.startTime.load(std::memory_order_relaxed)
                                            : 0;
            if (!processAlive(pid, start)) {
                s.inSend.store(0, std::memory_order_relaxed);
                break;
            }
        }
    }
    // A solo writer that died inside a send left its claim half written.
    if (h->reserved.load(std::memory_order_relaxed) != h->published.load(std::memory_order_relaxed)) {
        repairAfterDeadWriter();
        h->lockRecoveries.fetch_add(1, std::memory_order_relaxed);
        ++m_counters.lockRecoveries;
    }
    h->lastLockedWriter = 0;
    h->lockedRun = 0;
}

void ShmTransport::repairAfterDeadWriter() {
    auto* h = m_header;
    std::uint64_t from = h->published.load(std::memory_order_relaxed);
    const std::uint64_t to = h->reserved.load(std::memory_order_relaxed);
    // Readers never read past `published`, and the bytes the dead writer
    // touched are already counted in `reserved` (so readers that copied them
    // as old data discard the copy). Cover the reservation with skip records
    // (split at the ring's end) and commit it.
    while (from < to) {
        const std::uint64_t index = from & (m_ringBytes - 1);
        const std::uint64_t length = std::min(to - from, m_ringBytes - index);
        RecordHeader skip{static_cast<std::uint32_t>(length), 0xFFFF, KIND_SKIP, 0, 0,
                          static_cast<std::uint32_t>(h->framesWritten)};
        std::memcpy(m_ring + index, &skip, sizeof skip);
        from += length;
    }
    h->published.store(to, std::memory_order_release);
}

SendStatus ShmTransport::send(std::span<const std::uint8_t> frames) {
    if (m_header == nullptr) return SendStatus::Closed;
    if (!stillOwner()) {
        fail("evicted: held the producers of /dev/shm/" + m_name + " back for more than " +
             std::to_string(m_options.slowConsumerTimeoutMs) + " ms (slow consumer)");
        return SendStatus::Closed;
    }
    // One whole frame and nothing to verify but its type (market data): straight to the ring.
    if (frames.size() >= wire::header::SIZE && !m_policy.validatesChecksums() && !m_policy.requiresSequence()) {
        const std::uint8_t* f = frames.data();
        if (wire::header::frameSize(f) == frames.size() &&
            frames.size() - wire::header::SIZE <= m_policy.maxPayload() &&
            wire::loadLe<std::uint32_t>(f + wire::header::MAGIC_OFFSET) == wire::header::MAGIC &&
            m_policy.carries(f[wire::header::MESSAGE_TYPE_OFFSET])) {
            const SendStatus status = writeRecord(frames, frames.size(), 1, true);
            if (status == SendStatus::Ok) ++m_counters.framesSent;
            return status;
        }
    }
    // Pass 1: the domain's checks, decided once per frame and remembered.
    m_accept.clear();
    m_sequenceUndo.clear();
    std::array<std::uint64_t, static_cast<std::size_t>(DropReason::COUNT_)> rejected{};
    std::uint64_t keptBytes = 0, keptFrames = 0, malformed = 0;
    bool subscribes = false;
    wire::FrameCursor cursor(frames, m_policy.maxPayload());
    while (const auto next = cursor.next()) {
        const wire::FrameView frame = *next;
        std::uint8_t decision = ACCEPT_KEEP;
        if (frame.messageType() == static_cast<std::uint8_t>(wire::MessageType::Subscribe)) {
            decision = ACCEPT_SUBSCRIBE;
            subscribes = true;
        } else if (const auto reason = m_policy.check(frame, m_sequences)) {
            decision = ACCEPT_DROP;
            ++rejected[static_cast<std::size_t>(*reason)];
            if (*reason == DropReason::BadSequence) {
                m_reason = "sequence must rise by one: expected " +
                           std::to_string(m_sequences.last(frame.source()).value_or(0) + 1) + ", got " +
                           std::to_string(frame.sequence());
            }
        } else if (m_policy.requiresSequence()) {
            m_sequenceUndo.emplace_back(frame.source(), m_sequences.last(frame.source()));
            m_policy.accepted(frame, m_sequences);
        }
        if (decision == ACCEPT_KEEP) {
            keptBytes += frame.size();
            ++keptFrames;
        }
        m_accept.push_back(decision);
    }
    if (cursor.error() != wire::WireError::Ok) {
        malformed = frames.size() - cursor.offset();
        m_reason = "send(): " + std::string(wire::errorName(cursor.error())) + " at byte " +
                   std::to_string(cursor.offset());
    }

    if (keptFrames > 0) {
        const SendStatus status = writeRecord(frames, keptBytes, keptFrames, keptFrames == m_accept.size());
        if (status != SendStatus::Ok) {
            // Not taken: the sources' sequences are what they were.
            for (auto it = m_sequenceUndo.rbegin(); it != m_sequenceUndo.rend(); ++it) {
                m_sequences.restore(it->first, it->second);
            }
            return status;
        }
    }
    // Taken: count what pass 1 refused.
    m_counters.framesSent += keptFrames;
    countRejected(rejected, malformed);
    if (subscribes) {
        std::size_t index = 0;
        for (wire::FrameCursor again(frames, m_policy.maxPayload()); const auto next = again.next(); ++index) {
            if (m_accept[index] == ACCEPT_SUBSCRIBE) applySubscribe(next->data(), next->size());
        }
    }
    return SendStatus::Ok;
}

void ShmTransport::countRejected(const std::array<std::uint64_t, static_cast<std::size_t>(DropReason::COUNT_)>& frames,
                                 std::uint64_t malformedBytes) noexcept {
    const std::uint64_t outOfDomain = frames[static_cast<std::size_t>(DropReason::OutOfDomain)];
    const std::uint64_t badChecksum = frames[static_cast<std::size_t>(DropReason::BadChecksum)];
    const std::uint64_t badSequence = frames[static_cast<std::size_t>(DropReason::BadSequence)];
    if (outOfDomain + badChecksum + badSequence + malformedBytes == 0) return;
    m_counters.dropsOutOfDomain += outOfDomain;
    m_counters.dropsBadChecksum += badChecksum;
    m_counters.dropsBadSequence += badSequence;
    m_counters.dropsMalformed += malformedBytes;
    // In the segment too: a producer's refusals are the domain's counters
    // (`alphapulse stats` reads them), as a relay counts its drops.
    auto* h = m_header;
    h->rejectedOutOfDomain.fetch_add(outOfDomain, std::memory_order_relaxed);
    h->rejectedBadChecksum.fetch_add(badChecksum, std::memory_order_relaxed);
    h->rejectedBadSequence.fetch_add(badSequence, std::memory_order_relaxed);
    h->rejectedMalformedBytes.fetch_add(malformedBytes, std::memory_order_relaxed);
}

SendStatus ShmTransport::writeRecord(std::span<const std::uint8_t> frames, std::uint64_t keptBytes,
                                     std::uint64_t keptFrames, bool allKept) {
    const std::uint64_t recordBytes = alignRecord(RECORD_HEADER + keptBytes);
    if (recordBytes > m_ringBytes / 2) {
        m_reason = "send(): " + std::to_string(keptBytes) + " bytes in one call exceed half the ring";
        ++m_counters.wouldBlock;
        return SendStatus::WouldBlock;
    }
    auto* h = m_header;
    if (m_options.backpressure && m_blockedSince != 0 && stillBlocked()) {
        ++m_counters.wouldBlock;
        return SendStatus::WouldBlock;
    }
    // The one active writer skips the lock (see trySolo); any other
    // writer takes it, which first revokes that privilege.
    const bool solo = trySolo();
    if (!solo) {
        lockWriters();
        if (!stillOwner()) {
            ::pthread_mutex_unlock(&h->writeLock);
            fail("evicted: held the producers of /dev/shm/" + m_name + " back (slow consumer)");
            return SendStatus::Closed;
        }
    }
    auto release = [&] {
        if (solo) m_slotPtr->inSend.store(0, std::memory_order_release);
        else ::pthread_mutex_unlock(&h->writeLock);
    };
    const std::uint64_t start = h->published.load(std::memory_order_relaxed);
    const std::uint64_t index = start & (m_ringBytes - 1);
    const std::uint64_t pad = m_ringBytes - index < recordBytes ? m_ringBytes - index : 0;
    const std::uint64_t end = start + pad + recordBytes;
    if (m_options.backpressure && end > h->readerLimit && !roomFor(end)) {
        release();
        ++m_counters.wouldBlock;
        return SendStatus::WouldBlock;
    }
    // Claim first: a reader copying old bytes here checks `reserved`
    // afterwards and discards its copy (the release fence keeps this
    // store ahead of the record's bytes).
    h->reserved.store(end, std::memory_order_relaxed);
    fence(std::memory_order_release);
    if (pad != 0) {
        const RecordHeader skip{static_cast<std::uint32_t>(pad), static_cast<std::uint16_t>(m_slot), KIND_SKIP, 0, 0,
                                static_cast<std::uint32_t>(h->framesWritten)};
        std::memcpy(m_ring + index, &skip, sizeof skip);
    }
    std::uint8_t* record = m_ring + ((start + pad) & (m_ringBytes - 1));
    const RecordHeader header{static_cast<std::uint32_t>(recordBytes), static_cast<std::uint16_t>(m_slot),
                              KIND_FRAMES, 0, static_cast<std::uint32_t>(keptFrames),
                              static_cast<std::uint32_t>(h->framesWritten)};
    std::memcpy(record, &header, sizeof header);
    std::uint8_t* out = record + RECORD_HEADER;
    if (allKept) {
        std::memcpy(out, frames.data(), keptBytes); // every frame kept: one copy
    } else {
        wire::FrameCursor cursor(frames, m_policy.maxPayload()); // as send() walked them: one decision each
        for (const std::uint8_t decision : m_accept) {
            const auto frame = cursor.next();
            if (decision == ACCEPT_KEEP) {
                std::memcpy(out, frame->data(), frame->size());
                out += frame->size();
            }
        }
    }
    h->framesWritten += keptFrames;
    h->published.store(end, std::memory_order_release);
    if (!solo) {
        // A writer that keeps coming through the lock alone becomes solo.
        const std::uint64_t me = soloToken(static_cast<std::uint32_t>(m_slot), m_owner);
        if (h->lastLockedWriter == me) {
            if (++h->lockedRun >= SOLO_AFTER_SENDS && m_membarrier) {
                m_soloToken = me;
                h->soloWriter.store(me, std::memory_order_release);
            }
        } else {
            h->lastLockedWriter = me;
            h->lockedRun = 1;
        }
    }
    release();
    wakeReaders();
    // Only this endpoint writes its slot's statistics: no locked add needed.
    m_slotPtr->framesOut.store(m_slotPtr->framesOut.load(std::memory_order_relaxed) + keptFrames,
                               std::memory_order_relaxed);
    return SendStatus::Ok;
}

[[gnu::always_inline]] inline void ShmTransport::wakeReaders() noexcept {
    // Pairs with the reader's sleepers increment before its last look at
    // `published` (Dekker): either it sees our record or we see it sleeping.
    // The reader, about to sleep anyway, pays for the StoreLoad barrier with
    // a membarrier() on every CPU, so writers only fence the compiler here.
    // Without membarrier (old kernels) the writer fences.
    if (m_membarrier) {
        std::atomic_signal_fence(std::memory_order_seq_cst);
    } else {
        fence(std::memory_order_seq_cst);
    }
    if (m_header->sleepers.load(std::memory_order_relaxed) == 0) return;
    m_header->wakeSeq.fetch_add(1, std::memory_order_release);
    futexWakeAll(&m_header->wakeSeq);
}

bool ShmTransport::roomFor(std::uint64_t end) {
    // Under the write lock, backpressure only: the slowest live subscribed
    // reader bounds how far writers may go.
    auto* slots = reinterpret_cast<ReaderSlot*>(m_base + SLOTS_OFFSET);
    for (std::uint32_t round = 0; round < SLOT_COUNT + 2; ++round) {
        std::uint64_t minPosition = std::numeric_limits<std::uint64_t>::max();
        std::uint64_t minOwner = 0;
        std::uint32_t minSlot = SLOT_COUNT;
        for (std::uint32_t i = 0; i < SLOT_COUNT; ++i) {
            const std::uint64_t owner = slots[i].owner.load(std::memory_order_acquire);
            if (ownerState(owner) != STATE_LIVE || slots[i].reading.load(std::memory_order_acquire) == 0) continue;
            const std::uint64_t position = slots[i].position.load(std::memory_order_acquire);
            if (position < minPosition) {
                minPosition = position;
                minOwner = owner;
                minSlot = i;
            }
        }
        const std::uint64_t limit = minSlot == SLOT_COUNT ? std::numeric_limits<std::uint64_t>::max()
                                                          : minPosition + m_ringBytes;
        m_header->readerLimit = limit;
        if (end <= limit) {
            m_blockedSince = 0;
            return true;
        }
        if (static_cast<int>(minSlot) == m_slot) {
            // Held back by our own unread records: nothing of ours is ever
            // delivered to us, so step over them.
            const std::uint64_t before = m_readPosition;
            advanceOverOwnRecords();
            if (m_readPosition != before) continue;
        }
        const std::uint64_t now = monotonicNs();
        const bool sameBlocker = m_blockedSince != 0 && m_blockedOwner == minOwner && m_blockedPosition == minPosition;
        if (!sameBlocker) {
            m_blockedSince = now;
            m_blockedOwner = minOwner;
            m_blockedPosition = minPosition;
        }
        ReaderSlot& slow = slots[minSlot];
        m_blockedSlot = minSlot;
        m_blockedCheckedAt = now;
        const bool checkLiveness = !sameBlocker || now - m_lastLivenessCheck > LIVENESS_CHECK_NS;
        if (checkLiveness) m_lastLivenessCheck = now;
        if (checkLiveness && !processAlive(ownerPid(minOwner), slow.startTime.load(std::memory_order_relaxed))) {
            std::uint64_t expected = minOwner;
            if (slow.owner.compare_exchange_strong(expected, makeOwner(STATE_FREE, ownerGeneration(minOwner), 0))) {
                m_header->readersReaped.fetch_add(1, std::memory_order_relaxed);
                ++m_counters.readersReaped;
            }
            m_blockedSince = 0;
            continue;
        }
        if (static_cast<int>(minSlot) != m_slot &&
            now - m_blockedSince > static_cast<std::uint64_t>(m_options.slowConsumerTimeoutMs) * std::uint64_t{1'000'000}) {
            std::uint64_t expected = minOwner;
            if (slow.owner.compare_exchange_strong(expected,
                                                   makeOwner(STATE_EVICTED, ownerGeneration(minOwner), ownerPid(minOwner)))) {
                m_header->readersEvicted.fetch_add(1, std::memory_order_relaxed);
                ++m_counters.readersEvicted;
            }
            m_blockedSince = 0;
            continue;
        }
        return false;
    }
    return false;
}

bool ShmTransport::stillBlocked() noexcept {
    // Backpressure, blocked last time: until the reader that held us back has
    // freed 8 KiB (or a millisecond passed: liveness and
    // eviction are judged under the lock), answer without the lock, so a
    // writer retrying in a loop costs the reader nothing.
    const ReaderSlot& slow = *reinterpret_cast<const ReaderSlot*>(m_base + SLOTS_OFFSET + m_blockedSlot * SLOT_BYTES);
    return slow.owner.load(std::memory_order_relaxed) == m_blockedOwner &&
           slow.position.load(std::memory_order_acquire) - m_blockedPosition < std::min<std::uint64_t>(m_ringBytes / 16, 8192) &&
           monotonicNs() - m_blockedCheckedAt < LIVENESS_CHECK_NS;
}

void ShmTransport::advanceOverOwnRecords() {
    // Under the write lock: nobody writes here while we are the slowest reader.
    const std::uint64_t published = m_header->published.load(std::memory_order_relaxed);
    while (m_readPosition < published) {
        RecordHeader header{};
        std::memcpy(&header, m_ring + (m_readPosition & (m_ringBytes - 1)), sizeof header);
        if (header.kind == KIND_FRAMES && header.writer != static_cast<std::uint16_t>(m_slot)) break;
        if (header.kind == KIND_FRAMES) {
            m_nextFrameIndex = header.frameIndex + header.frames;
            m_haveFrameIndex = true;
        }
        m_readPosition += header.size;
    }
    m_slotPtr->position.store(m_readPosition, std::memory_order_release);
}

} // namespace alphapulse::transport
