#include "field_json.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include "alphapulse/codec/hex.hpp"
#include "alphapulse/wire/enums.hpp"
#include "alphapulse/wire/venue.hpp"
#include "numbers.hpp"
#include "alphapulse/wire/utf8.hpp"

namespace alphapulse::codec::detail {
namespace {

using wire::FieldKind;

bool isSignedKind(FieldKind kind) noexcept {
    return kind == FieldKind::I8 || kind == FieldKind::I16 || kind == FieldKind::I32 || kind == FieldKind::I64;
}

bool isIntegerKind(FieldKind kind) noexcept {
    return isSignedKind(kind) || kind == FieldKind::U8 || kind == FieldKind::U16 || kind == FieldKind::U32 ||
           kind == FieldKind::U64;
}

unsigned bitsOf(FieldKind kind) noexcept {
    switch (kind) {
    case FieldKind::U8: case FieldKind::I8: return 8;
    case FieldKind::U16: case FieldKind::I16: return 16;
    case FieldKind::U32: case FieldKind::I32: return 32;
    default: return 64;
    }
}

std::uint64_t loadUnsigned(const std::uint8_t* p, std::size_t size) noexcept {
    std::uint64_t value = 0;
    for (std::size_t i = std::min<std::size_t>(size, 8); i-- > 0;) value = value << 8 | p[i];
    return value;
}

std::int64_t loadSigned(const std::uint8_t* p, std::size_t size) noexcept {
    const std::uint64_t raw = loadUnsigned(p, size);
    const std::size_t bits = 8 * std::min<std::size_t>(size, 8);
    if (bits == 64) return static_cast<std::int64_t>(raw);
    const std::uint64_t sign = std::uint64_t{1} << (bits - 1);
    // Sign-extend: (raw ^ sign) - sign maps the top half of the range below zero.
    return static_cast<std::int64_t>((raw ^ sign) - sign);
}

bool allZero(const std::uint8_t* p, std::size_t size) noexcept {
    return std::all_of(p, p + size, [](std::uint8_t b) { return b == 0; });
}

const wire::FieldDescriptor* findIn(std::span<const wire::FieldDescriptor> fields, std::string_view name) noexcept {
    for (const auto& field : fields) {
        if (field.name == name) return &field;
    }
    return nullptr;
}

std::string describe(const Json& value) { return std::string{value.type_name()}; }

/// The integer in `value` as sign + magnitude, from a number or a decimal string.
Decimal integerOf(const Json& value, const std::string& path) {
    if (value.is_number_unsigned()) return Decimal{false, value.get<std::uint64_t>()};
    if (value.is_number_integer()) {
        const auto v = value.get<std::int64_t>();
        // Magnitude computed unsigned: -INT64_MIN does not fit an int64_t.
        return v < 0 ? Decimal{true, static_cast<wire::Uint128>(0ULL - static_cast<std::uint64_t>(v))}
                     : Decimal{false, static_cast<wire::Uint128>(v)};
    }
    if (value.is_number_float()) {
        fail(EncodeErrc::ValueOutOfRange, path, "not an integer that fits the field (large values go as decimal strings)");
    }
    if (value.is_string()) {
        const auto parsed = parseDecimal(value.get_ref<const std::string&>());
        if (!parsed) fail(EncodeErrc::ValueOutOfRange, path, "not a decimal integer that fits the field");
        return *parsed;
    }
    fail(EncodeErrc::WrongType, path, "expected an integer, got " + describe(value));
}

std::optional<std::uint64_t> nameValue(const Json& value, wire::EnumKind enumKind) {
    if (enumKind == wire::EnumKind::None || !value.is_string()) return std::nullopt;
    return wire::enumValueFromName(enumKind, value.get_ref<const std::string&>());
}

[[noreturn]] void failRange(const std::string& path, FieldKind kind) {
    fail(EncodeErrc::ValueOutOfRange, path,
         std::string{"value out of range for a "} + (isSignedKind(kind) ? "signed " : "unsigned ") +
             std::to_string(bitsOf(kind)) + "-bit field");
}

const std::string& textOf(const Json& value, const std::string& path) {
    if (!value.is_string()) fail(EncodeErrc::WrongType, path, "expected a string, got " + describe(value));
    return value.get_ref<const std::string&>();
}

std::vector<std::uint8_t> bytesOf(const Json& value, std::size_t size, const std::string& path) {
    std::vector<std::uint8_t> bytes;
    if (parseHex(textOf(value, path), bytes) != HexStatus::Ok) {
        fail(EncodeErrc::BadHex, path, "expected \"0x\" followed by hex digits, two per byte");
    }
    if (bytes.size() != size) {
        fail(EncodeErrc::WrongLength, path,
             "expected " + std::to_string(size) + " bytes, got " + std::to_string(bytes.size()));
    }
    return bytes;
}

std::string text(const std::uint8_t* p, std::size_t size) {
    std::size_t len = 0;
    while (len < size && p[len] != 0) ++len;
    return std::string{reinterpret_cast<const char*>(p), len};
}

} // namespace

void fail(EncodeErrc code, std::string field, std::string message) {
    throw EncodeFailure{EncodeError{code, std::move(field), std::move(message)}};
}

std::string joinPath(std::string_view prefix, std::string_view key) {
    std::string out;
    out.reserve(prefix.size() + 1 + key.size());
    out += prefix;
    if (!prefix.empty()) out += '.';
    out += key;
    return out;
}

std::string indexPath(std::string_view prefix, std::size_t index) {
    return std::string{prefix} + "[" + std::to_string(index) + "]";
}

// --- Decoding ---

Json instrumentToJson(const wire::InstrumentId& id) {
    Json out = Json::object();
    out["venue"] = id.venue;
    out["asset_type"] = id.assetType;
    if (id.reserved != 0) out["reserved"] = id.reserved;
    out["asset_id"] = id.assetId;
    out["text"] = id.text();
    return out;
}

void fieldsToJson(std::span<const wire::FieldDescriptor> fields, const std::uint8_t* base, Json& out) {
    for (const auto& field : fields) {
        const std::uint8_t* p = base + field.offset;
        const std::string name{field.name};
        switch (field.kind) {
        case FieldKind::U8: case FieldKind::U16: case FieldKind::U32: case FieldKind::U64: {
            const std::uint64_t value = loadUnsigned(p, field.size);
            out[name] = value;
            if (field.enumKind != wire::EnumKind::None) {
                const auto valueName = wire::enumValueName(field.enumKind, value);
                if (!valueName.empty()) out[name + "_name"] = valueName;
            }
            break;
        }
        case FieldKind::I8: case FieldKind::I16: case FieldKind::I32: case FieldKind::I64:
            out[name] = loadSigned(p, field.size);
            break;
        case FieldKind::U128:
            out[name] = toDecimal(wire::loadLeU128(p));
            break;
        case FieldKind::I128:
            out[name] = toDecimal(static_cast<wire::Int128>(wire::loadLeU128(p)));
            break;
        case FieldKind::Instrument:
            out[name] = instrumentToJson(wire::InstrumentId::read(p));
            break;
        case FieldKind::Bytes:
            out[name] = toHex(p, field.size);
            break;
        case FieldKind::Text:
            out[name] = text(p, field.size);
            break;
        case FieldKind::Padding:
            // Omitted when zero (the normal case) but kept otherwise, so that
            // encode(decode(frame)) gives back every byte.
            if (!allZero(p, field.size)) out[name] = toHex(p, field.size);
            break;
        }
    }
}

// --- Encoding ---

std::uint64_t unsignedFromJson(const Json& value, FieldKind kind, wire::EnumKind enumKind, const std::string& path) {
    if (const auto named = nameValue(value, enumKind)) return *named;
    if (enumKind != wire::EnumKind::None && value.is_string() && !parseDecimal(value.get_ref<const std::string&>())) {
        fail(EncodeErrc::UnknownName, path, "no value named \"" + value.get<std::string>() + "\"");
    }
    const Decimal d = integerOf(value, path);
    const unsigned bits = bitsOf(kind);
    const wire::Uint128 max = (static_cast<wire::Uint128>(1) << bits) - 1;
    if (d.magnitude > max || (d.negative && d.magnitude != 0)) failRange(path, kind);
    return static_cast<std::uint64_t>(d.magnitude);
}

std::int64_t signedFromJson(const Json& value, FieldKind kind, wire::EnumKind enumKind, const std::string& path) {
    if (const auto named = nameValue(value, enumKind)) return static_cast<std::int64_t>(*named);
    const Decimal d = integerOf(value, path);
    const wire::Uint128 limit = static_cast<wire::Uint128>(1) << (bitsOf(kind) - 1);
    if (d.negative ? d.magnitude > limit : d.magnitude >= limit) failRange(path, kind);
    const auto magnitude = static_cast<std::uint64_t>(d.magnitude);
    return d.negative ? static_cast<std::int64_t>(0ULL - magnitude) : static_cast<std::int64_t>(magnitude);
}

void storeInteger(std::uint8_t* p, std::size_t size, std::uint64_t value) noexcept {
    for (std::size_t i = 0; i < size && i < 8; ++i) p[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

wire::InstrumentId instrumentFromJson(const Json& value, const std::string& path) {
    const auto fromText = [&](const std::string& text, const std::string& where) {
        const auto id = wire::InstrumentId::fromText(text);
        if (!id) {
            fail(EncodeErrc::InvalidInstrumentId, where,
                 std::string{wire::errorName(id.error())} + ": " + std::string{wire::errorMessage(id.error())});
        }
        return *id;
    };
    if (value.is_string()) return fromText(value.get_ref<const std::string&>(), path);
    if (!value.is_object()) fail(EncodeErrc::WrongType, path, "expected an object or an id's text, got " + describe(value));

    const bool hasNumbers = value.contains("venue") || value.contains("asset_type") || value.contains("asset_id") ||
                            value.contains("reserved");
    wire::InstrumentId id;
    for (auto it = value.begin(); it != value.end(); ++it) {
        const std::string& key = it.key();
        const std::string where = joinPath(path, key);
        if (key == "venue") {
            id.venue = static_cast<std::uint16_t>(unsignedFromJson(*it, FieldKind::U16, wire::EnumKind::Venue, where));
        } else if (key == "asset_type") {
            if (it->is_string()) {
                const auto type = wire::assetTypeFromName(it->get_ref<const std::string&>());
                if (!type) fail(EncodeErrc::UnknownName, where, "no asset type named \"" + it->get<std::string>() + "\"");
                id.assetType = static_cast<std::uint8_t>(*type);
            } else {
                id.assetType = static_cast<std::uint8_t>(unsignedFromJson(*it, FieldKind::U8, wire::EnumKind::None, where));
            }
        } else if (key == "reserved") {
            id.reserved = static_cast<std::uint8_t>(unsignedFromJson(*it, FieldKind::U8, wire::EnumKind::None, where));
        } else if (key == "asset_id") {
            id.assetId = unsignedFromJson(*it, FieldKind::U64, wire::EnumKind::None, where);
        } else if (key == "text") {
            // Ignored when the numbers are there (json-lines.md); the id otherwise.
            if (!hasNumbers) return fromText(textOf(*it, where), where);
        } else {
            fail(EncodeErrc::UnknownKey, where, "an instrument id has venue, asset_type, reserved, asset_id and text");
        }
    }
    return id;
}

void fieldFromJson(const wire::FieldDescriptor& field, const Json& value, std::uint8_t* base, const std::string& path) {
    std::uint8_t* p = base + field.offset;
    switch (field.kind) {
    case FieldKind::U8: case FieldKind::U16: case FieldKind::U32: case FieldKind::U64:
        storeInteger(p, field.size, unsignedFromJson(value, field.kind, field.enumKind, path));
        break;
    case FieldKind::I8: case FieldKind::I16: case FieldKind::I32: case FieldKind::I64:
        storeInteger(p, field.size, static_cast<std::uint64_t>(signedFromJson(value, field.kind, field.enumKind, path)));
        break;
    case FieldKind::U128: {
        const Decimal d = integerOf(value, path);
        if (d.negative && d.magnitude != 0) fail(EncodeErrc::ValueOutOfRange, path, "negative value for an unsigned 128-bit field");
        wire::storeLeU128(p, d.magnitude);
        break;
    }
    case FieldKind::I128: {
        const Decimal d = integerOf(value, path);
        const wire::Uint128 limit = static_cast<wire::Uint128>(1) << 127;
        if (d.negative ? d.magnitude > limit : d.magnitude >= limit) {
            fail(EncodeErrc::ValueOutOfRange, path, "value out of range for a signed 128-bit field");
        }
        wire::storeLeU128(p, d.negative ? static_cast<wire::Uint128>(0) - d.magnitude : d.magnitude);
        break;
    }
    case FieldKind::Instrument:
        instrumentFromJson(value, path).write(p);
        break;
    case FieldKind::Bytes:
    case FieldKind::Padding: {
        const auto bytes = bytesOf(value, field.size, path);
        std::copy(bytes.begin(), bytes.end(), p);
        break;
    }
    case FieldKind::Text: {
        const std::string& s = textOf(value, path);
        if (!wire::isValidUtf8(s)) fail(EncodeErrc::InvalidUtf8, path, "text is not valid UTF-8");
        if (s.find('\0') != std::string::npos) fail(EncodeErrc::ValueOutOfRange, path, "text may not contain a NUL character");
        if (s.size() > field.size) {
            fail(EncodeErrc::TextTooLong, path,
                 "text of " + std::to_string(s.size()) + " bytes, the field holds " + std::to_string(field.size));
        }
        std::copy(s.begin(), s.end(), p); // the rest stays zero
        break;
    }
    }
}

void fieldsFromJson(std::span<const wire::FieldDescriptor> fields, const Json& object, std::uint8_t* base,
                    std::string_view pathPrefix, const std::function<bool(std::string_view)>& isOtherKey,
                    std::span<const std::string_view> derived) {
    constexpr std::string_view NAME_SUFFIX = "_name";
    for (auto it = object.begin(); it != object.end(); ++it) {
        const std::string& key = it.key();
        if (const auto* field = findIn(fields, key)) {
            if (std::find(derived.begin(), derived.end(), key) != derived.end()) continue;
            fieldFromJson(*field, *it, base, joinPath(pathPrefix, key));
            continue;
        }
        if (key.size() > NAME_SUFFIX.size() && std::string_view{key}.ends_with(NAME_SUFFIX)) {
            const std::string_view stem = std::string_view{key}.substr(0, key.size() - NAME_SUFFIX.size());
            const auto* field = findIn(fields, stem);
            if (field != nullptr && field->enumKind != wire::EnumKind::None && isIntegerKind(field->kind)) {
                if (object.contains(stem)) continue; // the number wins
                const std::string path = joinPath(pathPrefix, key);
                const auto value = wire::enumValueFromName(field->enumKind, textOf(*it, path));
                if (!value) fail(EncodeErrc::UnknownName, path, "no value named \"" + it->get<std::string>() + "\"");
                storeInteger(base + field->offset, field->size, *value);
                continue;
            }
        }
        if (isOtherKey && isOtherKey(key)) continue;
        fail(EncodeErrc::UnknownKey, joinPath(pathPrefix, key), "no field of this name");
    }
}

} // namespace alphapulse::codec::detail
