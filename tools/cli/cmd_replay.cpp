// alphapulse replay: the real sample data as frames on stdout.
//
//   alphapulse replay [--data DIR] [--rate N] | alphapulse decode
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "cli11.hpp"
#include "commands.hpp"
#include "sample_data.hpp"

namespace alphapulse::cli {

namespace {

struct ReplayOptions {
    std::string dataDir = ALPHAPULSE_DEFAULT_SAMPLES_DIR;
    double rate = 0; ///< frames per second, 0 = as fast as the pipe takes them
    bool force = false;
};

int runReplay(const ReplayOptions& options) {
    if (isatty(STDOUT_FILENO) != 0 && !options.force) {
        std::cerr << "alphapulse replay: refusing to write binary frames to a terminal; "
                     "pipe them into `alphapulse decode` (or pass --force)\n";
        return 2;
    }
    SampleFrames samples;
    try {
        samples = loadSampleFrames(options.dataDir);
    } catch (const std::exception& e) {
        std::cerr << "alphapulse replay: " << e.what() << '\n';
        return 2;
    }
    for (const auto& why : samples.skipped) std::cerr << "alphapulse replay: skipped " << why << '\n';
    std::cerr << "alphapulse replay: " << samples.discoveries << " pool discoveries, " << samples.trades
              << " trades, " << samples.quotes << " quotes, " << samples.books << " order books from "
              << options.dataDir << '\n';

    const auto interval = options.rate > 0 ? std::chrono::duration<double>(1.0 / options.rate)
                                           : std::chrono::duration<double>(0);
    auto next = std::chrono::steady_clock::now();
    for (const auto& frame : samples.frames) {
        if (std::fwrite(frame.data(), 1, frame.size(), stdout) != frame.size()) return 1; // reader went away
        if (options.rate > 0) {
            std::fflush(stdout);
            next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval);
            std::this_thread::sleep_until(next);
        }
    }
    return std::fflush(stdout) == 0 ? 0 : 1;
}

} // namespace

void addReplayCommand(CLI::App& app) {
    auto options = std::make_shared<ReplayOptions>();
    auto* cmd = app.add_subcommand("replay", "Write the real sample data (pools, trades, quotes, books) as frames");
    cmd->add_option("--data", options->dataDir, "Directory with trades.csv, quotes.csv, orderbooks.json, "
                                                "pools_sushiswap_v2.json")
        ->capture_default_str();
    cmd->add_option("--rate", options->rate, "Frames per second (0: as fast as the reader takes them)");
    cmd->add_flag("--force", options->force, "Write binary even to a terminal");
    cmd->callback([options] { throw CLI::RuntimeError(runReplay(*options)); });
}

} // namespace alphapulse::cli
