// alphapulse-synthetic: a synthetic market-data feed at a configured rate,
// to see the buses under load (`./scripts/run.sh --profile load`).
//
//   alphapulse-synthetic --config FILE --name NAME [--rate 200000] [--instruments 1000]
//                        [--universe stocks|crypto|both] [--trade-share 0.1] [--tick-us 1000]
//                        [--frames N] [--duration S] [--seed N] [--symbols DIR]
//
// Random-walk quotes and trades (market_model.hpp) over real listed symbols
// (universe.hpp), one source (AlpacaCollector: no other service of the
// pipeline publishes as it), sequence rising by one per frame,
// header timestamp = the time the frame was written, so consumers measure
// end-to-end latency from it. Pacing is per tick, not per frame: every
// --tick-us it writes the frames due by then (rate x time since start, minus
// what it sent) into one buffer and publishes it at once, so high rates cost
// one publish per tick rather than a sleep and a syscall per frame. A tick
// that comes late is made up in the next (at most 100 ms worth at once);
// frames the bus did not take within a second are counted (shed) and not
// sent, without a sequence gap.
#include <algorithm>
#include <thread>

#include "alphapulse/config/installed_file.hpp"
#include "alphapulse/service/service.hpp"
#include "market_model.hpp"
#include "universe.hpp"

namespace {

using namespace alphapulse;
using Clock = std::chrono::steady_clock;

struct Options {
    service::CommonOptions common{.config = {}, .name = "synthetic", .statsIntervalS = 5.0};
    double rate = 200'000;
    std::size_t instruments = 1000;
    std::string universe = "stocks";
    /// Installed: <prefix>/share/alphapulse/data/symbols; from the build tree: the checkout's.
    std::string symbolsDir = config::installedFile("data/symbols", ALPHAPULSE_DEFAULT_SYMBOLS_DIR);
    double tickUs = 1000;
    std::uint64_t maxFrames = 0; ///< stop after this many (0: never)
    double durationS = 0;        ///< stop after this long (0: never)
    synthetic::ModelOptions model;
};

synthetic::Universe universeOf(const std::string& name) {
    if (name == "crypto") return synthetic::Universe::Crypto;
    if (name == "both") return synthetic::Universe::Both;
    return synthetic::Universe::Stocks;
}

/// Hands over what the client still holds before going (at most 2 s).
void drain(client::BusClient& c) {
    const auto deadline = Clock::now() + std::chrono::seconds(2);
    c.flush();
    while ((c.transport().pendingBytes() > 0 || c.bufferedBytes() > 0) && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        c.flush();
    }
}

int runSynthetic(const Options& options) {
    const auto deployment = service::loadDeployment(options.common);
    synthetic::MarketModel model(
        synthetic::loadUniverse(options.symbolsDir, universeOf(options.universe), options.instruments), options.model);
    std::fprintf(stderr, "%s: %.0f frames/s over %zu %s instruments, a publish every %.0f us\n",
                 options.common.name.c_str(), options.rate, model.size(), options.universe.c_str(), options.tickUs);

    auto marketData = service::connect(deployment, wire::Domain::MarketData, options.common.name, {});
    service::Stats stats(options.common.name, options.common.statsIntervalS);
    auto& sent = stats.counter("sent");
    auto& ticks = stats.counter("ticks");
    auto& shed = stats.counter("shed");
    auto& achieved = stats.counter("rate");

    const auto tick = std::chrono::nanoseconds(static_cast<std::int64_t>(options.tickUs * 1000));
    const auto maxBurst = static_cast<std::uint64_t>(std::max(1.0, options.rate * 0.1));
    std::vector<std::uint8_t> batch;
    batch.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(maxBurst, 1'000'000)) * synthetic::MarketModel::MAX_FRAME);
    std::uint64_t sequence = 0;
    std::uint64_t owed = 0; ///< frames due so far (sent + shed + the next batch)
    const auto start = Clock::now();
    for (auto next = start + tick; !service::stopRequested(); next += tick) {
        std::this_thread::sleep_until(next);
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        if (options.durationS > 0 && elapsed >= options.durationS) break;
        auto due = static_cast<std::uint64_t>(options.rate * elapsed);
        if (options.maxFrames > 0) due = std::min(due, options.maxFrames);
        std::uint64_t count = std::min(due - std::min(due, owed), maxBurst);
        owed = std::max(owed + count, due > maxBurst ? due - maxBurst : 0); // a long stall is not made up
        batch.resize(static_cast<std::size_t>(count) * synthetic::MarketModel::MAX_FRAME);
        std::size_t used = 0;
        for (std::uint64_t k = 0; k < count; ++k) {
            used += model.next(batch.data() + used, sequence + 1 + k, service::nowNs());
        }
        ++ticks;
        if (count > 0) {
            if (marketData->publishBlocking({batch.data(), used}, std::chrono::seconds(1))) {
                sequence += count;
                sent += count;
            } else {
                shed += count; // their sequence numbers are used again: no gap for frames never sent
            }
        } else {
            marketData->flush(); // keeps the connection serviced (reconnects when due)
        }
        achieved = static_cast<std::uint64_t>(static_cast<double>(sent) / std::max(elapsed, 1e-9));
        stats.tick();
        if (options.maxFrames > 0 && sent + shed >= options.maxFrames) break;
        if (Clock::now() > next + 100 * tick) next = Clock::now(); // far behind: restart the schedule from now
    }
    drain(*marketData);
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    achieved = static_cast<std::uint64_t>(static_cast<double>(sent) / std::max(elapsed, 1e-9));
    stats.print();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"Synthetic market data (random-walk quotes and trades over real symbols) at a given rate",
                 "alphapulse-synthetic"};
    service::addCommonOptions(app, options.common);
    app.add_option("--rate", options.rate, "Frames per second")->capture_default_str()->check(CLI::Range(1.0, 1e8));
    app.add_option("--instruments", options.instruments, "Instruments quoted")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{100'000}));
    app.add_option("--universe", options.universe, "stocks (Nasdaq, NYSE), crypto (Binance spot) or both")
        ->capture_default_str()
        ->check(CLI::IsMember({"stocks", "crypto", "both"}));
    app.add_option("--symbols", options.symbolsDir, "Directory of us_stocks.csv and binance_spot.csv")
        ->capture_default_str();
    app.add_option("--trade-share", options.model.tradeShare, "Fraction of frames that are trades")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1.0));
    app.add_option("--volatility-bps", options.model.volatilityBps, "Std deviation of a quote's mid step, bps")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1000.0));
    app.add_option("--seed", options.model.seed, "Random seed")->capture_default_str();
    app.add_option("--tick-us", options.tickUs, "Microseconds between publishes (each carries the frames due)")
        ->capture_default_str()
        ->check(CLI::Range(10.0, 1e6));
    app.add_option("--frames", options.maxFrames, "Stop after this many frames (0: run until stopped)")
        ->capture_default_str();
    app.add_option("--duration", options.durationS, "Stop after this many seconds (0: run until stopped)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    return service::run(app, argc, argv, [&] { return runSynthetic(options); });
}
