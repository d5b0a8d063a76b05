// process_message and object-cache lookups (docs/PERFORMANCE.md, "Schema
// registry and object cache"). Each benchmark reports allocs/op from a
// counting global operator new: the hot paths must show 0.
//
//   build-bench/libs/schema/bench/schema_benchmark --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "alloc_counter.hpp"
#include "alphapulse/schema/registry.hpp"
#include "alphapulse/schema/transform_cache.hpp"
#include "alphapulse/wire/messages.hpp"

namespace {

using namespace alphapulse;

std::vector<std::uint8_t> tradeFrame() {
    std::vector<std::uint8_t> frame(wire::TradeLayout::SIZE);
    auto b = *wire::TradeBuilder::into(frame.data(), frame.size());
    b.instrument_id(*wire::InstrumentId::stock(wire::VenueId::NASDAQ, "AAPL")).price(15'000'000'000).volume(100).side(1);
    static_cast<void>(b.finish());
    return frame;
}

void reportAllocs(benchmark::State& state, std::uint64_t before) {
    state.counters["allocs/op"] = benchmark::Counter(
        static_cast<double>(bench::allocationCount() - before) / static_cast<double>(state.iterations()));
}

void processTrade(benchmark::State& state, bool verify) {
    schema::SchemaRegistry registry;
    schema::ProcessOptions options;
    options.verifyChecksum = verify;
    schema::SchemaTransformCache cache{registry, {}, options};
    const auto frame = tradeFrame();
    const std::uint64_t before = bench::allocationCount();
    for (auto _ : state) {
        benchmark::DoNotOptimize(frame.data());
        const auto r = cache.processMessage(frame.data(), frame.size());
        benchmark::DoNotOptimize(r);
    }
    reportAllocs(state, before);
}

void BM_ProcessMessage_Trade_NoChecksum(benchmark::State& state) { processTrade(state, false); }
void BM_ProcessMessage_Trade_Checksum(benchmark::State& state) { processTrade(state, true); }
BENCHMARK(BM_ProcessMessage_Trade_NoChecksum);
BENCHMARK(BM_ProcessMessage_Trade_Checksum);

void BM_Registry_Find(benchmark::State& state) {
    schema::SchemaRegistry registry;
    std::uint8_t type = 1;
    const std::uint64_t before = bench::allocationCount();
    for (auto _ : state) {
        benchmark::DoNotOptimize(type);
        benchmark::DoNotOptimize(registry.find(type, 1));
    }
    reportAllocs(state, before);
}
BENCHMARK(BM_Registry_Find);

wire::InstrumentId instrumentId(std::uint32_t n) {
    // Stock-like ids on NASDAQ with distinct asset ids.
    return wire::InstrumentId{static_cast<std::uint16_t>(wire::VenueId::NASDAQ), 1, 0,
                              0x4100000000000000ULL + static_cast<std::uint64_t>(n) * 0x10001ULL};
}

/// The ids to look up: all of them, in a random order (no help from a sequential pattern).
std::vector<wire::InstrumentId> lookupOrder(std::size_t count) {
    std::vector<wire::InstrumentId> ids;
    ids.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) ids.push_back(instrumentId(i));
    std::mt19937_64 rng{42};
    std::shuffle(ids.begin(), ids.end(), rng);
    return ids;
}

void BM_ObjectCache_Find(benchmark::State& state) {
    const auto count = static_cast<std::size_t>(state.range(0));
    schema::ObjectCache cache;
    cache.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        schema::CachedObject o;
        o.id = instrumentId(i);
        o.symbol = "S" + std::to_string(i);
        static_cast<void>(cache.put(std::move(o)));
    }
    const auto ids = lookupOrder(count);
    std::size_t i = 0;
    const std::uint64_t before = bench::allocationCount();
    for (auto _ : state) {
        const schema::CachedObject* o = cache.find(ids[i]);
        benchmark::DoNotOptimize(o);
        if (++i == ids.size()) i = 0;
    }
    reportAllocs(state, before);
}
BENCHMARK(BM_ObjectCache_Find)->Arg(1'000)->Arg(100'000);

/// The alternative the design considered: std::unordered_map with reserve.
void BM_UnorderedMap_Find(benchmark::State& state) {
    const auto count = static_cast<std::size_t>(state.range(0));
    std::unordered_map<wire::InstrumentId, schema::CachedObject, wire::InstrumentIdHash> map;
    map.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        schema::CachedObject o;
        o.id = instrumentId(i);
        o.symbol = "S" + std::to_string(i);
        map.emplace(o.id, std::move(o));
    }
    const auto ids = lookupOrder(count);
    std::size_t i = 0;
    const std::uint64_t before = bench::allocationCount();
    for (auto _ : state) {
        const auto it = map.find(ids[i]);
        benchmark::DoNotOptimize(it);
        if (++i == ids.size()) i = 0;
    }
    reportAllocs(state, before);
}
BENCHMARK(BM_UnorderedMap_Find)->Arg(1'000)->Arg(100'000);

} // namespace

BENCHMARK_MAIN();
