#pragma once
// channel: an in-process hub per domain, no relay process; services linked
// into one binary share it.
#include <cstdint>
#include <string>

#include "alphapulse/config/transport_table.hpp"

namespace alphapulse::config {

struct ChannelSettings {
    std::string name;                 ///< hub name in this process; default the domain name
    std::uint64_t capacity = 100'000; ///< frames per endpoint; default the domain's max_queue_size
};

namespace rows {
extern const TransportDescriptor CHANNEL;
} // namespace rows

} // namespace alphapulse::config
