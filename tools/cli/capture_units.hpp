#pragma once
// Sizes and durations as people write them on the command line (record's
// --rotate-size 512M, --rotate-time 1h; replay's --from/--to).
#include <cstdint>
#include <string>

namespace alphapulse::cli {

/// "4096", "64K", "512M", "2G" (powers of 1024); std::invalid_argument otherwise.
[[nodiscard]] std::uint64_t parseByteSize(const std::string& text);
/// "500ms", "30s", "10m", "1h", or plain seconds; std::invalid_argument otherwise.
[[nodiscard]] std::uint64_t parseDurationNs(const std::string& text);
/// A point in time: nanoseconds since the epoch (all digits), or ISO 8601
/// UTC "2024-05-01T12:00:00[.123][Z]"; std::invalid_argument otherwise.
[[nodiscard]] std::uint64_t parseTimeNs(const std::string& text);

} // namespace alphapulse::cli
