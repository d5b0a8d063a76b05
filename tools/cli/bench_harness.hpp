#pragma once
// The shape of every bench run, whatever carries the frames: consumer
// threads start first; the producer sends warm-up frames (one a millisecond)
// until every consumer has received one, so no run starts before its
// subscriptions are in place (relays, segments and NATS all take a moment);
// then the clock starts and the producer sends the measured frames, paced or
// not, in batches. The run ends when every consumer has them all, when no
// consumer got anything for 2 s after the producer finished (frames lost),
// on the time limit, or on an error.
#include <atomic>
#include <functional>
#include <mutex>
#include <span>
#include <string>

#include "bench_measure.hpp"

namespace alphapulse::cli::bench {

/// Shared by the harness, the producer and the consumers of one run.
class RunControl {
public:
    std::atomic<bool> measuring{false};    ///< warm-up over: send the measured frames
    std::atomic<bool> producerDone{false};
    std::atomic<bool> stop{false};         ///< everyone: finish now
    std::atomic<std::uint64_t> sent{0};    ///< measured frames handed over so far

    /// The producer has handed over (and drained) everything: the producer's
    /// time ends here. It may keep its connection open until `stop`.
    void finishProducing() noexcept;
    [[nodiscard]] std::uint64_t producerEndNs() const noexcept { return m_producerEndNs.load(); }

    /// Records the first failure and stops the run.
    void fail(const std::string& why);
    [[nodiscard]] std::string error() const;

private:
    std::atomic<std::uint64_t> m_producerEndNs{0};
    mutable std::mutex m_mutex;
    std::string m_error;
};

/// Hands whole frames to the bus, waiting out backpressure; false when it
/// could not (the run is failed or stopping).
using SendFn = std::function<bool(std::span<const std::uint8_t>)>;

/// The producer's loop: warm-up frames, then settings.frames measured frames
/// in batches of settings.batch (paced to settings.rate), through `send`.
void produce(const Settings& settings, RunControl& control, const SendFn& send);

/// A consumer's receive loop: feeds every frame to the tally until control.stop.
using ConsumerFn = std::function<void(ConsumerTally&, RunControl&)>;
/// The producer's thread: connects, calls produce(), drains what it holds,
/// calls control.finishProducing().
using ProducerFn = std::function<void(RunControl&)>;

/// Runs one producer and settings.consumers consumers; fills the outcome's
/// published count, timings, per-consumer figures and error.
void runHarness(const Settings& settings, Outcome& outcome, ProgressSink* progress, const ProducerFn& producer,
                const ConsumerFn& consumer);

} // namespace alphapulse::cli::bench
