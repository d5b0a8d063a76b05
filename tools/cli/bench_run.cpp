#include "bench_run.hpp"

#include <poll.h>
#include <unistd.h>

#include <bitset>
#include <chrono>
#include <thread>

#include "alphapulse/client/bus_client.hpp"
#include "bench_harness.hpp"

namespace alphapulse::cli::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::unique_ptr<client::BusClient> makeBenchClient(Bus& bus, const std::string& name,
                                                     std::optional<std::bitset<256>> subscription) {
    client::ClientOptions options;
    options.name = name;
    options.subscription = subscription;
    // Options, not the file: a consumers: entry for the name must not change what bench measures.
    return config::makeClient(bus.deployment(), wire::Domain::MarketData, options,
                              config::SubscriptionSource::Options);
}

/// Waits until the client can take more: its socket writable, or (shared
/// memory and NATS have no descriptor for that) a yield.
void waitWritable(client::BusClient& c) {
    if (const int fd = c.pollFd(); fd >= 0) {
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, 10);
    } else {
        std::this_thread::yield();
    }
    c.flush();
}

/// Hands over what the client still holds; false after 10 s or a stop.
bool drain(client::BusClient& c, RunControl& control) {
    const auto end = Clock::now() + std::chrono::seconds(10);
    c.flush();
    while (c.transport().pendingBytes() > 0 || c.bufferedBytes() > 0) {
        if (control.stop.load() || Clock::now() > end) return false;
        waitWritable(c);
    }
    return true;
}

void producer(Bus& bus, const Settings& settings, RunControl& control) {
    std::unique_ptr<client::BusClient> c;
    try {
        c = makeBenchClient(bus, "bench-producer", std::bitset<256>{}); // produces only: nothing queued for it
    } catch (const std::exception& e) {
        control.fail(std::string("producer: ") + e.what());
        return;
    }
    const SendFn send = [&](std::span<const std::uint8_t> frames) {
        auto disconnectedSince = Clock::time_point{};
        while (c->publish(frames) != transport::SendStatus::Ok) {
            if (control.stop.load(std::memory_order_relaxed)) return false;
            if (!c->connected()) {
                const auto now = Clock::now();
                if (disconnectedSince == Clock::time_point{}) disconnectedSince = now;
                if (now - disconnectedSince > std::chrono::seconds(5)) {
                    control.fail("producer: not connected for 5 s (" + c->transport().reason() + ")");
                    return false;
                }
            }
            waitWritable(*c);
        }
        return true;
    };
    produce(settings, control, send);
    if (!drain(*c, control) && !control.stop.load()) control.fail("producer: could not hand over its last frames in 10 s");
    control.finishProducing();
    // Connected until the end: closing earlier could drop what a server or
    // relay still holds for this connection on some transports.
    while (!control.stop.load()) ::usleep(1000);
}

void consumer(Bus& bus, const Settings& settings, std::uint8_t type, ConsumerTally& tally, RunControl& control) {
    std::unique_ptr<client::BusClient> c;
    try {
        std::bitset<256> types;
        types.set(type);
        c = makeBenchClient(bus, "bench-consumer", types);
    } catch (const std::exception& e) {
        control.fail(std::string("consumer: ") + e.what());
        return;
    }
    auto handler = [&](const wire::FrameView& f) { tally.frame(f.data(), f.size()); };
    const int timeoutMs = settings.spin ? 0 : 10;
    while (!control.stop.load(std::memory_order_relaxed)) c->poll(handler, timeoutMs);
}

} // namespace

Outcome runOnBus(Bus& bus, const Settings& settings, ProgressSink* progress) {
    Outcome outcome;
    outcome.transport = bus.transportName();
    outcome.endpoint = bus.endpoint();
    outcome.bus = bus.owner();
    outcome.kind = settings.rate > 0 ? "latency" : "throughput";
    outcome.settings = settings;
    const std::uint8_t type = FrameBatch(settings.size, 1, MEASURED_SOURCE).messageType();
    runHarness(
        settings, outcome, progress, [&](RunControl& control) { producer(bus, settings, control); },
        [&](ConsumerTally& tally, RunControl& control) { consumer(bus, settings, type, tally, control); });
    return outcome;
}

} // namespace alphapulse::cli::bench
