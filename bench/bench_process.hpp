#pragma once
// Helpers for benchmarks whose producers and consumers are separate
// processes (fork, no exec): clock, naming and pinning, a results area
// shared across fork, a 64-byte Trade template, latency stamps, pacing,
// percentiles. Header-only; used by shm_bench (relay_bench has its own).
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

#include "alphapulse/wire.hpp"

namespace alphapulse::bench {

inline constexpr std::size_t FRAME = 64;

inline std::uint64_t nowNs() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

/// Names the process (top, perf), gives it nice `niceness` when that is not 0
/// (-20 as root: on a machine shared with builds, the benchmark's processes
/// win the CPU from nice-0 and niced work), and pins it to `cpu` when >= 0.
inline void processRole(const char* name, int cpu, int niceness = 0) {
    ::prctl(PR_SET_NAME, name, 0, 0, 0);
    if (niceness != 0) ::setpriority(PRIO_PROCESS, 0, niceness);
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(static_cast<unsigned>(cpu), &set);
    ::sched_setaffinity(0, sizeof set, &set);
}

/// Puts this process (and the children it forks later) in a new session,
/// hence a new scheduler autogroup, with autogroup nice `niceness`. With
/// autogroups (Debian's default) a process's own nice only counts inside its
/// session, and each other session gets an equal share of the CPUs however
/// niced its work is: on a machine shared with other sessions' builds, the
/// benchmark's spinning consumer would be preempted for milliseconds at a
/// time. Needs root for negative values; returns false when it could not.
inline bool ownAutogroup(int niceness) {
    if (::setsid() < 0) return false; // already a session or process-group leader
    FILE* f = std::fopen("/proc/self/autogroup", "w");
    if (f == nullptr) return false;
    const bool ok = std::fprintf(f, "%d", niceness) > 0;
    return std::fclose(f) == 0 && ok;
}

/// A T constructed in anonymous shared memory, visible to children forked after.
template <typename T>
T* sharedAcrossFork() {
    void* p = ::mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        std::perror("mmap");
        std::exit(1);
    }
    return new (p) T{};
}

/// A 64-byte Trade with a valid checksum.
inline std::array<std::uint8_t, FRAME> tradeFrame() {
    std::array<std::uint8_t, FRAME> f{};
    auto b = *wire::TradeBuilder::into(f.data(), f.size());
    b.source(wire::SourceType::AlpacaCollector).sequence(1).timestamp(nowNs());
    b.instrument_id(*wire::InstrumentId::stock(wire::VenueId::NASDAQ, "AAPL")).price(189 * wire::PRICE_SCALE).volume(100).side(1);
    if (b.finish() != FRAME) std::abort();
    return f;
}

inline void setSequence(std::uint8_t* frame, std::uint64_t seq) {
    wire::storeLe<std::uint64_t>(frame + wire::header::SEQUENCE_OFFSET, seq);
}
inline std::uint64_t sequenceOf(const std::uint8_t* frame) {
    return wire::loadLe<std::uint64_t>(frame + wire::header::SEQUENCE_OFFSET);
}
/// Latency frames: the send time in header.timestamp, written last thing before the send
/// (the checksum is left alone: the market_data policy does not check it).
inline void stampNow(std::uint8_t* frame, std::uint64_t seq) {
    setSequence(frame, seq);
    wire::storeLe<std::uint64_t>(frame + wire::header::TIMESTAMP_OFFSET, nowNs());
}
inline std::uint64_t sentAt(const std::uint8_t* frame) {
    return wire::loadLe<std::uint64_t>(frame + wire::header::TIMESTAMP_OFFSET);
}

/// Sends at a fixed rate: sleeps until shortly before the slot, then spins to it.
class Pacer {
public:
    explicit Pacer(std::uint64_t intervalNs) : m_interval(intervalNs), m_next(nowNs() + intervalNs) {}
    void wait() {
        const std::uint64_t now = nowNs();
        if (m_next > now + 20'000) {
            const std::uint64_t wake = m_next - 20'000;
            timespec ts{static_cast<time_t>(wake / 1'000'000'000ULL), static_cast<long>(wake % 1'000'000'000ULL)};
            ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
        }
        while (nowNs() < m_next) {
        }
        m_next += m_interval;
        if (const std::uint64_t t = nowNs(); m_next < t) m_next = t + m_interval; // never burst to catch up
    }

private:
    std::uint64_t m_interval;
    std::uint64_t m_next;
};

/// The p-th percentile (0..100) of `samples` (sorted in place).
inline double percentile(std::vector<std::uint32_t>& samples, double p) {
    if (samples.empty()) return 0;
    std::sort(samples.begin(), samples.end());
    const auto at = static_cast<std::size_t>(p / 100.0 * static_cast<double>(samples.size() - 1));
    return samples[at];
}

inline double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace alphapulse::bench
