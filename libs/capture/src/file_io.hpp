#pragma once
// Whole reads and writes on a file descriptor (retrying short transfers and
// EINTR), with errors as capture::Error naming the file and offset.
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "alphapulse/capture/format.hpp"

namespace alphapulse::capture::detail {

/// Reads exactly `size` bytes at `offset`; Truncated if the file ends first.
[[nodiscard]] Error readAt(int fd, const std::filesystem::path& path, std::uint64_t offset, void* out,
                           std::size_t size);
/// Writes every byte of `iov` (consumed in place) at the file's position.
[[nodiscard]] Error writeAll(int fd, const std::filesystem::path& path, iovec* iov, int count);
/// Io error "<what>: strerror(errno)".
[[nodiscard]] Error ioError(const std::filesystem::path& path, const char* what, int err);

} // namespace alphapulse::capture::detail
