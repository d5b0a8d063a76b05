// Checks alphapulse::wire::crc32 and frameChecksum against zlib's crc32 on
// random data of every length 0..2048 and at every alignment 0..15 (plus
// random continuation values): W3 must stay exact whatever fast path the
// implementation takes. Run by scripts/bench.sh before the benchmarks and
// registered with ctest when tests are on. Exits non-zero on a mismatch.
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "alphapulse/wire/crc32.hpp"
#include "alphapulse/wire/header.hpp"

namespace {

std::uint32_t zlibCrc(std::uint32_t prev, const std::uint8_t* p, std::size_t n) {
    return static_cast<std::uint32_t>(::crc32(prev, p, static_cast<uInt>(n)));
}

} // namespace

int main() {
    using namespace alphapulse::wire;
    std::mt19937_64 rng{2026};
    std::vector<std::uint8_t> buffer(2048 + 64);
    int failures = 0;
    long checks = 0;
    for (int round = 0; round < 4; ++round) {
        for (auto& b : buffer) b = static_cast<std::uint8_t>(rng());
        for (std::size_t len = 0; len <= 2048; ++len) {
            for (std::size_t align = 0; align < 16; align += (len < 300 ? 1 : 5)) {
                const std::uint8_t* p = buffer.data() + align;
                const auto prev = static_cast<std::uint32_t>(rng());
                ++checks;
                if (crc32(p, len) != zlibCrc(0, p, len) || crc32(p, len, prev) != zlibCrc(prev, p, len)) {
                    if (failures++ < 10) std::fprintf(stderr, "crc32 mismatch: len %zu align %zu\n", len, align);
                }
                if (len >= header::SIZE) {
                    const std::uint32_t expected =
                        zlibCrc(zlibCrc(0, p, header::CHECKSUM_OFFSET), p + header::SIZE, len - header::SIZE);
                    if (frameChecksum(p, len) != expected) {
                        if (failures++ < 10) std::fprintf(stderr, "frameChecksum mismatch: len %zu align %zu\n", len, align);
                    }
                }
            }
        }
    }
    if (crc32("123456789", 9) != 0xCBF43926u) {
        std::fprintf(stderr, "crc32(\"123456789\") != 0xCBF43926\n");
        ++failures;
    }
    std::printf("crc32_check: %ld cases, %d failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
