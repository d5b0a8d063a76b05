#pragma once
// Byte arrays as "0x" + lower-case hex (json-lines.md).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace alphapulse::codec {

/// "0x" followed by two lower-case digits per byte.
[[nodiscard]] std::string toHex(const std::uint8_t* data, std::size_t len);

enum class HexStatus : std::uint8_t { Ok, Malformed };

/// Parses "0x" (or "0X") + an even number of hex digits of either case,
/// replacing `out`. Malformed for anything else.
[[nodiscard]] HexStatus parseHex(std::string_view text, std::vector<std::uint8_t>& out);

} // namespace alphapulse::codec
