// Capture writer and reader throughput (Google Benchmark), for the
// recording figure of docs/PERFORMANCE.md: how many 64-byte frames a second
// the writer takes on this machine, written to a real file (the page cache,
// as `alphapulse record` does), plain and zstd; and how fast a reader gives
// them back. The end-to-end figure (relay -> alphapulse record) is measured
// with the command itself (docs/PERFORMANCE.md gives the commands).
//
//   build-bench-capture/bench/capture_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "alphapulse/capture/reader.hpp"
#include "alphapulse/capture/writer.hpp"
#include "alphapulse/wire/crc32.hpp"
#include "alphapulse/wire/header.hpp"

namespace {

using namespace alphapulse;
namespace fs = std::filesystem;

std::vector<std::uint8_t> trade(std::uint64_t sequence) {
    std::vector<std::uint8_t> f(64);
    wire::MessageHeader h;
    h.messageType = 1;
    h.source = static_cast<std::uint8_t>(1 + sequence % 4);
    h.payloadSize = 32;
    h.sequence = sequence;
    h.timestamp = 1'700'000'000'000'000'000ULL + sequence * 100;
    h.write(f.data());
    for (std::size_t i = 32; i < 64; ++i) f[i] = static_cast<std::uint8_t>(sequence >> (i % 8));
    wire::storeLe<std::uint32_t>(f.data() + 28, wire::frameChecksum(f.data(), 64));
    return f;
}

fs::path scratch() {
    return fs::temp_directory_path() / ("capture_bench." + std::to_string(::getpid()));
}

/// Frames appended to a directory recording; arg 0: plain, 1: zstd.
void BM_WriterAppend64(benchmark::State& state) {
    const bool zstd = state.range(0) == 1;
    std::vector<std::vector<std::uint8_t>> frames;
    for (std::uint64_t i = 0; i < 4096; ++i) frames.push_back(trade(i));
    const fs::path dir = scratch();
    fs::remove_all(dir);
    capture::WriterOptions options;
    options.domain = 1;
    options.zstd = zstd;
    options.rotateBytes = 256u << 20; // keeps the page cache bounded over a long run
    auto w = capture::Writer::openDirectory(dir, options);
    if (!w) {
        state.SkipWithError(w.error().describe().c_str());
        return;
    }
    std::uint64_t n = 0;
    std::uint64_t now = capture::realtimeNs();
    for (auto _ : state) {
        const auto& f = frames[n & 4095];
        if ((++n & 63) == 0) now = capture::realtimeNs(); // as record does: one clock read per 64 frames
        if (!(*w)->append(f.data(), f.size(), now)) {
            state.SkipWithError((*w)->error().describe().c_str());
            break;
        }
        // Files that rotated out are removed, so the run measures writing, not filling the disk.
        if ((n & 0xFFFFF) == 0) {
            for (const auto& e : fs::directory_iterator(dir)) {
                if (e.path() != (*w)->currentPath()) fs::remove(e.path());
            }
        }
    }
    (*w)->close();
    state.SetItemsProcessed(static_cast<std::int64_t>(n));
    state.SetBytesProcessed(static_cast<std::int64_t>(n * 64));
    state.counters["file_bytes_per_frame"] =
        static_cast<double>((*w)->stats().fileBytes) / static_cast<double>(std::max<std::uint64_t>(n, 1));
    fs::remove_all(dir);
}
BENCHMARK(BM_WriterAppend64)->Arg(0)->Arg(1)->ArgNames({"zstd"})->UseRealTime();

/// 4M frames read back through Reader::next (from the page cache).
void BM_ReaderNext64(benchmark::State& state) {
    const fs::path path = scratch().string() + ".apcap";
    fs::remove(path);
    {
        capture::WriterOptions options;
        options.domain = 1;
        options.zstd = state.range(0) == 1;
        auto w = capture::Writer::openFile(path, options);
        for (std::uint64_t i = 0; i < (4u << 20); ++i) {
            const auto f = trade(i);
            (*w)->append(f.data(), f.size(), i);
        }
    }
    auto r = capture::Reader::open(path);
    std::uint64_t n = 0;
    capture::FrameRecord record;
    for (auto _ : state) {
        if (!(*r)->next(record)) {
            (*r)->rewind();
            continue;
        }
        benchmark::DoNotOptimize(record.frame.data());
        ++n;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(n));
    fs::remove(path);
}
BENCHMARK(BM_ReaderNext64)->Arg(0)->Arg(1)->ArgNames({"zstd"})->UseRealTime();

} // namespace

BENCHMARK_MAIN();
