// alphapulse publish <socket>: JSON Lines on stdin, encoded and sent to a relay.
// alphapulse publish --domain D [--config deploy.yaml]: to the domain's bus,
// on whatever transport the deployment gives it (default: its Unix socket).
//
// It exits 0 only when nothing says that a frame may not have arrived
// (docs/design/relay.md, "Exit codes of the tools"):
//  - a type the relay does not carry is refused before it is sent (1);
//  - at the end it half-closes its side and reads until the relay closes the
//    connection: the relay reads to the end, then sends its Error frames
//    (no consumer, bad sequence, ...) and closes, so their absence means
//    something (stream transports; others skip this step);
//  - a connection that broke while publishing (frames the dead relay had
//    taken may be lost), frames left unsent, or an Error frame: 3.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "alphapulse/client/relay_client.hpp"
#include "alphapulse/codec/encoder.hpp"
#include "alphapulse/config/deployment.hpp"
#include "alphapulse/transport/unix_socket_transport.hpp"
#include "cli11.hpp"
#include "commands.hpp"
#include "publish_domain.hpp"
#include "relay_path.hpp"
#include "relay_reports.hpp"
#include "stop_signals.hpp"

namespace alphapulse::cli {
namespace {

constexpr const char* COMMAND = "alphapulse publish";
constexpr int EXIT_INPUT = 1;     ///< a line did not encode, or its type is not the relay's
constexpr int EXIT_USAGE = 2;
constexpr int EXIT_NOT_SURE = 3;  ///< frames may not have arrived (the message says why)
using Clock = std::chrono::steady_clock;

struct PublishOptions {
    std::string socket;
    std::string config;
    std::string domain;
    bool keepGoing = false;
    int timeoutMs = 10'000; ///< longest wait for the relay (backpressure, reconnect, its last answers)
};

/// The connection and what the relay said on it.
struct Session {
    client::RelayClient& relay;
    RelayReports reports;
    std::chrono::milliseconds timeout;

    /// Reads what the relay sent so far (its Error frames), without waiting.
    void readReplies() {
        if (!relay.connected()) return;
        auto keep = [this](const wire::FrameView& frame) { reports.onFrame(frame); };
        relay.poll(keep, 0);
    }

    /// Hands one frame over, waiting out backpressure and a reconnect.
    bool send(std::span<const std::uint8_t> frame) {
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            if (relay.publish(frame) == transport::SendStatus::Ok) return true;
            if (Clock::now() >= deadline || stopSignal() != 0) return false;
            readReplies(); // a relay pausing us may be waiting for us to read
            relay.flush();
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
    }

    [[nodiscard]] std::size_t unsent() const {
        return relay.transport().pendingBytes() + relay.bufferedBytes();
    }

    /// Waits until everything taken is written to a live connection.
    bool drain() {
        const auto deadline = Clock::now() + timeout;
        while ((unsent() != 0 || !relay.connected()) && Clock::now() < deadline) {
            relay.flush();
            readReplies();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return unsent() == 0 && relay.connected();
    }

    /// Half-closes and reads the relay's last answers until it closes.
    enum class Ending { Confirmed, Unsupported, NoAnswer };
    Ending finish() {
        if (!relay.transport().shutdownSend()) return Ending::Unsupported;
        auto keep = [this](const wire::FrameView& frame) { reports.onFrame(frame); };
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (left <= 0) return Ending::NoAnswer;
            // The transport directly: RelayClient would reconnect once the relay closes.
            if (relay.transport().receive(keep, static_cast<int>(std::min<long long>(left, 200))) < 0) {
                return Ending::Confirmed;
            }
        }
    }
};

std::unique_ptr<transport::Transport> openTransport(const PublishOptions& options, const std::string& name,
                                                    PublishDomain& domain) {
    if (!options.socket.empty()) {
        domain = PublishDomain::fromRelay(options.socket, options.timeoutMs / 1000.0);
        return std::make_unique<transport::UnixSocketTransport>(transport::UnixSocketTransport::Options{options.socket});
    }
    const auto deployment = config::loadDeploymentOrDefault(options.config);
    const auto id = config::domainFromName(options.domain);
    domain = PublishDomain(id, config::requireDomain(deployment, id).relay.customTypes);
    return config::makeTransport(deployment, id, name);
}

/// Encodes a line and checks its type; the JSON error line on stderr when it cannot be sent.
bool encodeLine(const std::string& line, std::size_t lineNumber, codec::Encoder& encoder,
                const PublishDomain& domain, std::vector<std::uint8_t>& frame) {
    codec::Json object;
    auto error = codec::parseJsonLine(line, object);
    frame.clear();
    if (!error) error = encoder.encode(object, frame);
    if (error) {
        codec::Json report{{"error", error->reason()}, {"message", error->message}, {"line", lineNumber}};
        if (!error->field.empty()) report["field"] = error->field;
        std::cerr << report.dump() << '\n';
        return false;
    }
    const std::uint8_t type = frame[wire::header::MESSAGE_TYPE_OFFSET];
    if (const auto why = domain.refusal(type)) {
        codec::Json report{{"error", "out_of_domain"}, {"message", *why + "; not sent"}, {"line", lineNumber}};
        std::cerr << report.dump() << '\n';
        return false;
    }
    return true;
}

/// The verdict at the end: 0, or EXIT_NOT_SURE with every reason on stderr.
int verdict(Session& session, int inputStatus) {
    if (session.relay.counters().framesPublished == 0) return inputStatus; // nothing sent, nothing to lose
    int status = inputStatus;
    const bool drained = session.drain();
    if (!drained) {
        const auto unsent = session.unsent();
        std::cerr << COMMAND << ": "
                  << (unsent != 0 ? std::to_string(unsent) + " bytes of frames left unsent"
                                  : std::string("no connection to the relay to confirm the frames on"))
                  << " after " << session.timeout.count()
                  << " ms (--timeout-ms): " << session.relay.transport().reason() << '\n';
        status = EXIT_NOT_SURE;
    }
    // Only a connection that took everything can be half-closed to hear the rest.
    const auto ending = drained ? session.finish() : Session::Ending::Unsupported;
    const auto reconnects = session.relay.counters().reconnects;
    if (reconnects != 0) {
        std::cerr << COMMAND << ": the connection to the relay broke " << reconnects
                  << " time(s) while publishing; frames the relay had taken before it went away may be lost "
                     "(check the consumers for gaps)\n";
        status = EXIT_NOT_SURE;
    }
    if (session.reports.any()) {
        session.reports.print(std::cerr, COMMAND);
        status = EXIT_NOT_SURE;
    }
    if (ending == Session::Ending::NoAnswer) {
        std::cerr << COMMAND << ": the relay did not close the connection within " << session.timeout.count()
                  << " ms of the end of input (--timeout-ms), so whether it reported a problem is not known\n";
        status = EXIT_NOT_SURE;
    }
    return status;
}

int runPublish(const PublishOptions& options) {
    if (options.socket.empty() == options.domain.empty()) {
        std::cerr << COMMAND << ": give a socket path, or --domain (with --config FILE for a deployment)\n";
        return EXIT_USAGE;
    }
    if (!options.socket.empty()) {
        const auto check = inspectRelayPath(options.socket);
        if (!worthWaiting(check.kind)) {
            std::cerr << COMMAND << ": " << notARelayMessage(options.socket, check) << '\n';
            return EXIT_NOT_SURE;
        }
    }
    client::ClientOptions clientOptions;
    clientOptions.name = "publish";
    clientOptions.subscription = std::bitset<256>{}; // a pure producer: receive nothing (but the relay's errors)
    PublishDomain domain;
    std::unique_ptr<transport::Transport> transport;
    try {
        transport = openTransport(options, clientOptions.name, domain);
    } catch (const config::ConfigError& e) {
        std::cerr << COMMAND << ": " << e.what() << '\n';
        return EXIT_USAGE;
    }
    installStopSignals(); // before attaching: a signal must find the bus detached on the way out
    client::RelayClient relayClient(std::move(transport), clientOptions);
    Session session{relayClient, {}, std::chrono::milliseconds(options.timeoutMs)};
    codec::Encoder encoder;
    std::vector<std::uint8_t> frame;
    std::string line;
    std::size_t lineNumber = 0;
    int status = 0;
    while (stopSignal() == 0 && std::getline(std::cin, line)) {
        ++lineNumber;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        if (!encodeLine(line, lineNumber, encoder, domain, frame)) {
            status = EXIT_INPUT;
            if (!options.keepGoing) break;
            continue;
        }
        if (!session.send(frame)) {
            if (stopSignal() != 0) break;
            std::cerr << COMMAND << ": the relay did not take line " << lineNumber << " within " << options.timeoutMs
                      << " ms (--timeout-ms): " << relayClient.transport().reason() << '\n';
            return EXIT_NOT_SURE;
        }
        if (lineNumber % 256 == 0) session.readReplies();
    }
    if (stopSignal() != 0) {
        // The rest of the input was never sent: the frames meant may not have arrived.
        std::cerr << COMMAND << ": stopped by " << stopSignalName() << " after "
                  << relayClient.counters().framesPublished << " frame(s); the rest of the input was not sent\n";
        status = EXIT_NOT_SURE;
    }
    return verdict(session, status);
}

} // namespace

void addPublishCommand(CLI::App& app) {
    auto options = std::make_shared<PublishOptions>();
    auto* cmd = app.add_subcommand("publish", "Encode JSON Lines from stdin and send them to a relay; exits 0 only "
                                              "if nothing says a frame may not have arrived (3 otherwise)");
    cmd->add_option("socket", options->socket, "The relay's socket path (or --domain)");
    cmd->add_option("--domain", options->domain, "market_data, signals, execution or system: that domain's bus");
    cmd->add_option("--config", options->config, "Deployment file saying where each domain's bus is (with --domain)");
    cmd->add_flag("--keep-going", options->keepGoing, "Skip lines that do not encode instead of stopping");
    cmd->add_option("--timeout-ms", options->timeoutMs,
                    "Longest wait for the relay: per frame, and for its last answers at the end")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->callback([options] {
        const int status = runPublish(*options);
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
