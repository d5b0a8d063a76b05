#include "file_io.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace alphapulse::capture::detail {

Error ioError(const std::filesystem::path& path, const char* what, int err) {
    return {ErrorCode::Io, path, 0, std::string(what) + ": " + std::strerror(err)};
}

Error readAt(int fd, const std::filesystem::path& path, std::uint64_t offset, void* out, std::size_t size) {
    auto* p = static_cast<std::uint8_t*>(out);
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::pread(fd, p + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            Error e = ioError(path, "read", errno);
            e.offset = offset;
            return e;
        }
        if (n == 0) return {ErrorCode::Truncated, path, offset, "the file ends inside a block"};
        done += static_cast<std::size_t>(n);
    }
    return {};
}

Error writeAll(int fd, const std::filesystem::path& path, iovec* iov, int count) {
    while (count > 0) {
        const ssize_t n = ::writev(fd, iov, count);
        if (n < 0) {
            if (errno == EINTR) continue;
            return ioError(path, "write", errno);
        }
        auto left = static_cast<std::size_t>(n);
        while (count > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            ++iov;
            --count;
        }
        if (count > 0) {
            iov->iov_base = static_cast<std::uint8_t*>(iov->iov_base) + left;
            iov->iov_len -= left;
        }
    }
    return {};
}

} // namespace alphapulse::capture::detail
