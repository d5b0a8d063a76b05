#pragma once
// Decoding of the file and block headers, shared by the reader and the
// writer's append check. Errors carry no path or offset: the caller adds them.
#include <cstddef>
#include <cstdint>

#include "alphapulse/capture/format.hpp"

namespace alphapulse::capture::detail {

/// Magic, CRC, version, header_size. `size` is how many bytes `in` holds.
[[nodiscard]] Error decodeFileHeader(const std::uint8_t* in, std::size_t size, FileHeader& out);
/// Magic, CRC, kind, compression, raw/stored consistency. @pre 32 bytes at `in`.
[[nodiscard]] Error decodeBlockHeader(const std::uint8_t* in, BlockHeader& out);

} // namespace alphapulse::capture::detail
