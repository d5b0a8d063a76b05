#pragma once
// How `alphapulse bench` shows its runs: a progress bar on stderr (only on a
// terminal), a few lines per run or the --compare table on stdout, or JSON
// (--json; the shape is in docs/PERFORMANCE.md, "alphapulse bench").
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "alphapulse/codec/json.hpp"
#include "bench_measure.hpp"

namespace alphapulse::cli::bench {

/// "[#######-------]  48%  tcp  240,000 / 500,000 frames" redrawn in place,
/// at most 10 times a second; nothing when stderr is not a terminal or it is off.
class ProgressBar final : public ProgressSink {
public:
    explicit ProgressBar(bool enabled);
    ~ProgressBar() override;
    /// A new run: its label and the frames each consumer should receive.
    void begin(std::string label, std::uint64_t total);
    void update(std::uint64_t sent, std::uint64_t slowestReceived) override;
    /// Clears the line (before anything else is printed).
    void end();

private:
    bool m_enabled;
    bool m_drawn = false;
    std::string m_label;
    std::uint64_t m_total = 0;
    std::chrono::steady_clock::time_point m_lastDraw{};
};

/// Frames/s with a unit: "412.3 k/s", "1.41 M/s".
[[nodiscard]] std::string rateText(double framesPerS);

/// A run as text: what ran, producer and per-consumer throughput, latency.
void printOutcome(std::ostream& out, const Outcome& outcome);
/// Runs side by side with their ratios to ZeroMQ's (`throughput` and
/// `latency` hold one outcome per transport, ZeroMQ's last).
void printComparison(std::ostream& out, const std::vector<Outcome>& throughput, const std::vector<Outcome>& latency);

[[nodiscard]] codec::Json outcomeJson(const Outcome& outcome);
[[nodiscard]] codec::Json settingsJson(const Settings& settings);
/// Per transport: its throughput and latency p50 over ZeroMQ's (null when either did not run).
[[nodiscard]] codec::Json ratiosJson(const std::vector<Outcome>& throughput, const std::vector<Outcome>& latency);

} // namespace alphapulse::cli::bench
