// alphapulse replay: frames on stdout or into a domain.
//
//   alphapulse replay FILE|DIR [--to market_data --config F] [--speed 1|10|max] [--from T] [--to T]
//                    [--types Trade,Quote] [--keep-timestamps]      a capture recording
//   alphapulse replay [--data DIR] [--rate N] | alphapulse decode   the bundled sample CSVs
//
// `--to` names a domain (where to publish) or a time (the end of the range):
// a domain name is never a time, so both of the spellings work.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "capture_replay.hpp"
#include "capture_units.hpp"
#include "cli11.hpp"
#include "commands.hpp"
#include "sample_data.hpp"

#include "alphapulse/wire/message_type.hpp"

namespace alphapulse::cli {

namespace {

struct ReplayOptions {
    std::string dataDir = ALPHAPULSE_DEFAULT_SAMPLES_DIR;
    double rate = 0; ///< frames per second, 0 = as fast as the pipe takes them
    bool force = false;
    // A capture recording:
    std::string input;
    std::string to;
    std::string from;
    std::string until;
    std::string speed = "max";
    std::vector<std::string> types;
    CaptureReplayOptions capture;
};

int runSampleReplay(const ReplayOptions& options) {
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

bool isDomainName(const std::string& text) {
    return text == "market_data" || text == "signals" || text == "execution" || text == "system";
}

/// The command line's strings into CaptureReplayOptions; false (after a message) on a bad value.
bool captureOptions(ReplayOptions& options) {
    CaptureReplayOptions& c = options.capture;
    c.input = options.input;
    c.force = options.force;
    try {
        if (!options.to.empty()) {
            if (isDomainName(options.to)) c.toDomain = options.to;
            else c.untilNs = parseTimeNs(options.to);
        }
        if (!options.until.empty()) c.untilNs = parseTimeNs(options.until);
        if (!options.from.empty()) c.fromNs = parseTimeNs(options.from);
        if (options.speed != "max") {
            c.speed = std::stod(options.speed);
            if (!(c.speed > 0)) throw std::invalid_argument("--speed must be a positive number or max");
        }
    } catch (const std::exception& e) {
        std::cerr << "alphapulse replay: " << e.what() << '\n';
        return false;
    }
    if (!c.toDomain.empty() && !c.socket.empty()) {
        std::cerr << "alphapulse replay: give --to DOMAIN or --socket PATH, not both\n";
        return false;
    }
    if (!options.types.empty()) {
        std::bitset<256> set;
        for (const auto& name : options.types) {
            const auto type = wire::messageTypeFromName(name);
            if (!type) {
                std::cerr << "alphapulse replay: unknown message type '" << name << "'\n";
                return false;
            }
            set.set(*type);
        }
        c.types = set;
    }
    return true;
}

} // namespace

void addReplayCommand(CLI::App& app) {
    auto options = std::make_shared<ReplayOptions>();
    auto* cmd = app.add_subcommand("replay", "Replay a capture file or recording directory (paced, filtered, "
                                             "restamped) into a domain or to stdout; without one, the bundled "
                                             "sample data as frames");
    cmd->add_option("input", options->input, "A .apcap capture file or a recording directory");
    cmd->add_option("--to", options->to, "A domain to publish into (market_data, ...), or the last receive time");
    cmd->add_option("--config", options->capture.config, "Deployment file saying where the --to domain's bus is");
    cmd->add_option("--socket", options->capture.socket, "A relay's socket to publish into");
    cmd->add_option("--speed", options->speed, "1: as recorded, 10: ten times faster, max: as fast as taken")
        ->capture_default_str();
    cmd->add_option("--from", options->from, "First receive time (ns since the epoch, or 2024-05-01T12:00:00Z)");
    cmd->add_option("--until", options->until, "Last receive time (same forms)");
    cmd->add_option("--types", options->types, "Only these message types (names, comma separated)")->delimiter(',');
    cmd->add_flag("--keep-timestamps", options->capture.keepTimestamps,
                  "Keep each frame's timestamp (default: stamp it when sent)");
    cmd->add_option("--first-sequence", options->capture.firstSequence,
                    "Each source's frames are renumbered from this sequence")
        ->capture_default_str();
    cmd->add_option("--name", options->capture.name, "Client name on the bus")->capture_default_str();
    cmd->add_option("--timeout", options->capture.timeoutS, "Seconds the bus may take to accept a batch")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--data", options->dataDir, "Without input: directory with trades.csv, quotes.csv, "
                                                "orderbooks.json, pools_sushiswap_v2.json")
        ->capture_default_str();
    cmd->add_option("--rate", options->rate, "Without input: frames per second (0: as fast as the reader takes them)");
    cmd->add_flag("--force", options->force, "Write binary even to a terminal");
    cmd->callback([options] {
        if (options->input.empty()) throw CLI::RuntimeError(runSampleReplay(*options));
        if (!captureOptions(*options)) throw CLI::RuntimeError(2);
        const int status = runCaptureReplay(options->capture);
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
