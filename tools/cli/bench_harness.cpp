#include "bench_harness.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "stop_signals.hpp"

namespace alphapulse::cli::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto WARMUP_LIMIT = std::chrono::seconds(10); ///< consumers must be listening by then
constexpr auto IDLE_LIMIT = std::chrono::seconds(2);    ///< after the producer is done: the rest is lost

std::uint64_t slowest(const std::vector<ConsumerTally>& tallies) {
    std::uint64_t low = UINT64_MAX;
    for (const auto& t : tallies) low = std::min(low, t.received());
    return tallies.empty() ? 0 : low;
}

} // namespace

void RunControl::finishProducing() noexcept {
    if (m_producerEndNs.load() == 0) m_producerEndNs.store(epochNs());
    producerDone.store(true);
}

void RunControl::fail(const std::string& why) {
    {
        const std::lock_guard lock(m_mutex);
        if (m_error.empty()) m_error = why;
    }
    stop.store(true);
}

std::string RunControl::error() const {
    const std::lock_guard lock(m_mutex);
    return m_error;
}

void produce(const Settings& settings, RunControl& control, const SendFn& send) {
    FrameBatch warmup(settings.size, 1, WARMUP_SOURCE);
    for (std::uint64_t seq = 1; !control.measuring.load() && !control.stop.load(); ++seq) {
        if (!send(warmup.stamp(seq, 1, epochNs()))) return;
        ::usleep(1000);
    }
    FrameBatch batch(settings.size, settings.batch, MEASURED_SOURCE);
    Pacer pacer(settings.rate, settings.batch);
    for (std::uint64_t seq = 1; seq <= settings.frames && !control.stop.load(std::memory_order_relaxed);) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(settings.batch, settings.frames - seq + 1));
        pacer.wait();
        if (!send(batch.stamp(seq, n, epochNs()))) return;
        seq += n;
        control.sent.store(seq - 1, std::memory_order_relaxed);
    }
}

void runHarness(const Settings& settings, Outcome& outcome, ProgressSink* progress, const ProducerFn& producer,
                const ConsumerFn& consumer) {
    RunControl control;
    std::vector<ConsumerTally> tallies(static_cast<std::size_t>(settings.consumers));
    std::vector<std::thread> threads;
    for (auto& tally : tallies) threads.emplace_back([&] { consumer(tally, control); });
    threads.emplace_back([&] {
        producer(control);
        control.finishProducing(); // when it returned early (a failure)
    });

    const auto allListening = [&] {
        return std::all_of(tallies.begin(), tallies.end(), [](const ConsumerTally& t) { return t.listening(); });
    };
    const auto warmupEnd = Clock::now() + WARMUP_LIMIT;
    const auto stopOnSignal = [&] {
        if (cli::stopRequested()) control.fail(std::string("stopped by ") + cli::stopSignalName());
    };
    while (!allListening() && !control.stop.load() && Clock::now() < warmupEnd) {
        stopOnSignal();
        ::usleep(1000);
    }
    if (!control.stop.load() && !allListening()) {
        control.fail("consumers did not receive the producer's warm-up frames within 10 s (is the bus reachable "
                     "from both ends? a running relay with these settings?)");
    }
    const std::uint64_t startNs = epochNs();
    control.measuring.store(true);

    const auto deadline = Clock::now() + std::chrono::duration<double>(settings.timeoutS);
    std::uint64_t lastSlowest = 0;
    auto lastProgress = Clock::now();
    while (!control.stop.load()) {
        stopOnSignal();
        const std::uint64_t low = slowest(tallies);
        if (progress != nullptr) progress->update(control.sent.load(std::memory_order_relaxed), low);
        if (low >= settings.frames) break;
        const auto now = Clock::now();
        if (low != lastSlowest) {
            lastSlowest = low;
            lastProgress = now;
        }
        if (control.producerDone.load() && now - lastProgress > IDLE_LIMIT) break; // the rest is not coming
        if (now > deadline) {
            control.fail("time limit: the run took longer than " + std::to_string(static_cast<int>(settings.timeoutS)) +
                         " s (--timeout)");
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(control.producerDone.load() ? 5 : 50));
    }
    control.stop.store(true);
    for (auto& t : threads) t.join();
    if (progress != nullptr) progress->update(control.sent.load(), slowest(tallies));

    outcome.ran = true;
    outcome.error = control.error();
    outcome.published = control.sent.load();
    if (const auto end = control.producerEndNs(); end > startNs) {
        outcome.producerSeconds = static_cast<double>(end - startNs) / 1e9;
    }
    summarise(outcome, tallies, startNs);
}

} // namespace alphapulse::cli::bench
