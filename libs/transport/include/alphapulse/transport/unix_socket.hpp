#pragma once
// Unix stream socket plumbing shared by relays and clients.
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace alphapulse::transport {

struct PeerCredentials {
    std::uint32_t pid = 0;
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
};

/// Binds and listens (non-blocking) on `path` with file mode `mode`, creating
/// its directory. A stale socket file left by a crashed process is removed;
/// when something still answers on it, throws ("already in use").
[[nodiscard]] int listenUnix(const std::string& path, std::uint32_t mode);

/// Connects (blocking connect, then non-blocking). Returns -1 and sets errno
/// when nothing listens there.
[[nodiscard]] int connectUnix(const std::string& path);

/// The connecting process's pid, uid and gid (SO_PEERCRED).
[[nodiscard]] PeerCredentials peerCredentials(int fd);

/// Sets SO_SNDBUF and SO_RCVBUF (best effort; the kernel caps them).
void setSocketBuffers(int fd, int bytes);

/// Writes everything, retrying on EINTR/EAGAIN (poll); false on error or timeout.
bool writeAll(int fd, const void* data, std::size_t len, int timeoutMs = 1000);

} // namespace alphapulse::transport
