// Speed harness for the shared-memory transport (docs/PERFORMANCE.md, "Shared memory").
//
// Every scenario runs its producer and its consumer as separate processes
// (fork; the relay is the real `alphapulse relay` binary, exec'd), pinned to
// different CPUs, 64-byte Trade frames, consumers spinning:
//
//   spsc   a bare single-producer single-consumer ring of 64-byte slots in
//          shared memory (as many bytes as the shm ring), the producer publishing
//          (one release store) every frame, the consumer acknowledging once per
//          batch it found, like ShmTransport's reader: the floor
//   shm    ShmTransport: one send() per frame -> one receive(…, 0) loop
//          (throughput: the ring in backpressure mode, lossless like spsc;
//          latency: the market_data drop policy)
//   relay  BusClient -> `alphapulse relay market_data --socket …` -> BusClient
//          (throughput: 256 frames per publish, as bench/relay_bench does)
//   tcp    the same relay listening on TCP loopback (`--config` with transport: tcp), TcpTransport clients
//
// Throughput: the producer sends a fixed count as fast as it can; the consumer
// measures frames / (last receive - first receive), the first receive's frames
// not counted. Latency: one frame every 100 us, CLOCK_MONOTONIC written into
// header.timestamp just before the send, subtracted on receipt; the first
// 1,000 frames not counted. Repetitions interleave the scenarios, so machine
// noise hits them alike. Output: per repetition, medians, ratios, targets.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <bitset>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/transport/shm_transport.hpp"
#include "alphapulse/transport/tcp_socket.hpp"
#include "alphapulse/transport/tcp_transport.hpp"
#include "alphapulse/transport/unix_socket_transport.hpp"
#include "bench_process.hpp"

namespace {

using namespace alphapulse;
using namespace alphapulse::bench;

constexpr std::size_t MAX_SAMPLES = 200'000;
constexpr std::uint64_t MS = 1'000'000;

struct Settings {
    int reps = 5;
    std::uint64_t frames = 10'000'000;      // throughput, spsc and shm
    std::uint64_t relayFrames = 10'000'000; // throughput, relay
    std::uint64_t latencyFrames = 20'000;   // 2 s at 10,000 frames/s
    std::uint64_t warmup = 1'000;
    std::uint64_t intervalNs = 100'000;
    std::size_t relayBatch = 256;
    std::uint64_t ringBytes = 64ull << 20;
    int cpuProducer = 0, cpuConsumer = 1, cpuRelay = -1;
    int niceness = -20; // --nice N: nice of each process and of the benchmark's own autogroup (0: leave both)
    bool latency = true, throughput = true;
    std::string only; // spsc | shm | relay | tcp
    std::string cli = ALPHAPULSE_CLI_BIN;
};

struct Shared {
    std::atomic<int> ready;
    std::atomic<int> start;
    std::atomic<int> producerDone;
    std::atomic<int> failed;
    std::uint64_t received, firstBatch, firstNs, lastNs, missed, samples;
    std::uint32_t latency[MAX_SAMPLES];
};
Shared* g = nullptr;

// The floor: 64-byte slots, as many as --ring-bytes holds (the same memory as
// the shm ring gets, so both stream through caches alike).
struct SpscRing {
    alignas(64) std::atomic<std::uint64_t> head;
    alignas(64) std::atomic<std::uint64_t> tail;
};
SpscRing* g_spsc = nullptr;
std::uint8_t* g_spscSlots = nullptr;
std::uint64_t g_spscMask = 0;
std::uint8_t* spscSlot(std::uint64_t i) { return g_spscSlots + (i & g_spscMask) * FRAME; }

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "shm_bench[%d]: %s (%s)\n", ::getpid(), what, std::strerror(errno));
    g->failed.store(1);
    ::_exit(1);
}

void waitStart() {
    while (g->start.load(std::memory_order_acquire) == 0) ::usleep(50);
}

enum class Kind { Spsc, Shm, Relay, Tcp };
enum class Mode { Throughput, Latency };
const char* kindName(Kind k) {
    return k == Kind::Spsc ? "spsc" : k == Kind::Shm ? "shm" : k == Kind::Relay ? "relay" : "tcp";
}

/// Consumer bookkeeping: first/last receive times, latency samples, end of run.
struct Tally {
    Tally(std::uint64_t expect, const Settings& s, Mode m) : expected(expect), warmup(s.warmup), mode(m) {}
    void frame(const std::uint8_t* data) {
        ++received;
        if (mode == Mode::Latency) {
            const std::uint64_t t = nowNs();
            if (sequenceOf(data) > warmup && g->samples < MAX_SAMPLES) {
                g->latency[g->samples++] = static_cast<std::uint32_t>(std::min<std::uint64_t>(t - sentAt(data), UINT32_MAX));
            }
        }
    }
    /// After each receive; false when the run is over.
    bool after(std::uint64_t delivered) {
        const std::uint64_t t = nowNs();
        if (delivered > 0) {
            if (g->firstNs == 0) {
                g->firstNs = t;
                g->firstBatch = received;
            }
            g->lastNs = t;
            g->received = received;
            idleSince = 0;
            return received < expected;
        }
        if (g->producerDone.load(std::memory_order_relaxed) != 0) {
            if (idleSince == 0) idleSince = t;
            if (t - idleSince > 300 * MS) return false;
        }
        return t < deadline;
    }
    std::uint64_t expected, warmup;
    Mode mode;
    std::uint64_t received = 0;
    std::uint64_t idleSince = 0;
    std::uint64_t deadline = nowNs() + 60'000 * MS;
};

// ----------------------------------------------------------------- spsc floor

[[noreturn]] void spscProducer(const Settings& s, std::uint64_t frames, Mode mode) {
    processRole("ap-producer", s.cpuProducer, s.niceness);
    auto frame = tradeFrame();
    g->ready.fetch_add(1);
    waitStart();
    std::uint64_t head = 0, tail = 0;
    Pacer pacer(s.intervalNs);
    for (std::uint64_t seq = 1; seq <= frames; ++seq) {
        if (mode == Mode::Latency) {
            pacer.wait();
            stampNow(frame.data(), seq);
        } else {
            setSequence(frame.data(), seq);
        }
        while (head - tail > g_spscMask) tail = g_spsc->tail.load(std::memory_order_acquire);
        std::memcpy(spscSlot(head), frame.data(), FRAME);
        g_spsc->head.store(++head, std::memory_order_release);
    }
    g->producerDone.store(1);
    ::_exit(0);
}

[[noreturn]] void spscConsumer(const Settings& s, std::uint64_t frames, Mode mode) {
    processRole("ap-consumer", s.cpuConsumer, s.niceness);
    Tally tally(frames, s, mode);
    g->ready.fetch_add(1);
    std::uint64_t tail = 0;
    alignas(64) std::uint8_t copy[FRAME];
    for (;;) {
        const std::uint64_t head = g_spsc->head.load(std::memory_order_acquire);
        std::uint64_t n = 0;
        for (; tail < head; ++tail, ++n) {
            std::memcpy(copy, spscSlot(tail), FRAME); // like a transport's copy-out
            tally.frame(copy);
        }
        // Acknowledged once per batch, as ShmTransport's reader does (the
        // producer still publishes every frame): the strongest floor.
        if (n != 0) g_spsc->tail.store(tail, std::memory_order_release);
        if (!tally.after(n)) break;
    }
    ::_exit(0);
}

// -------------------------------------------------------------- shm transport

transport::ShmTransport::Options shmOptions(const Settings& s, const std::string& name, Mode mode) {
    auto o = transport::ShmTransport::defaults(wire::Domain::MarketData);
    o.name = name;
    o.sizeBytes = s.ringBytes;
    o.wait = transport::ShmTransport::Wait::Spin;
    o.backpressure = mode == Mode::Throughput; // lossless, like the spsc ring
    return o;
}

[[noreturn]] void shmProducer(const Settings& s, const std::string& name, std::uint64_t frames, Mode mode) {
    processRole("ap-producer", s.cpuProducer, s.niceness);
    transport::ShmTransport t(shmOptions(s, name, mode));
    while (g->ready.load() == 0) ::usleep(50); // the consumer creates the segment
    if (!t.connect()) die(t.reason().c_str());
    std::array<std::uint8_t, wire::SubscribeLayout::SIZE> subscribe{};
    client::buildSubscribe(subscribe.data(), std::bitset<256>{}); // a pure producer: reads nothing
    t.send(subscribe);
    auto frame = tradeFrame();
    g->ready.fetch_add(1);
    waitStart();
    Pacer pacer(s.intervalNs);
    for (std::uint64_t seq = 1; seq <= frames; ++seq) {
        if (mode == Mode::Latency) {
            pacer.wait();
            stampNow(frame.data(), seq);
        } else {
            setSequence(frame.data(), seq);
        }
        for (;;) {
            const auto status = t.send(frame);
            if (status == transport::SendStatus::Ok) break;
            if (status == transport::SendStatus::Closed) die(t.reason().c_str());
        }
    }
    g->producerDone.store(1);
    ::_exit(0);
}

[[noreturn]] void shmConsumer(const Settings& s, const std::string& name, std::uint64_t frames, Mode mode) {
    processRole("ap-consumer", s.cpuConsumer, s.niceness);
    transport::ShmTransport t(shmOptions(s, name, mode));
    if (!t.connect()) die(t.reason().c_str());
    Tally tally(frames, s, mode);
    auto handler = [&](const wire::FrameView& f) { tally.frame(f.data()); };
    g->ready.fetch_add(1);
    for (;;) {
        const int n = t.receive(handler, 0);
        if (n < 0) die(t.reason().c_str());
        if (!tally.after(static_cast<std::uint64_t>(n))) break;
    }
    g->missed = t.counters().framesMissed;
    ::_exit(0);
}

// ------------------------------------------------------ the relay (Unix socket or TCP)

/// Where the relay listens: its Unix socket, or a loopback TCP port (then
/// `path` only names its deployment file, log and stats socket).
struct RelayEndpoint {
    std::string path;
    std::uint16_t tcpPort = 0;
};

pid_t startRelay(const Settings& s, const RelayEndpoint& at) {
    std::string config;
    if (at.tcpPort != 0) {
        config = at.path + ".yaml";
        std::FILE* f = std::fopen(config.c_str(), "w");
        if (f == nullptr) die("write the TCP deployment file");
        std::fprintf(f, "alphapulse:\n  runtime_dir: /tmp\n  market_data:\n    transport: tcp\n    address: 127.0.0.1:%u\n",
                     static_cast<unsigned>(at.tcpPort));
        std::fclose(f);
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
        processRole("ap-relay", s.cpuRelay, s.niceness);
        const int log = ::open((at.path + ".log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (log >= 0) ::dup2(log, STDERR_FILENO);
        if (at.tcpPort != 0) {
            ::execl(s.cli.c_str(), "alphapulse", "relay", "market_data", "--config", config.c_str(), nullptr);
        } else {
            ::execl(s.cli.c_str(), "alphapulse", "relay", "market_data", "--socket", at.path.c_str(), nullptr);
        }
        ::_exit(127);
    }
    for (int i = 0; i < 500; ++i) {
        if (at.tcpPort != 0) {
            const int fd = transport::connectTcp({"127.0.0.1", at.tcpPort}, 100);
            if (fd >= 0) {
                ::close(fd);
                break;
            }
        } else {
            struct stat st{};
            if (::stat(at.path.c_str(), &st) == 0) break;
        }
        ::usleep(10'000);
    }
    return pid;
}

std::unique_ptr<client::BusClient> relayClient(const RelayEndpoint& at, bool producer) {
    client::ClientOptions co;
    if (producer) co.subscription = std::bitset<256>{};
    std::unique_ptr<transport::Transport> t;
    if (at.tcpPort != 0) {
        transport::TcpTransport::Options o;
        o.host = "127.0.0.1";
        o.port = at.tcpPort;
        t = std::make_unique<transport::TcpTransport>(o);
    } else {
        transport::UnixSocketTransport::Options o;
        o.path = at.path;
        t = std::make_unique<transport::UnixSocketTransport>(o);
    }
    auto c = std::make_unique<client::BusClient>(std::move(t), co);
    if (!c->connected()) die("connect to the relay");
    return c;
}

/// A loopback port nobody listens on now (the kernel's choice, released at once).
std::uint16_t freeTcpPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    std::uint16_t port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    ::close(fd);
    return port;
}

[[noreturn]] void relayProducer(const Settings& s, const RelayEndpoint& at, std::uint64_t frames, Mode mode) {
    processRole("ap-producer", s.cpuProducer, s.niceness);
    auto c = relayClient(at, true);
    auto publish = [&](std::span<const std::uint8_t> bytes) {
        while (c->publish(bytes) != transport::SendStatus::Ok) c->flush();
        c->flush();
    };
    g->ready.fetch_add(1);
    waitStart();
    if (mode == Mode::Throughput) {
        std::vector<std::uint8_t> batch(s.relayBatch * FRAME);
        const auto t = tradeFrame();
        for (std::size_t i = 0; i < s.relayBatch; ++i) std::memcpy(batch.data() + i * FRAME, t.data(), FRAME);
        for (std::uint64_t seq = 1; seq <= frames;) {
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(s.relayBatch, frames - seq + 1));
            for (std::size_t i = 0; i < n; ++i) setSequence(batch.data() + i * FRAME, seq + i);
            publish({batch.data(), n * FRAME});
            seq += n;
        }
    } else {
        auto frame = tradeFrame();
        Pacer pacer(s.intervalNs);
        for (std::uint64_t seq = 1; seq <= frames; ++seq) {
            pacer.wait();
            stampNow(frame.data(), seq);
            publish(frame);
        }
    }
    while (c->transport().pendingBytes() > 0) c->flush();
    g->producerDone.store(1);
    ::usleep(500'000); // keep the connection until the consumer drained
    ::_exit(0);
}

[[noreturn]] void relayConsumer(const Settings& s, const RelayEndpoint& at, std::uint64_t frames, Mode mode) {
    processRole("ap-consumer", s.cpuConsumer, s.niceness);
    auto c = relayClient(at, false);
    Tally tally(frames, s, mode);
    auto handler = [&](const wire::FrameView& f) { tally.frame(f.data()); };
    g->ready.fetch_add(1);
    for (;;) {
        const int n = c->poll(handler, 0);
        if (!tally.after(static_cast<std::uint64_t>(n > 0 ? n : 0))) break;
    }
    ::_exit(0);
}

// ------------------------------------------------------------------ running

struct Result {
    bool ok = false;
    double rate = 0; // frames/s
    double p50 = 0, p90 = 0, p99 = 0;
    std::uint64_t received = 0, missed = 0;
};

bool waitChild(pid_t pid, std::uint64_t timeoutNs) {
    const std::uint64_t end = nowNs() + timeoutNs;
    int status = 0;
    while (nowNs() < end) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) && WEXITSTATUS(status) == 0;
        ::usleep(2'000);
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return false;
}

Result runScenario(const Settings& s, Kind kind, Mode mode) {
    g->ready.store(0);
    g->start.store(0);
    g->producerDone.store(0);
    g->failed.store(0);
    g->received = g->firstBatch = g->firstNs = g->lastNs = g->missed = g->samples = 0;
    const std::uint64_t frames = mode == Mode::Latency ? s.latencyFrames
                                 : kind == Kind::Relay || kind == Kind::Tcp ? s.relayFrames
                                                       : s.frames;
    const std::string name = "alphapulse-bench-" + std::to_string(::getpid());
    const std::string socketPath = "/tmp/alphapulse-shm-bench-" + std::to_string(::getpid()) + ".sock";
    const RelayEndpoint endpoint{socketPath, kind == Kind::Tcp ? freeTcpPort() : std::uint16_t{0}};
    pid_t relay = -1;
    if (kind == Kind::Spsc) {
        g_spsc->head.store(0);
        g_spsc->tail.store(0);
    }
    if (kind == Kind::Relay || kind == Kind::Tcp) relay = startRelay(s, endpoint);
    const pid_t consumer = ::fork();
    if (consumer == 0) {
        if (kind == Kind::Spsc) spscConsumer(s, frames, mode);
        if (kind == Kind::Shm) shmConsumer(s, name, frames, mode);
        relayConsumer(s, endpoint, frames, mode);
    }
    while (g->ready.load() < 1 && g->failed.load() == 0) ::usleep(100);
    const pid_t producer = ::fork();
    if (producer == 0) {
        if (kind == Kind::Spsc) spscProducer(s, frames, mode);
        if (kind == Kind::Shm) shmProducer(s, name, frames, mode);
        relayProducer(s, endpoint, frames, mode);
    }
    const std::uint64_t readyBy = nowNs() + 10'000 * MS;
    while (g->ready.load() < 2 && g->failed.load() == 0 && nowNs() < readyBy) ::usleep(100);
    g->start.store(1, std::memory_order_release);
    const bool okProducer = waitChild(producer, 90'000 * MS);
    const bool okConsumer = waitChild(consumer, 90'000 * MS);
    if (relay > 0) {
        ::kill(relay, SIGTERM);
        waitChild(relay, 5'000 * MS);
    }
    ::unlink(socketPath.c_str());
    ::unlink((socketPath + ".log").c_str());
    ::unlink((socketPath + ".yaml").c_str());
    transport::ShmTransport::removeAbandoned(name);
    Result r;
    r.ok = okProducer && okConsumer && g->failed.load() == 0;
    r.received = g->received;
    r.missed = g->missed;
    if (mode == Mode::Throughput && g->lastNs > g->firstNs) {
        r.rate = static_cast<double>(g->received - g->firstBatch) * 1e9 / static_cast<double>(g->lastNs - g->firstNs);
    }
    if (mode == Mode::Latency) {
        std::vector<std::uint32_t> v(g->latency, g->latency + g->samples);
        r.p50 = percentile(v, 50);
        r.p90 = percentile(v, 90);
        r.p99 = percentile(v, 99);
    }
    if (!r.ok) std::fprintf(stderr, "  %s: a process failed or timed out\n", kindName(kind));
    return r;
}

void usage() {
    std::fprintf(stderr,
                 "shm_bench [--reps N] [--frames N] [--relay-frames N] [--latency-frames N] [--ring-bytes N]\n"
                 "          [--cpu-producer C] [--cpu-consumer C] [--cpu-relay C] [--nice N] [--no-latency] [--no-throughput]\n"
                 "          [--only spsc|shm|relay|tcp] [--cli PATH]\n");
    std::exit(2);
}

Settings parse(int argc, char** argv) {
    Settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage();
            return argv[++i];
        };
        if (a == "--reps") s.reps = std::stoi(value());
        else if (a == "--frames") s.frames = std::stoull(value());
        else if (a == "--relay-frames") s.relayFrames = std::stoull(value());
        else if (a == "--latency-frames") s.latencyFrames = std::stoull(value());
        else if (a == "--ring-bytes") s.ringBytes = std::stoull(value());
        else if (a == "--cpu-producer") s.cpuProducer = std::stoi(value());
        else if (a == "--cpu-consumer") s.cpuConsumer = std::stoi(value());
        else if (a == "--cpu-relay") s.cpuRelay = std::stoi(value());
        else if (a == "--nice") s.niceness = std::stoi(value());
        else if (a == "--no-latency") s.latency = false;
        else if (a == "--no-throughput") s.throughput = false;
        else if (a == "--only") s.only = value();
        else if (a == "--cli") s.cli = value();
        else usage();
    }
    return s;
}

} // namespace

int main(int argc, char** argv) {
    const Settings s = parse(argc, argv);
    if (s.niceness != 0) {
        if (::getpgrp() == ::getpid()) {
            // A process-group leader cannot start a session: continue in a child.
            const pid_t child = ::fork();
            if (child > 0) {
                int status = 0;
                ::waitpid(child, &status, 0);
                return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
            }
        }
        if (!ownAutogroup(s.niceness)) std::fprintf(stderr, "shm_bench: no autogroup of its own (%s)\n", std::strerror(errno));
    }
    g = sharedAcrossFork<Shared>();
    g_spsc = sharedAcrossFork<SpscRing>();
    {
        std::uint64_t slots = 1;
        while (slots * FRAME < s.ringBytes) slots <<= 1;
        void* p = ::mmap(nullptr, slots * FRAME, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (p == MAP_FAILED) {
            std::perror("mmap");
            return 1;
        }
        g_spscSlots = static_cast<std::uint8_t*>(p);
        g_spscMask = slots - 1;
    }
    std::vector<Kind> kinds;
    for (Kind k : {Kind::Spsc, Kind::Shm, Kind::Relay, Kind::Tcp}) {
        if (s.only.empty() || s.only == kindName(k)) kinds.push_back(k);
    }
    std::map<Kind, std::vector<double>> rate, p50, p90, p99;
    std::map<Kind, std::uint64_t> missed;
    for (int rep = 1; rep <= s.reps; ++rep) {
        for (Kind k : kinds) {
            if (s.throughput) {
                const Result r = runScenario(s, k, Mode::Throughput);
                if (r.ok) rate[k].push_back(r.rate);
                missed[k] += r.missed;
                std::printf("rep %d %-5s throughput %8.2f M frames/s (received %llu)\n", rep, kindName(k), r.rate / 1e6,
                            static_cast<unsigned long long>(r.received));
            }
            if (s.latency) {
                const Result r = runScenario(s, k, Mode::Latency);
                if (r.ok) {
                    p50[k].push_back(r.p50);
                    p90[k].push_back(r.p90);
                    p99[k].push_back(r.p99);
                }
                std::printf("rep %d %-5s latency p50 %7.0f  p90 %7.0f  p99 %7.0f ns\n", rep, kindName(k), r.p50, r.p90,
                            r.p99);
            }
            std::fflush(stdout);
        }
    }
    std::printf("\n== medians of %d repetitions (64-byte frames, separate processes, spinning consumer)\n", s.reps);
    auto range = [](const std::vector<double>& v, double scale) {
        if (v.empty()) return std::string("-");
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.2f..%.2f", *std::min_element(v.begin(), v.end()) / scale,
                      *std::max_element(v.begin(), v.end()) / scale);
        return std::string(buf);
    };
    if (s.throughput) {
        std::printf("| throughput 1 -> 1 | M frames/s | min..max |\n|---|---:|---|\n");
        for (Kind k : kinds) std::printf("| %s | %.2f | %s |\n", kindName(k), median(rate[k]) / 1e6, range(rate[k], 1e6).c_str());
    }
    if (s.latency) {
        std::printf("| one-way latency at 10,000 frames/s | p50 ns | p90 ns | p99 ns | p50 min..max | p99 min..max |\n"
                    "|---|---:|---:|---:|---|---|\n");
        for (Kind k : kinds) {
            std::printf("| %s | %.0f | %.0f | %.0f | %s | %s |\n", kindName(k), median(p50[k]), median(p90[k]),
                        median(p99[k]), range(p50[k], 1).c_str(), range(p99[k], 1).c_str());
        }
    }
    const bool haveShm = !rate[Kind::Shm].empty() || !p50[Kind::Shm].empty();
    if (haveShm) {
        std::printf("\n");
        const double shmRate = median(rate[Kind::Shm]);
        if (s.throughput && !rate[Kind::Spsc].empty()) {
            const double ratio = shmRate / median(rate[Kind::Spsc]);
            std::printf("throughput shm / spsc = %.2f (target >= 0.75: %s); shm %.2f M/s (target >= 10 M/s: %s)\n", ratio,
                        ratio >= 0.75 ? "met" : "NOT met", shmRate / 1e6, shmRate >= 10e6 ? "met" : "NOT met");
        }
        if (s.throughput && !rate[Kind::Relay].empty()) {
            std::printf("throughput shm / unix relay = %.2f\n", shmRate / median(rate[Kind::Relay]));
        }
        if (s.throughput && !rate[Kind::Tcp].empty()) {
            std::printf("throughput shm / tcp relay = %.2f\n", shmRate / median(rate[Kind::Tcp]));
        }
        if (s.latency && !p50[Kind::Shm].empty()) {
            const double a = median(p50[Kind::Shm]), b = median(p99[Kind::Shm]);
            std::printf("latency shm p50 %.0f ns (target <= 400: %s), p99 %.0f ns (target <= 2000: %s)\n", a,
                        a <= 400 ? "met" : "NOT met", b, b <= 2000 ? "met" : "NOT met");
            if (!p50[Kind::Relay].empty()) {
                std::printf("latency shm / unix relay: p50 %.3f, p99 %.3f\n", a / median(p50[Kind::Relay]),
                            b / median(p99[Kind::Relay]));
            }
            if (!p50[Kind::Tcp].empty()) {
                std::printf("latency shm / tcp relay: p50 %.3f, p99 %.3f\n", a / median(p50[Kind::Tcp]),
                            b / median(p99[Kind::Tcp]));
            }
            if (!p50[Kind::Spsc].empty()) {
                std::printf("latency shm / spsc: p50 %.2f, p99 %.2f\n", a / median(p50[Kind::Spsc]),
                            b / median(p99[Kind::Spsc]));
            }
        }
        if (missed[Kind::Shm] != 0) std::printf("(shm consumer missed %llu frames)\n", static_cast<unsigned long long>(missed[Kind::Shm]));
    }
    return 0;
}
