#pragma once
// zstd for frames blocks, behind a narrow interface so that a build without
// libzstd still reads and writes uncompressed captures (and says why it
// refuses a compressed block). Contexts are created once and reused.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "alphapulse/capture/format.hpp"

namespace alphapulse::capture::detail {

[[nodiscard]] bool zstdBuiltIn() noexcept;

class Compressor {
public:
    explicit Compressor(int level);
    ~Compressor();
    Compressor(const Compressor&) = delete;
    Compressor& operator=(const Compressor&) = delete;
    /// Largest output for `size` input bytes.
    [[nodiscard]] static std::size_t bound(std::size_t size) noexcept;
    /// One zstd frame of `in` into `out` (capacity bound(size)); false on failure.
    [[nodiscard]] bool compress(const std::uint8_t* in, std::size_t size, std::uint8_t* out, std::size_t capacity,
                                std::size_t& written) noexcept;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

class Decompressor {
public:
    Decompressor();
    ~Decompressor();
    Decompressor(const Decompressor&) = delete;
    Decompressor& operator=(const Decompressor&) = delete;
    /// Exactly one zstd frame of exactly `rawSize` bytes into `out`.
    /// Errors: Compressed (no zstd in this build), BadCompression.
    [[nodiscard]] Error decompress(const std::uint8_t* in, std::size_t size, std::uint8_t* out, std::size_t rawSize);

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace alphapulse::capture::detail
