#include "alphapulse/wire/crc32.hpp"

#include <isa-l/crc.h>

#include <array>

#include "alphapulse/wire/header.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define ALPHAPULSE_CRC_CLMUL 1
#else
#define ALPHAPULSE_CRC_CLMUL 0
#endif

// frameChecksum (W3) covers bytes 0..27 and 32..end. Two ISA-L calls cost
// ~14 ns on a 64-byte frame: each call has a fixed cost of ~6-7 ns, and on
// a frame just written each re-reads stored bytes through the store buffer.
//
// The fast path computes the CRC in one pass with carry-less multiplication
// (PCLMULQDQ), straight from registers:
//  - the stream A||B (A = bytes 0..27, B = bytes 32..end) is processed as
//    zeros(p) || A' || B, where A' is A with its first 4 bytes inverted (that
//    is the CRC's 0xFFFFFFFF initial value: CRC(init, M) = CRC(0, M ^ init)),
//    and leading zeros do not change a zero-initialised CRC. p is chosen so
//    the stream is a whole number of 16-byte blocks ending at the frame's end;
//  - the first 2 or 3 blocks (zeros, A', the first r bytes of B) are
//    assembled from three 16-byte loads with PSHUFB masks from a table;
//  - the rest of B is read as whole 16-byte blocks;
//  - blocks are folded three at a time (independent multiplies, so the
//    dependency chain is one multiply per 48 bytes), then Barrett-reduced.
// Frames of 48 to SMALL_FRAME bytes take this path; longer ones (and the
// rare 32-47 byte frames, and CPUs without PCLMULQDQ/SSE4.1) use two ISA-L
// calls, whose 8-way folding wins on long payloads. (Computing A inline and
// continuing with one ISA-L call over B was measured slower on long frames:
// ISA-L's whole fold then waits for the inline reduction's latency.) The result is always exactly W3's (crc32_check and the fuzz
// target compare it with zlib and with a bitwise reference).

namespace alphapulse::wire {

std::uint32_t crc32(const void* data, std::size_t len, std::uint32_t previous) noexcept {
    return crc32_gzip_refl(previous, static_cast<const unsigned char*>(data), len);
}

namespace {

std::uint32_t frameChecksumIsal(const std::uint8_t* frame, std::size_t frameLen) noexcept {
    const std::uint32_t head = crc32_gzip_refl(0, frame, header::CHECKSUM_OFFSET);
    return crc32_gzip_refl(head, frame + header::SIZE, frameLen - header::SIZE);
}

#if ALPHAPULSE_CRC_CLMUL

#define ALPHAPULSE_CLMUL_TARGET __attribute__((target("pclmul,sse4.1,ssse3")))

/// Frames up to this length are checksummed inline. Measured on a Zen 4
/// (docs/PERFORMANCE.md): inline 8.5 / 9.6 / 12 ns at 64 / 80 / 104 bytes
/// against 12.3 / 13.5 / 16.5 for two ISA-L calls, but 34 ns against 26 at
/// 440 bytes, where ISA-L's 8-way folding wins; the lines cross near 195.
constexpr std::size_t SMALL_FRAME = 192;

// Fold constants for the reflected polynomial 0xEDB88320: folding a 128-bit
// remainder forward by D bits multiplies its low half by x^(D+32) mod P and its
// high half by x^(D-32) mod P (bit-reflected, shifted left by one), as in
// Intel's "Fast CRC Computation Using PCLMULQDQ". Verified against zlib.
constexpr std::uint64_t K1_LO = 0x1751997d0, K1_HI = 0x0ccaa009e; // 1 block (128 bits)
constexpr std::uint64_t K2_LO = 0x0f1da05aa, K2_HI = 0x15a546366; // 2 blocks (256 bits)
constexpr std::uint64_t K3_LO = 0x03db1ecdc, K3_HI = 0x174359406; // 3 blocks (384 bits)
constexpr std::uint64_t K5 = 0x163cd6124;                         // 64 -> 32 bits
constexpr std::uint64_t POLY_MU = 0x1f7011641, POLY_P = 0x1db710641; // Barrett

// Head masks: for r = (frameLen - 32) % 16, head block b (0..2) is
// OR over sources s of PSHUFB(source s, MASKS[r][b][s]), with sources
// s0 = bytes 0..15 (first 4 inverted), s1 = bytes 16..31, s2 = bytes 32..47.
// The head is zeros(p) || bytes 0..27 || bytes 32..32+r-1, p = 4 - r for
// r <= 4 (2 blocks) and 20 - r otherwise (3 blocks). 0x80 selects zero.
struct HeadMasks {
    alignas(16) std::array<std::array<std::array<std::array<std::uint8_t, 16>, 3>, 3>, 16> m{};
};

constexpr std::size_t headBlocks(std::size_t r) noexcept { return r <= 4 ? 2 : 3; }

constexpr HeadMasks makeHeadMasks() noexcept {
    HeadMasks t{};
    for (std::size_t r = 0; r < 16; ++r) {
        const std::size_t p = r <= 4 ? 4 - r : 20 - r;
        for (std::size_t b = 0; b < 3; ++b) {
            for (std::size_t s = 0; s < 3; ++s) {
                for (std::size_t i = 0; i < 16; ++i) {
                    std::uint8_t v = 0x80;
                    const std::size_t q = 16 * b + i;
                    if (q >= p && b < headBlocks(r)) {
                        const std::size_t d = q - p; // position in A || B
                        if (s == 0 && d < 16) v = static_cast<std::uint8_t>(d);
                        if (s == 1 && d >= 16 && d < 28) v = static_cast<std::uint8_t>(d - 16);
                        if (s == 2 && d >= 28 && d < 28 + r) v = static_cast<std::uint8_t>(d - 28);
                    }
                    t.m[r][b][s][i] = v;
                }
            }
        }
    }
    return t;
}

constexpr HeadMasks HEAD_MASKS = makeHeadMasks();

ALPHAPULSE_CLMUL_TARGET inline __m128i load(const std::uint8_t* p) noexcept {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

/// x * (x^(D+32), x^(D-32)): the remainder x moved D bits forward.
ALPHAPULSE_CLMUL_TARGET inline __m128i mulK(__m128i x, __m128i k) noexcept {
    return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

/// 128-bit remainder to the 32-bit CRC register (not yet inverted).
ALPHAPULSE_CLMUL_TARGET inline std::uint32_t reduce(__m128i x) noexcept {
    const __m128i k1 = _mm_set_epi64x(static_cast<long long>(K1_HI), static_cast<long long>(K1_LO));
    const __m128i mask32 = _mm_setr_epi32(-1, 0, -1, 0);
    // 128 -> 64 bits.
    __m128i t = _mm_clmulepi64_si128(x, k1, 0x10);
    x = _mm_xor_si128(_mm_srli_si128(x, 8), t);
    // 64 -> 32 bits.
    t = _mm_srli_si128(x, 4);
    x = _mm_clmulepi64_si128(_mm_and_si128(x, mask32), _mm_cvtsi64_si128(static_cast<long long>(K5)), 0x00);
    x = _mm_xor_si128(x, t);
    // Barrett reduction.
    const __m128i poly = _mm_set_epi64x(static_cast<long long>(POLY_MU), static_cast<long long>(POLY_P));
    t = _mm_clmulepi64_si128(_mm_and_si128(x, mask32), poly, 0x10);
    t = _mm_clmulepi64_si128(_mm_and_si128(t, mask32), poly, 0x00);
    x = _mm_xor_si128(x, t);
    return static_cast<std::uint32_t>(_mm_extract_epi32(x, 1));
}

ALPHAPULSE_CLMUL_TARGET inline __m128i headBlock(__m128i s0, __m128i s1, __m128i s2, std::size_t r,
                                                 std::size_t b) noexcept {
    const auto& m = HEAD_MASKS.m[r][b];
    const __m128i a = _mm_shuffle_epi8(s0, load(m[0].data()));
    const __m128i c = _mm_shuffle_epi8(s1, load(m[1].data()));
    const __m128i d = _mm_shuffle_epi8(s2, load(m[2].data()));
    return _mm_or_si128(_mm_or_si128(a, c), d);
}

/// @pre 48 <= frameLen <= SMALL_FRAME
ALPHAPULSE_CLMUL_TARGET std::uint32_t smallFrameChecksum(const std::uint8_t* frame, std::size_t frameLen) noexcept {
    const std::size_t m = frameLen - header::SIZE; // payload bytes, >= 16
    const std::size_t r = m & 15;
    const __m128i k1 = _mm_set_epi64x(static_cast<long long>(K1_HI), static_cast<long long>(K1_LO));
    const __m128i k2 = _mm_set_epi64x(static_cast<long long>(K2_HI), static_cast<long long>(K2_LO));
    const __m128i k3 = _mm_set_epi64x(static_cast<long long>(K3_HI), static_cast<long long>(K3_LO));

    const __m128i s0 = _mm_xor_si128(load(frame), _mm_cvtsi32_si128(-1));
    const __m128i s1 = load(frame + 16);
    const __m128i s2 = load(frame + 32);
    const std::uint8_t* tail = frame + header::SIZE + r; // whole blocks of B from here
    std::size_t blocks = (m - r) / 16;                   // >= 1

    // Head blocks moved forward onto the first tail block, in parallel.
    __m128i x;
    if (headBlocks(r) == 2) {
        x = _mm_xor_si128(mulK(headBlock(s0, s1, s2, r, 0), k2), mulK(headBlock(s0, s1, s2, r, 1), k1));
    } else {
        x = _mm_xor_si128(mulK(headBlock(s0, s1, s2, r, 0), k3),
                          _mm_xor_si128(mulK(headBlock(s0, s1, s2, r, 1), k2), mulK(headBlock(s0, s1, s2, r, 2), k1)));
    }
    x = _mm_xor_si128(x, load(tail));
    tail += 16;
    --blocks;
    // Three blocks per step: one multiply on the dependency chain per 48 bytes.
    while (blocks >= 3) {
        const __m128i a = mulK(load(tail), k2);
        const __m128i b = mulK(load(tail + 16), k1);
        x = _mm_xor_si128(_mm_xor_si128(mulK(x, k3), a), _mm_xor_si128(b, load(tail + 32)));
        tail += 48;
        blocks -= 3;
    }
    if (blocks == 2) {
        x = _mm_xor_si128(_mm_xor_si128(mulK(x, k2), mulK(load(tail), k1)), load(tail + 16));
    } else if (blocks == 1) {
        x = _mm_xor_si128(mulK(x, k1), load(tail));
    }
    return ~reduce(x);
}

bool detectClmul() noexcept {
    __builtin_cpu_init();
    return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1") &&
           __builtin_cpu_supports("ssse3");
}

const bool HAS_CLMUL = detectClmul();

#endif // ALPHAPULSE_CRC_CLMUL

} // namespace

std::uint32_t frameChecksum(const std::uint8_t* frame, std::size_t frameLen) noexcept {
#if ALPHAPULSE_CRC_CLMUL
    if (HAS_CLMUL) [[likely]] {
        if (frameLen >= header::SIZE + 16 && frameLen <= SMALL_FRAME) [[likely]] {
            return smallFrameChecksum(frame, frameLen);
        }
    }
#endif
    return frameChecksumIsal(frame, frameLen);
}

} // namespace alphapulse::wire
