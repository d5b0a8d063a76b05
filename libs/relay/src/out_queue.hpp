#pragma once
// A consumer's queue of frames waiting to be written to its socket.
//
// A ring of bytes: frames are appended at the tail and written from the head
// with one sendmsg() of at most two pieces (the ring may wrap). A ring, not a
// buffer that is shifted to the front: with a slow reader the queue is nearly
// full all the time, and shifting it on every append cost a memmove of the
// whole queue per frame (a producer stalled 3-50x behind a reader taking
// 64 KiB every 2 ms). Appending and sending now cost what they copy.
//
// Bounded three ways: in frames (the domain's max_queue_size) and bytes
// (max_queue_bytes) per consumer, and by the relay-wide QueueBudget
// (max_total_queue_bytes), which is charged the ring's whole capacity, so
// the budget bounds the memory the relay's queues can hold; no queue grows
// beyond an equal share of it. The ring grows by doubling, in place where the
// kernel can (mremap). Whole frames are counted out as the socket takes their
// last byte.
#include <sys/mman.h>
#include <sys/uio.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "alphapulse/wire/endian.hpp"
#include "alphapulse/wire/header.hpp"

namespace alphapulse::relay::detail {

/// The memory every queue of one relay may hold together (one event-loop
/// thread: no atomics).
class QueueBudget {
public:
    explicit QueueBudget(std::uint64_t limit = std::numeric_limits<std::uint64_t>::max()) : m_limit(limit) {}
    [[nodiscard]] bool take(std::uint64_t bytes) noexcept {
        if (bytes > m_limit - m_used) return false;
        m_used += bytes;
        return true;
    }
    void give(std::uint64_t bytes) noexcept { m_used -= bytes; }
    /// The most one queue may hold: an equal share of the limit. Without it
    /// consumers that never read would take the whole budget and starve the
    /// ones that keep up.
    [[nodiscard]] std::uint64_t share() const noexcept { return m_limit / (m_queues != 0 ? m_queues : 1); }
    void join() noexcept { ++m_queues; }
    void leave() noexcept { --m_queues; }
    [[nodiscard]] std::uint64_t used() const noexcept { return m_used; }
    [[nodiscard]] std::uint64_t limit() const noexcept { return m_limit; }
    [[nodiscard]] std::uint64_t remaining() const noexcept { return m_limit - m_used; }

private:
    std::uint64_t m_limit;
    std::uint64_t m_used = 0;
    std::uint64_t m_queues = 0;
};

class OutQueue {
public:
    static constexpr std::size_t INITIAL_CAPACITY = 64 * 1024;

    OutQueue(std::uint64_t maxFrames, std::uint64_t maxBytes, QueueBudget* budget = nullptr)
        : m_maxFrames(maxFrames), m_maxBytes(maxBytes), m_budget(budget != nullptr ? budget : &m_ownBudget) {
        m_budget->join();
    }
    ~OutQueue() {
        m_size = 0;
        release();
        m_budget->leave();
    }
    OutQueue(const OutQueue&) = delete;
    OutQueue& operator=(const OutQueue&) = delete;

    [[nodiscard]] std::uint64_t frames() const noexcept { return m_frames; }
    [[nodiscard]] std::size_t bytes() const noexcept { return m_size; }
    [[nodiscard]] bool empty() const noexcept { return m_size == 0; }
    [[nodiscard]] std::size_t capacity() const noexcept { return m_capacity; }
    /// Bytes already queued that growing the ring had to move (its cost
    /// beyond copying each frame in once; tests hold it to the amortised bound).
    [[nodiscard]] std::uint64_t bytesMoved() const noexcept { return m_bytesMoved; }

    /// Whether `frames` more frames of `bytes` fit under the consumer's bounds
    /// (the relay-wide budget is checked by push()).
    [[nodiscard]] bool fits(std::uint64_t frames, std::size_t bytes) const noexcept {
        return m_frames + frames <= m_maxFrames && m_size + bytes <= m_maxBytes;
    }

    /// Bytes push() can take now: up to the queue's bound and its share of
    /// the relay's budget, within what the budget still has.
    [[nodiscard]] std::size_t room() const noexcept {
        const std::uint64_t bound = std::max<std::uint64_t>(std::min(m_maxBytes, m_budget->share()), m_capacity);
        const std::uint64_t grow = std::min<std::uint64_t>(bound - std::min<std::uint64_t>(bound, m_capacity), m_budget->remaining());
        return static_cast<std::size_t>(std::min<std::uint64_t>(m_capacity - m_size + grow, m_maxBytes - std::min<std::uint64_t>(m_maxBytes, m_size)));
    }

    /// Appends whole frames. False (nothing taken) when the ring cannot grow
    /// within the relay's budget. @pre fits(frames, bytes)
    [[nodiscard]] bool push(const std::uint8_t* data, std::size_t bytes, std::uint64_t frames) {
        if (m_size + bytes > m_capacity && !grow(m_size + bytes)) return false;
        std::size_t tail = m_head + m_size;
        if (tail >= m_capacity) tail -= m_capacity;
        const std::size_t first = std::min(bytes, m_capacity - tail);
        std::memcpy(m_buffer + tail, data, first);
        std::memcpy(m_buffer, data + first, bytes - first);
        m_size += bytes;
        m_frames += frames;
        return true;
    }

    /// What to send next: one or two pieces (the ring wraps). Returns how many.
    int pending(iovec (&out)[2]) const noexcept {
        if (m_size == 0) return 0;
        const std::size_t first = std::min(m_size, m_capacity - m_head);
        out[0] = {m_buffer + m_head, first};
        if (first == m_size) return 1;
        out[1] = {m_buffer, m_size - first};
        return 2;
    }

    /// Forgets everything queued (the consumer has gone).
    void clear() noexcept {
        m_head = m_size = m_frameLeft = 0;
        m_frames = 0;
        release();
    }

    /// Marks `written` bytes as sent; returns how many whole frames that completed.
    std::uint64_t consume(std::size_t written) noexcept {
        std::uint64_t completed = 0;
        while (written != 0) {
            // m_frameLeft: bytes of the frame at the head still unsent; its
            // header is read when it reaches the head, while it is still queued.
            if (m_frameLeft == 0) m_frameLeft = wire::header::SIZE + payloadSizeAt(m_head);
            const std::size_t step = std::min(written, m_frameLeft);
            m_head += step;
            if (m_head >= m_capacity) m_head -= m_capacity;
            m_size -= step;
            m_frameLeft -= step;
            written -= step;
            if (m_frameLeft == 0) ++completed;
        }
        m_frames -= completed;
        if (m_size == 0) {
            m_head = 0; // one piece per send while the consumer keeps up
            // More consumers came since it grew: drained, it gives back what
            // is above its share (kept otherwise: no mmap churn per burst).
            if (m_capacity > INITIAL_CAPACITY && m_capacity > m_budget->share()) release();
        }
        return completed;
    }

private:
    std::uint32_t payloadSizeAt(std::size_t at) const noexcept {
        std::size_t field = at + wire::header::PAYLOAD_SIZE_OFFSET;
        if (field >= m_capacity) field -= m_capacity;
        if (field + 4 <= m_capacity) return wire::loadLe<std::uint32_t>(m_buffer + field);
        std::uint8_t bytes[4];
        for (std::size_t i = 0; i < 4; ++i) bytes[i] = m_buffer[(field + i) % m_capacity];
        return wire::loadLe<std::uint32_t>(bytes);
    }

    /// Room for `needed` bytes: double (or at least `needed`, page-rounded),
    /// capped at the consumer's bound and its share of the relay's budget.
    bool grow(std::size_t needed) {
        constexpr std::size_t PAGE = 4096;
        const auto roundUp = [](std::size_t n) { return (n + PAGE - 1) / PAGE * PAGE; };
        const std::size_t cap = roundUp(static_cast<std::size_t>(std::min<std::uint64_t>(m_maxBytes, SIZE_MAX / 4)) +
                                        wire::header::SIZE);
        const std::size_t share = static_cast<std::size_t>(std::min<std::uint64_t>(m_budget->share(), SIZE_MAX / 4));
        if (roundUp(needed) > std::max(share, INITIAL_CAPACITY)) return false;
        std::size_t size = std::max({INITIAL_CAPACITY, m_capacity * 2, roundUp(needed)});
        size = std::max(std::min({size, cap, std::max(share, INITIAL_CAPACITY)}), roundUp(needed));
        if (!m_budget->take(size - m_capacity)) {
            size = roundUp(needed); // the least that will do
            if (!m_budget->take(size - m_capacity)) return false;
        }
        if (!remap(size)) {
            m_budget->give(size - m_capacity);
            return false;
        }
        return true;
    }

    /// Resizes the mapping to `size` bytes and keeps the ring's order. The
    /// pages move (mremap): nothing queued is copied but the wrapped-around
    /// piece, and nothing already touched is faulted in again.
    bool remap(std::size_t size) {
        void* memory = m_buffer == nullptr
                           ? ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
                           : ::mremap(m_buffer, m_capacity, size, MREMAP_MAYMOVE);
        if (memory == MAP_FAILED) return false;
        auto* base = static_cast<std::uint8_t*>(memory);
        // Faults on fresh pages are costly (several us each on a VM, and a
        // growing queue takes thousands): large pages where the kernel has
        // them, and the new part populated in one call (both best effort).
        ::madvise(base, size, MADV_HUGEPAGE);
        ::madvise(base + m_capacity, size - m_capacity, MADV_POPULATE_WRITE);
        if (m_head + m_size > m_capacity) {
            // Wrapped: [head, old end) moves to the new end, [0, tail) stays.
            const std::size_t first = m_capacity - m_head;
            std::memmove(base + size - first, base + m_head, first);
            m_bytesMoved += first;
            m_head = size - first;
        }
        m_buffer = base;
        m_capacity = size;
        return true;
    }

    /// Gives the ring's memory back (only while empty).
    void release() noexcept {
        if (m_buffer == nullptr || m_size != 0) return;
        ::munmap(m_buffer, m_capacity);
        m_budget->give(m_capacity);
        m_buffer = nullptr;
        m_capacity = 0;
        m_head = 0;
    }

    std::uint8_t* m_buffer = nullptr;
    std::size_t m_capacity = 0;
    std::size_t m_head = 0;      // index of the next byte to send
    std::size_t m_size = 0;      // bytes queued
    std::size_t m_frameLeft = 0; // unsent bytes of the frame at the head (0: at a frame boundary)
    std::uint64_t m_frames = 0;
    std::uint64_t m_bytesMoved = 0;
    std::uint64_t m_maxFrames;
    std::uint64_t m_maxBytes;
    QueueBudget m_ownBudget;     // unbounded, for a queue used alone (tests)
    QueueBudget* m_budget;
};

} // namespace alphapulse::relay::detail
