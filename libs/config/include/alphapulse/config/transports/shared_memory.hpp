#pragma once
// shared_memory: a memory-mapped broadcast ring per domain in /dev/shm (many
// readers, several producers), no relay process.
#include <cstdint>
#include <string>

#include "alphapulse/config/transport_table.hpp"

namespace alphapulse::config {

struct SharedMemorySettings {
    std::string name;                      ///< segment name; default "alphapulse-<domain>" under /dev/shm
    std::uint64_t sizeBytes = 64ull << 20; ///< ring size (`size_mb`)
    enum class Wait : std::uint8_t { Spin, Block } wait = Wait::Block; ///< `wait: spin | block`
    std::uint32_t spinUs = 50;             ///< Block: spin this long before sleeping on the futex
};

namespace rows {
extern const TransportDescriptor SHARED_MEMORY;
} // namespace rows

} // namespace alphapulse::config
