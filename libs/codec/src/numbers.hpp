#pragma once
// 128-bit integers as decimal strings (json-lines.md: u128, i128 and Q64.64
// travel as strings because JSON numbers stop being exact past 2^64).
#include <optional>
#include <string>
#include <string_view>

#include "alphapulse/wire/endian.hpp"

namespace alphapulse::codec::detail {

[[nodiscard]] std::string toDecimal(wire::Uint128 value);
[[nodiscard]] std::string toDecimal(wire::Int128 value);

/// An optional '-' then 1-40 decimal digits, nothing else. The magnitude
/// is returned with the sign apart so that callers can range-check exactly;
/// nullopt when the digits overflow 128 bits.
struct Decimal {
    bool negative = false;
    wire::Uint128 magnitude = 0;
};
[[nodiscard]] std::optional<Decimal> parseDecimal(std::string_view text);

} // namespace alphapulse::codec::detail
