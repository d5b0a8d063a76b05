// alphapulse stats <socket> [--prometheus]: a running relay's counters.
// alphapulse stats --domain D [--config deploy.yaml]: the relay the deployment
// describes for D (Unix socket or TCP: either answers on a local Unix socket).
#include <sys/socket.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include "alphapulse/config/deployment.hpp"
#include "alphapulse/relay/relay_stats.hpp"
#include "alphapulse/transport/unix_socket.hpp"
#include "cli11.hpp"
#include "commands.hpp"

namespace alphapulse::cli {
namespace {

struct StatsOptions {
    std::string socket;
    std::string config;
    std::string domain;
    bool prometheus = false;
};

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
            if (settings.transport != config::TransportKind::UnixSocket &&
                settings.transport != config::TransportKind::Tcp) {
                std::cerr << "alphapulse stats: " << options.domain << " uses the "
                          << config::transportName(settings.transport) << " transport, which has no relay process\n";
                return 2;
            }
            socket = settings.relay.socketPath; // a TCP relay keeps its stats socket here too
        } catch (const config::ConfigError& e) {
            std::cerr << "alphapulse stats: " << e.what() << '\n';
            return 2;
        }
    }
    // A relay on <socket> answers on <socket>.stats with one JSON line, then closes.
    const std::string path = socket + ".stats";
    const int fd = transport::connectUnix(path);
    if (fd < 0) {
        std::cerr << "alphapulse stats: no relay answers on " << path << '\n';
        return 1;
    }
    std::string text;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            text.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            ::usleep(1000);
            continue;
        }
        break;
    }
    ::close(fd);
    if (!options.prometheus) {
        std::cout << text << std::flush;
        return text.empty() ? 1 : 0;
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
    cmd->add_option("socket", options->socket, "The relay's socket path (or --domain)");
    cmd->add_option("--domain", options->domain, "market_data, signals, execution or system: that domain's relay");
    cmd->add_option("--config", options->config, "Deployment file saying where each domain's relay is (with --domain)");
    cmd->add_flag("--prometheus", options->prometheus, "Prometheus text exposition format");
    cmd->callback([options] {
        const int status = runStats(*options);
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
