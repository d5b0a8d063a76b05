// alphapulse bench: how fast the buses are on this machine, like `nats bench`.
//
//   alphapulse bench [--transport T | --config FILE [--use-running]] [--size B] [--frames N]
//                    [--batch N] [--rate R] [--consumers N] [--spin] [--json]
//   alphapulse bench --compare      every transport and ZeroMQ ipc side by side, with ratios
//
// One producer and N consumers (threads of this process, each with its own
// BusClient on the market_data bus the deployment describes) exchange
// valid frames; each consumer must get every frame, in order. Throughput is
// frames received / time from the producer's first frame to the consumer's
// last; latency is receipt minus the header timestamp the producer wrote just
// before handing the frame over. The relay, nats-server or segment is bench's
// own (temporary, lossless) unless --use-running.
//
// Exit: 0 every run delivered everything; 1 a run failed or lost frames;
// 2 a usage error.
#include <iostream>
#include <optional>
#include <vector>

#include "alphapulse/config/deployment.hpp"
#include "alphapulse/config/transport_table.hpp"
#include "bench_bus.hpp"
#include "bench_report.hpp"
#include "bench_run.hpp"
#include "bench_zmq.hpp"
#include "cli11.hpp"
#include "commands.hpp"
#include "stop_signals.hpp"

namespace alphapulse::cli {
namespace {

using bench::Outcome;
using bench::Settings;

struct BenchOptions {
    Settings settings;
    std::string config;
    std::string transport;
    std::string natsUrl;
    bool useRunning = false;
    bool keepPolicy = false;
    bool json = false;
    bool compare = false;
    bool noProgress = false;
    double latencyRate = 10'000;          ///< --compare's paced pass
    std::uint64_t latencyFrames = 10'000;
};

/// The transports --compare runs, in the transport table's order (ZeroMQ
/// last): those whose endpoints meet across processes.
std::vector<const config::TransportDescriptor*> compared() {
    std::vector<const config::TransportDescriptor*> out;
    for (const auto* row : config::transports()) {
        if (!row->inProcess) out.push_back(row);
    }
    return out;
}

[[noreturn]] void usageError(const std::string& message) {
    std::cerr << "alphapulse bench: " << message << '\n';
    throw CLI::RuntimeError(2);
}

const config::TransportDescriptor* transportNamed(const std::string& name) {
    if (name.empty()) return nullptr;
    if (const auto* row = config::findTransport(name); row != nullptr && row->name == name) return row;
    usageError("--transport '" + name + "': expected " + config::transportNames());
}

void validate(const BenchOptions& o) {
    if (const auto problem = bench::frameSizeProblem(o.settings.size); !problem.empty()) usageError(problem);
    if (o.settings.batch * o.settings.size > (64u << 20)) usageError("--batch x --size: at most 64 MiB per publish");
    if (o.compare && (o.useRunning || !o.transport.empty())) {
        usageError("--compare runs every transport on buses of its own: not with --transport or --use-running");
    }
    if (o.useRunning && !o.natsUrl.empty()) usageError("--nats-url starts nothing either: use it without --use-running");
    if (o.useRunning && o.config.empty()) {
        usageError("--use-running needs --config FILE: the deployment whose market_data bus is running");
    }
}

config::DomainSettings baseSection(const BenchOptions& o) {
    try {
        const auto deployment = config::loadDeploymentOrDefault(o.config);
        return config::requireDomain(deployment, wire::Domain::MarketData);
    } catch (const config::ConfigError& e) {
        usageError(e.what());
    }
}

/// One run on one of our transports; a bus that cannot be set up is a run that did not run.
Outcome runTransport(const BenchOptions& o, const config::TransportDescriptor* row, const Settings& settings,
                     bench::ProgressBar& progress) {
    bench::BusRequest request;
    request.base = baseSection(o);
    request.transport = row;
    request.useRunning = o.useRunning;
    request.natsUrl = o.natsUrl;
    request.keepPolicy = o.keepPolicy;
    const auto name = std::string(row != nullptr ? row->name : config::transportOf(request.base).name);
    try {
        bench::Bus bus(request);
        progress.begin(name, settings.frames);
        auto outcome = bench::runOnBus(bus, settings, &progress);
        progress.end();
        return outcome;
    } catch (const std::exception& e) {
        progress.end();
        Outcome outcome;
        outcome.transport = name;
        outcome.kind = settings.rate > 0 ? "latency" : "throughput";
        outcome.settings = settings;
        outcome.error = e.what();
        return outcome;
    }
}

Outcome runZmqPeer(const Settings& settings, bench::ProgressBar& progress) {
    progress.begin("zmq_ipc", settings.frames);
    auto outcome = bench::runZmq(settings, &progress);
    progress.end();
    return outcome;
}

/// A run that was skipped for want of something optional (nats-server, ZeroMQ) is not a failure.
bool optionalPeerMissing(const Outcome& o) {
    return !o.ran && (o.transport == "zmq_ipc" || (o.transport == "nats" && o.error.find("nats-server") != std::string::npos));
}

int runCompare(const BenchOptions& o) {
    Settings throughput = o.settings;
    throughput.rate = 0;
    Settings latency = o.settings;
    latency.rate = o.settings.rate > 0 ? o.settings.rate : o.latencyRate;
    latency.frames = o.latencyFrames;
    bench::ProgressBar progress(!o.noProgress);
    std::vector<Outcome> t, l;
    for (const auto kind : compared()) {
        t.push_back(runTransport(o, kind, throughput, progress));
        l.push_back(runTransport(o, kind, latency, progress));
    }
    t.push_back(runZmqPeer(throughput, progress));
    l.push_back(runZmqPeer(latency, progress));

    bool ok = true;
    for (const auto* runs : {&t, &l}) {
        for (const auto& r : *runs) ok = ok && (r.complete() || optionalPeerMissing(r));
    }
    if (o.json) {
        codec::Json runs = codec::Json::array();
        for (std::size_t i = 0; i < t.size(); ++i) {
            runs.push_back(bench::outcomeJson(t[i]));
            runs.push_back(bench::outcomeJson(l[i]));
        }
        codec::Json j{{"compare", true},
                      {"settings", bench::settingsJson(throughput)},
                      {"latency_settings", bench::settingsJson(latency)},
                      {"zmq", {{"built_in", bench::zmqBuiltIn()}, {"version", bench::zmqVersion()}}},
                      {"runs", std::move(runs)},
                      {"ratios_to_zmq", bench::ratiosJson(t, l)},
                      {"ok", ok}};
        std::cout << j.dump(2) << '\n';
    } else {
        std::cout << "alphapulse bench --compare: " << throughput.frames << " frames of " << throughput.size << " B, "
                  << throughput.batch << " per publish, " << throughput.consumers << " consumer(s); latency at "
                  << bench::rateText(latency.rate) << " (" << latency.frames << " frames)\n";
        if (!bench::zmqBuiltIn()) std::cout << "ZeroMQ: " << bench::zmqVersion() << '\n';
        bench::printComparison(std::cout, t, l);
        for (const auto* runs : {&t, &l}) {
            for (const auto& r : *runs) {
                if (r.ran && !r.complete()) bench::printOutcome(std::cout, r);
            }
        }
    }
    return ok ? 0 : 1;
}

int runSingle(const BenchOptions& o) {
    bench::ProgressBar progress(!o.noProgress);
    const auto outcome = runTransport(o, transportNamed(o.transport), o.settings, progress);
    if (o.json) {
        codec::Json runs = codec::Json::array();
        runs.push_back(bench::outcomeJson(outcome));
        codec::Json j{{"compare", false},
                      {"settings", bench::settingsJson(o.settings)},
                      {"runs", std::move(runs)},
                      {"ok", outcome.complete()}};
        std::cout << j.dump(2) << '\n';
    } else {
        bench::printOutcome(std::cout, outcome);
    }
    if (!outcome.complete()) {
        std::cerr << "alphapulse bench: " << outcome.transport << ": "
                  << (outcome.error.empty() ? "not every consumer received every frame in order" : outcome.error)
                  << '\n';
        return 1;
    }
    return 0;
}

} // namespace

void addBenchCommand(CLI::App& app) {
    auto o = std::make_shared<BenchOptions>();
    auto* cmd = app.add_subcommand("bench", "Measure a bus: a producer and N consumers, throughput and latency "
                                            "(--compare: every transport and ZeroMQ side by side)");
    cmd->add_option("--transport", o->transport, "unix_socket, tcp, shared_memory, nats or channel (default: the "
                                                 "market_data transport of --config, else unix_socket)");
    cmd->add_option("--config", o->config, "Deployment file: its market_data section's transport and policies");
    cmd->add_flag("--use-running", o->useRunning,
                  "Use the relay, segment or NATS servers the --config file names instead of starting its own");
    cmd->add_option("--nats-url", o->natsUrl, "A running nats-server to use (default: start nats-server from PATH)");
    cmd->add_flag("--keep-policy", o->keepPolicy,
                  "Keep the section's overload policy (market_data drops; bench's own buses are lossless by default)");
    cmd->add_option("--size", o->settings.size, "Bytes per frame: 64 (a Trade) or 64 + 16 k (an OrderBook)")
        ->capture_default_str();
    cmd->add_option("--frames", o->settings.frames, "Frames the producer sends")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{10'000'000'000}))
        ->capture_default_str();
    cmd->add_option("--batch", o->settings.batch, "Frames per publish() call")
        ->check(CLI::Range(std::size_t{1}, std::size_t{65'536}))
        ->capture_default_str();
    cmd->add_option("--rate", o->settings.rate, "Frames/s the producer paces itself to (0: as fast as it can)")
        ->check(CLI::Range(0.0, 1e9))
        ->capture_default_str();
    cmd->add_option("--consumers", o->settings.consumers, "Consumers, each receives every frame")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    cmd->add_flag("--spin", o->settings.spin, "Consumers poll without waiting (lower latency, a CPU each)");
    cmd->add_option("--timeout", o->settings.timeoutS, "Longest a run may take, seconds")
        ->check(CLI::Range(1.0, 86'400.0))
        ->capture_default_str();
    cmd->add_flag("--json", o->json, "Machine-readable output on stdout");
    cmd->add_flag("--no-progress", o->noProgress, "No progress bar (it is drawn only when stderr is a terminal)");
    cmd->add_flag("--compare", o->compare,
                  "Every transport (own relays, segment, nats-server) and ZeroMQ ipc, throughput then latency, with ratios");
    cmd->add_option("--latency-rate", o->latencyRate, "--compare: frames/s of the latency pass (default --rate or 10000)")
        ->check(CLI::Range(1.0, 1e9));
    cmd->add_option("--latency-frames", o->latencyFrames, "--compare: frames of the latency pass")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}))
        ->capture_default_str();
    cmd->callback([o] {
        validate(*o);
        installStopSignals(); // Ctrl-C ends the run and still removes bench's relay, segment, nats-server
        const int status = o->compare ? runCompare(*o) : runSingle(*o);
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
