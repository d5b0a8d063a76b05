#pragma once
// UTF-8 validation for every text the protocol carries (symbols, names,
// text fields): well-formed sequences only, no overlongs, no surrogates,
// nothing above U+10FFFF. Invalid text is refused, never converted lossily.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace alphapulse::wire {

/// Index of the first byte that does not start a well-formed sequence;
/// text.size() when all of it is valid.
[[nodiscard]] std::size_t firstInvalidUtf8(std::string_view text) noexcept;

[[nodiscard]] inline bool isValidUtf8(std::string_view text) noexcept { return firstInvalidUtf8(text) == text.size(); }

[[nodiscard]] inline bool isValidUtf8(const std::uint8_t* text, std::size_t len) noexcept {
    return isValidUtf8(std::string_view{reinterpret_cast<const char*>(text), len});
}

} // namespace alphapulse::wire
