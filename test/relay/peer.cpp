// alphapulse_test_peer: a relay client as its own process, for the
// multi-process relay tests (relay_process_test.cpp).
//
// Every mode takes either --socket P (a Unix-socket relay) or --config FILE
// --domain D (the domain's transport as the deployment file says: Unix socket,
// TCP, channel, ...). With --name N the client is the consumer N of the file.
// --ready-file F: created once the client is connected (for start barriers).
//
//   produce  --socket P --type trade|quote|order|arbitrage --source S --count N
//            [--batch B] [--rate FRAMES_PER_S] [--wait-file F] [--drain-ms D] [--timeout-ms T] [--bad-checksum]
//            [--instruments K (market data: K instruments in turn)]
//       A pure producer (empty subscription): sequences 1..N from source S, in
//       batches, optionally at a rate; exits once everything is written.
//       Prints {"published":N,"relay_errors":E,"reconnects":R}.
//   consume  --socket P [--count N] [--timeout-ms T] [--types Trade,Quote] [--allow-gaps]
//            [--linger-ms L] [--until-seq S] [--snapshot 1] [--pause-at N --pause-ms M]
//       Receives until N data frames (or a frame with sequence >= S) or the
//       timeout, then listens L ms more; checks per-source order (+1 steps, or
//       strictly rising with --allow-gaps). Prints one JSON line: count,
//       per_source, per_type, last_seq, order_ok, gaps, relay_errors, reconnects.
//   both     like produce (no subscription, so it also receives), then consume
//            --expect N frames from the others; the summary is consume's.
//   produce-acked --socket P --type T --source S --count N [--batch B] [--rate R] [--timeout-ms T]
//       The resending producer of docs/design/recovery.md, on its own
//       transport: asks for acknowledgements (Subscribe flag ACKS), and after
//       every (re)connection resends from the sequence after the one the
//       relay's journal holds. Exits once all N are acknowledged. Prints
//       {"published":N,"acked":A,"reconnects":R,"sent":frames written, resends included}.
//   frames   --type T --source S --count N [--batch B] [--rate R]
//       No connection: writes the frames (sequences 1..N from source S) to
//       stdout, back to back, in batches at a rate: paced input for
//       `alphapulse publish --raw`. Prints nothing else.
//   raw      --socket P --fault garbage|truncated|huge|out-of-domain|bad-checksum|never-read|half-frame|probe
//            [--type T] [--count N] [--hold-ms H] [--size BYTES (garbage)] [--bind ADDRESS (tcp)]
//       Faults written straight to the socket. Prints one JSON line with what it saw.
//   strategy --config FILE --domain IN --out-domain OUT --count N [--timeout-ms T]
//       A service: for each of the first N frames it receives on IN it
//       publishes one OrderRequest (sequence 1..N) on OUT. Prints the consume summary.
//
// The modes are also a library (peer.hpp, runPeer): in-process transports
// (channel) run them as threads of the test itself.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>


#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/config/deployment.hpp"
#include "alphapulse/config/transport_table.hpp"
#include "alphapulse/transport/tcp_socket.hpp"
#include "alphapulse/transport/unix_socket.hpp"
#include "alphapulse/transport/unix_socket_transport.hpp"
#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/subscribe.hpp"
#include "peer.hpp"

using namespace alphapulse;
using Clock = std::chrono::steady_clock;

namespace alphapulse::test {
namespace {

/// Where a mode's JSON lines go: collected (in-process runs), and echoed
/// to stdout at once in a process (the test reads a raw peer's lines while it still runs).
struct Output {
    std::FILE* echo = nullptr;
    std::string text;

    void printf(const char* format, ...) __attribute__((format(printf, 2, 3))) {
        char buffer[4096];
        va_list args;
        va_start(args, format);
        const int n = std::vsnprintf(buffer, sizeof buffer, format, args);
        va_end(args);
        if (n <= 0) return;
        const std::string line(buffer, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buffer - 1));
        text += line;
        if (echo != nullptr) {
            std::fputs(line.c_str(), echo);
            std::fflush(echo);
        }
    }
};

struct Args {
    std::string mode;
    std::map<std::string, std::string> opts;
    std::vector<std::string> flags;

    [[nodiscard]] std::string get(const std::string& key, const std::string& fallback = "") const {
        const auto it = opts.find(key);
        return it == opts.end() ? fallback : it->second;
    }
    [[nodiscard]] std::uint64_t num(const std::string& key, std::uint64_t fallback) const {
        const auto it = opts.find(key);
        return it == opts.end() ? fallback : std::stoull(it->second);
    }
    [[nodiscard]] bool flag(const std::string& key) const {
        for (const auto& f : flags) {
            if (f == key) return true;
        }
        return false;
    }
};

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

[[noreturn]] void usage(const std::string& why) { throw UsageError(why); }

Args parse(const std::vector<std::string>& argv) {
    if (argv.empty()) usage("expected a mode: produce, consume, both, raw or strategy");
    Args args;
    args.mode = argv[0];
    for (std::size_t i = 1; i < argv.size(); ++i) {
        const std::string& key = argv[i];
        if (key.rfind("--", 0) != 0) usage("unexpected argument " + key);
        if (key == "--allow-gaps" || key == "--bad-checksum") {
            args.flags.push_back(key.substr(2));
            continue;
        }
        if (i + 1 >= argv.size()) usage("missing value for " + key);
        args.opts[key.substr(2)] = argv[++i];
    }
    if (args.mode != "frames" && args.get("socket").empty() == args.get("config").empty()) {
        usage("give --socket, or --config and --domain");
    }
    if (!args.get("config").empty() && args.get("domain").empty()) usage("--config needs --domain");
    return args;
}

std::uint8_t typeByName(const std::string& name) {
    if (name == "trade" || name == "Trade") return static_cast<std::uint8_t>(wire::MessageType::Trade);
    if (name == "quote" || name == "Quote") return static_cast<std::uint8_t>(wire::MessageType::Quote);
    if (name == "order" || name == "OrderRequest") return static_cast<std::uint8_t>(wire::MessageType::OrderRequest);
    if (name == "arbitrage" || name == "ArbitrageOpportunity") {
        return static_cast<std::uint8_t>(wire::MessageType::ArbitrageOpportunity);
    }
    const auto type = wire::messageTypeFromName(name);
    if (!type) usage("unknown message type " + name);
    return *type;
}

/// Appends one checksummed frame of `type` from `source` with `sequence`;
/// market data on instrument `instrument` (0: BTCUSDT, else SYM<n>).
void appendFrame(std::vector<std::uint8_t>& out, std::uint8_t type, std::uint8_t source, std::uint64_t sequence,
                 std::uint64_t instrument = 0) {
    const auto symbol = instrument == 0 ? std::string("BTCUSDT") : "SYM" + std::to_string(instrument);
    const auto at = out.size();
    const auto ts = sequence * 1000 + 1;
    switch (static_cast<wire::MessageType>(type)) {
    case wire::MessageType::Trade: {
        out.resize(at + wire::TradeLayout::SIZE);
        auto b = *wire::TradeBuilder::into(out.data() + at, wire::TradeLayout::SIZE);
        b.source(source).sequence(sequence).timestamp(ts);
        b.instrument_id(*wire::InstrumentId::symbol(wire::VenueId::Binance, wire::AssetType::Pair, symbol));
        b.price(static_cast<std::int64_t>(sequence)).volume(sequence).side(1);
        b.finish();
        return;
    }
    case wire::MessageType::Quote: {
        out.resize(at + wire::QuoteLayout::SIZE);
        auto b = *wire::QuoteBuilder::into(out.data() + at, wire::QuoteLayout::SIZE);
        b.source(source).sequence(sequence).timestamp(ts);
        b.instrument_id(*wire::InstrumentId::symbol(wire::VenueId::Binance, wire::AssetType::Pair, symbol));
        b.bid_price(100).ask_price(101).bid_size(sequence).ask_size(sequence);
        b.finish();
        return;
    }
    case wire::MessageType::OrderRequest: {
        out.resize(at + wire::OrderRequestLayout::SIZE);
        auto b = *wire::OrderRequestBuilder::into(out.data() + at, wire::OrderRequestLayout::SIZE);
        b.source(source).sequence(sequence).timestamp(ts);
        b.client_order_id(sequence).instrument_id(*wire::InstrumentId::stock(wire::VenueId::NASDAQ, "AAPL"));
        b.side(1).order_type(2).price(100).quantity(10);
        b.finish();
        return;
    }
    case wire::MessageType::ArbitrageOpportunity: {
        out.resize(at + wire::ArbitrageOpportunityLayout::SIZE);
        auto b = *wire::ArbitrageOpportunityBuilder::into(out.data() + at, wire::ArbitrageOpportunityLayout::SIZE);
        b.source(source).sequence(sequence).timestamp(ts).spread_bps(12);
        b.finish();
        return;
    }
    default: usage("no frame builder for type " + std::to_string(type));
    }
}

std::unique_ptr<client::BusClient> makeClient(const Args& args, std::optional<std::bitset<256>> subscription,
                                                const std::string& domainKey = "domain") {
    client::ClientOptions options;
    options.name = args.get("name", "test_peer");
    options.subscription = subscription;
    options.maxBackoff = std::chrono::milliseconds(200); // tests restart relays: come back quickly
    options.snapshot = args.num("snapshot", 0) != 0;
    std::unique_ptr<client::BusClient> c;
    if (args.get("config").empty()) {
        c = std::make_unique<client::BusClient>(
            std::make_unique<transport::UnixSocketTransport>(transport::UnixSocketTransport::Options{args.get("socket")}),
            options);
    } else {
        const auto deployment = config::loadDeployment(args.get("config"));
        c = config::makeClient(deployment, config::domainFromName(args.get(domainKey)), options);
    }
    if (const auto ready = args.get("ready-file"); !ready.empty() && domainKey == "domain") {
        // Connected (a relay may not have accepted yet: tests also ask its stats).
        const auto deadline = Clock::now() + std::chrono::milliseconds(args.num("timeout-ms", 10'000));
        while (!c->connected() && Clock::now() < deadline) {
            c->flush();
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        std::ofstream(ready) << "ready\n";
    }
    return c;
}

bool waitForFile(const std::string& path, int timeoutMs) {
    if (path.empty()) return true;
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
    struct stat st {};
    while (::stat(path.c_str(), &st) != 0) {
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

/// What a consumer saw.
struct Tally {
    bool allowGaps = false;
    std::uint64_t count = 0;
    std::uint64_t gaps = 0;
    std::uint64_t relayErrors = 0;
    std::uint64_t maxSequence = 0;
    bool orderOk = true;
    std::string firstDisorder;
    std::map<unsigned, std::uint64_t> perSource;
    std::map<unsigned, std::uint64_t> perType;
    std::map<unsigned, std::uint64_t> last;

    void operator()(const wire::FrameView& frame) {
        const std::uint8_t source = frame.source();
        if (frame.messageType() == static_cast<std::uint8_t>(wire::MessageType::Error) &&
            source >= static_cast<std::uint8_t>(wire::SourceType::MarketDataRelay) &&
            source <= static_cast<std::uint8_t>(wire::SourceType::SystemRelay)) {
            ++relayErrors;
            return;
        }
        ++count;
        ++perSource[source];
        ++perType[frame.messageType()];
        const std::uint64_t seq = frame.sequence();
        if (seq > maxSequence) maxSequence = seq;
        const auto it = last.find(source);
        if (it != last.end()) {
            const bool ok = allowGaps ? seq > it->second : seq == it->second + 1;
            if (seq > it->second + 1) ++gaps;
            if (!ok && orderOk) {
                orderOk = false;
                firstDisorder = "source " + std::to_string(source) + ": " + std::to_string(seq) + " after " +
                                std::to_string(it->second);
            }
        } else if (seq != 1) {
            if (!allowGaps && orderOk) {
                orderOk = false;
                firstDisorder = "source " + std::to_string(source) + " started at " + std::to_string(seq);
            }
            if (seq > 1) ++gaps;
        }
        last[source] = seq;
    }
};

std::string mapJson(const std::map<unsigned, std::uint64_t>& m) {
    std::ostringstream out;
    out << '{';
    bool first = true;
    for (const auto& [k, v] : m) {
        out << (first ? "" : ",") << '"' << k << "\":" << v;
        first = false;
    }
    out << '}';
    return out.str();
}

void printSummary(Output& out, const Tally& t, const client::BusClient& c) {
    out.printf("{\"count\":%llu,\"per_source\":%s,\"per_type\":%s,\"last_seq\":%s,\"order_ok\":%s,"
                "\"gaps\":%llu,\"relay_errors\":%llu,\"reconnects\":%llu,\"catch_ups\":%llu,\"resent\":%llu,"
                "\"disorder\":\"%s\"}\n",
                static_cast<unsigned long long>(t.count), mapJson(t.perSource).c_str(), mapJson(t.perType).c_str(),
                mapJson(t.last).c_str(), t.orderOk ? "true" : "false", static_cast<unsigned long long>(t.gaps),
                static_cast<unsigned long long>(t.relayErrors),
                static_cast<unsigned long long>(c.counters().reconnects),
                static_cast<unsigned long long>(c.counters().catchUps),
                static_cast<unsigned long long>(c.counters().framesResent), t.firstDisorder.c_str());
}

/// Publishes 1..count; polls `c` for frames meanwhile when `tally` is given.
bool produceAll(const Args& args, client::BusClient& c, Tally* tally) {
    const std::uint8_t type = typeByName(args.get("type", "trade"));
    const auto source = static_cast<std::uint8_t>(args.num("source", 1));
    const std::uint64_t count = args.num("count", 1000);
    const std::uint64_t batch = std::max<std::uint64_t>(1, args.num("batch", 100));
    const std::uint64_t rate = args.num("rate", 0);
    const auto timeout = std::chrono::milliseconds(args.num("timeout-ms", 10'000));
    if (!waitForFile(args.get("wait-file"), static_cast<int>(timeout.count()))) {
        std::fprintf(stderr, "test_peer: no start signal\n");
        return false;
    }
    std::vector<std::uint8_t> frames;
    const auto start = Clock::now();
    for (std::uint64_t seq = 1; seq <= count;) {
        frames.clear();
        const std::uint64_t end = std::min(count, seq + batch - 1);
        for (std::uint64_t s = seq; s <= end; ++s) {
            const auto at = frames.size();
            const std::uint64_t instruments = args.num("instruments", 0);
            appendFrame(frames, type, source, s, instruments == 0 ? 0 : 1 + s % instruments);
            if (args.flag("bad-checksum")) frames[at + wire::header::CHECKSUM_OFFSET] ^= 0x5A;
        }
        if (rate != 0) {
            const auto due = start + std::chrono::microseconds((seq - 1) * 1'000'000 / rate);
            while (Clock::now() < due) {
                if (tally != nullptr) c.poll(*tally, 1);
                else std::this_thread::sleep_until(due);
            }
        }
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            if (c.publish(frames) == transport::SendStatus::Ok) break;
            if (Clock::now() >= deadline) {
                std::fprintf(stderr, "test_peer: publish timed out at sequence %llu: %s\n",
                             static_cast<unsigned long long>(seq), c.transport().reason().c_str());
                return false;
            }
            c.flush();
            if (tally != nullptr) c.poll(*tally, 0);
            else std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
        if (tally != nullptr) c.poll(*tally, 0);
        seq = end + 1;
    }
    // Everything handed over: wait until it is written to the socket.
    const auto deadline = Clock::now() + timeout;
    while (c.transport().pendingBytes() + c.bufferedBytes() != 0 || !c.connected()) {
        if (Clock::now() >= deadline) {
            std::fprintf(stderr, "test_peer: frames left unwritten: %s\n", c.transport().reason().c_str());
            return false;
        }
        c.flush();
        if (tally != nullptr) c.poll(*tally, 1);
        else std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

void consumeUntil(const Args& args, client::BusClient& c, Tally& tally, std::uint64_t count) {
    const std::uint64_t untilSeq = args.num("until-seq", 0);
    const auto deadline = Clock::now() + std::chrono::milliseconds(args.num("timeout-ms", 10'000));
    const auto done = [&] {
        if (untilSeq != 0) return tally.maxSequence >= untilSeq;
        return count != 0 && tally.count >= count;
    };
    // --pause-at N --pause-ms M: stop reading for M ms after N frames (a
    // consumer that lags, so the relay holds frames for it).
    const std::uint64_t pauseAt = args.num("pause-at", 0);
    bool paused = false;
    while (!done() && Clock::now() < deadline) {
        c.poll(tally, 20);
        if (pauseAt != 0 && !paused && tally.count >= pauseAt) {
            paused = true;
            std::this_thread::sleep_for(std::chrono::milliseconds(args.num("pause-ms", 1000)));
        }
    }
    const auto lingerEnd = Clock::now() + std::chrono::milliseconds(args.num("linger-ms", 0));
    while (Clock::now() < lingerEnd) c.poll(tally, 10);
}

int produce(const Args& args, Output& out) {
    auto c = makeClient(args, std::bitset<256>{});
    Tally tally;
    if (!produceAll(args, *c, nullptr)) return 1;
    const auto drainEnd = Clock::now() + std::chrono::milliseconds(args.num("drain-ms", 0));
    while (Clock::now() < drainEnd) c->poll(tally, 10);
    out.printf("{\"published\":%llu,\"relay_errors\":%llu,\"reconnects\":%llu}\n",
                static_cast<unsigned long long>(args.num("count", 1000)),
                static_cast<unsigned long long>(tally.relayErrors),
                static_cast<unsigned long long>(c->counters().reconnects));
    return 0;
}

int consume(const Args& args, Output& out) {
    std::optional<std::bitset<256>> subscription;
    if (!args.get("types").empty()) {
        std::bitset<256> set;
        std::stringstream list(args.get("types"));
        std::string name;
        while (std::getline(list, name, ',')) set.set(typeByName(name));
        subscription = set;
    }
    auto c = makeClient(args, subscription);
    Tally tally;
    tally.allowGaps = args.flag("allow-gaps");
    consumeUntil(args, *c, tally, args.num("count", 0));
    printSummary(out, tally, *c);
    return 0;
}

int both(const Args& args, Output& out) {
    auto c = makeClient(args, std::nullopt);
    Tally tally;
    tally.allowGaps = args.flag("allow-gaps");
    if (!produceAll(args, *c, &tally)) return 1;
    consumeUntil(args, *c, tally, args.num("expect", 0));
    printSummary(out, tally, *c);
    return 0;
}

/// Connects (retrying until `deadline`), asks for acknowledgements of
/// `source` and waits for the relay's first: the sequence its journal holds.
std::optional<std::uint64_t> connectAcked(transport::Transport& t, std::uint8_t source, Clock::time_point deadline) {
    while (!t.connect()) {
        if (Clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::array<std::uint8_t, wire::subscribe::MAX_SIZE> subscribe{};
    const wire::subscribe::ResumePoint point{source, 0};
    const std::size_t size = wire::subscribe::build(subscribe.data(), subscribe.size(), {}, wire::subscribe::FLAG_ACKS,
                                                    0, {&point, 1});
    if (t.send({subscribe.data(), size}) != transport::SendStatus::Ok || !t.flush()) return std::nullopt;
    std::optional<std::uint64_t> acked;
    auto onFrame = [&](const wire::FrameView& frame) {
        const auto view = wire::SnapshotView::parse(frame.data(), frame.size());
        if (view && view->phase() == wire::subscribe::PHASE_ACK && view->snapshot_id() == source) {
            acked = view->last_sequence();
        }
    };
    while (!acked && Clock::now() < deadline) {
        if (t.receive(onFrame, 10) < 0) return std::nullopt;
    }
    return acked;
}

int produceAcked(const Args& args, Output& out) {
    const std::uint8_t type = typeByName(args.get("type", "order"));
    const auto source = static_cast<std::uint8_t>(args.num("source", 80));
    const std::uint64_t count = args.num("count", 1000);
    const std::uint64_t batch = std::max<std::uint64_t>(1, args.num("batch", 100));
    const std::uint64_t rate = args.num("rate", 0);
    const auto deadline = Clock::now() + std::chrono::milliseconds(args.num("timeout-ms", 30'000));
    // Every frame kept until acknowledged (here: built up front, all the same size).
    std::vector<std::uint8_t> frames;
    for (std::uint64_t seq = 1; seq <= count; ++seq) appendFrame(frames, type, source, seq);
    const std::size_t frameSize = frames.size() / count;
    transport::UnixSocketTransport t(transport::UnixSocketTransport::Options{args.get("socket")});
    std::uint64_t acked = 0;
    std::uint64_t next = 1; // the next sequence to send on this connection
    std::uint64_t reconnects = 0;
    std::uint64_t sent = 0;
    bool connected = false;
    auto onFrame = [&](const wire::FrameView& frame) {
        const auto view = wire::SnapshotView::parse(frame.data(), frame.size());
        if (view && view->phase() == wire::subscribe::PHASE_ACK && view->snapshot_id() == source) {
            acked = std::max<std::uint64_t>(acked, view->last_sequence());
        }
    };
    const auto start = Clock::now();
    while (acked < count) {
        if (Clock::now() >= deadline) {
            std::fprintf(stderr, "test_peer: %llu of %llu acknowledged at the timeout\n",
                         static_cast<unsigned long long>(acked), static_cast<unsigned long long>(count));
            return 1;
        }
        if (!connected) {
            const auto journaled = connectAcked(t, source, deadline);
            if (!journaled) {
                t.close();
                continue;
            }
            reconnects += sent != 0 ? 1 : 0;
            acked = std::max(acked, *journaled);
            next = *journaled + 1; // what the journal does not hold, in order, from here
            connected = true;
        }
        if (next <= count) {
            if (rate != 0) {
                const auto due = start + std::chrono::microseconds((next - 1) * 1'000'000 / rate);
                if (Clock::now() < due) std::this_thread::sleep_until(due);
            }
            const std::uint64_t end = std::min(count, next + batch - 1);
            const std::span<const std::uint8_t> chunk(frames.data() + (next - 1) * frameSize, (end - next + 1) * frameSize);
            const auto status = t.send(chunk);
            if (status == transport::SendStatus::Ok) {
                sent += end - next + 1;
                next = end + 1;
            } else if (status == transport::SendStatus::Closed) {
                connected = false;
                t.close();
                continue;
            }
        }
        if (!t.flush() || t.receive(onFrame, next > count ? 10 : 0) < 0) {
            connected = false;
            t.close();
        }
    }
    out.printf("{\"published\":%llu,\"acked\":%llu,\"reconnects\":%llu,\"sent\":%llu}\n",
               static_cast<unsigned long long>(count), static_cast<unsigned long long>(acked),
               static_cast<unsigned long long>(reconnects), static_cast<unsigned long long>(sent));
    return 0;
}

int framesToStdout(const Args& args) {
    const std::uint8_t type = typeByName(args.get("type", "order"));
    const auto source = static_cast<std::uint8_t>(args.num("source", 80));
    const std::uint64_t count = args.num("count", 1000);
    const std::uint64_t batch = std::max<std::uint64_t>(1, args.num("batch", 100));
    const std::uint64_t rate = args.num("rate", 0);
    std::vector<std::uint8_t> frames;
    const auto start = Clock::now();
    for (std::uint64_t next = 1; next <= count; next += batch) {
        if (rate != 0) std::this_thread::sleep_until(start + std::chrono::microseconds((next - 1) * 1'000'000 / rate));
        frames.clear();
        for (std::uint64_t seq = next; seq <= std::min(count, next + batch - 1); ++seq) appendFrame(frames, type, source, seq);
        for (std::size_t at = 0; at < frames.size();) {
            const ssize_t n = ::write(STDOUT_FILENO, frames.data() + at, frames.size() - at);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return 1; // the reader went away
            at += static_cast<std::size_t>(n);
        }
    }
    return 0;
}

/// Waits up to timeoutMs for the relay to close the connection: "closed", "open" or "error".
std::string waitClosed(int fd, int timeoutMs) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
    std::uint8_t buf[65536];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return "open";
        pollfd pfd{fd, POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(left)) <= 0) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0) return "closed";
        if (n < 0 && errno != EAGAIN && errno != EINTR) return errno == ECONNRESET ? "closed" : "error";
    }
}

/// A raw stream socket to the relay: the --socket path, or the Unix socket or
/// TCP address the deployment gives the domain (TCP: from --bind when given).
int connectRaw(const Args& args) {
    if (args.get("config").empty()) return transport::connectUnix(args.get("socket"));
    const auto deployment = config::loadDeployment(args.get("config"));
    const auto& settings = config::requireDomain(deployment, config::domainFromName(args.get("domain")));
    const auto address = config::transportOf(settings).relayAddress(settings);
    if (!address) usage("raw faults need a relay's stream socket (unix_socket or tcp)");
    if (!address->unixPath.empty()) return transport::connectUnix(address->unixPath);
    const std::string bindTo = args.get("bind");
    if (bindTo.empty()) return transport::connectTcp({address->host, address->port}, 2000);
    // From a chosen source address (any 127.x.y.z is loopback on Linux).
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(address->port);
    if (fd < 0 || ::inet_pton(AF_INET, bindTo.c_str(), &local.sin_addr) != 1 ||
        ::inet_pton(AF_INET, address->host.c_str(), &remote.sin_addr) != 1) {
        usage("--bind needs IPv4 addresses");
    }
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0 ||
        ::connect(fd, reinterpret_cast<const sockaddr*>(&remote), sizeof remote) != 0) {
        const int saved = errno;
        ::close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int raw(const Args& args, Output& report) {
    const std::string fault = args.get("fault");
    const int fd = connectRaw(args);
    if (fd < 0) {
        report.printf("{\"connected\":false,\"error\":\"%s\"}\n", std::strerror(errno));
        return 0;
    }
    const int holdMs = static_cast<int>(args.num("hold-ms", 1000));
    const std::uint64_t count = args.num("count", 10);
    const auto send = [&](const std::vector<std::uint8_t>& bytes) {
        if (!transport::writeAll(fd, bytes.data(), bytes.size(), 2000)) usage("write failed");
    };
    std::vector<std::uint8_t> out;
    if (fault != "never-read" && fault != "probe") {
        // Receive nothing: the fault's effect is the only thing this connection does.
        out.resize(wire::SubscribeLayout::SIZE);
        client::buildSubscribe(out.data(), std::bitset<256>{});
        send(out);
        out.clear();
    }
    std::string result;
    if (fault == "garbage") {
        // An HTTP request sent to the wrong socket; --size N sends only its first N bytes.
        std::string text = "GET /metrics HTTP/1.1\r\nHost: relay\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
        text.resize(std::min<std::size_t>(text.size(), args.num("size", text.size())));
        send(std::vector<std::uint8_t>(text.begin(), text.end()));
        result = waitClosed(fd, holdMs);
    } else if (fault == "huge") {
        appendFrame(out, typeByName(args.get("type", "trade")), 1, 1);
        wire::storeLe<std::uint32_t>(out.data() + wire::header::PAYLOAD_SIZE_OFFSET, 0xFFFFFFF0u);
        out.resize(wire::header::SIZE);
        send(out);
        result = waitClosed(fd, holdMs);
    } else if (fault == "truncated" || fault == "half-frame") {
        appendFrame(out, typeByName(args.get("type", "trade")), 1, 1);
        out.resize(fault == "truncated" ? 40 : out.size() / 2);
        send(out);
        if (fault == "half-frame") {
            report.printf("{\"written\":%zu}\n", out.size());
            ::pause(); // until the test kills it
        }
        result = "sent";
    } else if (fault == "out-of-domain" || fault == "bad-checksum") {
        const auto source = static_cast<std::uint8_t>(args.num("source", 99));
        for (std::uint64_t i = 1; i <= count; ++i) {
            const auto at = out.size();
            appendFrame(out, typeByName(args.get("type", "order")), source, i);
            if (fault == "bad-checksum") out[at + wire::header::CHECKSUM_OFFSET] ^= 0x5A;
        }
        send(out);
        result = waitClosed(fd, holdMs); // "open": the connection was kept
    } else if (fault == "never-read") {
        int tiny = 4096;
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof tiny);
        report.printf("{\"connected\":true}\n");
        // Never reads; a shutdown(SHUT_RD)-free wait, then a look at whether it was cut off.
        std::this_thread::sleep_for(std::chrono::milliseconds(holdMs));
        std::uint8_t buf[65536];
        std::uint64_t drained = 0;
        bool closed = false;
        const auto deadline = Clock::now() + std::chrono::seconds(3);
        while (Clock::now() < deadline) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) {
                drained += static_cast<std::uint64_t>(n);
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) closed = true;
            break;
        }
        report.printf("{\"drained_bytes\":%llu,\"closed\":%s}\n", static_cast<unsigned long long>(drained),
                    closed ? "true" : "false");
        ::close(fd);
        return 0;
    } else if (fault == "probe") {
        result = waitClosed(fd, holdMs);
    } else {
        usage("unknown fault " + fault);
    }
    report.printf("{\"connected\":true,\"result\":\"%s\"}\n", result.c_str());
    ::close(fd);
    return 0;
}

/// For each of the first N frames received on --domain, one OrderRequest on --out-domain.
int strategy(const Args& args, Output& out) {
    auto in = makeClient(args, std::nullopt);
    auto orders = makeClient(args, std::bitset<256>{}, "out-domain");
    const std::uint64_t count = args.num("count", 100);
    Tally tally;
    tally.allowGaps = args.flag("allow-gaps");
    std::vector<std::uint8_t> frame;
    std::uint64_t sent = 0;
    const auto deadline = Clock::now() + std::chrono::milliseconds(args.num("timeout-ms", 10'000));
    auto handler = [&](const wire::FrameView& f) {
        tally(f);
        if (sent >= count) return;
        frame.clear();
        appendFrame(frame, static_cast<std::uint8_t>(wire::MessageType::OrderRequest),
                    static_cast<std::uint8_t>(wire::SourceType::ArbitrageStrategy), ++sent);
        if (!orders->publishBlocking(frame, std::chrono::milliseconds(2000))) {
            std::fprintf(stderr, "test_peer strategy: order %llu not taken: %s\n",
                         static_cast<unsigned long long>(sent), orders->transport().reason().c_str());
        }
    };
    while (sent < count && Clock::now() < deadline) {
        in->poll(handler, 20);
        orders->flush();
    }
    while (orders->transport().pendingBytes() + orders->bufferedBytes() != 0 && Clock::now() < deadline) {
        orders->flush();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    printSummary(out, tally, *in);
    return sent == count ? 0 : 1;
}

} // namespace

int runPeer(const std::vector<std::string>& argv, std::string& output, bool echo) {
    Output out;
    out.echo = echo ? stdout : nullptr;
    int status = 2;
    try {
        const Args args = parse(argv);
        if (args.mode == "produce") status = produce(args, out);
        else if (args.mode == "produce-acked") status = produceAcked(args, out);
        else if (args.mode == "consume") status = consume(args, out);
        else if (args.mode == "both") status = both(args, out);
        else if (args.mode == "raw") status = raw(args, out);
        else if (args.mode == "frames") status = framesToStdout(args);
        else if (args.mode == "strategy") status = strategy(args, out);
        else usage("unknown mode " + args.mode);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "alphapulse_test_peer: %s\n", e.what());
        status = 2;
    }
    output = std::move(out.text);
    return status;
}

} // namespace alphapulse::test
