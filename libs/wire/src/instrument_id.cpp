#include "alphapulse/wire/instrument_id.hpp"

#include <cryptopp/keccak.h>

#include <cstdio>

#include "alphapulse/wire/detail/text.hpp"

namespace alphapulse::wire {
namespace {

bool venueAcceptsSymbols(const VenueInfo& v) noexcept {
    return v.kind == VenueKind::StockExchange || v.kind == VenueKind::CryptoExchange ||
           v.kind == VenueKind::Broker;
}

int alphabetCode(char c) noexcept {
    const auto pos = SYMBOL_ALPHABET.find(c);
    return pos == std::string_view::npos ? 0 : static_cast<int>(pos) + 1;
}

Expected<std::uint64_t> packSymbol(std::string_view symbol, bool& packed) noexcept {
    if (symbol.empty()) return WireError::InvalidSymbol;
    if (symbol.size() <= MAX_ASCII_SYMBOL) {
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < MAX_ASCII_SYMBOL; ++i) {
            const auto c = i < symbol.size() ? static_cast<unsigned char>(symbol[i]) : 0U;
            if (i < symbol.size() && (c < 0x20 || c > 0x7E)) return WireError::InvalidSymbol;
            value = (value << 8) | c;
        }
        packed = false;
        return value;
    }
    if (symbol.size() > MAX_PACKED_SYMBOL) return WireError::InvalidSymbol;
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < MAX_PACKED_SYMBOL; ++i) {
        int code = 0;
        if (i < symbol.size()) {
            code = alphabetCode(symbol[i]);
            if (code == 0) return WireError::InvalidSymbol;
        }
        value = (value << 6) | static_cast<std::uint64_t>(code);
    }
    packed = true;
    return value;
}

// Decodes a symbol asset_id; false when the bytes are not canonical.
bool unpackSymbol(std::uint64_t assetId, bool packed, std::string& out) {
    out.clear();
    if (!packed) {
        bool ended = false;
        for (int shift = 56; shift >= 0; shift -= 8) {
            const auto c = static_cast<unsigned char>(assetId >> shift);
            if (c == 0) {
                ended = true;
                continue;
            }
            if (ended || c < 0x20 || c > 0x7E) return false;
            out.push_back(static_cast<char>(c));
        }
        return !out.empty();
    }
    if ((assetId >> 60) != 0) return false;
    bool ended = false;
    for (int shift = 54; shift >= 0; shift -= 6) {
        const auto code = static_cast<unsigned>((assetId >> shift) & 0x3F);
        if (code == 0) {
            ended = true;
            continue;
        }
        if (ended || code > SYMBOL_ALPHABET.size()) return false;
        out.push_back(SYMBOL_ALPHABET[code - 1]);
    }
    // A symbol that fits in 8 bytes must use the ASCII packing.
    return out.size() > MAX_ASCII_SYMBOL;
}

void keccak256(const std::uint8_t* data, std::size_t len, std::uint8_t out[32]) {
    CryptoPP::Keccak_256 hash;
    hash.Update(data, len);
    hash.Final(out);
}

} // namespace

Expected<InstrumentId> InstrumentId::stock(VenueId venue, std::string_view ticker) noexcept {
    return symbol(venue, AssetType::Stock, ticker);
}

Expected<InstrumentId> InstrumentId::symbol(VenueId venue, AssetType type, std::string_view text) noexcept {
    const VenueInfo* info = findVenue(static_cast<std::uint16_t>(venue));
    if (info == nullptr) return WireError::UnknownVenue;
    // The packed-symbol bit is ours to set, never the caller's.
    if ((static_cast<std::uint8_t>(type) & PACKED_SYMBOL) != 0 || !isSymbolAssetType(static_cast<std::uint8_t>(type))) {
        return WireError::UnknownAssetType;
    }
    if (!venueAcceptsSymbols(*info)) return WireError::WrongVenueKind;
    bool packed = false;
    const auto value = packSymbol(text, packed);
    if (!value) return value.error();
    const auto assetType = static_cast<std::uint8_t>(static_cast<std::uint8_t>(type) | (packed ? PACKED_SYMBOL : 0));
    return InstrumentId{static_cast<std::uint16_t>(venue), assetType, 0, *value};
}

Expected<InstrumentId> InstrumentId::fromAddress(VenueId venue, AssetType type,
                                                 const EvmAddress& address) noexcept {
    const VenueInfo* info = findVenue(static_cast<std::uint16_t>(venue));
    if (info == nullptr) return WireError::UnknownVenue;
    if (type == AssetType::Token) {
        if (info->kind != VenueKind::Chain) return WireError::WrongVenueKind;
    } else if (type == AssetType::Pool) {
        if (info->kind != VenueKind::Dex) return WireError::WrongVenueKind;
    } else {
        return WireError::UnknownAssetType;
    }
    return InstrumentId{static_cast<std::uint16_t>(venue), static_cast<std::uint8_t>(type), 0,
                        addressAssetId(address)};
}

Expected<InstrumentId> InstrumentId::token(VenueId chain, std::string_view address) noexcept {
    EvmAddress bytes{};
    if (const auto err = parseEvmAddress(address, bytes); err != WireError::Ok) return err;
    return fromAddress(chain, AssetType::Token, bytes);
}

Expected<InstrumentId> InstrumentId::tokenOnChain(std::uint64_t chainId, std::string_view address) noexcept {
    const VenueInfo* info = findVenueByChainId(chainId);
    if (info == nullptr) return WireError::NoVenueForChain;
    return token(info->id, address);
}

Expected<InstrumentId> InstrumentId::pool(VenueId dex, std::string_view address) noexcept {
    EvmAddress bytes{};
    if (const auto err = parseEvmAddress(address, bytes); err != WireError::Ok) return err;
    return fromAddress(dex, AssetType::Pool, bytes);
}

WireError InstrumentId::validate() const noexcept {
    const VenueInfo* info = findVenue(venue);
    if (info == nullptr) return WireError::UnknownVenue;
    if (reserved != 0) return WireError::NonCanonicalId;
    if (isSymbolAssetType(assetType)) {
        if (!venueAcceptsSymbols(*info)) return WireError::WrongVenueKind;
        std::string scratch;
        return unpackSymbol(assetId, (assetType & PACKED_SYMBOL) != 0, scratch) ? WireError::Ok
                                                                                : WireError::NonCanonicalId;
    }
    if (assetType == static_cast<std::uint8_t>(AssetType::Token)) {
        return info->kind == VenueKind::Chain ? WireError::Ok : WireError::WrongVenueKind;
    }
    if (assetType == static_cast<std::uint8_t>(AssetType::Pool)) {
        return info->kind == VenueKind::Dex ? WireError::Ok : WireError::WrongVenueKind;
    }
    return WireError::UnknownAssetType;
}

std::string InstrumentId::symbolText() const {
    std::string out;
    if (!isSymbolAssetType(assetType) || !unpackSymbol(assetId, (assetType & PACKED_SYMBOL) != 0, out)) {
        out.clear();
    }
    return out;
}

std::string InstrumentId::text() const {
    char hex[24];
    std::snprintf(hex, sizeof hex, "0x%016llx", static_cast<unsigned long long>(assetId));
    if (validate() != WireError::Ok) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "Unknown venue=%u asset_type=%u asset_id=%s", venue, assetType, hex);
        return buf;
    }
    std::string out{findVenue(venue)->name};
    out += ' ';
    out += assetTypeName(assetType);
    out += ' ';
    out += isSymbolAssetType(assetType) ? symbolText() : std::string{hex};
    return out;
}

Expected<InstrumentId> InstrumentId::fromText(std::string_view text) noexcept {
    const auto firstSpace = text.find(' ');
    if (firstSpace == std::string_view::npos) return WireError::UnknownVenue;
    const auto secondSpace = text.find(' ', firstSpace + 1);
    if (secondSpace == std::string_view::npos) return WireError::UnknownAssetType;
    const VenueInfo* info = findVenueByName(text.substr(0, firstSpace));
    if (info == nullptr) return WireError::UnknownVenue;
    const auto type = assetTypeFromName(text.substr(firstSpace + 1, secondSpace - firstSpace - 1));
    if (!type) return WireError::UnknownAssetType;
    const std::string_view rest = text.substr(secondSpace + 1);
    if (isSymbolAssetType(static_cast<std::uint8_t>(*type))) return symbol(info->id, *type, rest);
    // Tokens and pools print the 8 bytes they keep: 0x + 16 hex digits.
    if (rest.size() != 18 || rest[0] != '0' || (rest[1] != 'x' && rest[1] != 'X')) {
        return WireError::InvalidAddress;
    }
    std::uint64_t value = 0;
    for (std::size_t i = 2; i < rest.size(); ++i) {
        const int digit = detail::hexValue(rest[i]);
        if (digit < 0) return WireError::InvalidAddress;
        value = (value << 4) | static_cast<std::uint64_t>(digit);
    }
    const InstrumentId id{static_cast<std::uint16_t>(info->id), static_cast<std::uint8_t>(*type), 0, value};
    if (const auto err = id.validate(); err != WireError::Ok) return err;
    return id;
}

Expected<std::uint64_t> InstrumentId::compactKey() const noexcept {
    if (reserved != 0 || (assetId >> 40) != 0) return WireError::ValueOutOfRange;
    return (static_cast<std::uint64_t>(venue) << 48) | (static_cast<std::uint64_t>(assetType) << 40) | assetId;
}

InstrumentId InstrumentId::fromCompactKey(std::uint64_t key) noexcept {
    return InstrumentId{static_cast<std::uint16_t>(key >> 48), static_cast<std::uint8_t>(key >> 40), 0,
                        key & 0xFF'FFFF'FFFFULL};
}

WireError parseEvmAddress(std::string_view text, EvmAddress& out) noexcept {
    if (text.size() != 42 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
        return WireError::InvalidAddress;
    }
    const std::string_view digits = text.substr(2);
    bool hasLower = false;
    bool hasUpper = false;
    for (std::size_t i = 0; i < 40; ++i) {
        const char c = digits[i];
        if (detail::hexValue(c) < 0) return WireError::InvalidAddress;
        hasLower |= (c >= 'a' && c <= 'f');
        hasUpper |= (c >= 'A' && c <= 'F');
    }
    for (std::size_t i = 0; i < 20; ++i) {
        out[i] = static_cast<std::uint8_t>(detail::hexValue(digits[2 * i]) << 4 | detail::hexValue(digits[2 * i + 1]));
    }
    if (hasLower && hasUpper) {
        // EIP-55: letter i is upper case iff nibble i of keccak256(lower-case hex) >= 8.
        std::uint8_t lower[40];
        for (std::size_t i = 0; i < 40; ++i) lower[i] = static_cast<std::uint8_t>(detail::asciiLower(digits[i]));
        std::uint8_t hash[32];
        keccak256(lower, sizeof lower, hash);
        for (std::size_t i = 0; i < 40; ++i) {
            const char c = digits[i];
            if (c >= '0' && c <= '9') continue;
            const int nibble = (i % 2 == 0) ? (hash[i / 2] >> 4) : (hash[i / 2] & 0x0F);
            const bool upper = c >= 'A' && c <= 'F';
            if (upper != (nibble >= 8)) return WireError::InvalidAddress;
        }
    }
    return WireError::Ok;
}

std::string formatEvmAddress(const EvmAddress& address) {
    static constexpr char HEX[] = "0123456789abcdef";
    std::uint8_t lower[40];
    for (std::size_t i = 0; i < 20; ++i) {
        lower[2 * i] = static_cast<std::uint8_t>(HEX[address[i] >> 4]);
        lower[2 * i + 1] = static_cast<std::uint8_t>(HEX[address[i] & 0x0F]);
    }
    std::uint8_t hash[32];
    keccak256(lower, sizeof lower, hash);
    std::string out = "0x";
    for (std::size_t i = 0; i < 40; ++i) {
        char c = static_cast<char>(lower[i]);
        const int nibble = (i % 2 == 0) ? (hash[i / 2] >> 4) : (hash[i / 2] & 0x0F);
        if (c >= 'a' && c <= 'f' && nibble >= 8) c = static_cast<char>(c - 'a' + 'A');
        out.push_back(c);
    }
    return out;
}

} // namespace alphapulse::wire
