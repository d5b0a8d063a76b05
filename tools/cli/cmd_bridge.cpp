// alphapulse bridge --config FILE: forwards the domains listed under the
// file's `bridge:` key between this machine's relays (as the deployment in
// the same file configures them) and NATS, both ways (docs/design/nats.md).
#include <atomic>
#include <csignal>
#include <iostream>

#include "alphapulse/config/deployment.hpp"
#include "alphapulse/config/transport_table.hpp"
#include "alphapulse/bridge/bridge.hpp"
#include "cli11.hpp"
#include "commands.hpp"

namespace alphapulse::cli {
namespace {

std::atomic<bool> g_stop{false};

void onStopSignal(int) { g_stop = true; }

int runBridge(const std::string& path) {
    config::Deployment deployment;
    bridge::BridgeConfig bridgeConfig;
    try {
        deployment = config::loadDeployment(path);
        bridgeConfig = bridge::loadBridgeConfig(path);
    } catch (const std::exception& e) {
        std::cerr << "alphapulse bridge: " << e.what() << '\n';
        return 2;
    }
    std::vector<bridge::Bridge::Domain> domains;
    for (const auto domain : bridgeConfig.domains) {
        const auto* settings = deployment.domain(domain);
        if (settings == nullptr) {
            std::cerr << "alphapulse bridge: " << path << ": bridge.domains: " << wire::domainName(domain)
                      << " is not configured in the deployment\n";
            return 2;
        }
        if (const auto& row = config::transportOf(*settings); row.relayProcess == config::RelayProcess::External) {
            std::cerr << "alphapulse bridge: " << path << ": " << wire::domainName(domain) << " already travels on "
                      << row.name << " (its server is the relay); there is no local relay to bridge\n";
            return 2;
        }
        bridge::Bridge::Domain link;
        link.domain = domain;
        link.nats = bridge::bridgeNatsOptions(bridgeConfig, domain, settings->relay);
        link.local = [&deployment, domain] { return config::makeTransport(deployment, domain, "bridge"); };
        link.requireSequence = settings->relay.requireSequence;
        link.dropWhenFull = settings->relay.overload == relay::OverloadPolicy::Drop;
        domains.push_back(std::move(link));
    }
    std::signal(SIGINT, onStopSignal);
    std::signal(SIGTERM, onStopSignal);
    try {
        bridge::Bridge bridge(std::move(domains));
        std::cerr << "alphapulse bridge: " << bridge.describe() << '\n';
        bridge.run(g_stop);
        for (const auto domain : bridgeConfig.domains) {
            const auto c = bridge.counters(domain);
            std::cerr << "alphapulse bridge: " << wire::domainName(domain) << ": to_nats=" << c.toNats
                      << " to_local=" << c.toLocal << " loops_stopped=" << c.loopsStopped
                      << " duplicates=" << c.duplicates << " dropped=" << c.dropped << '\n';
        }
    } catch (const std::exception& e) {
        std::cerr << "alphapulse bridge: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

} // namespace

void addBridgeCommand(CLI::App& app) {
    auto path = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("bridge", "Forward domains between this machine's relays and NATS, both ways");
    cmd->add_option("--config", *path, "Deployment file with a bridge: key")->required();
    cmd->callback([path] {
        const int status = runBridge(*path);
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
