#pragma once
// What one `alphapulse bench` run measures, and the pieces every transport's
// run shares (ours and the ZeroMQ peer alike, so the two are measured the
// same way): the settings, the per-consumer tally of frames and latencies,
// the pacing of a rated producer, and the outcome the report prints.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "alphapulse/dashboard/latency_histogram.hpp"
#include "bench_frames.hpp"

namespace alphapulse::cli::bench {

struct Settings {
    std::size_t size = 64;          ///< bytes per frame
    std::uint64_t frames = 500'000; ///< frames the producer sends (each consumer should get all)
    std::size_t batch = 1;          ///< frames per publish()
    double rate = 0;                ///< frames/s the producer paces itself to; 0 = as fast as it can
    int consumers = 1;
    bool spin = false;              ///< consumers poll without waiting (lowest latency, a core each)
    double timeoutS = 60;           ///< longest a run may take before it is called failed
};

/// Counts one consumer's measured frames and their latencies (header
/// timestamp to receipt). Written by its consumer thread only; `received` is
/// also read by the progress display, hence relaxed atomics.
class ConsumerTally {
public:
    /// A frame as it arrived; false when it is not a measured frame (warm-up).
    bool frame(const std::uint8_t* data, std::size_t size) noexcept;
    /// Whether this consumer has seen a warm-up frame (it is listening).
    [[nodiscard]] bool listening() const noexcept { return m_listening.load(std::memory_order_acquire); }
    [[nodiscard]] std::uint64_t received() const noexcept { return m_received.load(std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t bytes() const noexcept { return m_bytes; }
    [[nodiscard]] std::uint64_t lastNs() const noexcept { return m_lastNs; }
    /// Frames whose sequence was not the next expected one (lost or reordered).
    [[nodiscard]] std::uint64_t outOfOrder() const noexcept { return m_outOfOrder; }
    [[nodiscard]] const dashboard::LatencyHistogram& latency() const noexcept { return m_latency; }

private:
    std::atomic<std::uint64_t> m_received{0};
    std::atomic<bool> m_listening{false};
    std::uint64_t m_bytes = 0;
    std::uint64_t m_lastNs = 0;
    std::uint64_t m_nextSequence = 1;
    std::uint64_t m_outOfOrder = 0;
    dashboard::LatencyHistogram m_latency;
};

/// Paces a producer to `rate` frames/s, `batch` frames per tick: it sleeps
/// until shortly before each tick and spins the rest (a sleep alone is late
/// by tens of microseconds). Never bursts to catch up: a late tick moves the
/// schedule, so queues do not build up and inflate the latency measured.
class Pacer {
public:
    Pacer(double rate, std::size_t batch);
    /// Returns at the next tick; at once when there is no rate.
    void wait() noexcept;

private:
    std::uint64_t m_intervalNs = 0;
    std::uint64_t m_next = 0;
};

struct ConsumerOutcome {
    std::uint64_t received = 0;
    std::uint64_t outOfOrder = 0;
    double seconds = 0;      ///< from the producer's start to this consumer's last frame
    double framesPerS = 0;
    double mbPerS = 0;       ///< 10^6 bytes/s
    dashboard::LatencyHistogram latency;
};

struct Outcome {
    std::string transport;   ///< unix_socket, tcp, shared_memory, nats, channel, zmq_ipc
    std::string endpoint;    ///< socket path, address, segment, URL
    std::string bus;         ///< who runs the relay / server: "started by bench", "running"
    std::string kind;        ///< "throughput" (as fast as possible) or "latency" (paced)
    Settings settings;
    bool ran = false;        ///< false: skipped or could not start (`error` says why)
    std::string error;
    std::uint64_t published = 0;
    double producerSeconds = 0;
    std::vector<ConsumerOutcome> consumers;
    dashboard::LatencyHistogram latency; ///< every consumer's frames together

    /// Every consumer got every frame, in order, and nothing failed.
    [[nodiscard]] bool complete() const noexcept;
    /// Mean of the consumers' frames/s.
    [[nodiscard]] double framesPerConsumer() const noexcept;
};

/// Fills an outcome's per-consumer figures from the tallies once the run ended.
void summarise(Outcome& outcome, const std::vector<ConsumerTally>& tallies, std::uint64_t startNs);

/// Called now and then from the thread that runs the bench: frames the
/// producer has sent and the slowest consumer has received so far.
class ProgressSink {
public:
    virtual ~ProgressSink() = default;
    virtual void update(std::uint64_t sent, std::uint64_t slowestReceived) = 0;
};

} // namespace alphapulse::cli::bench
