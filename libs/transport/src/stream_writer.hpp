#pragma once
// The sending half of a stream transport: a ring of whole frames taken by
// send() and not yet written, and who writes them (docs/design/client-batching.md).
//
// Two threads at most:
//  - the owner (the transport's caller) appends frames and may write them;
//  - the flusher (WriteMode::Batched only, started on first need) writes
//    while the owner keeps publishing.
// Whoever writes holds the write token (m_writing), so the socket never sees
// two writers and the ring's consuming end has one owner at a time. The
// owner writes at once when the socket has been quiet for idleGapNs (a single
// frame then goes out as fast as in Immediate mode), otherwise it only copies
// the frames in (tens of ns) and kicks the flusher, which loops writing
// everything that accumulated during its previous write: natural batching,
// without a timer or a fixed delay.
//
// All capacity is allocated up front (a send larger than the whole ring
// grows it once, like the linear buffer it replaces); nothing is allocated
// per frame.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "alphapulse/transport/write_mode.hpp"

namespace alphapulse::transport::detail {

class StreamWriter {
public:
    StreamWriter(std::size_t capacity, WriteMode mode, BatchingOptions batching);
    ~StreamWriter();
    StreamWriter(const StreamWriter&) = delete;
    StreamWriter& operator=(const StreamWriter&) = delete;

    enum class Append : std::uint8_t {
        Ok,     ///< taken
        Full,   ///< not taken: the ring cannot hold them now (backpressure)
        Failed, ///< not taken: the connection broke (failure() says why)
    };

    /// Owner: a new connection on `fd`. @pre the ring is empty (after detach()).
    void attach(int fd) noexcept;
    /// Owner: stops the flusher using the socket and empties the ring; with
    /// `keep`, appends to it the frames not completely written (from the
    /// first frame the socket did not take whole). Call before closing fd.
    void detach(std::vector<std::uint8_t>* keep);

    /// Owner: takes whole frames (all or none) and sees that they get written.
    Append append(std::span<const std::uint8_t> frames);
    /// Owner: writes now what the socket takes, unless the flusher is on it.
    /// False when the connection broke.
    bool flush();

    /// Any thread: bytes taken and not yet written.
    [[nodiscard]] std::size_t pending() const noexcept {
        return static_cast<std::size_t>(m_tail.load(std::memory_order_acquire) -
                                        m_head.load(std::memory_order_acquire));
    }
    /// Any thread: a write failed; the connection is unusable.
    [[nodiscard]] bool failed() const noexcept { return m_failed.load(std::memory_order_acquire); }
    /// Owner, after failed() (SYNC POINT m_failed: written before its release).
    [[nodiscard]] const std::string& failure() const noexcept { return m_failure; }
    [[nodiscard]] WriteMode mode() const noexcept { return m_mode; }
    /// Any thread; approximate while the flusher runs.
    [[nodiscard]] WriteCounters counters() const noexcept {
        return {m_writes.load(std::memory_order_relaxed), m_callerWrites.load(std::memory_order_relaxed),
                m_kicks.load(std::memory_order_relaxed)};
    }

private:
    enum State : std::uint32_t { Parked, Kicked, Active };
    enum class Wrote : std::uint8_t { Drained, SocketFull, Failed };

    Wrote writeAvailable(bool caller); // @pre token held
    bool tryLockToken() noexcept;
    void unlockToken() noexcept { m_writing.store(false, std::memory_order_seq_cst); }
    void advanceFrameStart(std::uint64_t head) noexcept;
    [[nodiscard]] std::uint32_t loadLe32(std::uint64_t position) const noexcept;
    void copyOut(std::uint64_t from, std::uint64_t to, std::vector<std::uint8_t>& into) const;
    void setFailed(std::string why);
    bool grow(std::size_t bytes);
    void kick();
    void quiesce();
    void flusherMain();
    void serve();
    void wake() const noexcept;
    void waitWake(bool socketToo) const noexcept;

    const WriteMode m_mode;
    const BatchingOptions m_batching;
    int m_fd = -1;         ///< set by the owner only while the flusher is parked and stopped
    int m_wakeFd = -1;     ///< eventfd: kicks the flusher, interrupts its waits
    std::unique_ptr<std::uint8_t[]> m_ring;
    std::uint64_t m_capacity; ///< a power of two

    // The owner's end and the writer's end on their own cache lines: under
    // load the flusher reads m_tail and the owner m_head, each written by one.
    alignas(64) std::atomic<std::uint64_t> m_tail{0}; ///< end of the frames taken (owner writes)
    alignas(64) std::atomic<std::uint64_t> m_head{0}; ///< next byte to write (token holder writes)
    /// Start of the first frame not completely written (token holder writes;
    /// the owner counts free space from it).
    std::atomic<std::uint64_t> m_frameStart{0};
    std::atomic<std::uint64_t> m_lastWriteNs{0};
    std::uint64_t m_lastAppendNs = 0; ///< owner only: when the previous send() began
    std::uint32_t m_busyStreak = 0;   ///< owner only: sends in a row that found the socket busy
    alignas(64) std::atomic<bool> m_writing{false}; ///< the write token
    std::atomic<std::uint32_t> m_state{Parked};
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_exit{false};
    std::atomic<bool> m_failed{false};
    std::string m_failure;
    std::atomic<std::uint64_t> m_writes{0}, m_callerWrites{0}, m_kicks{0};
    std::thread m_flusher;
};

} // namespace alphapulse::transport::detail
