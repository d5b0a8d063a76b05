// Writes the seed corpus of fuzz_capture: small real captures written by
// the library's writer (plain, zstd when built in, several blocks with index
// blocks, one cut mid-block).
//   fuzz_capture_seeds <dir>  ->  <dir>/capture/*
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "alphapulse/capture/writer.hpp"
#include "alphapulse/wire/crc32.hpp"
#include "alphapulse/wire/header.hpp"

namespace fs = std::filesystem;
using namespace alphapulse;

namespace {

std::vector<std::uint8_t> frame(std::uint8_t source, std::uint64_t sequence, std::size_t size) {
    std::vector<std::uint8_t> f(size, static_cast<std::uint8_t>(sequence));
    wire::MessageHeader h;
    h.messageType = 1;
    h.source = source;
    h.payloadSize = static_cast<std::uint32_t>(size - 32);
    h.sequence = sequence;
    h.timestamp = 1'700'000'000'000'000'000ULL + sequence;
    h.write(f.data());
    wire::storeLe<std::uint32_t>(f.data() + 28, wire::frameChecksum(f.data(), size));
    return f;
}

void write(const fs::path& path, std::size_t frames, std::uint32_t blockFrames, bool zstd) {
    capture::WriterOptions o;
    o.domain = 1;
    o.blockFrames = blockFrames;
    o.blocksPerIndex = 2;
    o.zstd = zstd;
    o.host = "seed";
    auto w = capture::Writer::openFile(path, o);
    if (!w) {
        std::fprintf(stderr, "capture_seeds: %s\n", w.error().describe().c_str());
        std::exit(1);
    }
    for (std::size_t i = 0; i < frames; ++i) {
        const auto f = frame(static_cast<std::uint8_t>(1 + i % 3), i, 32 + 8 * (i % 5));
        (*w)->append(f.data(), f.size(), 1000 * i);
    }
    (*w)->close();
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: capture_seeds <dir>\n");
        return 2;
    }
    const fs::path dir = fs::path(argv[1]) / "capture";
    fs::create_directories(dir);
    write(dir / "one_block", 3, 16, false);
    write(dir / "indexed", 40, 4, false);
    if (capture::Writer::zstdAvailable()) write(dir / "zstd", 40, 8, true);
    write(dir / "cut", 20, 4, false);
    fs::resize_file(dir / "cut", fs::file_size(dir / "cut") - 13);
    return 0;
}
