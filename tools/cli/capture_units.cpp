#include "capture_units.hpp"

#include <cmath>
#include <ctime>
#include <stdexcept>

namespace alphapulse::cli {
namespace {

/// The number at the start of `text` and what follows it.
double leadingNumber(const std::string& text, std::string& suffix, const char* what) {
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || !(value >= 0) || std::isinf(value)) {
        throw std::invalid_argument(std::string(what) + " '" + text + "' is not a non-negative number with a unit");
    }
    suffix = text.substr(used);
    return value;
}

} // namespace

std::uint64_t parseByteSize(const std::string& text) {
    std::string unit;
    const double value = leadingNumber(text, unit, "size");
    double scale = 1;
    if (unit == "K" || unit == "k" || unit == "KiB") scale = 1024.0;
    else if (unit == "M" || unit == "MiB") scale = 1024.0 * 1024;
    else if (unit == "G" || unit == "GiB") scale = 1024.0 * 1024 * 1024;
    else if (!unit.empty() && unit != "B") throw std::invalid_argument("size '" + text + "': unit must be K, M or G");
    return static_cast<std::uint64_t>(value * scale);
}

std::uint64_t parseDurationNs(const std::string& text) {
    std::string unit;
    const double value = leadingNumber(text, unit, "duration");
    double scale = 1e9;
    if (unit == "ms") scale = 1e6;
    else if (unit == "m") scale = 60e9;
    else if (unit == "h") scale = 3600e9;
    else if (!unit.empty() && unit != "s") {
        throw std::invalid_argument("duration '" + text + "': unit must be ms, s, m or h");
    }
    return static_cast<std::uint64_t>(value * scale);
}

std::uint64_t parseTimeNs(const std::string& text) {
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) return std::stoull(text);
    std::tm utc{};
    const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &utc);
    if (rest == nullptr) {
        throw std::invalid_argument("time '" + text + "': give nanoseconds since the epoch or 2024-05-01T12:00:00Z");
    }
    std::uint64_t ns = static_cast<std::uint64_t>(timegm(&utc)) * 1'000'000'000ULL;
    if (*rest == '.') {
        std::uint64_t scale = 100'000'000;
        for (++rest; *rest >= '0' && *rest <= '9'; ++rest, scale /= 10) ns += static_cast<std::uint64_t>(*rest - '0') * scale;
    }
    if (*rest == 'Z') ++rest;
    if (*rest != '\0') throw std::invalid_argument("time '" + text + "': unexpected '" + std::string(rest) + "'");
    return ns;
}

} // namespace alphapulse::cli
