// Recovery benchmark (docs/PERFORMANCE.md, "Recovery"): what the journal
// costs the execution relay, how fast it resends to a consumer that resumes,
// and how long a restarted relay takes to read its journal back.
//
//   recovery_bench [--frames N] [--runs R]
//
// One process: the relay on a thread (its own epoll loop, as in `alphapulse
// relay`), a producer and a consumer as BusClients over its Unix socket,
// 96-byte OrderRequests in batches of 100. Prints one JSON line per case:
//   throughput   journal off / on / on with fsync: frames/s from the first
//                publish to the last frame received, after a warm-up that
//                wraps the journal's window (best of R runs)
//   resend       a consumer resuming from the start of a journal of N frames
//                (a window of 1,000,000 frames / 128 MiB): frames/s
//   recover      constructing a relay whose journal holds N frames: ms
//   market_data  Trades over 1,000 instruments through the market-data relay
//                with its snapshot cache off and on (snapshot_instruments)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/relay/relay.hpp"
#include "alphapulse/transport/unix_socket_transport.hpp"
#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/subscribe.hpp"

using namespace alphapulse;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> orders(std::uint64_t count) {
    std::vector<std::uint8_t> out(count * wire::OrderRequestLayout::SIZE);
    for (std::uint64_t s = 1; s <= count; ++s) {
        auto b = *wire::OrderRequestBuilder::into(out.data() + (s - 1) * wire::OrderRequestLayout::SIZE,
                                                  wire::OrderRequestLayout::SIZE);
        b.source(80).sequence(s).timestamp(s).client_order_id(s);
        b.instrument_id(*wire::InstrumentId::stock(wire::VenueId::NASDAQ, "AAPL")).side(1).order_type(2).price(100).quantity(10);
        b.finish();
    }
    return out;
}

struct RunningRelay {
    explicit RunningRelay(relay::RelayConfig config) : relay(std::move(config)), thread([this] { relay.run(false); }) {}
    ~RunningRelay() {
        relay.stop();
        thread.join();
    }
    relay::Relay relay;
    std::thread thread;
};

std::unique_ptr<client::BusClient> connect(const std::string& path, std::optional<std::bitset<256>> types) {
    client::ClientOptions options;
    options.subscription = types;
    auto c = std::make_unique<client::BusClient>(
        std::make_unique<transport::UnixSocketTransport>(transport::UnixSocketTransport::Options{path}), options);
    for (int i = 0; i < 1000 && !c->connected(); ++i) {
        c->flush();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return c;
}

/// Journal window of 16 MiB / 100,000 frames: the warm-up wraps it, so the
/// measured run is a long-running relay's (no first-touch page faults).
constexpr std::uint64_t WARM_UP = 200'000;

relay::RelayConfig executionConfig(const std::string& dir, bool journal, bool fsync, bool largeWindow = false) {
    auto config = relay::defaultConfig(wire::Domain::Execution);
    config.socketPath = dir + "/execution.sock";
    config.journal.enabled = journal;
    config.journal.fsync = fsync;
    config.journal.dir = dir + "/journal";
    if (largeWindow) {
        config.journal.windowBytes = 128u << 20; // holds the 1M frames the resend case asks for
        config.journal.windowFrames = 1'000'000;
    } else {
        config.journal.windowBytes = 16u << 20;
        config.journal.windowFrames = 100'000;
    }
    return config;
}

/// Through a running relay at `socket`: WARM_UP frames, then `count` more,
/// timed from the first publish to the last frame received (frames of
/// `frameSize` bytes and type `type`, WARM_UP + count of them). Frames/s, 0
/// when any went missing.
double warmThenMeasure(const std::string& socket, const std::vector<std::uint8_t>& frames, std::size_t frameSize,
                       std::uint8_t type, std::uint64_t count) {
    auto consumer = connect(socket, std::nullopt);
    auto producer = connect(socket, std::bitset<256>{});
    std::this_thread::sleep_for(std::chrono::milliseconds(50)); // both subscribed
    const std::size_t batch = 100 * frameSize;
    const auto pass = [&](std::size_t from, std::size_t to, std::uint64_t expected) {
        std::uint64_t got = 0;
        auto onFrame = [&](const wire::FrameView& f) { got += f.messageType() == type ? 1U : 0U; };
        std::thread reader([&] {
            const auto deadline = Clock::now() + std::chrono::seconds(60);
            while (got < expected && Clock::now() < deadline) consumer->poll(onFrame, 10);
        });
        const auto start = Clock::now();
        for (std::size_t at = from; at < to; at += batch) {
            producer->publishBlocking({frames.data() + at, std::min(batch, to - at)}, std::chrono::seconds(30));
        }
        producer->drain(std::chrono::seconds(30));
        reader.join();
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        return got == expected ? static_cast<double>(expected) / seconds : 0.0;
    };
    const std::size_t split = WARM_UP * frameSize;
    if (pass(0, split, WARM_UP) == 0.0) return 0.0;
    return pass(split, frames.size(), count);
}

/// Frames/s from the first publish to the last frame received, after
/// WARM_UP frames through the same relay (frames holds WARM_UP + count).
double throughput(const std::string& dir, bool journal, bool fsync, const std::vector<std::uint8_t>& frames,
                  std::uint64_t count) {
    std::error_code ec;
    fs::remove_all(dir + "/journal", ec);
    RunningRelay running(executionConfig(dir, journal, fsync));
    return warmThenMeasure(dir + "/execution.sock", frames, wire::OrderRequestLayout::SIZE, 40, count);
}

/// A journal of `count` frames (published with no consumer), then a consumer
/// resuming from the start: frames/s of its catch-up.
double resend(const std::string& dir, const std::vector<std::uint8_t>& frames, std::uint64_t count) {
    std::error_code ec;
    fs::remove_all(dir + "/journal", ec);
    RunningRelay running(executionConfig(dir, true, false, true));
    {
        auto producer = connect(dir + "/execution.sock", std::bitset<256>{});
        constexpr std::size_t BATCH = 100 * wire::OrderRequestLayout::SIZE;
        for (std::size_t at = 0; at < frames.size(); at += BATCH) {
            producer->publishBlocking({frames.data() + at, std::min(BATCH, frames.size() - at)}, std::chrono::seconds(30));
        }
        producer->drain(std::chrono::seconds(30));
    }
    while (running.relay.stats().framesIn < count + 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // A raw consumer: RESUME with since_ns 1 = every frame the journal holds.
    transport::UnixSocketTransport t(transport::UnixSocketTransport::Options{dir + "/execution.sock"});
    if (!t.connect()) return 0.0;
    std::array<std::uint8_t, 32> all{};
    all.fill(0xFF);
    std::array<std::uint8_t, wire::subscribe::MAX_SIZE> subscribe{};
    const auto size = wire::subscribe::build(subscribe.data(), subscribe.size(), all, wire::subscribe::FLAG_RESUME, 1, {});
    std::uint64_t got = 0;
    auto onFrame = [&](const wire::FrameView& f) { got += f.messageType() == 40 ? 1U : 0U; };
    const auto start = Clock::now();
    t.send({subscribe.data(), size});
    t.flush();
    const auto deadline = start + std::chrono::seconds(60);
    while (got < count && Clock::now() < deadline) {
        if (t.receive(onFrame, 10) < 0) break;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return got == count ? static_cast<double>(count) / seconds : 0.0;
}

/// Trades over 1,000 instruments (64 bytes each).
std::vector<std::uint8_t> trades(std::uint64_t count) {
    std::vector<std::uint8_t> out(count * wire::TradeLayout::SIZE);
    for (std::uint64_t s = 1; s <= count; ++s) {
        auto b = *wire::TradeBuilder::into(out.data() + (s - 1) * wire::TradeLayout::SIZE, wire::TradeLayout::SIZE);
        b.source(1).sequence(s).timestamp(s).price(static_cast<std::int64_t>(s)).volume(1).side(1);
        b.instrument_id(*wire::InstrumentId::symbol(wire::VenueId::Binance, wire::AssetType::Pair,
                                                    "S" + std::to_string(s % 1000)));
        b.finish();
    }
    return out;
}

/// Market data: frames/s through the relay with the snapshot cache on or off
/// (the same warm-up then measured pass as throughput()).
double marketData(const std::string& dir, bool snapshots, const std::vector<std::uint8_t>& frames, std::uint64_t count) {
    auto config = relay::defaultConfig(wire::Domain::MarketData);
    config.socketPath = dir + "/market_data.sock";
    config.snapshotInstruments = snapshots ? 100'000 : 0;
    RunningRelay running(config);
    return warmThenMeasure(config.socketPath, frames, wire::TradeLayout::SIZE, 1, count);
}

/// Milliseconds to construct a relay whose journal (left by resend()) holds the frames.
double recover(const std::string& dir) {
    const auto start = Clock::now();
    relay::Relay again(executionConfig(dir, true, false, true));
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv) {
    std::uint64_t count = 1'000'000;
    int runs = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        if (key == "--frames") count = std::strtoull(argv[i + 1], nullptr, 10);
        else if (key == "--runs") runs = std::atoi(argv[i + 1]);
        else {
            std::fprintf(stderr, "usage: recovery_bench [--frames N] [--runs R]\n");
            return 2;
        }
    }
    char tmpl[] = "/tmp/alphapulse-recovery-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 1;
    const std::string dir = tmpl;
    const auto frames = orders(WARM_UP + count);
    const std::vector<std::uint8_t> resendFrames(frames.begin(),
                                                 frames.begin() + static_cast<std::ptrdiff_t>(count * wire::OrderRequestLayout::SIZE));
    const auto best = [&](auto&& measure) {
        double top = 0;
        for (int r = 0; r < runs; ++r) top = std::max(top, measure());
        return top;
    };
    const double off = best([&] { return throughput(dir, false, false, frames, count); });
    const double on = best([&] { return throughput(dir, true, false, frames, count); });
    const double synced = best([&] { return throughput(dir, true, true, frames, count); });
    std::printf("{\"case\":\"throughput\",\"frames\":%llu,\"frame_bytes\":96,\"journal_off_fps\":%.0f,"
                "\"journal_on_fps\":%.0f,\"journal_fsync_fps\":%.0f,\"on_vs_off\":%.3f}\n",
                static_cast<unsigned long long>(count), off, on, synced, off > 0 ? on / off : 0.0);
    const double resent = best([&] { return resend(dir, resendFrames, count); });
    std::printf("{\"case\":\"resend\",\"frames\":%llu,\"fps\":%.0f}\n", static_cast<unsigned long long>(count), resent);
    const double ms = recover(dir);
    std::printf("{\"case\":\"recover\",\"frames\":%llu,\"ms\":%.1f}\n", static_cast<unsigned long long>(count), ms);
    const auto md = trades(WARM_UP + count);
    const double plain = best([&] { return marketData(dir, false, md, count); });
    const double cached = best([&] { return marketData(dir, true, md, count); });
    std::printf("{\"case\":\"market_data\",\"frames\":%llu,\"frame_bytes\":64,\"instruments\":1000,"
                "\"snapshots_off_fps\":%.0f,\"snapshots_on_fps\":%.0f,\"on_vs_off\":%.3f}\n",
                static_cast<unsigned long long>(count), plain, cached, plain > 0 ? cached / plain : 0.0);
    std::error_code ec;
    fs::remove_all(dir, ec);
    return 0;
}
