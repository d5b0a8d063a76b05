#include "stream_writer.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "alphapulse/wire/frame.hpp"

namespace alphapulse::transport::detail {
namespace {

std::uint64_t nowNs() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

void cpuRelax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

} // namespace

StreamWriter::StreamWriter(std::size_t capacity, WriteMode mode, BatchingOptions batching)
    : m_mode(mode), m_batching(batching), m_capacity(std::bit_ceil(std::max<std::uint64_t>(capacity, 4096))) {
    // Not zero-filled: a consumer that never publishes never touches these pages.
    m_ring = std::make_unique_for_overwrite<std::uint8_t[]>(m_capacity);
}

StreamWriter::~StreamWriter() {
    if (m_flusher.joinable()) {
        m_exit.store(true, std::memory_order_seq_cst);
        wake();
        m_flusher.join();
    }
    if (m_wakeFd >= 0) ::close(m_wakeFd);
}

void StreamWriter::attach(int fd) noexcept {
    // The flusher is parked and reads m_fd only after a kick, whose CAS on
    // m_state orders this store before its read.
    m_fd = fd;
    m_lastWriteNs.store(0, std::memory_order_relaxed);
}

void StreamWriter::detach(std::vector<std::uint8_t>* keep) {
    quiesce();
    const std::uint64_t tail = m_tail.load(std::memory_order_relaxed);
    const std::uint64_t start = m_frameStart.load(std::memory_order_relaxed);
    if (keep != nullptr) copyOut(start, tail, *keep);
    // What was not written goes with the connection: a partial frame must
    // never start the next connection's stream. Empty ring: head = tail.
    m_head.store(tail, std::memory_order_relaxed);
    m_frameStart.store(tail, std::memory_order_relaxed);
    m_fd = -1;
    m_failure.clear();
    m_failed.store(false, std::memory_order_release);
    m_stop.store(false, std::memory_order_seq_cst);
}

StreamWriter::Append StreamWriter::append(std::span<const std::uint8_t> frames) {
    if (failed()) return Append::Failed;
    const std::uint64_t n = frames.size();
    const std::uint64_t tail = m_tail.load(std::memory_order_relaxed);
    // Space is counted from the first frame not completely written: its bytes
    // are kept until it is, for detach() to hand back whole.
    auto freeBytes = [&] { return m_capacity - (tail - m_frameStart.load(std::memory_order_acquire)); };
    if (freeBytes() < n) {
        if (!flush()) return Append::Failed;
        if (freeBytes() < n && !(n > m_capacity && grow(n))) return Append::Full;
    }
    const std::uint64_t at = tail & (m_capacity - 1);
    const std::uint64_t first = std::min(n, m_capacity - at);
    std::memcpy(m_ring.get() + at, frames.data(), first);
    if (n > first) std::memcpy(m_ring.get(), frames.data() + first, n - first);
    // SYNC POINT (bytes): the writer's acquire load of m_tail sees them.
    // seq_cst: the load of m_state below must not pass this store (Dekker
    // with the flusher going to sleep; see flusherMain()).
    m_tail.store(tail + n, std::memory_order_seq_cst);

    if (m_mode == WriteMode::Batched) {
        const std::uint64_t now = nowNs();
        const std::uint64_t previousCall = std::exchange(m_lastAppendNs, now);
        if (m_state.load(std::memory_order_seq_cst) != Parked) return Append::Ok; // the flusher takes it
        // Busy: this send follows the last write closely AND the previous
        // send. The second half keeps a low-rate producer whose last write
        // returned late (preempted by the reader it woke, on a busy machine)
        // on the direct path: its sends are still far apart.
        const bool busy = now - m_lastWriteNs.load(std::memory_order_relaxed) < m_batching.idleGapNs &&
                          now - previousCall < 4ULL * m_batching.idleGapNs;
        // A short burst (a paced producer catching up, a few frames from one
        // input) is still written directly: waking the flusher costs more
        // latency than a few syscalls. A longer one is a stream: batch it.
        m_busyStreak = busy ? m_busyStreak + 1 : 0;
        // A send that is a batch already (256 frames at a time) pays its
        // syscall well: written here, where its bytes are still in this
        // core's cache, as before batching.
        const bool stream = m_busyStreak > m_batching.directBurst && n < m_batching.directBytes;
        if (stream || !tryLockToken()) {
            kick();
            return Append::Ok;
        }
    } else if (!tryLockToken()) {
        return Append::Ok; // unreachable without a flusher; kept for symmetry
    }
    const Wrote wrote = writeAvailable(true);
    if (wrote == Wrote::Failed) {
        // Broken during this call: these frames count as not taken (the
        // caller keeps them); the older ones stay for detach(). Under the
        // token, so no writer reads m_tail meanwhile.
        m_tail.store(std::max(m_frameStart.load(std::memory_order_relaxed), tail), std::memory_order_seq_cst);
        unlockToken();
        return Append::Failed;
    }
    unlockToken();
    if (wrote == Wrote::SocketFull && m_mode == WriteMode::Batched) kick(); // the flusher waits for room
    return Append::Ok;
}

bool StreamWriter::flush() {
    if (failed()) return false;
    if (pending() == 0) return true;
    // A running flusher is writing (or waiting for room): nothing to add.
    if (m_mode == WriteMode::Batched && m_state.load(std::memory_order_acquire) != Parked) return true;
    if (!tryLockToken()) return !failed();
    const Wrote wrote = writeAvailable(true);
    unlockToken();
    if (wrote == Wrote::Failed) return false;
    if (wrote == Wrote::SocketFull && m_mode == WriteMode::Batched) kick();
    return true;
}

bool StreamWriter::tryLockToken() noexcept {
    // SYNC POINT (token): acquire here, release in unlockToken(): the next
    // holder sees m_head, m_frameStart, m_failure as the last one left them.
    return !m_writing.load(std::memory_order_relaxed) && !m_writing.exchange(true, std::memory_order_acquire);
}

StreamWriter::Wrote StreamWriter::writeAvailable(bool caller) {
    if (failed()) return Wrote::Failed;
    for (;;) {
        const std::uint64_t head = m_head.load(std::memory_order_relaxed);
        const std::uint64_t tail = m_tail.load(std::memory_order_acquire);
        if (head == tail) return Wrote::Drained;
        // Everything taken so far in one syscall (two pieces when it wraps).
        const std::uint64_t at = head & (m_capacity - 1);
        const std::uint64_t length = tail - head;
        const std::uint64_t first = std::min(length, m_capacity - at);
        iovec iov[2] = {{m_ring.get() + at, first}, {m_ring.get(), length - first}};
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = length > first ? 2 : 1;
        const ssize_t n = ::sendmsg(m_fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            // SYNC POINT (space): release: the owner reuses these bytes only after the kernel copied them.
            m_head.store(head + static_cast<std::uint64_t>(n), std::memory_order_release);
            advanceFrameStart(head + static_cast<std::uint64_t>(n));
            m_lastWriteNs.store(nowNs(), std::memory_order_relaxed);
            m_writes.fetch_add(1, std::memory_order_relaxed);
            if (caller) m_callerWrites.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Wrote::SocketFull;
        setFailed(std::string("write: ") + (n == 0 ? "connection closed" : std::strerror(errno)));
        return Wrote::Failed;
    }
}

void StreamWriter::advanceFrameStart(std::uint64_t head) noexcept {
    // Frames written whole are gone for good; track where the first
    // incomplete one starts (a receiver discards a partial frame).
    std::uint64_t start = m_frameStart.load(std::memory_order_relaxed);
    while (start + wire::header::SIZE <= head) {
        const std::uint64_t length = wire::header::SIZE + loadLe32(start + wire::header::PAYLOAD_SIZE_OFFSET);
        if (start + length > head) break;
        start += length;
    }
    m_frameStart.store(start, std::memory_order_release);
}

std::uint32_t StreamWriter::loadLe32(std::uint64_t position) const noexcept {
    std::uint32_t value = 0;
    for (std::uint64_t i = 0; i < 4; ++i) {
        value |= static_cast<std::uint32_t>(m_ring[(position + i) & (m_capacity - 1)]) << (8 * i);
    }
    return value;
}

void StreamWriter::copyOut(std::uint64_t from, std::uint64_t to, std::vector<std::uint8_t>& into) const {
    for (std::uint64_t p = from; p < to;) {
        const std::uint64_t at = p & (m_capacity - 1);
        const std::uint64_t piece = std::min(to - p, m_capacity - at);
        into.insert(into.end(), m_ring.get() + at, m_ring.get() + at + piece);
        p += piece;
    }
}

void StreamWriter::setFailed(std::string why) {
    if (failed()) return; // the first reason stands; only the token holder gets here
    m_failure = std::move(why);
    m_failed.store(true, std::memory_order_release); // SYNC POINT m_failed: m_failure before it
}

bool StreamWriter::grow(std::size_t bytes) {
    // Only an empty ring grows (one send larger than all of it), under the
    // token: the flusher touches the ring only while holding it.
    if (!tryLockToken()) return false;
    const bool empty = m_tail.load(std::memory_order_relaxed) == m_frameStart.load(std::memory_order_relaxed);
    if (empty) {
        m_capacity = std::bit_ceil(static_cast<std::uint64_t>(bytes));
        m_ring = std::make_unique_for_overwrite<std::uint8_t[]>(m_capacity);
    }
    unlockToken();
    return empty;
}

void StreamWriter::kick() {
    std::uint32_t expected = Parked;
    // Only the first kick of a parked flusher pays the syscall.
    if (!m_state.compare_exchange_strong(expected, Kicked, std::memory_order_seq_cst)) return;
    m_kicks.fetch_add(1, std::memory_order_relaxed);
    if (!m_flusher.joinable()) {
        m_wakeFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (m_wakeFd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
        m_flusher = std::thread([this] { flusherMain(); });
    }
    wake();
}

void StreamWriter::quiesce() {
    if (!m_flusher.joinable()) return;
    m_stop.store(true, std::memory_order_seq_cst);
    wake();
    for (std::uint32_t s = m_state.load(std::memory_order_seq_cst); s != Parked;
         s = m_state.load(std::memory_order_seq_cst)) {
        m_state.wait(s, std::memory_order_seq_cst);
    }
    // A flusher that read m_stop == false just before it was set may still
    // be on its way to Active; it then sees m_stop (seq_cst) and parks
    // without touching the ring or the socket. Wait for the token too.
    while (m_writing.load(std::memory_order_acquire)) cpuRelax();
}

void StreamWriter::flusherMain() {
    for (;;) {
        for (;;) {
            if (m_exit.load(std::memory_order_seq_cst)) return;
            if (m_state.load(std::memory_order_seq_cst) == Kicked) break;
            waitWake(false);
        }
        m_state.store(Active, std::memory_order_seq_cst);
        serve();
        for (;;) {
            m_state.store(Parked, std::memory_order_seq_cst);
            m_state.notify_all();
            // SYNC POINT (Dekker with append()): the owner stores m_tail then
            // loads m_state; this stores m_state then loads m_tail, all
            // seq_cst. So a frame appended while this flusher was leaving is
            // either seen here or its owner saw Parked and kicks.
            if (m_stop.load(std::memory_order_seq_cst) || failed() || pending() == 0) break;
            std::uint32_t expected = Parked;
            if (!m_state.compare_exchange_strong(expected, Active, std::memory_order_seq_cst)) break; // kicked
            serve();
        }
    }
}

void StreamWriter::serve() {
    for (;;) {
        if (m_stop.load(std::memory_order_seq_cst) || m_exit.load(std::memory_order_relaxed)) return;
        if (!tryLockToken()) { // the owner is writing (flush(), or a quiet-socket send)
            cpuRelax();
            continue;
        }
        const Wrote wrote = writeAvailable(false);
        unlockToken();
        if (wrote == Wrote::Failed) return;
        if (wrote == Wrote::SocketFull) {
            waitWake(true);
            continue;
        }
        // Drained. What the owner publishes meanwhile goes out in the next
        // write; a short poll keeps a steady stream from paying a kick each time.
        const std::uint64_t since = nowNs();
        while (pending() == 0 && !m_stop.load(std::memory_order_relaxed) &&
               nowNs() - since < m_batching.flusherSpinNs) {
            cpuRelax();
        }
        if (pending() == 0) return;
    }
}

void StreamWriter::wake() const noexcept {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(m_wakeFd, &one, sizeof one);
}

void StreamWriter::waitWake(bool socketToo) const noexcept {
    // m_fd only when serving: a parked flusher must not read it (the owner
    // may be changing it).
    pollfd fds[2] = {{m_wakeFd, POLLIN, 0}, {socketToo ? m_fd : -1, POLLOUT, 0}};
    ::poll(fds, socketToo ? 2 : 1, -1);
    if ((fds[0].revents & POLLIN) != 0) {
        std::uint64_t count = 0;
        [[maybe_unused]] const ssize_t n = ::read(m_wakeFd, &count, sizeof count);
    }
}

} // namespace alphapulse::transport::detail
