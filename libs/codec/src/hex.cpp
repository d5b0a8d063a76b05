#include "alphapulse/codec/hex.hpp"

namespace alphapulse::codec {
namespace {

int digitValue(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

std::string toHex(const std::uint8_t* data, std::size_t len) {
    static constexpr char DIGITS[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 + 2 * len);
    out += "0x";
    for (std::size_t i = 0; i < len; ++i) {
        out.push_back(DIGITS[data[i] >> 4]);
        out.push_back(DIGITS[data[i] & 0x0F]);
    }
    return out;
}

HexStatus parseHex(std::string_view text, std::vector<std::uint8_t>& out) {
    out.clear();
    if (text.size() < 2 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X') || text.size() % 2 != 0) {
        return HexStatus::Malformed;
    }
    out.reserve((text.size() - 2) / 2);
    for (std::size_t i = 2; i < text.size(); i += 2) {
        const int hi = digitValue(text[i]);
        const int lo = digitValue(text[i + 1]);
        if (hi < 0 || lo < 0) return HexStatus::Malformed;
        out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
    return HexStatus::Ok;
}

} // namespace alphapulse::codec
