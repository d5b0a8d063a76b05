#pragma once
// Counts heap allocations made anywhere in the process (global operator
// new replaced in alloc_counter.cpp), so benchmarks can prove a path
// allocates nothing. Single-threaded use: a plain relaxed atomic counter.
#include <atomic>
#include <cstdint>

namespace alphapulse::bench {
extern std::atomic<std::uint64_t> g_allocations;
[[nodiscard]] inline std::uint64_t allocationCount() noexcept {
    return g_allocations.load(std::memory_order_relaxed);
}
} // namespace alphapulse::bench
