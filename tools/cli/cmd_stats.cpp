// alphapulse stats <socket> [--prometheus]: a running relay's counters.
// alphapulse stats --domain D [--config deploy.yaml]: the relay the deployment
// describes for D (Unix socket or TCP: either answers on a local Unix socket).
// A path that is no relay's fails at once; a relay (re)starting is waited for
// up to --timeout. A shared-memory domain has no relay: its counters are read
// from the segment, in the same shape.
#include <iostream>
#include <string>

#include "alphapulse/config/deployment.hpp"
#include "alphapulse/config/transport_table.hpp"
#include "alphapulse/dashboard/relay_stats_reader.hpp"
#include "alphapulse/relay/relay_stats.hpp"
#include "cli11.hpp"
#include "bus_options.hpp"
#include "commands.hpp"
#include "relay_path.hpp"
#include "stats_socket.hpp"

namespace alphapulse::cli {
namespace {

struct StatsOptions {
    std::string socket;
    std::string config;
    std::string domain;
    bool prometheus = false;
    double timeoutS = 10; ///< longest wait for a relay that is (re)starting; 0: forever
};

/// A shared-memory domain: its counters are in the segment itself.
int printShmStats(const std::string& segment, const StatsOptions& options) {
    const auto reading = dashboard::readShmStats(segment);
    if (!reading.ok) {
        std::cerr << "alphapulse stats: " << options.domain << " (shared memory): " << reading.error << '\n';
        return 1;
    }
    std::cout << (options.prometheus ? reading.stats.toPrometheus() : reading.json + '\n') << std::flush;
    return 0;
}

int runStats(const StatsOptions& options) {
    if (options.socket.empty() == options.domain.empty()) {
        std::cerr << "alphapulse stats: give a socket path, or --domain (with --config FILE for a deployment)\n";
        return 2;
    }
    std::string socket = options.socket;
    if (socket.empty()) {
        try {
            const auto deployment = config::loadDeploymentOrDefault(options.config);
            const auto& settings = config::requireDomain(deployment, config::domainFromName(options.domain));
            const auto& row = config::transportOf(settings);
            const auto stats = row.stats(settings);
            if (stats.kind == config::StatsSource::Kind::Segment) return printShmStats(stats.path, options);
            if (stats.kind == config::StatsSource::Kind::None) {
                std::cerr << "alphapulse stats: " << options.domain << " uses the " << row.name
                          << " transport, which has no relay process\n";
                return 2;
            }
            // "<socket>.stats" (a TCP relay keeps its stats socket beside where its Unix socket would be).
            socket = stats.path.substr(0, stats.path.size() - std::string_view(".stats").size());
        } catch (const config::ConfigError& e) {
            std::cerr << "alphapulse stats: " << e.what() << '\n';
            return 2;
        }
    }
    // A relay on <socket> answers on <socket>.stats with one JSON line, then
    // closes. Given the .stats socket itself, read it (and say so).
    std::string statsPath = socket + ".stats";
    if (inspectRelayPath(socket).kind == PathKind::StatsSocket) {
        statsPath = socket;
        socket.resize(socket.size() - std::string_view(".stats").size());
        std::cerr << "alphapulse stats: " << statsPath << " is the stats socket of the relay on " << socket
                  << "; reading it\n";
    }
    const auto answer = readStatsSocket(socket, statsPath, options.timeoutS, "alphapulse stats");
    if (!answer.json) {
        std::cerr << "alphapulse stats: " << answer.problem << '\n';
        return 1;
    }
    const std::string& text = *answer.json;
    if (!options.prometheus) {
        std::cout << text << std::flush;
        return 0;
    }
    const auto stats = relay::RelayStats::fromJson(text);
    if (!stats) {
        std::cerr << "alphapulse stats: the relay's answer is not stats JSON\n";
        return 1;
    }
    std::cout << stats->toPrometheus() << std::flush;
    return 0;
}

} // namespace

void addStatsCommand(CLI::App& app) {
    auto options = std::make_shared<StatsOptions>();
    auto* cmd = app.add_subcommand("stats", "Print a running relay's counters (JSON, or Prometheus text)");
    addBusAddressOptions(*cmd, options->socket, options->domain, options->config);
    cmd->add_flag("--prometheus", options->prometheus, "Prometheus text exposition format");
    addRelayWaitOption(*cmd, options->timeoutS);
    cmd->callback([options] {
        const int status = runStats(*options);
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
