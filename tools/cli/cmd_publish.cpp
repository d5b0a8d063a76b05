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
//    taken may be lost), frames left unsent, or an Error frame: 3;
//  - on a relay that keeps a journal (execution by default) the client
//    publishes acknowledged (docs/design/recovery.md): every frame is kept
//    until the journal acknowledges it and resent after a reconnect, so a
//    broken connection loses nothing; it exits 0 only when every frame was
//    acknowledged, 3 naming the sources and sequences that were not.
#include <unistd.h>

#include <array>
#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/codec/encoder.hpp"
#include "alphapulse/config/deployment.hpp"
#include "alphapulse/transport/shm_transport.hpp"
#include "alphapulse/transport/unix_socket_transport.hpp"
#include "alphapulse/wire/frame.hpp"
#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/relay_errors.hpp"
#include "byte_input.hpp"
#include "cli11.hpp"
#include "bus_options.hpp"
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
    bool raw = false;       ///< stdin holds binary frames, sent as they are
    bool noAck = false;     ///< never publish acknowledged (the old contract, sequences per connection)
    int timeoutMs = 10'000; ///< longest wait for the relay (backpressure, reconnect, its last answers)
};

/// A shared-memory domain has no relay to send Error frames: the producer's
/// own send() refuses frames (domain, checksum, sequence) and counts them.
/// Compared after every send, so each reason is reported with the first
/// frame it concerned, as a relay's Error frame would be.
class ShmRefusals {
public:
    ShmRefusals(const transport::Transport& transport, RelayReports& reports)
        : m_shm(dynamic_cast<const transport::ShmTransport*>(&transport)) {
        if (m_shm != nullptr) reports.setReporter("the shared-memory domain " + m_shm->describe(), "shm");
    }

    void check(std::span<const std::uint8_t> frame, RelayReports& reports) {
        if (m_shm == nullptr) return;
        const auto& now = m_shm->counters();
        const std::uint8_t type = frame[wire::header::MESSAGE_TYPE_OFFSET];
        const auto sequence = wire::loadLe<std::uint64_t>(frame.data() + wire::header::SEQUENCE_OFFSET);
        using wire::RelayError;
        note(now.dropsOutOfDomain, m_seen.dropsOutOfDomain, RelayError::OutOfDomain, type, sequence, reports);
        note(now.dropsBadChecksum, m_seen.dropsBadChecksum, RelayError::BadChecksum, type, sequence, reports);
        note(now.dropsBadSequence, m_seen.dropsBadSequence, RelayError::BadSequence, type, sequence, reports);
        if (now.dropsMalformed != m_seen.dropsMalformed) reports.add(0, type, sequence, m_shm->reason());
        m_seen = now;
    }

private:
    void note(std::uint64_t now, std::uint64_t seen, wire::RelayError code, std::uint8_t type, std::uint64_t sequence,
              RelayReports& reports) const {
        // One report per frame refused (a relay sends one per connection).
        const std::string why = code == wire::RelayError::BadSequence ? m_shm->reason() : std::string();
        for (std::uint64_t n = seen; n < now; ++n) reports.add(static_cast<std::uint16_t>(code), type, sequence, why);
    }

    const transport::ShmTransport* m_shm;
    transport::ShmTransport::Counters m_seen{};
};

/// The connection and what the relay said on it.
struct Session {
    client::BusClient& relay;
    RelayReports reports;
    std::chrono::milliseconds timeout;
    ShmRefusals refusals{relay.transport(), reports};
    std::uint64_t refusedFull = 0;
    std::uint64_t journaledUnread = 0; ///< no_consumer reports after a relay restart (journaled: resuming consumers get them)

    /// Keeps the relay's Error frames. Acknowledged and after a reconnect,
    /// no_consumer is no loss: the relay restarted and its consumers are not
    /// back yet; the frame is journaled and a consumer that resumes receives
    /// it. On the first connection it still means nobody is there (3).
    /// A full relay refuses every reconnection an acknowledged client makes
    /// to resend: one report says it.
    void onReply(const wire::FrameView& frame) {
        if (relay.acknowledged() && frame.messageType() == static_cast<std::uint8_t>(wire::MessageType::Error)) {
            const auto view = wire::ErrorView::parse(frame.data(), frame.size(), /*verifyChecksum=*/false);
            const auto code = view ? view->error_code() : 0;
            if (code == static_cast<std::uint16_t>(wire::RelayError::NoConsumer) && relay.counters().reconnects != 0) {
                ++journaledUnread;
                return;
            }
            if (code == static_cast<std::uint16_t>(wire::RelayError::RelayFull) && refusedFull++ != 0) return;
        }
        reports.onFrame(frame);
    }

    /// Reads what the relay sent so far (its Error frames), without waiting.
    void readReplies() {
        // Acknowledged: frames read while waiting for ACKs are delivered even
        // after the connection went (a relay that refused us and closed).
        if (!relay.connected() && !relay.acknowledged()) return;
        auto keep = [this](const wire::FrameView& frame) { onReply(frame); };
        relay.poll(keep, 0);
    }

    /// Hands one frame over, waiting out backpressure and a reconnect.
    bool send(std::span<const std::uint8_t> frame) {
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            if (relay.publish(frame) == transport::SendStatus::Ok) {
                refusals.check(frame, reports);
                return true;
            }
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
        auto keep = [this](const wire::FrameView& frame) { onReply(frame); };
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (left <= 0) return Ending::NoAnswer;
            // The transport directly: BusClient would reconnect once the relay closes.
            if (relay.transport().receive(keep, static_cast<int>(std::min<long long>(left, 200))) < 0) {
                return Ending::Confirmed;
            }
        }
    }
};

std::unique_ptr<client::BusClient> openClient(const PublishOptions& options, const client::ClientOptions& clientOptions,
                                                PublishDomain& domain, std::uint32_t& maxPayload) {
    if (!options.socket.empty()) {
        domain = PublishDomain::fromRelay(options.socket, options.timeoutMs / 1000.0);
        client::ClientOptions resolved = clientOptions;
        if (!resolved.acknowledged) resolved.acknowledged = domain.journaled(); // as makeClient does from a deployment
        return std::make_unique<client::BusClient>(
            std::make_unique<transport::UnixSocketTransport>(transport::UnixSocketTransport::Options{options.socket}),
            resolved);
    }
    const auto deployment = config::loadDeploymentOrDefault(options.config);
    const auto id = config::domainFromName(options.domain);
    const auto& settings = config::requireDomain(deployment, id);
    domain = PublishDomain(id, settings.relay.customTypes);
    maxPayload = settings.relay.maxPayload;
    // Its own empty subscription, never a consumers: entry's: a transport that
    // subscribes when it connects (NATS) then subscribes to nothing.
    return config::makeClient(deployment, id, clientOptions, config::SubscriptionSource::Options);
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

/// What the relay reported, and whether it confirmed the end: EXIT_NOT_SURE when either says so.
int withRelayReports(Session& session, Session::Ending ending, int status) {
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

/// "source 80 sequences 5001-5100, source 81 sequence 7": what is kept unacknowledged.
std::string describeUnacknowledged(const client::UnackedFrames& kept) {
    std::array<std::uint64_t, 256> first{};
    std::array<std::uint64_t, 256> last{};
    std::array<std::uint64_t, 256> count{};
    kept.forEach([&](const wire::FrameView& frame) {
        const std::uint8_t s = frame.source();
        if (count[s]++ == 0) first[s] = frame.sequence();
        last[s] = frame.sequence();
    });
    std::string text;
    for (std::size_t s = 0; s < 256; ++s) {
        if (count[s] == 0) continue;
        if (!text.empty()) text += ", ";
        text += "source " + std::to_string(s) + ": " + std::to_string(count[s]) + " frame(s), sequence" +
                (count[s] == 1 ? " " + std::to_string(first[s])
                               : "s " + std::to_string(first[s]) + ".." + std::to_string(last[s]));
    }
    return text;
}

/// Acknowledged publishing: 0 only when the journal acknowledged every frame.
int acknowledgedVerdict(Session& session, int inputStatus) {
    client::BusClient& relay = session.relay;
    int status = inputStatus;
    const bool acknowledged = relay.drain(session.timeout);
    session.readReplies(); // Error frames read while waiting for the ACKs
    if (!acknowledged) {
        const auto& kept = relay.unacknowledged();
        std::cerr << COMMAND << ": " << kept.frames() << " frame(s) not acknowledged by the relay's journal after "
                  << session.timeout.count() << " ms (--timeout-ms; they may not have arrived): "
                  << describeUnacknowledged(kept)
                  << (relay.connected() ? std::string() : "; no connection to the relay: " + relay.transport().reason())
                  << '\n';
        status = EXIT_NOT_SURE;
    }
    const auto ending = acknowledged && relay.connected() ? session.finish() : Session::Ending::Unsupported;
    const auto& counters = relay.counters();
    if (counters.reconnects != 0) {
        std::cerr << COMMAND << ": the connection to the relay broke " << counters.reconnects << " time(s); "
                  << counters.framesRepublished << " frame(s) sent again after reconnecting"
                  << (acknowledged ? ", and the journal acknowledged every frame" : "") << '\n';
    }
    if (session.journaledUnread != 0) {
        std::cerr << COMMAND << ": the relay reported " << session.journaledUnread
                  << " time(s), after it restarted, that frames reached no consumer when they arrived (no_consumer): "
                     "its consumers were not back yet; the frames are journaled, and a consumer that resumes gets "
                     "them\n";
    }
    return withRelayReports(session, ending, status);
}

/// The verdict at the end: 0, or EXIT_NOT_SURE with every reason on stderr.
int verdict(Session& session, int inputStatus) {
    if (session.relay.counters().framesPublished == 0) return inputStatus; // nothing sent, nothing to lose
    if (session.relay.acknowledged()) return acknowledgedVerdict(session, inputStatus);
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
    return withRelayReports(session, ending, status);
}

/// Didn't take a frame within the time: what to say (nothing when a signal stopped us).
int notTaken(const PublishOptions& options, const Session& session, const std::string& which) {
    if (stopSignal() != 0) return 0;
    std::cerr << COMMAND << ": the relay did not take " << which << " within " << options.timeoutMs
              << " ms (--timeout-ms): " << session.relay.transport().reason() << '\n';
    return EXIT_NOT_SURE;
}

/// JSON Lines, encoded (checksums computed) and checked against the domain.
int publishLines(const PublishOptions& options, const PublishDomain& domain, Session& session) {
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
            const int why = notTaken(options, session, "line " + std::to_string(lineNumber));
            return why != 0 ? why : status;
        }
        if (lineNumber % 256 == 0) session.readReplies();
    }
    return status;
}

/// The bytes of the frame at the front of `input`, or nullopt after an error
/// line naming its byte offset (EXIT_INPUT) or at the end of the input.
std::optional<std::size_t> nextRawFrame(ByteInput& input, std::size_t index, std::uint32_t maxPayload, int& status) {
    std::size_t need = wire::header::SIZE;
    for (;;) {
        const bool have = input.require(need);
        if (input.size() == 0 && !have) return std::nullopt; // the end, between frames
        const auto length = wire::frameLength(input.data(), input.size(), maxPayload);
        if (length) return *length;
        const bool truncated = length.error() == wire::WireError::Truncated;
        if (truncated && have && input.size() >= wire::header::SIZE && need == wire::header::SIZE) {
            need = wire::header::frameSize(input.data());
            continue;
        }
        if (truncated && stopSignal() != 0) return std::nullopt;
        codec::Json report{{"error", wire::errorName(length.error())},
                           {"offset", input.offset()},
                           {"frame", index}};
        report["message"] = truncated ? "the input ends at byte " + std::to_string(input.offset() + input.size()) +
                                            " inside the frame that starts at byte " + std::to_string(input.offset()) +
                                            " (" + std::to_string(need) + " bytes); not sent"
                                      : std::string(wire::errorMessage(length.error())) +
                                            "; nothing from there on was sent";
        std::cerr << report.dump() << '\n';
        status = EXIT_INPUT;
        return std::nullopt;
    }
}

/// Back-to-back binary frames (a capture, `alphapulse encode`'s output), sent
/// as they are: checksums, sequences and types untouched, so the domain
/// judges them. Only the framing is checked (magic, size within max_payload).
int publishRaw(const PublishOptions& options, std::uint32_t maxPayload, Session& session) {
    ByteInput input("-");
    input.stopWhen(stopRequested);
    int status = 0;
    for (std::size_t index = 0; stopSignal() == 0; ++index) {
        const auto length = nextRawFrame(input, index, maxPayload, status);
        if (!length) break;
        if (!session.send({input.data(), *length})) {
            const int why = notTaken(options, session, "frame " + std::to_string(index) + " (byte " +
                                                          std::to_string(input.offset()) + ")");
            return why != 0 ? why : status;
        }
        input.consume(*length);
        if (index % 256 == 255) session.readReplies();
    }
    if (!input.error().empty() && stopSignal() == 0) {
        std::cerr << COMMAND << ": " << input.error() << '\n';
        status = EXIT_INPUT;
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
    if (options.noAck) clientOptions.acknowledged = false; // otherwise: on where the domain keeps a journal
    PublishDomain domain;
    std::uint32_t maxPayload = wire::header::DEFAULT_MAX_PAYLOAD; // a relay's own, unless the deployment says
    installStopSignals(); // before attaching: a signal must find the bus detached on the way out
    std::unique_ptr<client::BusClient> connection;
    try {
        connection = openClient(options, clientOptions, domain, maxPayload);
    } catch (const config::ConfigError& e) {
        std::cerr << COMMAND << ": " << e.what() << '\n';
        return EXIT_USAGE;
    }
    client::BusClient& relayClient = *connection;
    Session session{relayClient, {}, std::chrono::milliseconds(options.timeoutMs)};
    int status = options.raw ? publishRaw(options, maxPayload, session) : publishLines(options, domain, session);
    if (status == EXIT_NOT_SURE && stopSignal() == 0) return status; // a frame not taken: said already
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
    addBusAddressOptions(*cmd, options->socket, options->domain, options->config);
    cmd->add_flag("--keep-going", options->keepGoing, "Skip lines that do not encode instead of stopping");
    cmd->add_flag("--no-ack", options->noAck,
                  "On a relay with a journal, do not ask it to acknowledge (nothing is kept for resending after a "
                  "reconnect; sequences are then checked per connection, not against the journal)");
    cmd->add_flag("--raw", options->raw,
                  "stdin holds binary frames back to back (a capture), sent as they are: checksums, sequences "
                  "and types untouched")
        ->excludes("--keep-going");
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
