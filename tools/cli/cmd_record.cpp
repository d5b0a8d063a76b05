// alphapulse record <domain> -o DIR: a domain's frames into a capture
// recording (docs/PROTOCOL.md section 13), on whatever transport the
// deployment file gives the domain.
//
//   alphapulse record market_data -o /data/md --config deploy.yaml --rotate-size 1G --rotate-time 1h --zstd
//
// It must keep up with the relay, so the receive loop does no more than copy
// each frame into the writer's open block (no decoding, no allocation) and
// reads the clock once per RECEIVE_TIME_BATCH frames. Blocks are written at
// least every --flush-ms and on SIGINT/SIGTERM; a block lost to a crash is at
// most that old. What it misses is never silent: gaps in a source's sequence
// (the relay dropped frames for it) are JSON lines on stderr, and the final
// summary line counts them with the relay's Error frames.
#include <cstdio>
#include <iostream>

#include "alphapulse/capture/writer.hpp"
#include "alphapulse/client/gap_reporter.hpp"
#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/config/deployment.hpp"
#include "alphapulse/transport/unix_socket_transport.hpp"
#include "capture_units.hpp"
#include "cli11.hpp"
#include "commands.hpp"
#include "relay_wait.hpp"
#include "stop_signals.hpp"

namespace alphapulse::cli {
namespace {

/// Frames that share one clock reading: a poll delivers a burst already
/// sitting in the socket buffer, so they arrived within microseconds.
constexpr unsigned RECEIVE_TIME_BATCH = 64;

struct RecordOptions {
    std::string domain;
    std::string outDir;
    std::string config;
    std::string socket;
    std::string name = "record";
    std::string rotateSize;
    std::string rotateTime;
    bool zstd = false;
    unsigned flushMs = 100;
    std::uint64_t count = 0; ///< stop after this many frames (0: never)
    double durationS = 0;    ///< stop after this long (0: never)
    double timeoutS = 10;
};

std::unique_ptr<client::BusClient> connectRecorder(const RecordOptions& options, wire::Domain domain) {
    client::ClientOptions clientOptions;
    clientOptions.name = options.name;
    if (!options.socket.empty()) {
        return std::make_unique<client::BusClient>(
            std::make_unique<transport::UnixSocketTransport>(transport::UnixSocketTransport::Options{options.socket}),
            clientOptions);
    }
    const auto deployment = config::loadDeploymentOrDefault(options.config);
    // A recorder takes everything the domain carries, whatever the file's consumers: entries say.
    clientOptions.subscription = std::nullopt;
    return config::makeClient(deployment, domain, clientOptions, config::SubscriptionSource::Options);
}

struct RecordLoop {
    capture::Writer& writer;
    std::uint64_t now = capture::realtimeNs();
    unsigned sinceClock = 0;
    bool failed = false;

    void onFrame(const wire::FrameView& frame) {
        if (failed) return;
        if (++sinceClock == RECEIVE_TIME_BATCH) {
            sinceClock = 0;
            now = capture::realtimeNs();
        }
        if (!writer.append(frame.data(), frame.size(), now)) failed = true;
    }
};

int record(const RecordOptions& options, client::BusClient& relayClient, capture::Writer& writer,
           client::GapReporter& gaps) {
    RecordLoop loop{writer};
    auto handler = [&loop](const wire::FrameView& frame) { loop.onFrame(frame); };
    RelayWait wait("alphapulse record", options.socket, options.timeoutS);
    const std::uint64_t start = capture::realtimeNs();
    const auto deadline = options.durationS > 0 ? start + static_cast<std::uint64_t>(options.durationS * 1e9) : 0;
    while (!loop.failed && stopSignal() == 0) {
        if (options.count != 0 && writer.stats().frames >= options.count) break;
        relayClient.poll(handler, 20);
        loop.now = capture::realtimeNs();
        loop.sinceClock = 0;
        if (!writer.tick(loop.now)) loop.failed = true;
        gaps.tick();
        if (deadline != 0 && loop.now >= deadline) break;
        if (!wait.keepWaiting(relayClient)) return 1;
    }
    if (loop.failed) {
        std::cerr << "alphapulse record: " << writer.error().describe() << '\n';
        return 1;
    }
    return 0;
}

void printSummary(const capture::Writer& writer, const client::BusClient& relayClient,
                  const client::GapReporter& gaps, double seconds) {
    const auto& s = writer.stats();
    const auto& c = relayClient.counters();
    std::fprintf(stderr,
                 "{\"record_summary\":{\"frames\":%llu,\"frame_bytes\":%llu,\"file_bytes\":%llu,\"files\":%llu,"
                 "\"seconds\":%.3f,\"frames_per_second\":%.0f,\"gaps\":%llu,\"missed_frames\":%llu,"
                 "\"relay_errors\":%llu,\"reconnects\":%llu,\"truncated_bytes\":%llu}}\n",
                 static_cast<unsigned long long>(s.frames), static_cast<unsigned long long>(s.frameBytes),
                 static_cast<unsigned long long>(s.fileBytes), static_cast<unsigned long long>(s.files), seconds,
                 seconds > 0 ? static_cast<double>(s.frames) / seconds : 0.0,
                 static_cast<unsigned long long>(gaps.gaps()), static_cast<unsigned long long>(gaps.missing()),
                 static_cast<unsigned long long>(c.relayErrors), static_cast<unsigned long long>(c.reconnects),
                 static_cast<unsigned long long>(s.truncatedBytes));
}

int runRecord(const RecordOptions& options) {
    wire::Domain domain{};
    capture::WriterOptions writerOptions;
    try {
        domain = config::domainFromName(options.domain);
        writerOptions.rotateBytes = options.rotateSize.empty() ? 0 : parseByteSize(options.rotateSize);
        writerOptions.rotateIntervalNs = options.rotateTime.empty() ? 0 : parseDurationNs(options.rotateTime);
    } catch (const std::exception& e) {
        std::cerr << "alphapulse record: " << e.what() << '\n';
        return 2;
    }
    writerOptions.domain = static_cast<std::uint8_t>(domain);
    writerOptions.zstd = options.zstd;
    writerOptions.flushIntervalNs = std::uint64_t{options.flushMs} * 1'000'000;
    installStopSignals(); // before attaching: a signal must find the bus detached on the way out
    auto opened = capture::Writer::openDirectory(options.outDir, writerOptions);
    if (!opened) {
        std::cerr << "alphapulse record: " << opened.error().describe() << '\n';
        return 1;
    }
    auto& writer = *opened.value();
    if (writer.stats().truncatedBytes != 0) {
        std::cerr << "alphapulse record: cut a torn tail of " << writer.stats().truncatedBytes
                  << " bytes off the recording's last file\n";
    }
    std::unique_ptr<client::BusClient> connection;
    try {
        connection = connectRecorder(options, domain);
    } catch (const config::ConfigError& e) {
        std::cerr << "alphapulse record: " << e.what() << '\n';
        return 2;
    }
    client::GapReporter gaps(options.domain, stderr);
    gaps.attach(*connection);
    const std::uint64_t start = capture::realtimeNs();
    int status = record(options, *connection, writer, gaps);
    if (!writer.close()) {
        std::cerr << "alphapulse record: " << writer.error().describe() << '\n';
        status = 1;
    }
    printSummary(writer, *connection, gaps, static_cast<double>(capture::realtimeNs() - start) / 1e9);
    return status;
}

} // namespace

void addRecordCommand(CLI::App& app) {
    auto options = std::make_shared<RecordOptions>();
    auto* cmd = app.add_subcommand("record", "Record a domain's frames into capture files (a directory), "
                                             "rotating by size or time; gaps and a summary on stderr");
    cmd->add_option("domain", options->domain, "market_data, signals, execution or system")->required();
    cmd->add_option("-o,--output", options->outDir, "Directory of the recording (created; an existing one goes on)")
        ->required();
    cmd->add_option("--config", options->config, "Deployment file saying where the domain's bus is");
    cmd->add_option("--socket", options->socket, "A relay's socket path instead of the deployment's transport");
    cmd->add_option("--name", options->name, "Client name")->capture_default_str();
    cmd->add_option("--rotate-size", options->rotateSize, "A new file past this size (e.g. 512M, 2G)");
    cmd->add_option("--rotate-time", options->rotateTime, "A new file after this long (e.g. 30s, 10m, 1h)");
    cmd->add_flag("--zstd", options->zstd, "Compress blocks with zstd");
    cmd->add_option("--flush-ms", options->flushMs, "Write the open block at least this often")
        ->check(CLI::Range(1u, 60'000u))
        ->capture_default_str();
    cmd->add_option("--count", options->count, "Stop after this many frames");
    cmd->add_option("--duration", options->durationS, "Stop after this many seconds")->check(CLI::NonNegativeNumber);
    cmd->add_option("--timeout", options->timeoutS,
                    "Seconds to wait for a relay that is not there or refuses before failing; 0: forever")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->callback([options] {
        const int status = runRecord(*options);
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
