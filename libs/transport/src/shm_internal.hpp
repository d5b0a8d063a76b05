#pragma once
// What the shared-memory transport's source files share (shm_transport.cpp,
// shm_segment.cpp, shm_writer.cpp, shm_reader.cpp): constants, small helpers
// and the inline check both sides make. Not installed.
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "alphapulse/transport/shm_transport.hpp"
#include "shm_layout.hpp"

namespace alphapulse::transport {
namespace shm {

constexpr std::uint64_t MAX_RING_BYTES = 1ULL << 30; // record sizes are u32
// Bytes copied out per receive() (whole records): small enough that a
// backpressured writer sees the reader's position move often.
constexpr std::size_t COPY_BUDGET = 32 * 1024;
constexpr std::uint64_t SLEEP_SLICE_NS = 100'000'000; // a lost wake-up (writer died) costs at most this
constexpr std::uint64_t LIVENESS_CHECK_NS = 1'000'000; // blocked writers look at /proc at most this often

inline std::uint64_t roundRing(std::uint64_t bytes) {
    std::uint64_t cap = MIN_RING_BYTES;
    while (cap < bytes && cap < MAX_RING_BYTES) cap <<= 1;
    return cap;
}

inline void cpuRelax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

inline std::string errnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// GCC refuses std::atomic_thread_fence under -fsanitize=thread (TSan does not
// model fences); there each fence becomes a read-modify-write on a private
// word, which keeps the hardware ordering and compiles.
#if defined(__SANITIZE_THREAD__)
inline std::atomic<int> g_fenceWord{0};
inline void fence(std::memory_order) noexcept { g_fenceWord.fetch_add(0, std::memory_order_seq_cst); }
#else
inline void fence(std::memory_order order) noexcept { std::atomic_thread_fence(order); }
#endif

} // namespace shm

[[gnu::always_inline]] inline bool ShmTransport::stillOwner() const noexcept {
    return m_slotPtr != nullptr && m_slotPtr->owner.load(std::memory_order_relaxed) == m_owner;
}

} // namespace alphapulse::transport
