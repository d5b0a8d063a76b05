#pragma once
// Small OS helpers for the shared-memory transport: who is alive, the
// segment's attach/initialise locks, the futex.
#include <cstdint>
#include <string>

namespace alphapulse::transport::shm {

/// /proc/<pid>/stat field 22 (start time in clock ticks since boot), 0 when
/// unknown; `zombie` says the process has exited but was not yet reaped.
[[nodiscard]] std::uint64_t processStartTime(std::uint32_t pid, bool* zombie = nullptr) noexcept;
/// Our own start time (read once).
[[nodiscard]] std::uint64_t ownStartTime() noexcept;
/// False when `pid` is gone, a zombie, or a different process that reused
/// the number (its start time differs from `startTime`, when that is known).
[[nodiscard]] bool processAlive(std::uint32_t pid, std::uint64_t startTime) noexcept;

// Open-file-description byte-range locks on the segment itself (kernel-held:
// a process that dies releases them; several endpoints in one process each
// hold their own). Byte 0: held exclusively while connecting or closing.
// Byte 1: held shared by every attached endpoint, so an exclusive try on it
// succeeding means nobody is attached.
inline constexpr long LOCK_INIT_BYTE = 0;
inline constexpr long LOCK_ATTACH_BYTE = 1;
enum class LockKind : short { Shared, Exclusive, Unlock };
/// True when taken (or released). `wait` blocks until it can be taken.
bool rangeLock(int fd, long byte, LockKind kind, bool wait) noexcept;

/// Blocks while *word == expected, at most timeoutNs. Shared (not private)
/// futex: the word lives in a segment mapped by several processes.
void futexWait(const void* word, std::uint32_t expected, std::uint64_t timeoutNs) noexcept;
void futexWakeAll(const void* word) noexcept;

[[nodiscard]] std::uint64_t monotonicNs() noexcept;

/// Registers this process for membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED)
/// (once; later calls return the first answer). False on kernels without it.
bool registerMembarrier() noexcept;
/// A memory barrier on every running thread of every registered process
/// (the slow side of an asymmetric Dekker handshake: the fast side then needs
/// only a compiler barrier).
void globalMembarrier() noexcept;

} // namespace alphapulse::transport::shm
