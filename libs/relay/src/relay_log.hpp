#pragma once
// Relay log lines on stderr: "2026-11-26T10:01:02.123Z relay INFO ...".
// Says who connected, who was refused or dropped, and why.
#include <cstdarg>

namespace alphapulse::relay {

void logInfo(const char* format, ...) __attribute__((format(printf, 1, 2)));
void logWarn(const char* format, ...) __attribute__((format(printf, 1, 2)));

} // namespace alphapulse::relay
