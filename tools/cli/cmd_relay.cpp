// alphapulse relay <market_data|signals|execution|system> [--socket PATH] [--config FILE]
// Runs one domain's relay in this process until SIGTERM/SIGINT.
#include <iostream>

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
    const auto domain = wire::domainFromName(options.domain);
    if (!domain || *domain == wire::Domain::Custom || *domain == wire::Domain::None) {
        std::cerr << "alphapulse relay: unknown domain '" << options.domain
                  << "' (market_data, signals, execution or system)\n";
        return 2;
    }
    try {
        auto config = relay::defaultConfig(*domain);
        if (!options.config.empty()) relay::loadRelayConfig(options.config, config);
        if (!options.socket.empty()) config.socketPath = options.socket;
        relay::Relay hub(config);
        hub.run(/*handleSignals=*/true);
    } catch (const std::exception& e) {
        std::cerr << "alphapulse relay: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

} // namespace

void addRelayCommand(CLI::App& app) {
    auto options = std::make_shared<RelayOptions>();
    auto* cmd = app.add_subcommand("relay", "Run one domain's relay (a fan-out hub on a Unix socket)");
    cmd->add_option("domain", options->domain, "market_data, signals, execution or system")->required();
    cmd->add_option("--socket", options->socket,
                    "Socket path (default /tmp/alphapulse/<domain>.sock, or under $ALPHAPULSE_RUNTIME_DIR)");
    cmd->add_option("--config", options->config, "YAML file of relay settings (docs/design/relay.md)");
    cmd->callback([options] {
        const int status = runRelay(*options);
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
