#pragma once
// Says on a stream (stderr) what BusClient's gap detection found, so that
// a lost frame is never silent: one JSON line per gap event,
//   {"gap":{"domain":"execution","source":80,"source_name":"ExecutionEngine","first_missing":130,"missing":10045}}
// at most `linesPerSecond` of them, so that a flood of gaps (a producer
// restarting in a loop) cannot drown the stream; events beyond that are
// counted and reported as one line once the second is over:
//   {"gaps_suppressed":{"domain":"execution","events":812,"missing":9120}}
// and, when the program ends, a summary with the client's totals, always:
//   {"gap_summary":{"domain":"execution","gaps":1,"missing":10045,"sequence_resets":0,"reconnects":1,...}}
// (the client's counters when given, else the totals of what was reported).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "alphapulse/client/bus_client.hpp"

namespace alphapulse::client {

class GapReporter {
public:
    /// `domain` labels the lines (empty: no label); `out` is not owned.
    explicit GapReporter(std::string domain = {}, std::FILE* out = stderr, unsigned linesPerSecond = 10);

    /// Reports `client`'s gaps from now on (replaces its onGap callback).
    /// The reporter must outlive the client's use of it.
    void attach(BusClient& client);

    /// One gap event: printed, or counted when the second's lines are used up.
    void report(std::uint8_t source, std::uint64_t firstMissing, std::uint64_t missing);
    /// Prints the suppressed events once their second is over (call it now and then).
    void tick();
    /// The final line: any suppressed events, then the totals (with the
    /// client's other counters when given: it may be gone by then).
    void summary(const ClientCounters* counters = nullptr);

    [[nodiscard]] const std::string& domain() const noexcept { return m_domain; }
    [[nodiscard]] std::uint64_t gaps() const noexcept { return m_gaps; }
    [[nodiscard]] std::uint64_t missing() const noexcept { return m_missing; }

private:
    using Clock = std::chrono::steady_clock;
    void printSuppressed();
    void write(const std::string& key, const std::string& fields);

    std::string m_domain;
    std::string m_domainField; ///< `"domain":"...",` or empty
    std::FILE* m_out;
    unsigned m_linesPerSecond;
    Clock::time_point m_windowStart{};
    unsigned m_linesInWindow = 0;
    std::uint64_t m_suppressedEvents = 0;
    std::uint64_t m_suppressedMissing = 0;
    std::uint64_t m_gaps = 0;
    std::uint64_t m_missing = 0;
};

} // namespace alphapulse::client
