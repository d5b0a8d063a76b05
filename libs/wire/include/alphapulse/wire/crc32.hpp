#pragma once
// CRC-32 of W3: the zlib / crc32fast polynomial (reflected 0xEDB88320,
// init and final xor 0xFFFFFFFF; crc32("123456789") == 0xCBF43926),
// computed with ISA-L's crc32_gzip_refl, which gives zlib's result about
// eleven times faster on 64 bytes. frameChecksum has its own one-pass
// PCLMULQDQ path for frames of 48-192 bytes (see crc32.cpp): ~8.5 ns for a
// 64-byte frame instead of ~12.5 ns for two ISA-L calls.
#include <cstddef>
#include <cstdint>

namespace alphapulse::wire {

/// CRC-32 of `len` bytes. `previous` continues an earlier call, exactly like
/// zlib's crc32(previous, data, len); start with 0.
[[nodiscard]] std::uint32_t crc32(const void* data, std::size_t len,
                                  std::uint32_t previous = 0) noexcept;

/// The checksum a frame carries (W3): CRC-32 over header bytes 0..27, then
/// over bytes 32..frameLen-1. The checksum field (28..31) is never covered,
/// so a frame is verified in place, without copying or zeroing.
/// @pre frameLen >= 32
[[nodiscard]] std::uint32_t frameChecksum(const std::uint8_t* frame, std::size_t frameLen) noexcept;

} // namespace alphapulse::wire
