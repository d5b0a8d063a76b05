#include "alphapulse/wire/crc32.hpp"

#include <isa-l/crc.h>

#include "alphapulse/wire/header.hpp"

namespace alphapulse::wire {

std::uint32_t crc32(const void* data, std::size_t len, std::uint32_t previous) noexcept {
    return crc32_gzip_refl(previous, static_cast<const unsigned char*>(data), len);
}

std::uint32_t frameChecksum(const std::uint8_t* frame, std::size_t frameLen) noexcept {
    // Two calls: ISA-L's per-call cost (~6 ns) dominates at this size, but
    // any single-call trick would need a copy of the frame.
    const std::uint32_t head = crc32_gzip_refl(0, frame, header::CHECKSUM_OFFSET);
    return crc32_gzip_refl(head, frame + header::SIZE, frameLen - header::SIZE);
}

} // namespace alphapulse::wire
