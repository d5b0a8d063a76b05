// Fuzzes the capture reader on arbitrary file contents: open, read every
// frame, seek by time and by (source, sequence), verify. Any crash,
// sanitizer report or broken invariant (a frame that is not whole, a
// frame count over what the block headers announced) is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "alphapulse/capture/reader.hpp"
#include "alphapulse/wire/endian.hpp"

namespace {

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "invariant broken: %s\n", what);
        std::abort();
    }
}

/// The input as a file (the reader works on files), one per process, removed
/// when libFuzzer exits normally (at -max_total_time) so runs leave no litter.
const std::string& scratchPath() {
    static const std::string path = "/tmp/fuzz_capture." + std::to_string(::getpid()) + ".apcap";
    // Registered after `path` is built, so it runs before `path` is destroyed.
    [[maybe_unused]] static const bool removedAtExit = std::atexit([] { ::unlink(path.c_str()); }) == 0;
    return path;
}

void readEverything(alphapulse::capture::Reader& reader) {
    alphapulse::capture::FrameRecord record;
    std::uint64_t frames = 0;
    const std::uint64_t announced = reader.frameCount();
    while (reader.next(record)) {
        require(record.frame.size() >= 32, "a frame shorter than its header");
        require(record.frame.size() == 32 + alphapulse::wire::loadLe<std::uint32_t>(record.frame.data() + 8),
                "a frame whose length is not 32 + payload_size");
        ++frames;
    }
    require(frames <= announced, "more frames than the block headers announced");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = scratchPath();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return 0;
    std::fwrite(data, 1, size, f);
    std::fclose(f);

    auto opened = alphapulse::capture::Reader::open(path);
    if (opened) {
        auto& reader = *opened.value();
        readEverything(reader);
        std::uint64_t t = size >= 8 ? alphapulse::wire::loadLe<std::uint64_t>(data + size - 8) : 0;
        reader.seekTime(t);
        readEverything(reader);
        reader.seekSequence(size > 0 ? data[size - 1] : 0, t >> 8);
        readEverything(reader);
        reader.rewind();
        readEverything(reader);
    }
    auto verified = alphapulse::capture::verifyFile(path);
    if (verified) require(verified.value().intactEnd <= size, "an intact end past the end of the file");
    return 0;
}
