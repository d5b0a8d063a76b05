#pragma once
// TCP socket plumbing shared by the TCP relay and its clients: "host:port"
// parsing, listening, connecting with a bound on the wait, and the address
// filter a relay applies at accept.
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace alphapulse::transport {

struct HostPort {
    std::string host; ///< name or address; an IPv6 address without brackets
    std::uint16_t port = 0;
};

/// "127.0.0.1:7400", "[::1]:7400", "relay-host:7400". Port 1-65535.
/// nullopt with `why` set when malformed.
[[nodiscard]] std::optional<HostPort> parseHostPort(const std::string& text, std::string* why = nullptr);

/// Listens (non-blocking, SO_REUSEADDR) on host:port. Throws std::runtime_error.
[[nodiscard]] int listenTcp(const HostPort& address);

/// Connects within `timeoutMs`, then sets TCP_NODELAY and non-blocking mode.
/// Returns -1 with errno set (ETIMEDOUT after the bound) on failure.
[[nodiscard]] int connectTcp(const HostPort& address, int timeoutMs);

/// Disables Nagle's algorithm: frames go out as soon as they are written.
void setNoDelay(int fd);

/// "127.0.0.1:51234" / "[::1]:51234".
[[nodiscard]] std::string addressText(const sockaddr_storage& address);

/// An address ("10.0.0.7", "::1") or network ("10.0.0.0/8", "fd00::/8").
[[nodiscard]] bool validAddressPattern(const std::string& pattern);

/// Whether `peer` matches one of `allowed` (patterns as above; IPv4-mapped
/// IPv6 peers match IPv4 patterns). Empty `allowed`: loopback only.
[[nodiscard]] bool addressAllowed(const sockaddr_storage& peer, const std::vector<std::string>& allowed);

} // namespace alphapulse::transport
