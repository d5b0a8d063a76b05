#include "shm_process.hpp"

#include <fcntl.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

namespace alphapulse::transport::shm {

std::uint64_t processStartTime(std::uint32_t pid, bool* zombie) noexcept {
    if (zombie != nullptr) *zombie = false;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%u/stat", pid);
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buffer[1024];
    const ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
    ::close(fd);
    if (n <= 0) return 0;
    buffer[n] = '\0';
    // The command name (field 2) may hold spaces and parentheses: fields are
    // counted from the last ')'.
    const char* at = std::strrchr(buffer, ')');
    if (at == nullptr) return 0;
    ++at;
    int field = 2;
    while (*at != '\0') {
        while (*at == ' ') ++at;
        ++field;
        if (field == 3 && zombie != nullptr) *zombie = (*at == 'Z' || *at == 'X');
        if (field == 22) return std::strtoull(at, nullptr, 10);
        while (*at != '\0' && *at != ' ') ++at;
    }
    return 0;
}

std::uint64_t ownStartTime() noexcept {
    static const std::uint64_t start = processStartTime(static_cast<std::uint32_t>(::getpid()));
    return start;
}

bool processAlive(std::uint32_t pid, std::uint64_t startTime) noexcept {
    if (pid == 0) return false;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
    bool zombie = false;
    const std::uint64_t now = processStartTime(pid, &zombie);
    if (zombie) return false;
    if (now == 0) return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; // no /proc: trust kill()
    return startTime == 0 || now == startTime;
}

bool rangeLock(int fd, long byte, LockKind kind, bool wait) noexcept {
    struct flock lock{};
    lock.l_type = kind == LockKind::Shared ? F_RDLCK : kind == LockKind::Exclusive ? F_WRLCK : F_UNLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start = byte;
    lock.l_len = 1;
    lock.l_pid = 0; // required for OFD locks
    for (;;) {
        if (::fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &lock) == 0) return true;
        if (errno != EINTR) return false;
    }
}

void futexWait(const void* word, std::uint32_t expected, std::uint64_t timeoutNs) noexcept {
    timespec ts{static_cast<time_t>(timeoutNs / 1'000'000'000ULL), static_cast<long>(timeoutNs % 1'000'000'000ULL)};
    ::syscall(SYS_futex, word, FUTEX_WAIT, expected, &ts, nullptr, 0);
}

void futexWakeAll(const void* word) noexcept { ::syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0); }

std::uint64_t monotonicNs() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

bool registerMembarrier() noexcept {
    static const bool registered = [] {
        const long supported = ::syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
        if (supported < 0 || (supported & MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0) return false;
        return ::syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0;
    }();
    return registered;
}

void globalMembarrier() noexcept { ::syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0); }

} // namespace alphapulse::transport::shm
