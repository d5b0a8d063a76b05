#include "relay_log.hpp"

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace alphapulse::relay {
namespace {

void logLine(const char* level, const char* format, va_list args) {
    char line[1024];
    timeval tv{};
    ::gettimeofday(&tv, nullptr);
    tm utc{};
    ::gmtime_r(&tv.tv_sec, &utc);
    int n = static_cast<int>(std::strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &utc));
    n += std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n), ".%03ldZ relay[%d] %s ",
                       static_cast<long>(tv.tv_usec / 1000), static_cast<int>(::getpid()), level);
    if (n < static_cast<int>(sizeof line)) {
        n += std::vsnprintf(line + n, sizeof line - static_cast<std::size_t>(n), format, args);
    }
    if (n >= static_cast<int>(sizeof line) - 1) n = sizeof line - 2;
    line[n++] = '\n';
    // One write per line, so lines of concurrent processes do not interleave.
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, line, static_cast<std::size_t>(n));
}

} // namespace

void logInfo(const char* format, ...) {
    va_list args;
    va_start(args, format);
    logLine("INFO", format, args);
    va_end(args);
}

void logWarn(const char* format, ...) {
    va_list args;
    va_start(args, format);
    logLine("WARN", format, args);
    va_end(args);
}

} // namespace alphapulse::relay
