// End-to-end speed harness for the domain relay (docs/PERFORMANCE.md, "Relay").
//
// Every scenario runs its producer, its relay and its consumers as separate
// processes (fork, no exec; the parent only orchestrates and reports).
// All traffic is 64-byte Trade frames.
//
//   relay  producer (BusClient, BATCH frames per publish) -> relay::Relay with
//          the market_data defaults (what `alphapulse relay market_data` runs)
//          -> 1 or 4 consumers (BusClient::poll)
//   zmq    one ZeroMQ ipc PUB (an XPUB, only to learn when the subscribers have
//          joined) -> 1 or 4 SUBs, one ZeroMQ message per frame (its normal use)
//   unix   producer -> consumer over a Unix stream socketpair, no relay: the floor
//   tcp    the same relay on TCP loopback (TcpTransport clients) vs ZeroMQ tcp://
//
// Our producer's transport batches naturally (WriteMode::Batched, issue 12,
// docs/design/client-batching.md); the latency runs also measure the
// one-write-per-frame path (WriteMode::Immediate) in the same run.
//
// Throughput: the producer sends a fixed count of frames as fast as it can;
// each consumer measures frames received / (time of its last receive - time of
// its first), excluding the first read's frames from the count.
// Latency: the producer sends one frame every 100 us (10,000 frames/s),
// writing CLOCK_MONOTONIC ns into header.timestamp (and the checksum) just
// before the send; the consumer subtracts it from CLOCK_MONOTONIC on receipt;
// the first WARMUP frames are not counted. The consumer either spins
// (non-blocking receive in a loop) or blocks (poll / blocking recv).
//
// Repetitions interleave the scenarios (rep 1 runs all of them, then rep 2...),
// so machine noise hits ours and the peers alike. Output: medians, min..max,
// ratios ours / zmq, targets met or not.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include <algorithm>
#include <cmath>
#include <array>
#include <atomic>
#include <bitset>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/relay/relay.hpp"
#include "alphapulse/transport/frame_reader.hpp"
#include "alphapulse/transport/tcp_transport.hpp"
#include "alphapulse/transport/unix_socket.hpp"
#include "alphapulse/transport/unix_socket_transport.hpp"
#include "alphapulse/wire.hpp"
#include "tcp_listener.hpp"

namespace {

using namespace alphapulse;

constexpr std::size_t FRAME = 64;
constexpr int MAX_CONSUMERS = 4;
constexpr std::size_t MAX_SAMPLES = 200'000;
constexpr std::uint64_t MS = 1'000'000;
constexpr std::uint64_t IDLE_END_NS = 300 * MS; // producer done and nothing for this long: the run is over

std::uint64_t nowNs() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

// ------------------------------------------------------------------ settings

struct Settings {
    int reps = 5;
    std::uint64_t frames = 20'000'000;       // relay and unix, 1 consumer
    std::uint64_t framesFan = 10'000'000;    // relay, 4 consumers (each receives all of them)
    std::uint64_t zmqFrames = 4'000'000;     // zmq, 1 SUB
    std::uint64_t zmqFramesFan = 2'000'000;  // zmq, 4 SUBs
    std::uint64_t latencyFrames = 20'000;    // 2 s at 10,000 frames/s
    std::uint64_t warmup = 1'000;
    std::uint64_t intervalNs = 100'000;      // 10,000 frames/s
    std::size_t batch = 256;                 // frames per publish() / write()
    int zmqHwm = 1'000'000;                  // like the market_data relay's 1,000,000-frame queue
    int cpuProducer = -1, cpuRelay = -1, cpuConsumer = -1; // sched_setaffinity when >= 0
    bool latency = true, throughput = true;
    bool tcp = true;      // --no-tcp: skip the TCP loopback pair (relay on TCP vs zmq tcp://)
    transport::WriteMode writeMode = transport::WriteMode::Batched; // --write-mode: our producer's
    transport::BatchingOptions batching;                            // --idle-gap-ns, --flusher-spin-ns
    std::string only;     // --only relay|zmq|unix: run just that transport's scenarios
    bool rt = false;      // --rt: SCHED_FIFO for every benchmark process (root), isolating it from other load
    bool zmqDrop = false;
    std::uint32_t relayBusyPollUs = 0; // --relay-busy-poll-us N: RelayConfig::busyPollUs
    bool relayDrop = false; // --relay-drop: throughput runs keep the market_data drop policy (may lose frames) // --zmq-drop: plain PUB behaviour (frames beyond the HWM are dropped)
};

/// Names the process (for top, perf --sort comm) and pins it when asked.
bool g_rt = false;

void role(const char* name, int cpu) {
    ::prctl(PR_SET_NAME, name, 0, 0, 0);
    if (g_rt) {
        const sched_param param{10};
        if (::sched_setscheduler(0, SCHED_FIFO, &param) != 0) std::perror("sched_setscheduler(SCHED_FIFO)");
    }
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(static_cast<unsigned>(cpu), &set);
    ::sched_setaffinity(0, sizeof set, &set);
}

// --------------------------------------------------- shared between processes

struct ConsumerResult {
    std::uint64_t received;
    std::uint64_t firstBatch; // frames delivered by the first receive (not timed)
    std::uint64_t firstNs;
    std::uint64_t lastNs;
    std::uint64_t samples;
};

struct Shared {
    std::atomic<int> ready;
    std::atomic<int> start;
    std::atomic<int> producerDone;
    std::atomic<int> failed;
    ConsumerResult consumer[MAX_CONSUMERS];
    std::uint32_t latency[MAX_CONSUMERS][MAX_SAMPLES];
};
Shared* g_shared = nullptr;

void resetShared() {
    g_shared->ready.store(0);
    g_shared->start.store(0);
    g_shared->producerDone.store(0);
    g_shared->failed.store(0);
    std::memset(g_shared->consumer, 0, sizeof g_shared->consumer);
}

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "relay_bench[%d]: %s (%s)\n", ::getpid(), what, std::strerror(errno));
    g_shared->failed.store(1);
    ::_exit(1);
}

void waitStart() {
    while (g_shared->start.load(std::memory_order_acquire) == 0) ::usleep(100);
}

// -------------------------------------------------------------------- frames

std::array<std::uint8_t, FRAME> tradeTemplate() {
    std::array<std::uint8_t, FRAME> f{};
    auto b = *wire::TradeBuilder::into(f.data(), f.size());
    b.source(wire::SourceType::AlpacaCollector).sequence(1).timestamp(nowNs());
    b.instrument_id(*wire::InstrumentId::stock(wire::VenueId::NASDAQ, "AAPL"))
        .price(189 * wire::PRICE_SCALE)
        .volume(100)
        .side(1);
    if (b.finish() != FRAME) die("trade frame is not 64 bytes");
    return f;
}

/// `count` copies of the Trade template back to back.
std::vector<std::uint8_t> frameBatch(std::size_t count) {
    const auto t = tradeTemplate();
    std::vector<std::uint8_t> out(count * FRAME);
    for (std::size_t i = 0; i < count; ++i) std::memcpy(out.data() + i * FRAME, t.data(), FRAME);
    return out;
}

/// Throughput frames carry their sequence (the checksum is not recomputed:
/// the market_data relay does not validate checksums, and nobody reads it).
void setSequence(std::uint8_t* frame, std::uint64_t seq) {
    wire::storeLe<std::uint64_t>(frame + wire::header::SEQUENCE_OFFSET, seq);
}

/// Latency frames: sequence, then the send time and a valid checksum, last thing before the send.
void stamp(std::uint8_t* frame, std::uint64_t seq) {
    setSequence(frame, seq);
    wire::storeLe<std::uint64_t>(frame + wire::header::TIMESTAMP_OFFSET, nowNs());
    wire::storeLe<std::uint32_t>(frame + wire::header::CHECKSUM_OFFSET, wire::frameChecksum(frame, FRAME));
}

std::uint64_t sequenceOf(const std::uint8_t* frame) {
    return wire::loadLe<std::uint64_t>(frame + wire::header::SEQUENCE_OFFSET);
}

/// Paced sending: sleeps until the next slot of the 10,000/s schedule (never bursting to catch up).
struct Pacer {
    explicit Pacer(std::uint64_t interval) : intervalNs(interval), next(nowNs() + interval) {}
    void wait() {
        const std::uint64_t now = nowNs();
        if (next > now + 20'000) {
            timespec ts{static_cast<time_t>((next - 20'000) / 1'000'000'000ULL),
                        static_cast<long>((next - 20'000) % 1'000'000'000ULL)};
            ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
        }
        while (nowNs() < next) {
        }
        next += intervalNs;
        if (const std::uint64_t t = nowNs(); next < t) next = t + intervalNs;
    }
    std::uint64_t intervalNs;
    std::uint64_t next;
};

enum class Mode { Throughput, Spin, Block };

/// Bookkeeping common to every consumer: timing of receives, end of run.
struct ConsumerLoop {
    ConsumerLoop(int idx, std::uint64_t expect, const Settings& s, Mode m)
        : r(g_shared->consumer[idx]), samples(g_shared->latency[idx]), expected(expect), warmup(s.warmup),
          mode(m), deadline(nowNs() + 120'000 * MS) {}

    void frame(const std::uint8_t* data) {
        ++received;
        if (mode != Mode::Throughput) {
            const std::uint64_t t = nowNs();
            const std::uint64_t sent = wire::loadLe<std::uint64_t>(data + wire::header::TIMESTAMP_OFFSET);
            if (sequenceOf(data) > warmup && r.samples < MAX_SAMPLES)
                samples[r.samples++] = static_cast<std::uint32_t>(std::min<std::uint64_t>(t - sent, UINT32_MAX));
        }
    }
    /// After each receive call; false when the run is over.
    bool after(int delivered) {
        const std::uint64_t t = nowNs();
        if (delivered > 0) {
            if (r.firstNs == 0) {
                r.firstNs = t;
                r.firstBatch = received;
            }
            r.lastNs = t;
            r.received = received;
            idleSince = 0;
            return received < expected;
        }
        if (g_shared->producerDone.load(std::memory_order_relaxed) != 0) {
            if (idleSince == 0) idleSince = t;
            if (t - idleSince > IDLE_END_NS) return false;
        }
        return t < deadline;
    }

    ConsumerResult& r;
    std::uint32_t* samples;
    std::uint64_t received = 0;
    std::uint64_t expected;
    std::uint64_t warmup;
    Mode mode;
    std::uint64_t deadline;
    std::uint64_t idleSince = 0;
};

// ---------------------------------------------------------------- our relay

/// How our side of a scenario connects: Unix socket or TCP, and the producer's write mode.
struct Link {
    std::uint16_t tcpPort = 0; // 0: the Unix socket
    transport::WriteMode writeMode = transport::WriteMode::Batched;
};

/// A loopback port nobody listens on now (the kernel's choice, released at once).
std::uint16_t freePort() {
    const fixtures::TcpListener listener;
    if (!listener.ok) die("free port");
    return listener.port;
}

[[noreturn]] void relayProcess(const std::string& path, const std::string& logPath, int readyFd, int cpu,
                               bool backpressure, std::uint32_t busyPollUs, std::uint16_t tcpPort) {
    role("ap-relay", cpu);
    const int log = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log >= 0) ::dup2(log, STDERR_FILENO);
    try {
        auto config = relay::defaultConfig(wire::Domain::MarketData);
        config.socketPath = path; // also names the stats socket on TCP
        if (tcpPort != 0) config.tcpAddress = "127.0.0.1:" + std::to_string(tcpPort);
        // Throughput runs are lossless by default, like ZeroMQ with XPUB_NODROP: a consumer
        // that falls behind holds the producer back instead of losing frames (queue_full).
        if (backpressure) config.overload = relay::OverloadPolicy::Backpressure;
        config.busyPollUs = busyPollUs;
        relay::Relay hub(config);
        const char one = 1;
        if (::write(readyFd, &one, 1) != 1) die("ready pipe");
        ::close(readyFd);
        hub.run(/*handleSignals=*/true);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "relay: %s\n", e.what());
        ::_exit(1);
    }
    ::_exit(0);
}

std::unique_ptr<client::BusClient> connectClient(const Settings& s, const std::string& path, bool producer,
                                                   const Link& link) {
    std::unique_ptr<transport::Transport> t;
    if (link.tcpPort != 0) {
        transport::TcpTransport::Options options;
        options.port = link.tcpPort;
        options.writeMode = link.writeMode;
        options.batching = s.batching;
        t = std::make_unique<transport::TcpTransport>(options);
    } else {
        transport::UnixSocketTransport::Options options;
        options.path = path;
        options.writeMode = link.writeMode;
        options.batching = s.batching;
        t = std::make_unique<transport::UnixSocketTransport>(options);
    }
    client::ClientOptions co;
    co.name = producer ? "bench-producer" : "bench-consumer";
    if (producer) co.subscription = std::bitset<256>{}; // a pure producer: the relay queues nothing for it
    auto c = std::make_unique<client::BusClient>(std::move(t), co);
    if (!c->connected()) die("connect to relay");
    return c;
}

[[noreturn]] void oursProducer(const Settings& s, const std::string& path, std::uint64_t frames, Mode mode,
                               const Link& link) {
    role("ap-producer", s.cpuProducer);
    auto c = connectClient(s, path, true, link);
    auto publish = [&](std::span<const std::uint8_t> bytes) {
        while (c->publish(bytes) != transport::SendStatus::Ok) {
            pollfd p{c->pollFd(), POLLOUT, 0};
            ::poll(&p, 1, 10);
            c->flush();
        }
    };
    g_shared->ready.fetch_add(1);
    waitStart();
    if (mode == Mode::Throughput) {
        auto batch = frameBatch(s.batch);
        for (std::uint64_t seq = 1; seq <= frames;) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(s.batch, frames - seq + 1));
            for (std::size_t i = 0; i < n; ++i) setSequence(batch.data() + i * FRAME, seq + i);
            publish({batch.data(), n * FRAME});
            seq += n;
        }
    } else {
        auto frame = tradeTemplate();
        Pacer pacer(s.intervalNs);
        for (std::uint64_t seq = 1; seq <= frames; ++seq) {
            pacer.wait();
            stamp(frame.data(), seq);
            publish(frame);
        }
    }
    if (!c->close(std::chrono::seconds(60))) die("frames left after 60 s");
    if (std::getenv("RELAY_BENCH_DEBUG") != nullptr) {
        if (const auto* st = dynamic_cast<const transport::StreamTransport*>(&c->transport())) {
            const auto w = st->writeCounters();
            std::fprintf(stderr, "  producer: %llu frames, %llu writes (%llu by the caller), %llu kicks\n",
                         static_cast<unsigned long long>(frames), static_cast<unsigned long long>(w.writes),
                         static_cast<unsigned long long>(w.callerWrites), static_cast<unsigned long long>(w.kicks));
        }
    }
    g_shared->producerDone.store(1);
    ::_exit(0);
}

[[noreturn]] void oursConsumer(const Settings& s, const std::string& path, int idx, std::uint64_t frames, Mode mode,
                               const Link& link) {
    role("ap-consumer", s.cpuConsumer);
    auto c = connectClient(s, path, false, link);
    ConsumerLoop loop(idx, frames, s, mode);
    auto handler = [&](const wire::FrameView& f) { loop.frame(f.data()); };
    g_shared->ready.fetch_add(1);
    const int timeout = mode == Mode::Spin ? 0 : 50;
    while (loop.after(c->poll(handler, timeout))) {
    }
    ::_exit(0);
}

// ------------------------------------------------------------------- ZeroMQ

[[noreturn]] void zmqProducer(const Settings& s, const std::string& endpoint, int subscribers, std::uint64_t frames,
                              Mode mode) {
    role("zmq-pub", s.cpuProducer);
    void* ctx = ::zmq_ctx_new();
    void* pub = ::zmq_socket(ctx, ZMQ_XPUB);
    const int one = 1;
    const int linger = 10'000;
    ::zmq_setsockopt(pub, ZMQ_XPUB_VERBOSE, &one, sizeof one);
    // Lossless by default: a full pipe makes zmq_send wait instead of dropping,
    // so the publisher does not burn CPU on frames that are thrown away.
    if (!s.zmqDrop) ::zmq_setsockopt(pub, ZMQ_XPUB_NODROP, &one, sizeof one);
    ::zmq_setsockopt(pub, ZMQ_SNDHWM, &s.zmqHwm, sizeof s.zmqHwm);
    ::zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof linger);
    if (::zmq_bind(pub, endpoint.c_str()) != 0) die("zmq_bind");
    g_shared->ready.fetch_add(1);
    // One subscription message per SUB (XPUB_VERBOSE): then every SUB is connected.
    for (int joined = 0; joined < subscribers;) {
        std::uint8_t msg[16];
        if (::zmq_recv(pub, msg, sizeof msg, 0) >= 1 && msg[0] == 1) ++joined;
    }
    waitStart();
    std::uint64_t eagain = 0;
    if (mode == Mode::Throughput) {
        auto batch = frameBatch(s.batch);
        for (std::uint64_t seq = 1; seq <= frames;) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(s.batch, frames - seq + 1));
            for (std::size_t i = 0; i < n; ++i) {
                std::uint8_t* f = batch.data() + i * FRAME;
                setSequence(f, seq + i);
                while (::zmq_send(pub, f, FRAME, 0) < 0) {
                    if (errno != EINTR && errno != EAGAIN) die("zmq_send");
                    ++eagain;
                }
            }
            seq += n;
        }
    } else {
        auto frame = tradeTemplate();
        Pacer pacer(s.intervalNs);
        for (std::uint64_t seq = 1; seq <= frames; ++seq) {
            pacer.wait();
            stamp(frame.data(), seq);
            ::zmq_send(pub, frame.data(), FRAME, 0);
        }
    }
    if (std::getenv("RELAY_BENCH_DEBUG")) std::fprintf(stderr, "zmq-pub: %llu EAGAIN\n", static_cast<unsigned long long>(eagain));
    g_shared->producerDone.store(1);
    ::zmq_close(pub); // lingers until queued messages are out
    ::zmq_ctx_term(ctx);
    ::_exit(0);
}

[[noreturn]] void zmqConsumer(const Settings& s, const std::string& endpoint, int idx, std::uint64_t frames,
                              Mode mode) {
    role("zmq-sub", s.cpuConsumer);
    void* ctx = ::zmq_ctx_new();
    void* sub = ::zmq_socket(ctx, ZMQ_SUB);
    const int timeout = 50;
    ::zmq_setsockopt(sub, ZMQ_RCVHWM, &s.zmqHwm, sizeof s.zmqHwm);
    ::zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    if (::zmq_connect(sub, endpoint.c_str()) != 0) die("zmq_connect");
    ::zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
    ConsumerLoop loop(idx, frames, s, mode);
    g_shared->ready.fetch_add(1);
    const int flags = mode == Mode::Spin ? ZMQ_DONTWAIT : 0;
    std::uint8_t buf[FRAME];
    if (mode == Mode::Throughput) {
        // Time every 64th frame (and the last): a clock read per frame would tax the peer.
        for (;;) {
            int got = 0;
            while (got < 64 && ::zmq_recv(sub, buf, sizeof buf, flags) == static_cast<int>(FRAME)) {
                loop.frame(buf);
                ++got;
            }
            if (!loop.after(got)) break;
        }
    } else {
        for (;;) {
            const int n = ::zmq_recv(sub, buf, sizeof buf, flags);
            if (n == static_cast<int>(FRAME)) loop.frame(buf);
            if (!loop.after(n == static_cast<int>(FRAME) ? 1 : 0)) break;
        }
    }
    const int zero = 0;
    ::zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
    ::zmq_close(sub);
    ::zmq_ctx_term(ctx);
    ::_exit(0);
}

// --------------------------------------------- plain Unix socket (the floor)

[[noreturn]] void unixProducer(const Settings& s, int fd, std::uint64_t frames, Mode mode) {
    role("unix-producer", s.cpuProducer);
    auto writeAll = [&](const std::uint8_t* p, std::size_t len) {
        while (len > 0) {
            const ssize_t n = ::send(fd, p, len, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                die("unix send");
            }
            p += n;
            len -= static_cast<std::size_t>(n);
        }
    };
    g_shared->ready.fetch_add(1);
    waitStart();
    if (mode == Mode::Throughput) {
        auto batch = frameBatch(s.batch);
        for (std::uint64_t seq = 1; seq <= frames;) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(s.batch, frames - seq + 1));
            for (std::size_t i = 0; i < n; ++i) setSequence(batch.data() + i * FRAME, seq + i);
            writeAll(batch.data(), n * FRAME);
            seq += n;
        }
    } else {
        auto frame = tradeTemplate();
        Pacer pacer(s.intervalNs);
        for (std::uint64_t seq = 1; seq <= frames; ++seq) {
            pacer.wait();
            stamp(frame.data(), seq);
            writeAll(frame.data(), FRAME);
        }
    }
    g_shared->producerDone.store(1);
    ::_exit(0);
}

[[noreturn]] void unixConsumer(const Settings& s, int fd, std::uint64_t frames, Mode mode) {
    role("unix-consumer", s.cpuConsumer);
    transport::FrameReader reader(1 << 20, wire::header::DEFAULT_MAX_PAYLOAD);
    ConsumerLoop loop(0, frames, s, mode);
    g_shared->ready.fetch_add(1);
    for (;;) {
        int delivered = 0;
        if (mode != Mode::Spin) {
            pollfd p{fd, POLLIN, 0};
            ::poll(&p, 1, 50);
        }
        auto space = reader.writable();
        const ssize_t n = ::recv(fd, space.data(), space.size(), MSG_DONTWAIT);
        if (n > 0) {
            reader.commit(static_cast<std::size_t>(n));
            for (auto f = reader.next(); f; f = reader.next()) {
                loop.frame(f->data());
                ++delivered;
            }
        }
        if (!loop.after(delivered)) break;
    }
    ::_exit(0);
}

/// The bare round trip the latency goal is measured against: the
/// pinger stamps and sends a frame, an echo process (blocking in poll, as the
/// relay blocks in epoll) writes it back on the same socket, and the pinger
/// (spinning or blocking, as the consumer would) takes the latency from the
/// frame's own timestamp. Two hops and one wake-up in between, like
/// producer -> relay -> consumer.
[[noreturn]] void unixEcho(int fd) {
    role("unix-echo", -1);
    std::array<std::uint8_t, 64 * 1024> buf;
    g_shared->ready.fetch_add(1);
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 1000) < 0 && errno != EINTR) die("echo poll");
        const ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            die("echo recv");
        }
        for (ssize_t off = 0; off < n;) {
            const ssize_t w = ::send(fd, buf.data() + off, static_cast<std::size_t>(n - off), MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EINTR) continue;
                die("echo send");
            }
            off += w;
        }
    }
    ::_exit(0);
}

[[noreturn]] void unixPinger(const Settings& s, int fd, std::uint64_t frames, Mode mode) {
    role("unix-pinger", s.cpuConsumer);
    transport::FrameReader reader(1 << 20, wire::header::DEFAULT_MAX_PAYLOAD);
    ConsumerLoop loop(0, frames, s, mode);
    auto frame = tradeTemplate();
    g_shared->ready.fetch_add(1);
    waitStart();
    Pacer pacer(s.intervalNs);
    for (std::uint64_t seq = 1; seq <= frames; ++seq) {
        pacer.wait();
        stamp(frame.data(), seq);
        if (::send(fd, frame.data(), FRAME, MSG_NOSIGNAL) != static_cast<ssize_t>(FRAME)) die("pinger send");
        int delivered = 0;
        while (delivered == 0) {
            if (mode != Mode::Spin) {
                pollfd p{fd, POLLIN, 0};
                ::poll(&p, 1, 50);
            }
            auto space = reader.writable();
            const ssize_t n = ::recv(fd, space.data(), space.size(), MSG_DONTWAIT);
            if (n == 0) die("echo closed");
            if (n > 0) {
                reader.commit(static_cast<std::size_t>(n));
                for (auto f = reader.next(); f; f = reader.next()) {
                    loop.frame(f->data());
                    ++delivered;
                }
            }
            if (!loop.after(delivered) && delivered == 0) die("no echo before the deadline");
        }
    }
    g_shared->producerDone.store(1);
    ::_exit(0);
}

// ------------------------------------------------------------ orchestration

struct Outcome {
    bool ok = false;
    bool skipped = false;
    double cpuSec = 0;          // user + sys of every process of the scenario (threads included)
    std::vector<double> rates;  // frames/s per consumer (throughput)
    std::uint64_t lost = 0;     // frames a consumer did not get (sum)
    double p50us = 0, p90us = 0, p99us = 0, maxus = 0;
    std::uint64_t samples = 0;
    std::uint64_t relayDrops = 0;
};

template <typename F>
pid_t spawn(F&& fn) {
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        fn();
        ::_exit(0);
    }
    return pid;
}

bool waitFor(const std::function<bool()>& condition, std::uint64_t timeoutNs) {
    const std::uint64_t end = nowNs() + timeoutNs;
    while (!condition()) {
        if (g_shared->failed.load() != 0 || nowNs() > end) return false;
        ::usleep(500);
    }
    return true;
}

double g_cpuSec = 0; // CPU time of the children reaped since the scenario began

/// Waits for every child; kills (SIGKILL, by pid) those still running at the deadline.
bool reap(std::vector<pid_t>& pids, std::uint64_t timeoutNs) {
    const std::uint64_t end = nowNs() + timeoutNs;
    bool clean = true;
    for (pid_t pid : pids) {
        int status = 0;
        for (;;) {
            rusage ru{};
            const pid_t r = ::wait4(pid, &status, WNOHANG, &ru);
            if (r == pid) {
                g_cpuSec += static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                            static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
                if (std::getenv("RELAY_BENCH_DEBUG") != nullptr) {
                    std::fprintf(stderr, "  pid %d: user %.3f s sys %.3f s, %ld voluntary / %ld involuntary switches\n", pid,
                                 static_cast<double>(ru.ru_utime.tv_sec) + static_cast<double>(ru.ru_utime.tv_usec) / 1e6,
                                 static_cast<double>(ru.ru_stime.tv_sec) + static_cast<double>(ru.ru_stime.tv_usec) / 1e6,
                                 ru.ru_nvcsw, ru.ru_nivcsw);
                }
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) clean = false;
                break;
            }
            if (r < 0) break;
            if (nowNs() > end) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, &status, 0);
                clean = false;
                break;
            }
            ::usleep(1000);
        }
    }
    pids.clear();
    return clean;
}

std::optional<relay::RelayStats> readRelayStats(const std::string& path) {
    const int fd = transport::connectUnix(path + ".stats");
    if (fd < 0) return std::nullopt;
    std::string json;
    char buf[4096];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 1000) <= 0) break;
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        json.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return relay::RelayStats::fromJson(json);
}

std::string g_dir; // scratch directory for sockets and the relay's log

void collect(Outcome& o, int consumers, std::uint64_t frames, Mode mode) {
    o.cpuSec = g_cpuSec;
    std::vector<std::uint32_t> all;
    for (int i = 0; i < consumers; ++i) {
        const ConsumerResult& r = g_shared->consumer[i];
        o.lost += frames - std::min(frames, r.received);
        if (mode == Mode::Throughput) {
            const double secs = static_cast<double>(r.lastNs - r.firstNs) / 1e9;
            const auto counted = static_cast<double>(r.received - r.firstBatch);
            o.rates.push_back(secs > 0 ? counted / secs : 0.0);
        } else {
            all.insert(all.end(), g_shared->latency[i], g_shared->latency[i] + r.samples);
        }
    }
    if (!all.empty()) {
        std::sort(all.begin(), all.end());
        auto at = [&](double q) {
            return static_cast<double>(all[std::min(all.size() - 1, static_cast<std::size_t>(q * static_cast<double>(all.size())))]) / 1e3;
        };
        o.p50us = at(0.50);
        o.p90us = at(0.90);
        o.p99us = at(0.99);
        o.maxus = static_cast<double>(all.back()) / 1e3;
        o.samples = all.size();
    }
}

/// --rt: a spinning SCHED_FIFO consumer is throttled by the kernel (RT
/// throttling: 50 ms in every second) and starves ZeroMQ's I/O thread, so
/// the spinning scenarios are not run with --rt.
bool skipMode(const Settings& s, Mode mode) { return s.rt && mode == Mode::Spin; }

Outcome runRelay(const Settings& s, int consumers, std::uint64_t frames, Mode mode, Link link = {}) {
    Outcome o;
    o.skipped = (!s.only.empty() && s.only != "relay") || skipMode(s, mode);
    if (link.tcpPort != 0) link.tcpPort = freePort();
    if (o.skipped) return o;
    g_cpuSec = 0;
    resetShared();
    const std::string path = g_dir + "/market_data.sock";
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) die("pipe");
    std::vector<pid_t> relayPid{spawn([&] { relayProcess(path, g_dir + "/relay.log", pipefd[1], s.cpuRelay,
                                                                   mode == Mode::Throughput && !s.relayDrop,
                                                                   s.relayBusyPollUs, link.tcpPort);
    })};
    ::close(pipefd[1]);
    pollfd p{pipefd[0], POLLIN, 0};
    char byte = 0;
    const bool up = ::poll(&p, 1, 5000) == 1 && ::read(pipefd[0], &byte, 1) == 1;
    ::close(pipefd[0]);
    std::vector<pid_t> pids;
    if (up) {
        for (int i = 0; i < consumers; ++i) pids.push_back(spawn([&] { oursConsumer(s, path, i, frames, mode, link); }));
        // Every consumer connected and accepted by the relay before the first frame.
        const bool joined =
            waitFor([&] { return g_shared->ready.load() == consumers; }, 5'000 * MS) &&
            waitFor([&] {
                const auto st = readRelayStats(path);
                return st && st->clients.size() == static_cast<std::size_t>(consumers);
            }, 5'000 * MS);
        if (joined) {
            pids.push_back(spawn([&] { oursProducer(s, path, frames, mode, link); }));
            if (waitFor([&] { return g_shared->ready.load() == consumers + 1; }, 5'000 * MS)) {
                g_shared->start.store(1, std::memory_order_release);
            }
        }
        o.ok = reap(pids, 150'000 * MS) && joined;
        if (const auto st = readRelayStats(path)) {
            o.relayDrops = st->drops[static_cast<std::size_t>(relay::DropReason::QueueFull)];
        }
    }
    ::kill(relayPid[0], SIGTERM);
    o.ok = reap(relayPid, 10'000 * MS) && o.ok && up && g_shared->failed.load() == 0;
    collect(o, consumers, frames, mode);
    return o;
}

Outcome runZmq(const Settings& s, int consumers, std::uint64_t frames, Mode mode, bool tcp = false) {
    Outcome o;
    o.skipped = (!s.only.empty() && s.only != "zmq") || skipMode(s, mode);
    if (o.skipped) return o;
    g_cpuSec = 0;
    resetShared();
    const std::string endpoint =
        tcp ? "tcp://127.0.0.1:" + std::to_string(freePort()) : "ipc://" + g_dir + "/zmq.ipc";
    std::vector<pid_t> pids;
    pids.push_back(spawn([&] { zmqProducer(s, endpoint, consumers, frames, mode); }));
    if (waitFor([&] { return g_shared->ready.load() == 1; }, 5'000 * MS)) {
        for (int i = 0; i < consumers; ++i) pids.push_back(spawn([&] { zmqConsumer(s, endpoint, i, frames, mode); }));
        if (waitFor([&] { return g_shared->ready.load() == consumers + 1; }, 5'000 * MS)) {
            g_shared->start.store(1, std::memory_order_release);
        }
    }
    o.ok = reap(pids, 150'000 * MS) && g_shared->failed.load() == 0;
    ::unlink((g_dir + "/zmq.ipc").c_str());
    collect(o, consumers, frames, mode);
    return o;
}

/// Two processes on the ends of one socket pair, no relay: `first` runs on
/// one end and `second` on the other, each given its descriptor.
template <typename First, typename Second>
Outcome runSocketPair(const Settings& s, std::uint64_t frames, Mode mode, First first, Second second) {
    Outcome o;
    o.skipped = (!s.only.empty() && s.only != "unix") || skipMode(s, mode);
    if (o.skipped) return o;
    g_cpuSec = 0;
    resetShared();
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) die("socketpair");
    transport::setSocketBuffers(sv[0], 4 << 20); // as the relay and its clients do
    transport::setSocketBuffers(sv[1], 4 << 20);
    std::vector<pid_t> pids;
    pids.push_back(spawn([&] {
        ::close(sv[1]);
        first(sv[0]);
    }));
    pids.push_back(spawn([&] {
        ::close(sv[0]);
        second(sv[1]);
    }));
    ::close(sv[0]);
    ::close(sv[1]);
    if (waitFor([&] { return g_shared->ready.load() == 2; }, 5'000 * MS)) g_shared->start.store(1);
    o.ok = reap(pids, 150'000 * MS) && g_shared->failed.load() == 0;
    collect(o, 1, frames, mode);
    return o;
}

/// The floor: a producer writing straight to a consumer.
Outcome runUnix(const Settings& s, std::uint64_t frames, Mode mode) {
    return runSocketPair(
        s, frames, mode, [&](int fd) { unixProducer(s, fd, frames, mode); },
        [&](int fd) { unixConsumer(s, fd, frames, mode); });
}

/// The latency reference: a round trip through an echo process.
Outcome runUnixRoundTrip(const Settings& s, std::uint64_t frames, Mode mode) {
    return runSocketPair(
        s, frames, mode, [&](int fd) { unixPinger(s, fd, frames, mode); }, [](int fd) { unixEcho(fd); });
}

// ---------------------------------------------------------------- reporting

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Series {
    Series() = default;
    explicit Series(std::string name) : label(std::move(name)) {}
    std::string label;
    std::vector<double> value; // per repetition
    std::vector<double> cpuNs; // per repetition: CPU ns (all processes) per frame published
    std::uint64_t lost = 0;
    std::uint64_t relayDrops = 0;
    int failures = 0;
    double med() const { return median(value); }
    double lo() const { return value.empty() ? 0 : *std::min_element(value.begin(), value.end()); }
    double hi() const { return value.empty() ? 0 : *std::max_element(value.begin(), value.end()); }
};

std::string mfps(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f M/s", v / 1e6);
    return b;
}

void usage() {
    std::puts(
        "relay_bench [--reps N] [--frames N] [--frames-fan N] [--zmq-frames N] [--zmq-frames-fan N]\n"
        "            [--latency-frames N] [--batch N] [--no-latency] [--no-throughput] [--zmq-drop]\n"
        "            [--only relay|zmq|unix] [--rt] [--relay-drop] [--relay-busy-poll-us N]\n"
        "            [--write-mode batched|immediate] [--idle-gap-ns N] [--flusher-spin-ns N] [--direct-burst N] [--no-tcp]\n"
        "--rt: SCHED_FIFO priority 10 for producer, relay and consumers (needs root); unless CPUs are given,\n"
        "      pins the producer and the relay to CPU 0 and the consumers to CPU 1 (a spinning FIFO consumer\n"
        "      must not share a CPU with the relay)\n"
        "            [--cpu-producer C] [--cpu-relay C] [--cpu-consumer C]\n"
        "Producer, relay and consumers run as separate processes; 64-byte Trade frames.");
}

} // namespace

int main(int argc, char** argv) {
    Settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto num = [&]() -> std::uint64_t {
            if (i + 1 >= argc) {
                usage();
                std::exit(2);
            }
            return std::strtoull(argv[++i], nullptr, 10);
        };
        if (a == "--reps") s.reps = static_cast<int>(num());
        else if (a == "--frames") s.frames = num();
        else if (a == "--frames-fan") s.framesFan = num();
        else if (a == "--zmq-frames") s.zmqFrames = num();
        else if (a == "--zmq-frames-fan") s.zmqFramesFan = num();
        else if (a == "--latency-frames") s.latencyFrames = num();
        else if (a == "--batch") s.batch = static_cast<std::size_t>(num());
        else if (a == "--no-latency") s.latency = false;
        else if (a == "--zmq-drop") s.zmqDrop = true;
        else if (a == "--rt") s.rt = true;
        else if (a == "--relay-drop") s.relayDrop = true;
        else if (a == "--relay-busy-poll-us") s.relayBusyPollUs = static_cast<std::uint32_t>(num());
        else if (a == "--only" && i + 1 < argc) s.only = argv[++i];
        else if (a == "--no-throughput") s.throughput = false;
        else if (a == "--no-tcp") s.tcp = false;
        else if (a == "--idle-gap-ns") s.batching.idleGapNs = static_cast<std::uint32_t>(num());
        else if (a == "--flusher-spin-ns") s.batching.flusherSpinNs = static_cast<std::uint32_t>(num());
        else if (a == "--direct-burst") s.batching.directBurst = static_cast<std::uint32_t>(num());
        else if (a == "--write-mode" && i + 1 < argc) {
            const auto m = transport::writeModeFromName(argv[++i]);
            if (!m) {
                usage();
                return 2;
            }
            s.writeMode = *m;
        }
        else if (a == "--cpu-producer") s.cpuProducer = static_cast<int>(num());
        else if (a == "--cpu-relay") s.cpuRelay = static_cast<int>(num());
        else if (a == "--cpu-consumer") s.cpuConsumer = static_cast<int>(num());
        else {
            usage();
            return a == "--help" || a == "-h" ? 0 : 2;
        }
    }
    if (s.rt) {
        g_rt = true;
        if (s.cpuProducer < 0 && s.cpuRelay < 0 && s.cpuConsumer < 0) {
            s.cpuProducer = 0;
            s.cpuRelay = 0;
            s.cpuConsumer = 1;
        }
    }
    if (s.latencyFrames + s.warmup > MAX_SAMPLES) s.latencyFrames = MAX_SAMPLES - s.warmup;
    s.latencyFrames += s.warmup;

    void* mem = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        std::perror("mmap");
        return 1;
    }
    g_shared = new (mem) Shared{};
    char tmpl[] = "/tmp/alphapulse-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
        std::perror("mkdtemp");
        return 1;
    }
    g_dir = tmpl;
    ::signal(SIGPIPE, SIG_IGN);

    std::printf("relay_bench: %d repetitions; throughput %llu frames (relay, unix), %llu (relay, 4 consumers), "
                "%llu / %llu (zmq 1 / 4 SUBs); latency %llu frames at %.0f frames/s (first %llu not counted); "
                "batch %zu frames per publish\n",
                s.reps, static_cast<unsigned long long>(s.frames), static_cast<unsigned long long>(s.framesFan),
                static_cast<unsigned long long>(s.zmqFrames), static_cast<unsigned long long>(s.zmqFramesFan),
                static_cast<unsigned long long>(s.latencyFrames - s.warmup), 1e9 / static_cast<double>(s.intervalNs),
                static_cast<unsigned long long>(s.warmup), s.batch);
    std::printf("relay_bench: scheduling %s; CPUs producer %d relay %d consumers %d (-1: not pinned); zmq %s\n",
                s.rt ? "SCHED_FIFO 10" : "normal (SCHED_OTHER)", s.cpuProducer, s.cpuRelay, s.cpuConsumer,
                s.zmqDrop ? "PUB drops beyond the HWM" : "XPUB_NODROP (lossless)");
    std::printf("relay_bench: our producer writes %s (idle gap %u ns, direct burst %u, flusher spin %u ns); "
                "TCP pair %s\n",
                std::string(transport::writeModeName(s.writeMode)).c_str(), s.batching.idleGapNs,
                s.batching.directBurst, s.batching.flusherSpinNs, s.tcp ? "on" : "off");
    std::printf("relay_bench: relay = market_data defaults%s\n",
                s.relayDrop ? " (drop policy everywhere)"
                            : "; throughput runs with overload=backpressure (lossless), latency runs with drop");
    std::fflush(stdout);

    // Throughput series (frames/s; for 4 consumers, the slowest consumer of each repetition).
    Series tRelay1("relay, 1 consumer"), tRelay4("relay, 4 consumers (each, slowest)"),
        tRelay4avg("relay, 4 consumers (each, mean)"), tZmq1("zmq, 1 SUB"), tZmq4("zmq, 4 SUBs (each, slowest)"),
        tZmq4avg("zmq, 4 SUBs (each, mean)"), tUnix("unix socket, no relay"), tRelayTcp("relay on tcp, 1 consumer"),
        tZmqTcp("zmq tcp, 1 SUB");
    // Latency series (us).
    struct Lat {
        Series p50, p90, p99, max;
    };
    Lat lRelaySpin, lRelayBlock, lZmqSpin, lZmqBlock, lUnixSpin, lUnixBlock, lRelayImmediateSpin, lRoundTripSpin,
        lRoundTripBlock;
    const Link ours{0, s.writeMode};

    auto addRate = [](Series& one, Series* avg, const Outcome& o, std::uint64_t frames) {
        if (o.skipped) return;
        if (!o.ok || o.rates.empty()) ++one.failures;
        if (o.rates.empty()) return;
        one.value.push_back(*std::min_element(o.rates.begin(), o.rates.end()));
        one.cpuNs.push_back(o.cpuSec * 1e9 / static_cast<double>(frames));
        if (avg != nullptr) {
            double sum = 0;
            for (double r : o.rates) sum += r;
            avg->value.push_back(sum / static_cast<double>(o.rates.size()));
        }
        one.lost += o.lost;
        one.relayDrops += o.relayDrops;
    };
    auto addLat = [](Lat& l, const Outcome& o) {
        if (o.skipped) return;
        if (!o.ok || o.samples == 0) ++l.p50.failures;
        if (o.samples == 0) return;
        l.p50.value.push_back(o.p50us);
        l.p90.value.push_back(o.p90us);
        l.p99.value.push_back(o.p99us);
        l.max.value.push_back(o.maxus);
        l.p50.lost += o.lost;
    };
    auto progress = [](const char* what, int rep, const Outcome& o) {
        if (o.skipped) return;
        if (!o.rates.empty()) {
            std::string rates;
            for (double r : o.rates) rates += " " + mfps(r);
            std::printf("  rep %d %-28s%s lost=%llu relay_drops=%llu cpu=%.2fs%s\n", rep, what, rates.c_str(),
                        static_cast<unsigned long long>(o.lost), static_cast<unsigned long long>(o.relayDrops), o.cpuSec,
                        o.ok ? "" : " (FAILED)");
        } else {
            std::printf("  rep %d %-28s p50 %.1f us p90 %.1f us p99 %.1f us max %.1f us (%llu samples, lost %llu)%s\n",
                        rep, what, o.p50us, o.p90us, o.p99us, o.maxus, static_cast<unsigned long long>(o.samples),
                        static_cast<unsigned long long>(o.lost), o.ok ? "" : " (FAILED)");
        }
        std::fflush(stdout);
    };

    const std::uint64_t begin = nowNs();
    for (int rep = 1; rep <= s.reps; ++rep) {
        if (s.throughput) {
            Outcome o = runRelay(s, 1, s.frames, Mode::Throughput, ours);
            progress("relay 1 consumer", rep, o);
            addRate(tRelay1, nullptr, o, s.frames);
            o = runZmq(s, 1, s.zmqFrames, Mode::Throughput);
            progress("zmq 1 SUB", rep, o);
            addRate(tZmq1, nullptr, o, s.zmqFrames);
            o = runUnix(s, s.frames, Mode::Throughput);
            progress("unix (no relay)", rep, o);
            addRate(tUnix, nullptr, o, s.frames);
            o = runRelay(s, 4, s.framesFan, Mode::Throughput, ours);
            progress("relay 4 consumers", rep, o);
            addRate(tRelay4, &tRelay4avg, o, s.framesFan);
            o = runZmq(s, 4, s.zmqFramesFan, Mode::Throughput);
            progress("zmq 4 SUBs", rep, o);
            addRate(tZmq4, &tZmq4avg, o, s.zmqFramesFan);
            if (s.tcp) {
                o = runRelay(s, 1, s.frames, Mode::Throughput, Link{1, s.writeMode});
                progress("relay on tcp 1 consumer", rep, o);
                addRate(tRelayTcp, nullptr, o, s.frames);
                o = runZmq(s, 1, s.zmqFrames, Mode::Throughput, /*tcp=*/true);
                progress("zmq tcp 1 SUB", rep, o);
                addRate(tZmqTcp, nullptr, o, s.zmqFrames);
            }
        }
        if (s.latency) {
            Outcome o = runRelay(s, 1, s.latencyFrames, Mode::Spin, ours);
            progress("latency relay, spin", rep, o);
            addLat(lRelaySpin, o);
            // The one-write-per-frame path, same run: what batching must not slow down at a low rate.
            o = runRelay(s, 1, s.latencyFrames, Mode::Spin, Link{0, transport::WriteMode::Immediate});
            progress("latency relay immediate, spin", rep, o);
            addLat(lRelayImmediateSpin, o);
            o = runZmq(s, 1, s.latencyFrames, Mode::Spin);
            progress("latency zmq, spin", rep, o);
            addLat(lZmqSpin, o);
            o = runUnix(s, s.latencyFrames, Mode::Spin);
            progress("latency unix, spin", rep, o);
            addLat(lUnixSpin, o);
            o = runUnixRoundTrip(s, s.latencyFrames, Mode::Spin);
            progress("latency unix round trip, spin", rep, o);
            addLat(lRoundTripSpin, o);
            o = runRelay(s, 1, s.latencyFrames, Mode::Block, ours);
            progress("latency relay, block", rep, o);
            addLat(lRelayBlock, o);
            o = runZmq(s, 1, s.latencyFrames, Mode::Block);
            progress("latency zmq, block", rep, o);
            addLat(lZmqBlock, o);
            o = runUnix(s, s.latencyFrames, Mode::Block);
            progress("latency unix, block", rep, o);
            addLat(lUnixBlock, o);
            o = runUnixRoundTrip(s, s.latencyFrames, Mode::Block);
            progress("latency unix round trip, block", rep, o);
            addLat(lRoundTripBlock, o);
        }
    }
    ::unlink((g_dir + "/relay.log").c_str());
    ::rmdir(g_dir.c_str());
    const double elapsed = static_cast<double>(nowNs() - begin) / 1e9;

    std::printf("\n== medians of %d repetitions (min .. max), %.0f s\n", s.reps, elapsed);
    bool allMet = true;
    int failures = 0;
    if (s.throughput) {
        std::printf("\nthroughput, frames/s received per consumer\n");
        std::printf("  %-40s %12s %26s %10s %12s %13s\n", "", "median", "min .. max", "lost", "relay drops",
                    "CPU ns/frame");
        for (const Series* x :
             {&tRelay1, &tZmq1, &tUnix, &tRelay4, &tRelay4avg, &tZmq4, &tZmq4avg, &tRelayTcp, &tZmqTcp}) {
            if (x->value.empty() && x->failures == 0) continue; // not run (--no-tcp, --only)
            char cpu[32] = "-";
            if (!x->cpuNs.empty()) std::snprintf(cpu, sizeof cpu, "%.1f", median(x->cpuNs));
            std::printf("  %-40s %12s %12s .. %-12s %10llu %12llu %13s\n", x->label.c_str(), mfps(x->med()).c_str(),
                        mfps(x->lo()).c_str(), mfps(x->hi()).c_str(), static_cast<unsigned long long>(x->lost),
                        static_cast<unsigned long long>(x->relayDrops), cpu);
            failures += x->failures;
        }
    }
    if (s.latency) {
        std::printf("\nlatency producer -> consumer at %.0f frames/s, us\n", 1e9 / static_cast<double>(s.intervalNs));
        std::printf("  %-28s %8s %8s %8s %8s   %s\n", "", "p50", "p90", "p99", "max", "p50 / p99 min .. max");
        const std::pair<const char*, const Lat*> rows[] = {
            {"relay, consumer spins", &lRelaySpin}, {"relay immediate, spins", &lRelayImmediateSpin},
            {"zmq, SUB spins", &lZmqSpin},
            {"unix (no relay), spins", &lUnixSpin}, {"unix round trip, spins", &lRoundTripSpin},
            {"relay, consumer blocks", &lRelayBlock}, {"zmq, SUB blocks", &lZmqBlock},
            {"unix (no relay), blocks", &lUnixBlock}, {"unix round trip, blocks", &lRoundTripBlock}};
        for (const auto& [name, l] : rows) {
            std::printf("  %-28s %8.1f %8.1f %8.1f %8.1f   %.1f..%.1f / %.1f..%.1f\n", name, l->p50.med(),
                        l->p90.med(), l->p99.med(), l->max.med(), l->p50.lo(), l->p50.hi(), l->p99.lo(), l->p99.hi());
            failures += l->p50.failures;
        }
    }

    std::printf("\nratios (ours / zmq, same run, medians)\n");
    if (s.throughput) {
        const double r1 = tRelay1.med() / tZmq1.med();
        const double r4 = tRelay4.med() / tZmq4.med();
        std::printf("  throughput, 1 consumer                   %6.2fx\n", r1);
        std::printf("  throughput, 4 consumers (slowest each)   %6.2fx\n", r4);
        std::printf("  relay / unix floor, 1 consumer           %6.2fx\n", tRelay1.med() / tUnix.med());
    }
    if (s.latency) {
        std::printf("  latency p50, spin / block                %6.2fx / %.2fx  (below 1: ours is faster)\n",
                    lRelaySpin.p50.med() / lZmqSpin.p50.med(), lRelayBlock.p50.med() / lZmqBlock.p50.med());
        std::printf("  latency p99, spin / block                %6.2fx / %.2fx\n",
                    lRelaySpin.p99.med() / lZmqSpin.p99.med(), lRelayBlock.p99.med() / lZmqBlock.p99.med());
    }

    std::printf("\ntargets (medians)\n");
    auto target = [&](const char* what, double v, double goal, bool atLeast, const char* unit) {
        if (!(v > 0) || std::isinf(v)) { // a scenario skipped (--only, --rt) or failed
            std::printf("  %-52s %10s      %s %-8.2g not run\n", what, "-", atLeast ? ">=" : "<=", goal);
            return;
        }
        const bool met = atLeast ? v >= goal : v <= goal;
        allMet = allMet && met;
        std::printf("  %-52s %10.2f %-4s %s %-8.2g %s\n", what, v, unit, atLeast ? ">=" : "<=", goal,
                    met ? "met" : "NOT MET");
    };
    if (s.throughput) {
        target("relay, 1 consumer, frames/s (M)", tRelay1.med() / 1e6, 10, true, "M/s");
        target("relay, 4 consumers, each (slowest), frames/s (M)", tRelay4.med() / 1e6, 3, true, "M/s");
        target("relay / zmq throughput, 1 consumer", tRelay1.med() / tZmq1.med(), 4, true, "x");
        target("relay / zmq throughput, 4 consumers", tRelay4.med() / tZmq4.med(), 4, true, "x");
    }
    if (s.latency) {
        target("latency p50, consumer spins (us)", lRelaySpin.p50.med(), 15, false, "us");
        target("latency p99, consumer spins (us)", lRelaySpin.p99.med(), 40, false, "us");
        target("latency p50, consumer blocks (us)", lRelayBlock.p50.med(), 15, false, "us");
        target("latency p99, consumer blocks (us)", lRelayBlock.p99.med(), 40, false, "us");
    }
    // Issue 12: one frame per publish as fast as ZeroMQ's best (ratios of the same run).
    std::printf("\nissue 12 goals (medians, same run; --batch %zu)\n", s.batch);
    if (s.throughput && s.batch == 1) {
        target("relay / zmq ipc, 1 consumer (goal 2x)", tRelay1.med() / tZmq1.med(), 2, true, "x");
        target("relay / zmq ipc, 1 consumer (stretch 4x)", tRelay1.med() / tZmq1.med(), 4, true, "x");
        target("relay / zmq ipc, 4 consumers, slowest each", tRelay4.med() / tZmq4.med(), 1.5, true, "x");
    }
    if (s.throughput && s.batch >= 256) {
        target("relay / zmq ipc, 1 consumer, 256 per publish", tRelay1.med() / tZmq1.med(), 6, true, "x");
    }
    if (s.throughput && s.tcp) {
        target("relay on tcp / zmq tcp, 1 consumer", tRelayTcp.med() / tZmqTcp.med(), 2, true, "x");
    }
    if (s.latency) {
        target("latency p50 spin, batched / immediate", lRelaySpin.p50.med() / lRelayImmediateSpin.p50.med(), 1.2,
               false, "x");
        target("latency p50 spin, relay / bare unix one way", lRelaySpin.p50.med() / lUnixSpin.p50.med(), 1.3, false,
               "x");
        // The goal: the relay path (two hops) against a bare round trip (two hops).
        target("latency p50 spin, relay / bare unix round trip", lRelaySpin.p50.med() / lRoundTripSpin.p50.med(), 1.3,
               false, "x");
        target("latency p50 block, relay / bare unix round trip", lRelayBlock.p50.med() / lRoundTripBlock.p50.med(),
               1.3, false, "x");
    }
    if (failures != 0) std::printf("\n%d run(s) failed or timed out (see above)\n", failures);
    return failures != 0 ? 1 : 0;
}
