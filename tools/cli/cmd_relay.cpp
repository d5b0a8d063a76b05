// alphapulse relay <market_data|signals|execution|system> [--socket PATH] [--config FILE]
// Runs one domain's relay in this process until SIGTERM/SIGINT.
//
// --config takes either a deployment file (top key `alphapulse:`,
// docs/design/deployment.md): the relay the file describes for that domain,
// on its Unix socket or TCP address; or an older file of relay settings
// (docs/design/relay.md) applied over the domain's defaults.
#include <iostream>

#include "alphapulse/config/deployment.hpp"
#include "alphapulse/config/transport_table.hpp"
#include "alphapulse/relay/relay.hpp"
#include "cli11.hpp"
#include "commands.hpp"

namespace alphapulse::cli {
namespace {

struct RelayOptions {
    std::string domain;
    std::string socket;
    std::string config;
};

int runRelay(const RelayOptions& options) {
    try {
        const auto domain = config::domainFromName(options.domain);
        relay::RelayConfig relayConfig;
        if (!options.config.empty() && config::isDeploymentFile(options.config)) {
            const auto deployment = config::loadDeployment(options.config);
            const auto& settings = config::requireDomain(deployment, domain);
            if (const auto why = config::transportOf(settings).noRelayReason(settings); !why.empty()) {
                std::cerr << "alphapulse relay: " << why << '\n';
                return 2;
            }
            relayConfig = settings.relay;
        } else {
            relayConfig = relay::defaultConfig(domain);
            if (!options.config.empty()) relay::loadRelayConfig(options.config, relayConfig);
        }
        if (!options.socket.empty()) relayConfig.socketPath = options.socket;
        relay::Relay hub(relayConfig);
        hub.run(/*handleSignals=*/true);
    } catch (const config::ConfigError& e) {
        std::cerr << "alphapulse relay: " << e.what() << '\n';
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "alphapulse relay: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

} // namespace

void addRelayCommand(CLI::App& app) {
    auto options = std::make_shared<RelayOptions>();
    auto* cmd = app.add_subcommand("relay", "Run one domain's relay (a fan-out hub on a Unix socket or TCP)");
    cmd->add_option("domain", options->domain, "market_data, signals, execution or system")->required();
    cmd->add_option("--socket", options->socket,
                    "Socket path (default /tmp/alphapulse/<domain>.sock, or under $ALPHAPULSE_RUNTIME_DIR); "
                    "with a TCP relay, where its stats socket goes (<PATH>.stats)");
    cmd->add_option("--config", options->config,
                    "A deployment file (docs/design/deployment.md) or a YAML file of relay settings "
                    "(docs/design/relay.md)");
    cmd->callback([options] {
        const int status = runRelay(*options);
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
