// alphapulse tap <socket> [--types Trade,Quote]: a relay's frames as JSON Lines,
// one flushed line per frame, so it can be piped and stopped at any moment.
// alphapulse tap --domain D [--config deploy.yaml]: the domain's bus, on
// whatever transport the deployment gives it (default: its Unix socket).
//
// Nothing it misses is silent: a sequence gap is a JSON line on stderr
// (client::GapReporter, rate-limited), and a summary of the totals ends every
// run (--count reached, SIGINT, SIGTERM, a failure). A path that is not a
// relay fails at once; a relay that is not there (yet) or refuses is waited
// for, saying so, up to --timeout.
#include <iostream>
#include <sstream>

#include "alphapulse/client/gap_reporter.hpp"
#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/codec/decoder.hpp"
#include "alphapulse/config/deployment.hpp"
#include "alphapulse/transport/unix_socket_transport.hpp"
#include "cli11.hpp"
#include "bus_options.hpp"
#include "commands.hpp"
#include "relay_path.hpp"
#include "relay_wait.hpp"
#include "stop_signals.hpp"

namespace alphapulse::cli {
namespace {

struct TapOptions {
    std::string socket;
    std::string config;
    std::string domain;
    std::string name = "tap";
    std::vector<std::string> types;
    bool noVerify = false;
    std::uint64_t count = 0;  ///< stop after this many frames (0: never)
    double timeoutS = 10;     ///< longest time without a relay (0: wait forever)
};

/// The --types set, or nullopt for everything; false (after a message) for an unknown name.
bool subscriptionOf(const TapOptions& options, client::ClientOptions& clientOptions) {
    if (options.types.empty()) return true;
    std::bitset<256> set;
    for (const auto& name : options.types) {
        const auto type = wire::messageTypeFromName(name);
        if (!type) {
            std::cerr << "alphapulse tap: unknown message type '" << name << "'\n";
            return false;
        }
        set.set(*type);
    }
    clientOptions.subscription = set;
    return true;
}

std::unique_ptr<client::BusClient> connectTap(const TapOptions& options, const client::ClientOptions& clientOptions) {
    if (!options.socket.empty()) {
        return std::make_unique<client::BusClient>(
            std::make_unique<transport::UnixSocketTransport>(transport::UnixSocketTransport::Options{options.socket}),
            clientOptions);
    }
    const auto deployment = config::loadDeploymentOrDefault(options.config);
    const auto domain = config::domainFromName(options.domain);
    // --types wins over the file's consumer entry for --name.
    return config::makeClient(deployment, domain, clientOptions, config::SubscriptionSource::Options);
}

/// Frames filtered by type leave holes in each source's sequence that are
/// not losses, so gaps are only reported for a tap that receives everything.
bool receivesEverything(const client::BusClient& relayClient) {
    const auto& subscription = relayClient.options().subscription;
    return !subscription || subscription->all();
}

int tapFrames(const TapOptions& options, client::BusClient& relayClient, client::GapReporter& gaps) {
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
    RelayWait wait("alphapulse tap", options.socket, options.timeoutS);
    while (!failed && stopSignal() == 0 && (options.count == 0 || seen < options.count)) {
        relayClient.poll(handler, 200);
        gaps.tick();
        if (!wait.keepWaiting(relayClient)) return 1;
    }
    return failed ? 1 : 0;
}

int runTap(const TapOptions& options) {
    if (options.socket.empty() == options.domain.empty()) {
        std::cerr << "alphapulse tap: give a socket path, or --domain (with --config FILE for a deployment)\n";
        return 2;
    }
    client::ClientOptions clientOptions;
    clientOptions.name = options.name;
    if (!subscriptionOf(options, clientOptions)) return 2;
    if (!options.socket.empty()) {
        const auto check = inspectRelayPath(options.socket);
        if (!worthWaiting(check.kind)) {
            std::cerr << "alphapulse tap: " << notARelayMessage(options.socket, check) << '\n';
            return 1;
        }
    }
    installStopSignals(); // before attaching: a signal must find the bus detached on the way out
    std::unique_ptr<client::BusClient> connection;
    try {
        connection = connectTap(options, clientOptions);
    } catch (const config::ConfigError& e) {
        std::cerr << "alphapulse tap: " << e.what() << '\n';
        return 2;
    }
    client::GapReporter gaps(options.domain, stderr);
    const bool reportGaps = receivesEverything(*connection);
    if (reportGaps) gaps.attach(*connection);
    const int status = tapFrames(options, *connection, gaps);
    if (reportGaps) {
        gaps.summary(&connection->counters());
    } else {
        std::cerr << R"({"gap_summary":{"gap_detection":"off: --types filters frames, so sequences have holes"}})"
                  << '\n';
    }
    return status;
}

} // namespace

void addTapCommand(CLI::App& app) {
    auto options = std::make_shared<TapOptions>();
    auto* cmd = app.add_subcommand("tap", "Print a relay's frames as JSON Lines (like decode), live; sequence gaps "
                                          "and a final summary on stderr");
    addBusAddressOptions(*cmd, options->socket, options->domain, options->config);
    cmd->add_option("--name", options->name, "Client name: its consumers: entry in the deployment subscribes it");
    cmd->add_option("--types", options->types, "Only these message types (names, comma separated)")->delimiter(',');
    cmd->add_flag("--no-verify", options->noVerify, "Do not verify checksums");
    cmd->add_option("--count", options->count, "Stop after this many frames");
    addRelayWaitOption(*cmd, options->timeoutS);
    cmd->callback([options] {
        const int status = runTap(*options);
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
