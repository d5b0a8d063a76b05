// NATS throughput: 64-byte frames from one publisher to one subscriber
// through a loopback nats-server, plain nats.c against NatsTransport, the
// same bytes on the same subject through the same server in the same run,
// alternating, several repetitions; medians and the ratio.
// scripts/bench-nats.sh builds it at -O2 and runs it (docs/PERFORMANCE.md, "NATS").
//
//   nats_bench [--frames N] [--reps R] [--url nats://...] [--server /usr/sbin/nats-server]
#include <arpa/inet.h>
#include <fcntl.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "alphapulse/nats/nats_transport.hpp"
#include "alphapulse/nats/subjects.hpp"
#include "alphapulse/wire/messages.hpp"

using namespace alphapulse;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int PENDING_MESSAGES = 4 << 20; // both subscribers: far more than a run, so neither drops
constexpr int PENDING_BYTES = 1 << 30;

struct Result {
    double rate = 0;            ///< frames received per second, first publish to last receipt
    std::uint64_t received = 0; ///< of the frames published
};

std::vector<std::uint8_t> tradeFrame() {
    std::vector<std::uint8_t> frame(wire::TradeLayout::SIZE);
    auto b = *wire::TradeBuilder::into(frame.data(), frame.size());
    b.source(wire::SourceType::BinanceCollector).sequence(1).timestamp(1'700'000'000'000'000'000ULL);
    b.instrument_id(*wire::InstrumentId::symbol(wire::VenueId::Binance, wire::AssetType::Pair, "BTCUSDT"));
    b.price(6'500'012'000'000).volume(1'500'000).side(1);
    b.finish();
    return frame;
}

struct PlainCounter {
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::int64_t> lastNs{0};
};

void onPlainMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* counter = static_cast<PlainCounter*>(closure);
    counter->count.fetch_add(1, std::memory_order_relaxed);
    counter->lastNs.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    natsMsg_Destroy(msg);
}

/// Waits until `count()` reaches `frames` or stops moving for a second.
template <typename F>
void waitDone(F count, std::uint64_t frames) {
    std::uint64_t last = 0;
    auto lastMove = Clock::now();
    while (count() < frames) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const auto now = Clock::now();
        if (count() != last) {
            last = count();
            lastMove = now;
        } else if (now - lastMove > std::chrono::seconds(1)) {
            return;
        }
    }
}

Result runPlain(const std::string& url, const std::string& subject, const std::vector<std::uint8_t>& frame,
                std::uint64_t frames) {
    natsConnection* sub = nullptr;
    natsConnection* pub = nullptr;
    natsSubscription* subscription = nullptr;
    PlainCounter counter;
    if (natsConnection_ConnectTo(&sub, url.c_str()) != NATS_OK || natsConnection_ConnectTo(&pub, url.c_str()) != NATS_OK) {
        std::fprintf(stderr, "nats_bench: cannot connect to %s\n", url.c_str());
        std::exit(1);
    }
    natsConnection_Subscribe(&subscription, sub, subject.c_str(), onPlainMessage, &counter);
    natsSubscription_SetPendingLimits(subscription, PENDING_MESSAGES, PENDING_BYTES);
    natsConnection_FlushTimeout(sub, 5000);
    const auto start = Clock::now();
    for (std::uint64_t i = 0; i < frames; ++i) {
        natsConnection_Publish(pub, subject.c_str(), frame.data(), static_cast<int>(frame.size()));
    }
    natsConnection_FlushTimeout(pub, 30'000);
    waitDone([&] { return counter.count.load(); }, frames);
    const auto end = Clock::time_point(Clock::duration(counter.lastNs.load()));
    Result result;
    result.received = counter.count.load();
    result.rate = static_cast<double>(result.received) / std::chrono::duration<double>(end - start).count();
    natsSubscription_Destroy(subscription);
    natsConnection_Destroy(pub);
    natsConnection_Destroy(sub);
    return result;
}

Result runTransport(const std::string& url, const std::vector<std::uint8_t>& frame, std::uint64_t frames,
                    std::size_t perSend) {
    nats::NatsOptions options;
    options.servers = {url};
    options.subjectPrefix = "bench";
    options.pendingLimitMessages = PENDING_MESSAGES;
    options.pendingLimitBytes = PENDING_BYTES;
    options.dropWhenFull = false; // like the plain subscriber: hold, never drop
    auto subOptions = options;
    subOptions.name = "bench-sub";
    nats::NatsTransport sub(subOptions);
    auto pubOptions = options;
    pubOptions.name = "bench-pub";
    pubOptions.subscription = std::bitset<256>{};
    nats::NatsTransport pub(pubOptions);
    if (!sub.connect() || !pub.connect()) {
        std::fprintf(stderr, "nats_bench: %s %s\n", sub.reason().c_str(), pub.reason().c_str());
        std::exit(1);
    }
    std::atomic<std::uint64_t> count{0};
    Clock::time_point last{};
    auto handler = [&](const wire::FrameView&) { count.fetch_add(1, std::memory_order_relaxed); };
    sub.receive(handler, 0); // makes the subscription (and waits until the server has it)
    std::atomic<bool> stop{false};
    std::thread receiver([&] {
        while (!stop.load(std::memory_order_relaxed)) {
            if (sub.receive(handler, 50) > 0) last = Clock::now();
        }
    });
    std::vector<std::uint8_t> batch;
    for (std::size_t i = 0; i < perSend; ++i) batch.insert(batch.end(), frame.begin(), frame.end());
    const auto start = Clock::now();
    for (std::uint64_t i = 0; i < frames; i += perSend) {
        while (pub.send(batch) != transport::SendStatus::Ok) {
        }
    }
    pub.flush();
    waitDone([&] { return count.load(); }, frames);
    stop = true;
    receiver.join();
    if (std::getenv("NATS_BENCH_DEBUG") != nullptr) { // the transports' counters, when a run looks wrong
        const auto pc = pub.counters();
        const auto sc = sub.counters();
        std::fprintf(stderr, "debug: pub published=%llu reason=%s | sub received=%llu queueFull=%llu slow=%llu malformed=%llu ood=%llu reason=%s\n",
                     static_cast<unsigned long long>(pc.framesPublished), pub.reason().c_str(), static_cast<unsigned long long>(sc.framesReceived),
                     static_cast<unsigned long long>(sc.dropsQueueFull), static_cast<unsigned long long>(sc.dropsSlowConsumer),
                     static_cast<unsigned long long>(sc.dropsMalformed), static_cast<unsigned long long>(sc.dropsOutOfDomain), sub.reason().c_str());
    }
    Result result;
    result.received = count.load();
    result.rate = static_cast<double>(result.received) / std::chrono::duration<double>(last - start).count();
    return result;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

int freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

} // namespace

int main(int argc, char** argv) {
    std::uint64_t frames = 1'000'000;
    int reps = 5;
    std::string url;
    std::string serverBin = "/usr/sbin/nats-server";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        if (key == "--frames") frames = std::stoull(argv[i + 1]);
        else if (key == "--reps") reps = std::stoi(argv[i + 1]);
        else if (key == "--url") url = argv[i + 1];
        else if (key == "--server") serverBin = argv[i + 1];
        else {
            std::fprintf(stderr, "usage: nats_bench [--frames N] [--reps R] [--url nats://...] [--server PATH]\n");
            return 2;
        }
    }
    pid_t server = -1;
    if (url.empty()) {
        const int port = freePort();
        url = "nats://127.0.0.1:" + std::to_string(port);
        server = ::fork();
        if (server == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            const int devNull = ::open("/dev/null", O_WRONLY);
            ::dup2(devNull, 1);
            ::dup2(devNull, 2);
            const std::string p = std::to_string(port);
            ::execl(serverBin.c_str(), serverBin.c_str(), "-a", "127.0.0.1", "-p", p.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        for (int i = 0; i < 500; ++i) {
            natsConnection* probe = nullptr;
            if (natsConnection_ConnectTo(&probe, url.c_str()) == NATS_OK) {
                natsConnection_Destroy(probe);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    const auto frame = tradeFrame();
    const std::string subject = nats::subjectFor("bench", wire::Domain::MarketData, frame[wire::header::MESSAGE_TYPE_OFFSET]);
    std::printf("nats_bench: %zu-byte frames, %llu per run, %d repetitions, %s, subject %s\n", frame.size(),
                static_cast<unsigned long long>(frames), reps, url.c_str(), subject.c_str());
    std::vector<double> plain, single, batched;
    for (int rep = 1; rep <= reps; ++rep) {
        // Alternate the order so neither variant always runs on a warmer machine.
        Result p, t, b;
        if (rep % 2 == 1) {
            p = runPlain(url, subject, frame, frames);
            t = runTransport(url, frame, frames, 1);
            b = runTransport(url, frame, frames, 64);
        } else {
            b = runTransport(url, frame, frames, 64);
            t = runTransport(url, frame, frames, 1);
            p = runPlain(url, subject, frame, frames);
        }
        std::printf("rep %d: plain nats.c %.3f M/s (%llu recv) | NatsTransport 1/send %.3f M/s (%llu) | 64/send %.3f M/s (%llu)\n",
                    rep, p.rate / 1e6, static_cast<unsigned long long>(p.received), t.rate / 1e6,
                    static_cast<unsigned long long>(t.received), b.rate / 1e6, static_cast<unsigned long long>(b.received));
        std::fflush(stdout);
        plain.push_back(p.rate);
        single.push_back(t.rate);
        batched.push_back(b.rate);
    }
    const double mp = median(plain), ms = median(single), mb = median(batched);
    std::printf("median: plain nats.c %.3f M/s | NatsTransport 1 frame/send %.3f M/s (%.2fx plain) | 64 frames/send %.3f M/s (%.2fx plain)\n",
                mp / 1e6, ms / 1e6, ms / mp, mb / 1e6, mb / mp);
    std::printf("targets: >= 0.5 M/s %s; >= 0.90x plain nats.c (1 frame/send) %s\n", ms >= 500'000 ? "met" : "NOT met",
                ms >= 0.9 * mp ? "met" : "NOT met");
    if (server > 0) {
        ::kill(server, SIGTERM);
        ::waitpid(server, nullptr, 0);
    }
    return 0;
}
