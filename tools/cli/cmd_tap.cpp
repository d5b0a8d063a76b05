// alphapulse tap <socket> [--types Trade,Quote]: a relay's frames as JSON Lines,
// one flushed line per frame, so it can be piped and stopped at any moment.
// alphapulse tap --domain D [--config deploy.yaml]: the domain's bus, on
// whatever transport the deployment gives it (default: its Unix socket).
#include <iostream>
#include <sstream>

#include "alphapulse/client/relay_client.hpp"
#include "alphapulse/codec/decoder.hpp"
#include "alphapulse/config/deployment.hpp"
#include "alphapulse/transport/unix_socket_transport.hpp"
#include "cli11.hpp"
#include "commands.hpp"

namespace alphapulse::cli {
namespace {

struct TapOptions {
    std::string socket;
    std::string config;
    std::string domain;
    std::string name = "tap";
    std::vector<std::string> types;
    bool noVerify = false;
    std::uint64_t count = 0; ///< stop after this many frames (0: never)
};

int runTap(const TapOptions& options) {
    if (options.socket.empty() == options.domain.empty()) {
        std::cerr << "alphapulse tap: give a socket path, or --domain (with --config FILE for a deployment)\n";
        return 2;
    }
    client::ClientOptions clientOptions;
    clientOptions.name = options.name;
    if (!options.types.empty()) {
        std::bitset<256> set;
        for (const auto& name : options.types) {
            const auto type = wire::messageTypeFromName(name);
            if (!type) {
                std::cerr << "alphapulse tap: unknown message type '" << name << "'\n";
                return 2;
            }
            set.set(*type);
        }
        clientOptions.subscription = set;
    }
    std::unique_ptr<client::RelayClient> connection;
    try {
        if (!options.socket.empty()) {
            connection = std::make_unique<client::RelayClient>(
                std::make_unique<transport::UnixSocketTransport>(transport::UnixSocketTransport::Options{options.socket}),
                clientOptions);
        } else {
            const auto deployment = config::loadDeploymentOrDefault(options.config);
            const auto domain = config::domainFromName(options.domain);
            // --types wins over the file's consumer entry for --name.
            connection = clientOptions.subscription
                             ? std::make_unique<client::RelayClient>(
                                   config::makeTransport(deployment, domain, clientOptions.name), clientOptions)
                             : config::makeClient(deployment, domain, clientOptions);
        }
    } catch (const config::ConfigError& e) {
        std::cerr << "alphapulse tap: " << e.what() << '\n';
        return 2;
    }
    client::RelayClient& relayClient = *connection;
    if (!relayClient.connected()) {
        std::cerr << "alphapulse tap: " << relayClient.transport().reason() << " (retrying)\n";
    }
    codec::DecodeOptions decodeOptions;
    decodeOptions.verifyChecksum = !options.noVerify;
    const codec::Decoder decoder(decodeOptions);
    std::uint64_t seen = 0;
    bool failed = false;
    auto handler = [&](const wire::FrameView& frame) {
        if (failed || (options.count != 0 && seen >= options.count)) return;
        const auto result = decoder.decode(frame.data(), frame.size());
        if (!result.ok()) {
            std::cerr << R"({"error":")" << wire::errorName(result.error.error) << R"(","message":")"
                      << wire::errorMessage(result.error.error) << R"(","frame":)" << seen << "}\n";
        } else {
            std::cout << result.json.dump() << '\n' << std::flush;
            if (!std::cout) failed = true; // the reader went away
        }
        ++seen;
    };
    while (!failed && (options.count == 0 || seen < options.count)) {
        relayClient.poll(handler, 200);
    }
    return failed ? 1 : 0;
}

} // namespace

void addTapCommand(CLI::App& app) {
    auto options = std::make_shared<TapOptions>();
    auto* cmd = app.add_subcommand("tap", "Print a relay's frames as JSON Lines (like decode), live");
    cmd->add_option("socket", options->socket, "The relay's socket path (or --domain)");
    cmd->add_option("--domain", options->domain, "market_data, signals, execution or system: that domain's bus");
    cmd->add_option("--config", options->config, "Deployment file saying where each domain's bus is (with --domain)");
    cmd->add_option("--name", options->name, "Client name: its consumers: entry in the deployment subscribes it");
    cmd->add_option("--types", options->types, "Only these message types (names, comma separated)")->delimiter(',');
    cmd->add_flag("--no-verify", options->noVerify, "Do not verify checksums");
    cmd->add_option("--count", options->count, "Stop after this many frames");
    cmd->callback([options] {
        const int status = runTap(*options);
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
