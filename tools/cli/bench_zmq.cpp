#include "bench_zmq.hpp"

#if ALPHAPULSE_BENCH_ZMQ
#include <unistd.h>
#include <zmq.h>

#include <cerrno>
#include <filesystem>
#include <vector>

#include "bench_harness.hpp"
#endif

namespace alphapulse::cli::bench {

#if ALPHAPULSE_BENCH_ZMQ

namespace {

void producer(void* ctx, const std::string& endpoint, const Settings& settings, RunControl& control) {
    void* pub = ::zmq_socket(ctx, ZMQ_XPUB);
    const int one = 1;
    const int zero = 0;
    const int hwm = 1'000'000; // like the market_data relay's 1,000,000-frame queue
    ::zmq_setsockopt(pub, ZMQ_XPUB_NODROP, &one, sizeof one);
    ::zmq_setsockopt(pub, ZMQ_SNDHWM, &hwm, sizeof hwm);
    ::zmq_setsockopt(pub, ZMQ_LINGER, &zero, sizeof zero);
    if (::zmq_bind(pub, endpoint.c_str()) != 0) {
        control.fail("zmq_bind " + endpoint + ": " + ::zmq_strerror(::zmq_errno()));
        ::zmq_close(pub);
        return;
    }
    const SendFn send = [&](std::span<const std::uint8_t> frames) {
        for (std::size_t at = 0; at < frames.size(); at += settings.size) {
            while (::zmq_send(pub, frames.data() + at, settings.size, ZMQ_DONTWAIT) < 0) {
                if (::zmq_errno() != EAGAIN && ::zmq_errno() != EINTR) {
                    control.fail(std::string("zmq_send: ") + ::zmq_strerror(::zmq_errno()));
                    return false;
                }
                if (control.stop.load(std::memory_order_relaxed)) return false;
            }
        }
        return true;
    };
    produce(settings, control, send);
    control.finishProducing();
    // ZeroMQ has no "written" signal; the harness stops once the SUBs have it all.
    while (!control.stop.load()) ::usleep(1000);
    ::zmq_close(pub);
}

void consumer(void* ctx, const std::string& endpoint, const Settings& settings, ConsumerTally& tally,
              RunControl& control) {
    void* sub = ::zmq_socket(ctx, ZMQ_SUB);
    const int hwm = 1'000'000;
    const int timeoutMs = 10;
    const int zero = 0;
    ::zmq_setsockopt(sub, ZMQ_RCVHWM, &hwm, sizeof hwm);
    ::zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeoutMs, sizeof timeoutMs);
    ::zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
    ::zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
    if (::zmq_connect(sub, endpoint.c_str()) != 0) {
        control.fail("zmq_connect " + endpoint + ": " + ::zmq_strerror(::zmq_errno()));
        ::zmq_close(sub);
        return;
    }
    std::vector<std::uint8_t> buffer(MAX_FRAME);
    const int flags = settings.spin ? ZMQ_DONTWAIT : 0;
    while (!control.stop.load(std::memory_order_relaxed)) {
        const int n = ::zmq_recv(sub, buffer.data(), buffer.size(), flags);
        if (n >= static_cast<int>(MIN_FRAME)) tally.frame(buffer.data(), static_cast<std::size_t>(n));
    }
    ::zmq_close(sub);
}

} // namespace

bool zmqBuiltIn() noexcept { return true; }

std::string zmqVersion() {
    int major = 0, minor = 0, patch = 0;
    ::zmq_version(&major, &minor, &patch);
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

Outcome runZmq(const Settings& settings, ProgressSink* progress) {
    Outcome outcome;
    outcome.transport = "zmq_ipc";
    outcome.bus = "started by bench";
    outcome.kind = settings.rate > 0 ? "latency" : "throughput";
    outcome.settings = settings;
    std::string dir = (std::filesystem::temp_directory_path() / "alphapulse-bench-zmq-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) {
        outcome.error = "mkdtemp: cannot create a temporary directory";
        return outcome;
    }
    outcome.endpoint = "ipc://" + dir + "/bench.ipc";
    void* ctx = ::zmq_ctx_new();
    runHarness(
        settings, outcome, progress,
        [&](RunControl& control) { producer(ctx, outcome.endpoint, settings, control); },
        [&](ConsumerTally& tally, RunControl& control) { consumer(ctx, outcome.endpoint, settings, tally, control); });
    ::zmq_ctx_term(ctx);
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    return outcome;
}

#else

bool zmqBuiltIn() noexcept { return false; }

std::string zmqVersion() {
    return "not built in: libzmq was not found when alphapulse was built (install libzmq3-dev and rebuild; "
           "-DALPHAPULSE_BENCH_ZMQ=ON, the default, links it when found)";
}

Outcome runZmq(const Settings& settings, ProgressSink*) {
    Outcome outcome;
    outcome.transport = "zmq_ipc";
    outcome.kind = settings.rate > 0 ? "latency" : "throughput";
    outcome.settings = settings;
    outcome.error = "ZeroMQ " + zmqVersion();
    return outcome;
}

#endif

} // namespace alphapulse::cli::bench
