// Replay of capture recordings. Frames are read in place from the reader's
// block buffer, copied once into an output batch where they are restamped,
// and the batch goes out whole (one write or one publish per 256 KiB), so
// that a replay at --speed max keeps a relay busy.
#include "capture_replay.hpp"

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <thread>
#include <vector>

#include "alphapulse/capture/reader.hpp"
#include "alphapulse/capture/writer.hpp"
#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/config/deployment.hpp"
#include "alphapulse/transport/unix_socket_transport.hpp"
#include "alphapulse/wire/crc32.hpp"
#include "alphapulse/wire/endian.hpp"
#include "alphapulse/wire/header.hpp"
#include "stop_signals.hpp"

namespace alphapulse::cli {
namespace {

constexpr std::size_t BATCH_BYTES = 256 * 1024;

/// Renumbers each source's frames from `first` in replay order, so that a
/// relay that requires sequences (execution) takes them, and a consumer's gap
/// detection sees exactly the frames that were left out by --types/--from.
class Restamper {
public:
    explicit Restamper(std::uint64_t first) { m_next.fill(first); }
    /// Sequence, optionally timestamp, then the checksum (it covers both).
    void apply(std::uint8_t* frame, std::size_t size, std::optional<std::uint64_t> timestampNs) {
        wire::FrameStamp stamp(frame, size);
        stamp.sequence(m_next[stamp.view().source()]++);
        if (timestampNs) stamp.timestamp(*timestampNs);
        stamp.seal();
    }

private:
    std::array<std::uint64_t, 256> m_next{};
};

/// Where the frames go: stdout, or a bus through BusClient.
class Sink {
public:
    explicit Sink(std::unique_ptr<client::BusClient> bus, double timeoutS)
        : m_bus(std::move(bus)), m_timeout(static_cast<long long>(timeoutS * 1000)) {
        m_batch.reserve(BATCH_BYTES + 2 * (wire::header::SIZE + wire::header::DEFAULT_MAX_PAYLOAD));
    }
    /// Room for a frame of `size` bytes at the end of the batch (flushing first when full).
    std::uint8_t* claim(std::size_t size) {
        if (m_batch.size() + size > BATCH_BYTES && !flush()) return nullptr;
        const std::size_t at = m_batch.size();
        m_batch.resize(at + size);
        return m_batch.data() + at;
    }
    bool flush() {
        if (m_batch.empty()) return true;
        bool ok = true;
        if (m_bus) {
            ok = m_bus->publishBlocking(m_batch, m_timeout);
            if (!ok) std::cerr << "alphapulse replay: the bus did not take a batch within the timeout\n";
            // Take what the relay says (Error frames) as we go.
            m_bus->poll(m_ignore, 0);
        } else {
            ok = std::fwrite(m_batch.data(), 1, m_batch.size(), stdout) == m_batch.size() && std::fflush(stdout) == 0;
        }
        m_batch.clear();
        return ok;
    }
    /// Hands everything over and collects the relay's answers; true when nothing was refused.
    bool finish() {
        if (!flush()) return false;
        if (!m_bus) return true;
        const bool drained = m_bus->drain(m_timeout);
        for (int i = 0; i < 5; ++i) m_bus->poll(m_ignore, 20);
        if (!drained) std::cerr << "alphapulse replay: frames left unsent when the timeout ran out\n";
        if (m_bus->counters().relayErrors != 0) {
            std::cerr << "alphapulse replay: the relay sent " << m_bus->counters().relayErrors
                      << " Error frame(s): frames were refused (see its counters: alphapulse stats)\n";
        }
        return drained && m_bus->counters().relayErrors == 0;
    }

private:
    std::unique_ptr<client::BusClient> m_bus;
    std::chrono::milliseconds m_timeout;
    std::vector<std::uint8_t> m_batch;
    /// A producer receives nothing but the relay's Error frames, which the client counts.
    std::function<void(const wire::FrameView&)> m_ignore = [](const wire::FrameView&) {};
};

std::unique_ptr<client::BusClient> connectBus(const CaptureReplayOptions& options) {
    client::ClientOptions clientOptions;
    clientOptions.name = options.name;
    clientOptions.subscription = std::bitset<256>{}; // a pure producer: the relay queues nothing for it
    if (!options.socket.empty()) {
        return std::make_unique<client::BusClient>(
            std::make_unique<transport::UnixSocketTransport>(transport::UnixSocketTransport::Options{options.socket}),
            clientOptions);
    }
    if (options.toDomain.empty()) return nullptr;
    const auto deployment = config::loadDeploymentOrDefault(options.config);
    return config::makeClient(deployment, config::domainFromName(options.toDomain), clientOptions,
                              config::SubscriptionSource::Options);
}

struct Totals {
    std::uint64_t sent = 0;
    std::uint64_t filtered = 0;
};

/// --speed: frame i leaves at start + (receive_i - receive_0) / speed.
class Pacer {
public:
    explicit Pacer(double speed) : m_speed(speed) {}
    /// When the frame received at `receiveNs` is due (the caller waits until then).
    std::chrono::steady_clock::time_point due(std::uint64_t receiveNs) {
        if (!m_started) {
            m_started = true;
            m_firstNs = receiveNs;
            m_start = std::chrono::steady_clock::now();
        }
        const double offset = static_cast<double>(receiveNs - m_firstNs) / m_speed;
        return m_start + std::chrono::nanoseconds(static_cast<std::int64_t>(offset));
    }
    [[nodiscard]] bool active() const { return m_speed > 0; }

private:
    double m_speed;
    bool m_started = false;
    std::uint64_t m_firstNs = 0;
    std::chrono::steady_clock::time_point m_start;
};

int replayFrames(const CaptureReplayOptions& options, capture::Reader& reader, Sink& sink, Totals& totals) {
    Restamper restamp(options.firstSequence);
    Pacer pacer(options.speed);
    capture::FrameRecord record;
    while (stopSignal() == 0 && reader.next(record)) {
        if (options.untilNs && record.receiveTimeNs > *options.untilNs) break;
        if (options.types && !options.types->test(record.frame[wire::header::MESSAGE_TYPE_OFFSET])) {
            ++totals.filtered;
            continue;
        }
        if (pacer.active()) {
            const auto due = pacer.due(record.receiveTimeNs);
            if (due > std::chrono::steady_clock::now()) {
                if (!sink.flush()) return 3;
                std::this_thread::sleep_until(due);
            }
        }
        std::uint8_t* out = sink.claim(record.frame.size());
        if (out == nullptr) return 3;
        std::memcpy(out, record.frame.data(), record.frame.size());
        restamp.apply(out, record.frame.size(),
                      options.keepTimestamps ? std::nullopt : std::optional<std::uint64_t>(capture::realtimeNs()));
        ++totals.sent;
    }
    if (!reader.error().ok()) {
        std::cerr << "alphapulse replay: " << reader.error().describe() << '\n';
        return 1;
    }
    return 0;
}

} // namespace

int runCaptureReplay(const CaptureReplayOptions& options) {
    const bool toStdout = options.toDomain.empty() && options.socket.empty();
    if (toStdout && isatty(STDOUT_FILENO) != 0 && !options.force) {
        std::cerr << "alphapulse replay: refusing to write binary frames to a terminal; pipe them into "
                     "`alphapulse decode`, or give --to DOMAIN (or pass --force)\n";
        return 2;
    }
    auto opened = capture::Reader::open(options.input);
    if (!opened) {
        std::cerr << "alphapulse replay: " << opened.error().describe() << '\n';
        return 1;
    }
    auto& reader = *opened.value();
    for (const auto& damage : reader.damage()) {
        std::cerr << "alphapulse replay: warning: " << damage.describe() << "; replaying what precedes it\n";
    }
    if (options.fromNs && !reader.seekTime(*options.fromNs)) {
        std::cerr << "alphapulse replay: " << reader.error().describe() << '\n';
        return 1;
    }
    installStopSignals();
    std::unique_ptr<client::BusClient> bus;
    try {
        bus = connectBus(options);
    } catch (const config::ConfigError& e) {
        std::cerr << "alphapulse replay: " << e.what() << '\n';
        return 2;
    }
    Sink sink(std::move(bus), options.timeoutS);
    Totals totals;
    int status = replayFrames(options, reader, sink, totals);
    if (!sink.finish() && status == 0) status = 3;
    const std::size_t damaged = reader.damage().size();
    std::cerr << "{\"replay_summary\":{\"frames\":" << totals.sent << ",\"filtered\":" << totals.filtered
              << ",\"damaged_blocks\":" << damaged << ",\"stopped_by_signal\":" << (stopSignal() != 0 ? "true" : "false")
              << "}}\n";
    return status;
}

} // namespace alphapulse::cli
