#pragma once
// unix_socket: an alphapulse relay on a Unix socket (the embedded default).
#include <string>

#include "alphapulse/config/transport_table.hpp"

namespace alphapulse::config {

struct UnixSocketSettings {
    std::string path; ///< `path` (or `socket`); default <runtime_dir>/<domain>.sock
};

namespace rows {
extern const TransportDescriptor UNIX_SOCKET;
} // namespace rows

} // namespace alphapulse::config
