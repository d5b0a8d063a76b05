#include "numbers.hpp"

#include <algorithm>

namespace alphapulse::codec::detail {

std::string toDecimal(wire::Uint128 value) {
    char digits[40];
    std::size_t n = 0;
    do {
        digits[n++] = static_cast<char>('0' + static_cast<int>(value % 10));
        value /= 10;
    } while (value != 0);
    std::string out(n, '0');
    std::reverse_copy(digits, digits + n, out.begin());
    return out;
}

std::string toDecimal(wire::Int128 value) {
    if (value >= 0) return toDecimal(static_cast<wire::Uint128>(value));
    // Negate in unsigned arithmetic: -(-2^127) does not fit a signed value.
    const auto magnitude = static_cast<wire::Uint128>(0) - static_cast<wire::Uint128>(value);
    return "-" + toDecimal(magnitude);
}

std::optional<Decimal> parseDecimal(std::string_view text) {
    Decimal out;
    if (!text.empty() && text[0] == '-') {
        out.negative = true;
        text.remove_prefix(1);
    }
    if (text.empty()) return std::nullopt;
    constexpr wire::Uint128 MAX = ~static_cast<wire::Uint128>(0);
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto digit = static_cast<unsigned>(c - '0');
        if (out.magnitude > (MAX - digit) / 10) return std::nullopt;
        out.magnitude = out.magnitude * 10 + digit;
    }
    return out;
}

} // namespace alphapulse::codec::detail
