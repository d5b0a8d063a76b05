// zstd when the build found libzstd (ALPHAPULSE_CAPTURE_ZSTD), otherwise a
// refusal that names the missing library.
#include "compression.hpp"

#include <string>

#if ALPHAPULSE_CAPTURE_ZSTD
#include <zstd.h>
#endif

namespace alphapulse::capture::detail {

#if ALPHAPULSE_CAPTURE_ZSTD

bool zstdBuiltIn() noexcept { return true; }

struct Compressor::State {
    ZSTD_CCtx* ctx = ZSTD_createCCtx();
    int level = 1;
    ~State() { ZSTD_freeCCtx(ctx); }
};

Compressor::Compressor(int level) : m_state(std::make_unique<State>()) { m_state->level = level; }
Compressor::~Compressor() = default;

std::size_t Compressor::bound(std::size_t size) noexcept { return ZSTD_compressBound(size); }

bool Compressor::compress(const std::uint8_t* in, std::size_t size, std::uint8_t* out, std::size_t capacity,
                          std::size_t& written) noexcept {
    const std::size_t n = ZSTD_compressCCtx(m_state->ctx, out, capacity, in, size, m_state->level);
    if (ZSTD_isError(n) != 0) return false;
    written = n;
    return true;
}

struct Decompressor::State {
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    ~State() { ZSTD_freeDCtx(ctx); }
};

Decompressor::Decompressor() : m_state(std::make_unique<State>()) {}
Decompressor::~Decompressor() = default;

Error Decompressor::decompress(const std::uint8_t* in, std::size_t size, std::uint8_t* out, std::size_t rawSize) {
    auto bad = [](std::string why) { return Error{ErrorCode::BadCompression, {}, 0, std::move(why)}; };
    // The payload must be exactly one frame, announcing exactly raw_size:
    // anything else is a corrupt or hostile block, not data to guess at.
    const std::size_t frameSize = ZSTD_findFrameCompressedSize(in, size);
    if (ZSTD_isError(frameSize) != 0 || frameSize != size) return bad("the payload is not exactly one zstd frame");
    const unsigned long long content = ZSTD_getFrameContentSize(in, size);
    if (content != rawSize) return bad("the zstd frame does not announce raw_size bytes");
    const std::size_t n = ZSTD_decompressDCtx(m_state->ctx, out, rawSize, in, size);
    if (ZSTD_isError(n) != 0) return bad(std::string("zstd: ") + ZSTD_getErrorName(n));
    if (n != rawSize) return bad("the zstd frame decompressed to " + std::to_string(n) + " bytes, not raw_size");
    return {};
}

#else

bool zstdBuiltIn() noexcept { return false; }

struct Compressor::State {};
Compressor::Compressor(int /*level*/) {}
Compressor::~Compressor() = default;
std::size_t Compressor::bound(std::size_t size) noexcept { return size; }
bool Compressor::compress(const std::uint8_t*, std::size_t, std::uint8_t*, std::size_t, std::size_t&) noexcept {
    return false;
}

struct Decompressor::State {};
Decompressor::Decompressor() = default;
Decompressor::~Decompressor() = default;
Error Decompressor::decompress(const std::uint8_t*, std::size_t, std::uint8_t*, std::size_t) {
    return {ErrorCode::Compressed, {}, 0,
            "a zstd-compressed block, and this build has no zstd (install libzstd-dev and rebuild)"};
}

#endif

} // namespace alphapulse::capture::detail
