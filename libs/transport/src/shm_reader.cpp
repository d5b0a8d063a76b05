// ShmTransport's reader: subscriptions, waiting for records (spin, then the
// futex), copying them out and delivering whole frames, lapping.
// docs/design/shared-memory.md, "Reading".
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

void ShmTransport::applySubscribe(const std::uint8_t* frame, std::size_t size) {
    const auto view = wire::SubscribeView::parse(frame, size, true);
    if (!view) return;
    const auto mask = view->message_types();
    const std::bitset<256> subscription = wire::subscribe::types(*view);
    const bool reading = subscription.any();
    m_subscription = subscription;
    std::memcpy(m_slotPtr->subscription, mask.data(), std::min<std::size_t>(mask.size(), 32));
    if (reading == m_reading) return;
    lockWriters();
    if (reading) {
        // Rejoin at the head: what was written while we read nothing is not ours.
        const std::uint64_t now = m_header->published.load(std::memory_order_relaxed);
        m_readPosition = now;
        m_nextFrameIndex = static_cast<std::uint32_t>(m_header->framesWritten);
        m_haveFrameIndex = true;
        m_slotPtr->position.store(now, std::memory_order_release);
        m_header->readerLimit = std::min(m_header->readerLimit, now + m_ringBytes);
    }
    m_slotPtr->reading.store(reading ? 1 : 0, std::memory_order_release);
    ::pthread_mutex_unlock(&m_header->writeLock);
    m_reading = reading;
}

bool ShmTransport::waitForData(std::uint64_t position, int timeoutMs) {
    auto* h = m_header;
    const std::uint64_t start = monotonicNs();
    const std::uint64_t deadline = timeoutMs < 0 ? std::numeric_limits<std::uint64_t>::max()
                                                 : start + static_cast<std::uint64_t>(timeoutMs) * std::uint64_t{1'000'000};
    const std::uint64_t spinEnd = m_options.wait == Wait::Spin
                                      ? deadline
                                      : std::min(deadline, start + static_cast<std::uint64_t>(m_options.spinUs) * std::uint64_t{1000});
    for (std::uint32_t i = 1;; ++i) {
        if (h->published.load(std::memory_order_acquire) != position) return true;
        cpuRelax();
        if ((i & 255U) == 0) {
            if (monotonicNs() >= spinEnd) break;
            if (!stillOwner()) return true; // receive() reports the eviction
        }
    }
    if (m_options.wait == Wait::Spin) return false;
    for (;;) {
        const std::uint64_t now = monotonicNs();
        if (now >= deadline) return false;
        h->sleepers.fetch_add(1, std::memory_order_seq_cst);
        if (m_membarrier) globalMembarrier(); // the writers' half of the barrier (see wakeReaders)
        const std::uint32_t seen = h->wakeSeq.load(std::memory_order_seq_cst);
        if (h->published.load(std::memory_order_seq_cst) != position) {
            h->sleepers.fetch_sub(1, std::memory_order_seq_cst);
            return true;
        }
        futexWait(&h->wakeSeq, seen, std::min(deadline - now, SLEEP_SLICE_NS));
        h->sleepers.fetch_sub(1, std::memory_order_seq_cst);
        if (h->published.load(std::memory_order_acquire) != position || !stillOwner()) return true;
    }
}

int ShmTransport::receive(FrameHandler handler, int timeoutMs) {
    if (m_header == nullptr) return -1;
    if (!stillOwner()) {
        fail("evicted: held the producers of /dev/shm/" + m_name + " back for more than " +
             std::to_string(m_options.slowConsumerTimeoutMs) + " ms (slow consumer)");
        return -1;
    }
    auto* h = m_header;
    if (!m_reading) {
        // Subscribed to nothing: there is never anything to deliver.
        if (timeoutMs != 0) waitForData(h->published.load(std::memory_order_acquire), timeoutMs);
        return 0;
    }
    const std::uint64_t from = m_readPosition;
    std::uint64_t upTo = h->published.load(std::memory_order_acquire);
    if (upTo == from) {
        if (timeoutMs == 0 || !waitForData(from, timeoutMs)) return 0;
        if (!stillOwner()) return receive(handler, 0);
        upTo = h->published.load(std::memory_order_acquire);
    }
    bool lapped = upTo - from > m_ringBytes;
    std::uint64_t at = from;
    std::size_t used = 0;
    while (!lapped && at < upTo && used < COPY_BUDGET) {
        const std::uint64_t index = at & (m_ringBytes - 1);
        RecordHeader header{};
        std::memcpy(&header, m_ring + index, sizeof header);
        if (header.size < RECORD_HEADER || header.size % RECORD_ALIGN != 0 || header.size > m_ringBytes - index ||
            header.size > upTo - at) {
            lapped = true; // overwritten under us (confirmed below) or never a record boundary
            break;
        }
        if (m_scratch.size() < used + header.size) m_scratch.resize(std::max<std::size_t>(used + header.size, COPY_BUDGET));
        std::memcpy(m_scratch.data() + used, m_ring + index, header.size);
        used += header.size;
        at += header.size;
    }
    // Seqlock check: if a writer claimed past from + ring size, what we
    // copied may mix old and new bytes. Discard it all and resume at the
    // newest record. With backpressure no writer goes past our unread bytes
    // unless it first evicted us, so our own slot (a line nobody else writes
    // while we are live) answers without touching the writers' cursor line.
    fence(std::memory_order_acquire);
    const bool overwritten = m_options.backpressure ? !stillOwner()
                                                    : h->reserved.load(std::memory_order_relaxed) - from > m_ringBytes;
    if (lapped || overwritten) {
        if (m_options.backpressure && !stillOwner()) return receive(handler, 0); // reports the eviction
        ++m_counters.laps;
        m_slotPtr->laps.fetch_add(1, std::memory_order_relaxed);
        m_readPosition = upTo;
        m_slotPtr->position.store(upTo, std::memory_order_release);
        return 0; // the frames missed are counted from the next record's frame index
    }
    m_readPosition = at;
    m_slotPtr->position.store(at, std::memory_order_release);
    return deliver(handler, used);
}

int ShmTransport::deliver(FrameHandler& handler, std::size_t bytes) {
    // Bookkeeping first, so a handler that calls send() sees a consistent state.
    for (std::size_t at = 0; at < bytes;) {
        RecordHeader header{};
        std::memcpy(&header, m_scratch.data() + at, sizeof header);
        if (header.kind == KIND_FRAMES) {
            if (m_haveFrameIndex && header.frameIndex != m_nextFrameIndex) {
                const std::uint32_t missed = header.frameIndex - m_nextFrameIndex;
                m_counters.framesMissed += missed;
                m_slotPtr->missed.fetch_add(missed, std::memory_order_relaxed);
            }
            m_nextFrameIndex = header.frameIndex + header.frames;
            m_haveFrameIndex = true;
        }
        at += header.size;
    }
    int delivered = 0;
    for (std::size_t at = 0; at < bytes;) {
        RecordHeader header{};
        std::memcpy(&header, m_scratch.data() + at, sizeof header);
        if (header.kind == KIND_FRAMES && header.writer != static_cast<std::uint16_t>(m_slot)) {
            // Any payload size: the writer's options bounded it (endpoints need not agree on maxPayload).
            const std::size_t frameBytes = std::max<std::size_t>(header.size, RECORD_HEADER) - RECORD_HEADER;
            wire::FrameCursor cursor({m_scratch.data() + at + RECORD_HEADER, frameBytes},
                                     std::numeric_limits<std::uint32_t>::max());
            for (std::uint32_t k = 0; k < header.frames; ++k) {
                const auto frame = cursor.next();
                if (!frame) break;
                if (m_subscription.test(frame->messageType())) {
                    handler(*frame);
                    ++delivered;
                }
            }
        }
        at += header.size;
    }
    m_counters.framesReceived += static_cast<std::uint64_t>(delivered);
    if (m_slotPtr != nullptr) {
        m_slotPtr->framesIn.store(m_slotPtr->framesIn.load(std::memory_order_relaxed) + static_cast<std::uint64_t>(delivered),
                                  std::memory_order_relaxed);
    }
    return delivered;
}

} // namespace alphapulse::transport
