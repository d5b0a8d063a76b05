#pragma once
// tcp: an alphapulse relay on a TCP address; its stats socket stays local.
#include <cstdint>
#include <string>
#include <vector>

#include "alphapulse/config/transport_table.hpp"

namespace alphapulse::config {

struct TcpSettings {
    std::string host = "127.0.0.1";            ///< `address: host:port`
    std::uint16_t port = 0;                    ///< required
    std::vector<std::string> allowedAddresses; ///< peers the relay accepts (empty: loopback only)
};

namespace rows {
extern const TransportDescriptor TCP;
} // namespace rows

} // namespace alphapulse::config
