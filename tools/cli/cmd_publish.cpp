// alphapulse publish <socket>: JSON Lines on stdin, encoded and sent to a relay.
// alphapulse publish --domain D [--config deploy.yaml]: to the domain's bus,
// on whatever transport the deployment gives it (default: its Unix socket).
#include <unistd.h>

#include <iostream>
#include <string>

#include "alphapulse/client/relay_client.hpp"
#include "alphapulse/codec/encoder.hpp"
#include "alphapulse/config/deployment.hpp"
#include "alphapulse/transport/unix_socket_transport.hpp"
#include "cli11.hpp"
#include "commands.hpp"

namespace alphapulse::cli {
namespace {

struct PublishOptions {
    std::string socket;
    std::string config;
    std::string domain;
    bool keepGoing = false;
    int timeoutMs = 10'000; ///< longest wait for the relay (backpressure or reconnect) per frame
};

int runPublish(const PublishOptions& options) {
    if (options.socket.empty() == options.domain.empty()) {
        std::cerr << "alphapulse publish: give a socket path, or --domain (with --config FILE for a deployment)\n";
        return 2;
    }
    client::ClientOptions clientOptions;
    clientOptions.name = "publish";
    clientOptions.subscription = std::bitset<256>{}; // a pure producer: receive nothing
    std::unique_ptr<transport::Transport> transport;
    try {
        transport = options.socket.empty()
                        ? config::makeTransport(config::loadDeploymentOrDefault(options.config),
                                                config::domainFromName(options.domain), clientOptions.name)
                        : std::make_unique<transport::UnixSocketTransport>(
                              transport::UnixSocketTransport::Options{options.socket});
    } catch (const config::ConfigError& e) {
        std::cerr << "alphapulse publish: " << e.what() << '\n';
        return 2;
    }
    client::RelayClient relayClient(std::move(transport), clientOptions);
    codec::Encoder encoder;
    std::vector<std::uint8_t> frame;
    std::string line;
    std::size_t lineNumber = 0;
    int status = 0;
    while (std::getline(std::cin, line)) {
        ++lineNumber;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        codec::Json object;
        auto error = codec::parseJsonLine(line, object);
        frame.clear();
        if (!error) error = encoder.encode(object, frame);
        if (error) {
            codec::Json report{{"error", error->reason()}, {"message", error->message}, {"line", lineNumber}};
            if (!error->field.empty()) report["field"] = error->field;
            std::cerr << report.dump() << '\n';
            status = 1;
            if (!options.keepGoing) break;
            continue;
        }
        if (!relayClient.publishBlocking(frame, std::chrono::milliseconds(options.timeoutMs))) {
            std::cerr << "alphapulse publish: the relay did not take line " << lineNumber << " within "
                      << options.timeoutMs << " ms: " << relayClient.transport().reason() << '\n';
            return 1;
        }
    }
    // Everything read has been handed over; wait until it is written.
    const auto unsent = [&] { return relayClient.transport().pendingBytes() + relayClient.bufferedBytes(); };
    for (int i = 0; i < options.timeoutMs && (unsent() != 0 || !relayClient.connected()); ++i) {
        relayClient.flush();
        ::usleep(1000);
    }
    if (unsent() != 0) {
        std::cerr << "alphapulse publish: frames left unsent: " << relayClient.transport().reason() << '\n';
        return 1;
    }
    return status;
}

} // namespace

void addPublishCommand(CLI::App& app) {
    auto options = std::make_shared<PublishOptions>();
    auto* cmd = app.add_subcommand("publish", "Encode JSON Lines from stdin and send them to a relay");
    cmd->add_option("socket", options->socket, "The relay's socket path (or --domain)");
    cmd->add_option("--domain", options->domain, "market_data, signals, execution or system: that domain's bus");
    cmd->add_option("--config", options->config, "Deployment file saying where each domain's bus is (with --domain)");
    cmd->add_flag("--keep-going", options->keepGoing, "Skip lines that do not encode instead of stopping");
    cmd->add_option("--timeout-ms", options->timeoutMs, "Longest wait for the relay per frame");
    cmd->callback([options] {
        const int status = runPublish(*options);
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
