// Micro-benchmarks of the wire hot paths, with their peers in the same run
// (zlib vs ISA-L CRC-32, protobuf encode/decode of the same Trade).
//
// Inputs vary: a ring of 1024 different Trade frames (random fields, valid
// checksums), so the CRC never runs on constant data and branch predictors
// cannot learn one frame. Every view/build benchmark counts heap allocations
// through the replaced global operator new (alloc_counter.cpp), reports
// allocs_per_iter, and fails with SkipWithError when it is not zero.
//
// scripts/bench.sh builds this at -O2 and prints medians and ratios.
#include <benchmark/benchmark.h>
#include <isa-l/crc.h>
#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "alloc_counter.hpp"
#include "alphapulse/wire.hpp"
#include "trade.pb.h"

using namespace alphapulse::wire;
using alphapulse::bench::allocationCount;

namespace {

constexpr std::size_t RING = 1024; // frames in the input ring (power of two)
constexpr std::size_t MASK = RING - 1;

struct TradeInput {
    InstrumentId id;
    std::int64_t price;
    std::uint64_t volume;
    std::uint8_t side;
    std::uint64_t sequence;
    std::uint64_t timestamp;
};

struct alignas(64) Frame64 {
    std::array<std::uint8_t, 64> bytes;
};

const std::vector<TradeInput>& inputs() {
    static const std::vector<TradeInput> ring = [] {
        std::mt19937_64 rng{42};
        std::vector<TradeInput> v(RING);
        const char* symbols[] = {"AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "META", "GOOG", "SPY"};
        for (std::size_t i = 0; i < RING; ++i) {
            v[i].id = *InstrumentId::stock(VenueId::NASDAQ, symbols[rng() % 8]);
            v[i].price = static_cast<std::int64_t>(rng() % (1000 * PRICE_SCALE));
            v[i].volume = rng() % 100000;
            v[i].side = static_cast<std::uint8_t>(1 + rng() % 2);
            v[i].sequence = i + 1;
            v[i].timestamp = 1764115200000000000ULL + rng() % 1000000000ULL;
        }
        return v;
    }();
    return ring;
}

std::size_t buildTrade(std::uint8_t* out, std::size_t cap, const TradeInput& in) {
    auto started = TradeBuilder::into(out, cap);
    if (!started) return 0;
    auto b = *started;
    b.source(SourceType::AlpacaCollector).sequence(in.sequence).timestamp(in.timestamp);
    b.instrument_id(in.id).price(in.price).volume(in.volume).side(in.side);
    return b.finish();
}

const std::vector<Frame64>& frames() {
    static const std::vector<Frame64> ring = [] {
        std::vector<Frame64> v(RING);
        for (std::size_t i = 0; i < RING; ++i) buildTrade(v[i].bytes.data(), 64, inputs()[i]);
        return v;
    }();
    return ring;
}

/// Allocations per iteration as a counter; a non-zero count on a path that
/// promises none fails the benchmark.
void reportAllocations(benchmark::State& state, std::uint64_t before, bool mustBeZero) {
    const std::uint64_t allocs = allocationCount() - before;
    const double perIter = state.iterations() ? static_cast<double>(allocs) / static_cast<double>(state.iterations()) : 0.0;
    state.counters["allocs_per_iter"] = perIter;
    if (mustBeZero && allocs != 0) state.SkipWithError("heap allocation on a path that must not allocate");
}

// ---------------------------------------------------------------- views

void BM_TradeView(benchmark::State& state, bool verifyChecksum) {
    const auto& ring = frames();
    std::size_t i = 0;
    const std::uint64_t before = allocationCount();
    for (auto _ : state) {
        const auto view = TradeView::parse(ring[i].bytes.data(), 64, verifyChecksum);
        if (!view) [[unlikely]] {
            state.SkipWithError("trade frame rejected");
            break;
        }
        benchmark::DoNotOptimize(view->price());
        benchmark::DoNotOptimize(view->volume());
        benchmark::DoNotOptimize(view->instrument_id());
        i = (i + 1) & MASK;
    }
    reportAllocations(state, before, true);
}
BENCHMARK_CAPTURE(BM_TradeView, no_checksum, false);
BENCHMARK_CAPTURE(BM_TradeView, checksum, true);

void BM_ParseFrame(benchmark::State& state, bool verifyChecksum) {
    const auto& ring = frames();
    std::size_t i = 0;
    const ParseOptions options{verifyChecksum, header::DEFAULT_MAX_PAYLOAD};
    const std::uint64_t before = allocationCount();
    for (auto _ : state) {
        const auto frame = parseFrame(ring[i].bytes.data(), 64, options);
        if (!frame) [[unlikely]] {
            state.SkipWithError("frame rejected");
            break;
        }
        const auto view = TradeView::of(*frame);
        benchmark::DoNotOptimize(view.price());
        benchmark::DoNotOptimize(view.volume());
        i = (i + 1) & MASK;
    }
    reportAllocations(state, before, true);
}
BENCHMARK_CAPTURE(BM_ParseFrame, trade_no_checksum, false);
BENCHMARK_CAPTURE(BM_ParseFrame, trade_checksum, true);

// ---------------------------------------------------------------- build

void BM_TradeBuild(benchmark::State& state) {
    const auto& in = inputs();
    alignas(64) std::array<std::uint8_t, 64> out{};
    std::size_t i = 0;
    const std::uint64_t before = allocationCount();
    for (auto _ : state) {
        const std::size_t len = buildTrade(out.data(), out.size(), in[i]);
        benchmark::DoNotOptimize(len);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory(); // the frame is "sent": its bytes must exist
        i = (i + 1) & MASK;
    }
    if (TradeView::parse(out.data(), out.size(), true).error() != WireError::Ok) state.SkipWithError("built frame invalid");
    reportAllocations(state, before, true);
}
BENCHMARK(BM_TradeBuild)->Name("BM_TradeBuild/checksum");

// ---------------------------------------------------------------- CRC

void BM_FrameChecksum(benchmark::State& state) {
    const std::size_t len = static_cast<std::size_t>(state.range(0));
    // A ring of `len`-byte frames of random bytes.
    std::vector<std::uint8_t> data(RING * len);
    std::mt19937_64 rng{7};
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    std::size_t i = 0;
    const std::uint64_t before = allocationCount();
    for (auto _ : state) {
        benchmark::DoNotOptimize(frameChecksum(data.data() + i * len, len));
        i = (i + 1) & MASK;
    }
    reportAllocations(state, before, true);
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(len));
}
BENCHMARK(BM_FrameChecksum)->Arg(64)->Arg(80)->Arg(104)->Arg(440)->Arg(1500);

const std::vector<std::uint8_t>& crcData() {
    static const std::vector<std::uint8_t> data = [] {
        std::vector<std::uint8_t> v(RING * 64);
        std::mt19937_64 rng{11};
        for (auto& b : v) b = static_cast<std::uint8_t>(rng());
        return v;
    }();
    return data;
}

void BM_Crc32_64B_zlib(benchmark::State& state) {
    const auto& data = crcData();
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(::crc32(0L, data.data() + i * 64, 64));
        i = (i + 1) & MASK;
    }
    state.SetBytesProcessed(state.iterations() * 64);
}
BENCHMARK(BM_Crc32_64B_zlib);

void BM_Crc32_64B_isal(benchmark::State& state) {
    const auto& data = crcData();
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(crc32_gzip_refl(0, data.data() + i * 64, 64));
        i = (i + 1) & MASK;
    }
    state.SetBytesProcessed(state.iterations() * 64);
}
BENCHMARK(BM_Crc32_64B_isal);

void BM_Crc32_64B_alphapulse(benchmark::State& state) {
    const auto& data = crcData();
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(alphapulse::wire::crc32(data.data() + i * 64, 64));
        i = (i + 1) & MASK;
    }
    state.SetBytesProcessed(state.iterations() * 64);
}
BENCHMARK(BM_Crc32_64B_alphapulse);

// ---------------------------------------------------------------- protobuf peer

void fillProto(alphapulse::bench::Trade& m, const TradeInput& in) {
    m.set_message_type(1);
    m.set_source(5);
    m.set_sequence(in.sequence);
    m.set_timestamp_ns(in.timestamp);
    m.set_venue(in.id.venue);
    m.set_asset_type(in.id.assetType);
    m.set_asset_id(in.id.assetId);
    m.set_price(in.price);
    m.set_volume(in.volume);
    m.set_side(in.side);
    m.set_flags(0);
}

void BM_Protobuf_Encode(benchmark::State& state) {
    const auto& in = inputs();
    alphapulse::bench::Trade message; // reused, as a fair peer of the in-place builder
    std::array<std::uint8_t, 128> out{};
    std::size_t i = 0;
    const std::uint64_t before = allocationCount();
    for (auto _ : state) {
        fillProto(message, in[i]);
        const bool ok = message.SerializeToArray(out.data(), static_cast<int>(out.size()));
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
        i = (i + 1) & MASK;
    }
    reportAllocations(state, before, false);
}
BENCHMARK(BM_Protobuf_Encode);

void BM_Protobuf_Decode(benchmark::State& state) {
    const auto& in = inputs();
    std::vector<std::string> encoded(RING);
    for (std::size_t k = 0; k < RING; ++k) {
        alphapulse::bench::Trade m;
        fillProto(m, in[k]);
        encoded[k] = m.SerializeAsString();
    }
    alphapulse::bench::Trade message;
    std::size_t i = 0;
    const std::uint64_t before = allocationCount();
    for (auto _ : state) {
        const std::string& e = encoded[i];
        if (!message.ParseFromArray(e.data(), static_cast<int>(e.size()))) [[unlikely]] {
            state.SkipWithError("protobuf parse failed");
            break;
        }
        benchmark::DoNotOptimize(message.price());
        benchmark::DoNotOptimize(message.volume());
        benchmark::DoNotOptimize(message.asset_id());
        i = (i + 1) & MASK;
    }
    reportAllocations(state, before, false);
}
BENCHMARK(BM_Protobuf_Decode);

} // namespace

BENCHMARK_MAIN();
