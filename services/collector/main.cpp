// alphapulse-collector: replays the recorded market data of data/samples onto
// the market-data domain, as the venues' collectors would publish it live.
//
//   alphapulse-collector --config FILE --name NAME [--venues coinbase,kraken,binance,sushiswap,uniswap]
//                        [--speed X] [--loop] [--max-gap-ms N] [--capture FILE | --data DIR]
//   alphapulse-collector --data DIR --write-capture FILE     the sample CSVs into a capture file
//
// The recording is a capture file (--capture, docs/PROTOCOL.md section 13;
// the default deployment replays data/samples/market_data.apcap), or the
// sample CSVs of --data. A frame's receive time in the capture is its
// recorded time (for the pool discoveries, the time they were built).
//
// Each venue's recording is its own timeline (they were captured on different
// days), so all of them start together and keep their recorded spacing,
// divided by --speed; a pause longer than --max-gap-ms in a recording is
// shortened to it. Every frame gets a fresh sequence number per source and
// the send time as its header timestamp (consumers measure latency from it).
#include <algorithm>
#include <map>
#include <thread>

#include "alphapulse/capture/reader.hpp"
#include "alphapulse/capture/writer.hpp"
#include "alphapulse/samples/sample_data.hpp"
#include "alphapulse/service/service.hpp"
#include "alphapulse/wire.hpp"

namespace {

using namespace alphapulse;
using Clock = std::chrono::steady_clock;

struct Options {
    service::CommonOptions common{.config = {}, .name = "collector", .statsIntervalS = 5.0};
    std::vector<std::string> venues{"coinbase", "kraken", "binance", "sushiswap", "uniswap"};
    std::string dataDir = ALPHAPULSE_DEFAULT_SAMPLES_DIR;
    std::string capture;      ///< replay this capture file instead of the CSVs of dataDir
    std::string writeCapture; ///< write the CSVs' frames into this capture file, and exit
    double speed = 1.0;
    bool loop = false;
    double maxGapMs = 2000;
};

struct Scheduled {
    std::uint64_t atNs; ///< when to send, from the start of a pass, before dividing by speed
    std::vector<std::uint8_t> frame;
};

/// Which --venues name a sample frame belongs to.
std::string feedOf(const wire::FrameView& frame) {
    const auto type = static_cast<wire::MessageType>(frame.messageType());
    if (type == wire::MessageType::PoolDiscovered || type == wire::MessageType::InstrumentDiscovered) {
        return "sushiswap"; // loadSampleFrames' discoveries are the SushiSwap pools
    }
    switch (static_cast<wire::SourceType>(frame.source())) {
    case wire::SourceType::CoinbaseCollector: return "coinbase";
    case wire::SourceType::KrakenCollector: return "kraken";
    case wire::SourceType::BinanceCollector: return "binance";
    default: break;
    }
    // The Uniswap V2 swaps and prices (loadUniswapV2Swaps) come from source External.
    return frame.source() == static_cast<std::uint8_t>(wire::SourceType::External) ? "uniswap" : "other";
}

/// A frame and its recorded time (the header timestamp of the CSV frames,
/// the receive time of a capture).
struct Recorded {
    std::uint64_t recordedNs;
    std::vector<std::uint8_t> frame;
};
using Feeds = std::map<std::string, std::vector<Recorded>>;

Recorded fromCsv(std::vector<std::uint8_t> frame) {
    const auto recorded = wire::loadLe<std::uint64_t>(frame.data() + wire::header::TIMESTAMP_OFFSET);
    return {recorded, std::move(frame)};
}

/// Every feed of the sample CSVs, whatever --venues says.
Feeds loadCsvFeeds(const std::string& dataDir) {
    Feeds feeds;
    auto samples = samples::loadSampleFrames(dataDir);
    for (auto& frame : samples.frames) {
        const auto feed = feedOf(wire::FrameView{frame.data(), frame.size()});
        feeds[feed].push_back(fromCsv(std::move(frame)));
    }
    // The pool's own discoveries belong to its feed (feedOf would file them under sushiswap).
    auto& uniswap = feeds["uniswap"];
    for (auto& frame : samples::loadUniswapV2Swaps(std::filesystem::path(dataDir) / "uniswap_v2_usdc_weth_reserves.csv")
                           .frames) {
        uniswap.push_back(fromCsv(std::move(frame)));
    }
    return feeds;
}

/// The feeds of a capture file: the discoveries of the Uniswap pool are told
/// from the SushiSwap ones by their time (the pool's come with its timeline).
Feeds loadCaptureFeeds(const std::string& name, const std::string& dataDir) {
    // A bare name (the deployment's `--capture market_data.apcap`) is looked for in the samples directory.
    std::filesystem::path path = name;
    if (path.is_relative() && !std::filesystem::exists(path)) path = std::filesystem::path(dataDir) / path;
    auto opened = capture::Reader::open(path);
    if (!opened) throw std::runtime_error(opened.error().describe());
    auto& reader = *opened.value();
    for (const auto& damage : reader.damage()) std::fprintf(stderr, "warning: %s\n", damage.describe().c_str());
    Feeds feeds;
    capture::FrameRecord record;
    while (reader.next(record)) {
        const wire::FrameView view{record.frame.data(), record.frame.size()};
        std::string feed = feedOf(view);
        if (feed == "sushiswap" && view.source() == static_cast<std::uint8_t>(wire::SourceType::External) &&
            view.timestamp() < samples::ETHEREUM_BLOCK_NS * 1'000'000) {
            feed = "uniswap"; // built at (block - first block) * 12 s: the pool's timeline, not a build time
        }
        feeds[feed].push_back({record.receiveTimeNs, {record.frame.begin(), record.frame.end()}});
    }
    if (!reader.error().ok()) throw std::runtime_error(reader.error().describe());
    return feeds;
}

/// The CSVs' frames in one capture file, in recorded-time order (the feeds
/// were recorded on different days; the collector replays each on its own timeline).
int writeCapture(const Options& options) {
    std::vector<Recorded> all;
    for (auto& [name, frames] : loadCsvFeeds(options.dataDir)) {
        for (auto& r : frames) all.push_back(std::move(r));
    }
    std::stable_sort(all.begin(), all.end(),
                     [](const Recorded& a, const Recorded& b) { return a.recordedNs < b.recordedNs; });
    capture::WriterOptions writerOptions;
    writerOptions.domain = static_cast<std::uint8_t>(wire::Domain::MarketData);
    writerOptions.host = "alphapulse-samples"; // not the converting machine: the file is checked in
    std::filesystem::remove(options.writeCapture);
    auto writer = capture::Writer::openFile(options.writeCapture, writerOptions);
    if (!writer) throw std::runtime_error(writer.error().describe());
    for (const auto& r : all) {
        if (!(*writer)->append(r.frame.data(), r.frame.size(), r.recordedNs)) {
            throw std::runtime_error((*writer)->error().describe());
        }
    }
    if (!(*writer)->close()) throw std::runtime_error((*writer)->error().describe());
    std::fprintf(stderr, "%zu frames written to %s\n", all.size(), options.writeCapture.c_str());
    return 0;
}

/// One feed's frames on its own timeline, starting at 0, long pauses shortened.
void schedule(std::vector<Recorded>& frames, std::uint64_t maxGapNs, std::vector<Scheduled>& out) {
    std::uint64_t at = 0;
    std::uint64_t previous = 0;
    bool first = true;
    for (auto& [recorded, frame] : frames) {
        if (!first && recorded > previous) at += std::min(recorded - previous, maxGapNs);
        previous = recorded;
        first = false;
        out.push_back({at, std::move(frame)});
    }
}

std::vector<Scheduled> load(const Options& options) {
    const auto wanted = [&](const std::string& feed) {
        return std::find(options.venues.begin(), options.venues.end(), feed) != options.venues.end();
    };
    const auto maxGapNs = static_cast<std::uint64_t>(options.maxGapMs * 1e6);
    Feeds feeds = options.capture.empty() ? loadCsvFeeds(options.dataDir) : loadCaptureFeeds(options.capture, options.dataDir);
    std::vector<Scheduled> all;
    for (auto& [name, frames] : feeds) {
        if (!wanted(name)) continue;
        // Discoveries carry the time they were built, not a recorded time: send them first.
        if (name == "sushiswap") {
            for (auto& r : frames) all.push_back({0, std::move(r.frame)});
        } else {
            schedule(frames, maxGapNs, all);
        }
    }
    std::stable_sort(all.begin(), all.end(), [](const Scheduled& a, const Scheduled& b) { return a.atNs < b.atNs; });
    return all;
}

int runCollector(const Options& options) {
    const auto deployment = service::loadDeployment(options.common);
    const auto frames = load(options);
    const std::string& from = options.capture.empty() ? options.dataDir : options.capture;
    if (frames.empty()) throw std::runtime_error("no sample data for venues in " + from);
    std::fprintf(stderr, "%s: %zu frames per pass from %s, speed %g%s\n", options.common.name.c_str(),
                 frames.size(), from.c_str(), options.speed, options.loop ? ", looping" : "");

    auto marketData = service::connect(deployment, wire::Domain::MarketData, options.common.name, {});
    service::Stats stats(options.common.name, options.common.statsIntervalS);
    auto& sent = stats.counter("sent");
    auto& trades = stats.counter("trades");
    auto& quotes = stats.counter("quotes");
    auto& books = stats.counter("books");
    auto& discoveries = stats.counter("discoveries");
    auto& failed = stats.counter("failed");
    auto& passes = stats.counter("passes");

    std::array<std::uint64_t, 256> sequence{}; // per source
    std::vector<std::uint8_t> buffer;
    do {
        const auto start = Clock::now();
        for (const auto& item : frames) {
            if (options.speed > 0) {
                const auto due = start + std::chrono::nanoseconds(static_cast<std::int64_t>(
                                             static_cast<double>(item.atNs) / options.speed));
                while (!service::stopRequested() && Clock::now() < due) {
                    marketData->flush(); // keeps the connection serviced (reconnects when due)
                    std::this_thread::sleep_until(std::min(due, Clock::now() + std::chrono::milliseconds(100)));
                    stats.tick();
                }
            }
            if (service::stopRequested()) break;
            buffer.assign(item.frame.begin(), item.frame.end());
            wire::FrameStamp stamp(buffer.data(), buffer.size());
            stamp.sequence(++sequence[stamp.view().source()]).timestamp(service::nowNs()).seal();
            if (!service::publish(*marketData, buffer)) {
                ++failed;
                continue;
            }
            ++sent;
            switch (static_cast<wire::MessageType>(buffer[wire::header::MESSAGE_TYPE_OFFSET])) {
            case wire::MessageType::Trade: ++trades; break;
            case wire::MessageType::Quote: ++quotes; break;
            case wire::MessageType::OrderBook: ++books; break;
            default: ++discoveries; break;
            }
            stats.tick();
        }
        if (!service::stopRequested()) ++passes;
    } while (options.loop && !service::stopRequested());

    // Hand over what is still queued before going (the relay may be busy, or
    // restarting: frames buffered while disconnected count too), at most 2 s.
    if (!marketData->close(std::chrono::seconds(2))) {
        std::fprintf(stderr, "%s: frames still queued after 2 s were not handed over\n", options.common.name.c_str());
    }
    stats.print();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"Replays the recorded market data of data/samples onto the market-data domain",
                 "alphapulse-collector"};
    service::addCommonOptions(app, options.common);
    app.add_option("--venues", options.venues, "Feeds to replay: coinbase, kraken, binance, sushiswap (pool "
                                               "discoveries), uniswap (USDC/WETH swaps)")
        ->delimiter(',')
        ->check(CLI::IsMember({"coinbase", "kraken", "binance", "sushiswap", "uniswap"}));
    app.add_option("--data", options.dataDir, "Sample data directory (CSVs)")->capture_default_str();
    app.add_option("--capture", options.capture,
                   "Replay this capture file (.apcap) instead of the CSVs (a relative path not found here is "
                   "looked for in --data)");
    app.add_option("--write-capture", options.writeCapture,
                   "Write the CSVs' frames (every feed) into this capture file and exit");
    app.add_option("--speed", options.speed, "Replay speed: 1 = as recorded, 10 = ten times faster, 0 = no waiting")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    app.add_flag("--loop", options.loop, "Start again at the end, until stopped");
    app.add_option("--max-gap-ms", options.maxGapMs, "Longest recorded pause kept (before --speed)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    return service::run(app, argc, argv,
                        [&] { return options.writeCapture.empty() ? runCollector(options) : writeCapture(options); });
}
