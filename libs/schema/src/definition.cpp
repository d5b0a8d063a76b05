#include "alphapulse/schema/definition.hpp"

#include <yaml-cpp/yaml.h>

#include <array>
#include <charconv>
#include <fstream>
#include <sstream>
#include <utility>

#include "alphapulse/wire/header.hpp"
#include "alphapulse/wire/utf8.hpp"
#include "json_fwd.hpp"

namespace alphapulse::schema {
namespace {

using detail::Json;
using wire::FieldKind;

struct ParseFailure {
    SchemaError error;
};

[[noreturn]] void fail(SchemaErrc code, std::string schema, std::string field, std::string message) {
    throw ParseFailure{SchemaError{code, std::move(schema), std::move(field), std::move(message)}};
}

// ---- YAML to the same JSON tree ----

Json yamlToJson(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        return nullptr;
    case YAML::NodeType::Sequence: {
        Json out = Json::array();
        for (const auto& item : node) out.push_back(yamlToJson(item));
        return out;
    }
    case YAML::NodeType::Map: {
        Json out = Json::object();
        for (const auto& item : node) out[item.first.as<std::string>()] = yamlToJson(item.second);
        return out;
    }
    case YAML::NodeType::Scalar:
        break;
    }
    const std::string& text = node.Scalar();
    if (node.Tag() == "!") return text; // quoted: always a string
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    if (text == "~" || text == "null") return nullptr;
    std::int64_t number = 0;
    int base = 10;
    std::string_view digits = text;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        base = 16;
        digits.remove_prefix(2);
    }
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number, base);
    if (ec == std::errc{} && end == digits.data() + digits.size() && !digits.empty()) return number;
    return text;
}

// ---- field types ----

struct FixedType {
    std::string_view name;
    FieldKind kind;
    std::uint16_t size;
};

constexpr std::array<FixedType, 12> FIXED_TYPES{{
    {"u8", FieldKind::U8, 1}, {"u16", FieldKind::U16, 2}, {"u32", FieldKind::U32, 4},
    {"u64", FieldKind::U64, 8}, {"i8", FieldKind::I8, 1}, {"i16", FieldKind::I16, 2},
    {"i32", FieldKind::I32, 4}, {"i64", FieldKind::I64, 8}, {"u128", FieldKind::U128, 16},
    {"i128", FieldKind::I128, 16}, {"InstrumentId", FieldKind::Instrument, 12},
    {"instrument", FieldKind::Instrument, 12},
}};

constexpr std::array<std::pair<wire::EnumKind, std::string_view>, 11> ENUM_NAMES{{
    {wire::EnumKind::Venue, "VenueId"}, {wire::EnumKind::Side, "Side"},
    {wire::EnumKind::OrderType, "OrderType"}, {wire::EnumKind::TimeInForce, "TimeInForce"},
    {wire::EnumKind::OrderStatus, "OrderStatus"}, {wire::EnumKind::ExecType, "ExecType"},
    {wire::EnumKind::Liquidity, "Liquidity"}, {wire::EnumKind::VenueStatus, "VenueStatus"},
    {wire::EnumKind::Severity, "Severity"}, {wire::EnumKind::MessageType, "MessageType"},
    {wire::EnumKind::Domain, "Domain"},
}};

/// "bytes[20]" -> 20 for prefix "bytes"; 0 when not of that form.
std::uint16_t arraySize(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size() + 3 || text.substr(0, prefix.size()) != prefix) return 0;
    text.remove_prefix(prefix.size());
    if (text.front() != '[' || text.back() != ']') return 0;
    text = text.substr(1, text.size() - 2);
    unsigned n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size() || n == 0 || n > 0xFFFF) return 0;
    return static_cast<std::uint16_t>(n);
}

bool parseFieldType(std::string_view text, FieldKind& kind, std::uint16_t& size) {
    for (const auto& t : FIXED_TYPES) {
        if (t.name == text) {
            kind = t.kind;
            size = t.size;
            return true;
        }
    }
    const std::pair<std::string_view, FieldKind> arrays[] = {
        {"bytes", FieldKind::Bytes}, {"text", FieldKind::Text}, {"pad", FieldKind::Padding}};
    for (const auto& [prefix, k] : arrays) {
        if (const auto n = arraySize(text, prefix); n != 0) {
            kind = k;
            size = n;
            return true;
        }
    }
    return false;
}

// ---- reading the tree ----

std::uint64_t unsignedValue(const Json& value, std::uint64_t max, const std::string& schema, const std::string& key) {
    if (!value.is_number_integer() || (value.is_number_integer() && !value.is_number_unsigned() && value.get<std::int64_t>() < 0)) {
        fail(SchemaErrc::BadValue, schema, key, "\"" + key + "\" must be a whole number from 0 to " + std::to_string(max));
    }
    const auto n = value.get<std::uint64_t>();
    if (n > max) fail(SchemaErrc::BadValue, schema, key, "\"" + key + "\" must be at most " + std::to_string(max));
    return n;
}

const std::string& stringValue(const Json& value, const std::string& schema, const std::string& key) {
    if (!value.is_string()) fail(SchemaErrc::BadValue, schema, key, "\"" + key + "\" must be a string");
    return value.get_ref<const std::string&>();
}

bool boolValue(const Json& value, const std::string& schema, const std::string& key) {
    if (!value.is_boolean()) fail(SchemaErrc::BadValue, schema, key, "\"" + key + "\" must be true or false");
    return value.get<bool>();
}

FieldSpec parseField(const Json& node, std::size_t index, std::uint16_t nextOffset, const std::string& schema) {
    const std::string where = "fields[" + std::to_string(index) + "]";
    if (!node.is_object()) fail(SchemaErrc::BadDocument, schema, where, where + " must be a map");
    FieldSpec field;
    const auto name = node.find("name");
    if (name == node.end()) fail(SchemaErrc::MissingKey, schema, where + ".name", where + " has no name");
    field.name = stringValue(*name, schema, where + ".name");
    const std::string fieldLabel = "field \"" + field.name + "\"";
    for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string& key = it.key();
        if (key != "name" && key != "type" && key != "offset" && key != "enum") {
            fail(SchemaErrc::UnknownKey, schema, field.name, fieldLabel + ": unknown key \"" + key + "\"");
        }
    }
    const auto type = node.find("type");
    if (type == node.end()) fail(SchemaErrc::MissingKey, schema, field.name, fieldLabel + " has no type");
    const std::string& typeText = stringValue(*type, schema, field.name);
    if (!parseFieldType(typeText, field.kind, field.size)) {
        fail(SchemaErrc::UnknownFieldType, schema, field.name,
             fieldLabel + ": unknown type \"" + typeText +
                 "\" (u8..u64, i8..i64, u128, i128, InstrumentId, bytes[N], text[N], pad[N])");
    }
    if (const auto offset = node.find("offset"); offset != node.end()) {
        field.offset = static_cast<std::uint16_t>(unsignedValue(*offset, 0xFFFF, schema, field.name + ".offset"));
    } else {
        field.offset = nextOffset;
    }
    if (const auto e = node.find("enum"); e != node.end()) {
        const std::string& enumText = stringValue(*e, schema, field.name + ".enum");
        bool found = false;
        for (const auto& [kind, enumName] : ENUM_NAMES) {
            if (enumName == enumText) {
                field.enumKind = kind;
                found = true;
            }
        }
        if (!found) fail(SchemaErrc::BadValue, schema, field.name, fieldLabel + ": unknown enum \"" + enumText + "\"");
        const FieldKind wanted = field.enumKind == wire::EnumKind::Venue ? FieldKind::U16 : FieldKind::U8;
        if (field.kind != wanted) {
            fail(SchemaErrc::BadValue, schema, field.name,
                 fieldLabel + ": enum " + enumText + " needs type " + (wanted == FieldKind::U16 ? "u16" : "u8"));
        }
    }
    return field;
}

SchemaSpec parseSchema(const Json& node) {
    if (!node.is_object()) fail(SchemaErrc::BadDocument, "", "", "a schema must be a map");
    SchemaSpec spec;
    std::string label;
    for (auto it = node.begin(); it != node.end(); ++it) {
        static constexpr std::array<std::string_view, 10> KEYS{"name", "type",   "version", "domain",    "size",
                                                                "tail", "variable", "tlv", "fields", "cache_key"};
        if (std::find(KEYS.begin(), KEYS.end(), it.key()) == KEYS.end()) {
            fail(SchemaErrc::UnknownKey, "", it.key(), "unknown schema key \"" + it.key() + "\"");
        }
    }
    const auto name = node.find("name");
    if (name == node.end()) fail(SchemaErrc::MissingKey, "", "name", "a schema needs a name");
    spec.name = stringValue(*name, "", "name");
    const auto type = node.find("type");
    if (type == node.end()) fail(SchemaErrc::MissingKey, spec.name, "type", "schema " + spec.name + " needs a type number");
    if (type->is_string()) {
        const auto number = wire::messageTypeFromName(type->get_ref<const std::string&>());
        if (!number) fail(SchemaErrc::BadValue, spec.name, "type", "schema " + spec.name + ": no message type named \"" + type->get<std::string>() + "\"");
        spec.type = *number;
    } else {
        spec.type = static_cast<std::uint8_t>(unsignedValue(*type, 255, spec.name, "type"));
    }
    if (const auto v = node.find("version"); v != node.end()) {
        spec.version = static_cast<std::uint8_t>(unsignedValue(*v, 255, spec.name, "version"));
    }
    label = spec.label();
    const std::string in = "schema " + label + ": ";
    spec.domain = wire::domainOf(spec.type);
    if (const auto d = node.find("domain"); d != node.end()) {
        const auto domain = wire::domainFromName(stringValue(*d, label, "domain"));
        if (!domain) fail(SchemaErrc::BadValue, label, "domain", in + "unknown domain \"" + d->get<std::string>() + "\" (market_data, signals, execution, system, custom)");
        spec.domain = *domain;
    }
    if (const auto s = node.find("size"); s != node.end()) {
        spec.size = static_cast<std::uint16_t>(unsignedValue(*s, 0xFFFF, label, "size"));
    }
    int tails = 0;
    if (const auto t = node.find("tail"); t != node.end()) {
        const std::string& tail = stringValue(*t, label, "tail");
        bool found = false;
        for (const auto rule : {wire::SizeRule::Fixed, wire::SizeRule::Opaque, wire::SizeRule::Tlv,
                                wire::SizeRule::Discovery, wire::SizeRule::Levels}) {
            if (tailName(rule) == tail) {
                spec.rule = rule;
                found = true;
            }
        }
        if (!found) fail(SchemaErrc::BadValue, label, "tail", in + "unknown tail \"" + tail + "\" (none, opaque, tlv)");
        ++tails;
    }
    if (const auto v = node.find("variable"); v != node.end() && boolValue(*v, label, "variable")) {
        spec.rule = wire::SizeRule::Opaque;
        ++tails;
    }
    if (const auto t = node.find("tlv"); t != node.end() && boolValue(*t, label, "tlv")) {
        spec.rule = wire::SizeRule::Tlv;
        ++tails;
    }
    if (tails > 1) {
        fail(SchemaErrc::BadValue, label, "tlv", in + "give one of tail, variable: true and tlv: true");
    }
    if (const auto k = node.find("cache_key"); k != node.end()) spec.cacheKey = stringValue(*k, label, "cache_key");
    const auto fields = node.find("fields");
    if (fields == node.end()) fail(SchemaErrc::MissingKey, label, "fields", in + "no fields (write fields: [] for none)");
    if (!fields->is_array()) fail(SchemaErrc::BadDocument, label, "fields", in + "fields must be a list");
    std::uint32_t next = wire::header::SIZE;
    for (std::size_t i = 0; i < fields->size(); ++i) {
        try {
            FieldSpec field = parseField((*fields)[i], i, static_cast<std::uint16_t>(std::min<std::uint32_t>(next, 0xFFFF)), label);
            next = static_cast<std::uint32_t>(field.offset) + field.size;
            spec.fields.push_back(std::move(field));
        } catch (ParseFailure& f) {
            f.error.message = in + f.error.message;
            throw;
        }
    }
    return spec;
}

Json parseDocument(std::string_view text) {
    const std::size_t first = text.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
        if (!wire::isValidUtf8(text)) fail(SchemaErrc::BadDocument, "", "", "the document is not valid UTF-8");
        try {
            return Json::parse(text);
        } catch (const Json::exception& e) {
            fail(SchemaErrc::BadDocument, "", "", std::string{"not valid JSON: "} + e.what());
        }
    }
    try {
        return yamlToJson(YAML::Load(std::string{text}));
    } catch (const YAML::Exception& e) {
        fail(SchemaErrc::BadDocument, "", "", std::string{"not valid YAML: "} + e.what());
    }
}

} // namespace

std::string_view schemaErrorName(SchemaErrc code) noexcept {
    switch (code) {
    case SchemaErrc::BadDocument: return "bad_document";
    case SchemaErrc::Io: return "io";
    case SchemaErrc::MissingKey: return "missing_key";
    case SchemaErrc::UnknownKey: return "unknown_key";
    case SchemaErrc::BadValue: return "bad_value";
    case SchemaErrc::UnknownFieldType: return "unknown_field_type";
    case SchemaErrc::BadFieldName: return "bad_field_name";
    case SchemaErrc::FieldInHeader: return "field_in_header";
    case SchemaErrc::FieldOverlap: return "field_overlap";
    case SchemaErrc::FieldGap: return "field_gap";
    case SchemaErrc::FieldPastSize: return "field_past_size";
    case SchemaErrc::TooLarge: return "too_large";
    case SchemaErrc::BadTlvFields: return "bad_tlv_fields";
    case SchemaErrc::ReservedType: return "reserved_type";
    case SchemaErrc::BuiltinReplaced: return "builtin_replaced";
    case SchemaErrc::Conflict: return "conflict";
    case SchemaErrc::NameTaken: return "name_taken";
    case SchemaErrc::BadFrame: return "bad_frame";
    }
    return "unknown";
}

std::string SchemaSpec::label() const {
    return name + " (type " + std::to_string(type) + " v" + std::to_string(version) + ")";
}

ParseResult parseSchemas(std::string_view text, std::string_view origin) {
    ParseResult result;
    try {
        const Json doc = parseDocument(text);
        const Json* list = &doc;
        if (doc.is_object() && doc.contains("schemas")) {
            if (doc.size() != 1) fail(SchemaErrc::UnknownKey, "", "", "a schema file with \"schemas\" has no other top-level key");
            list = &doc["schemas"];
            if (!list->is_array()) fail(SchemaErrc::BadDocument, "", "schemas", "\"schemas\" must be a list");
        }
        if (list->is_array()) {
            for (const Json& item : *list) result.schemas.push_back(parseSchema(item));
        } else {
            result.schemas.push_back(parseSchema(*list));
        }
    } catch (ParseFailure& f) {
        if (!origin.empty()) f.error.message = std::string{origin} + ": " + f.error.message;
        result.schemas.clear();
        result.error = std::move(f.error);
    }
    return result;
}

ParseResult loadSchemaFile(const std::string& path) {
    std::ifstream in{path, std::ios::binary};
    if (!in) {
        ParseResult result;
        result.error = SchemaError{SchemaErrc::Io, "", "", path + ": cannot open"};
        return result;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parseSchemas(text.str(), path);
}

std::string fieldTypeName(wire::FieldKind kind, std::uint16_t size) {
    switch (kind) {
    case FieldKind::Bytes: return "bytes[" + std::to_string(size) + "]";
    case FieldKind::Text: return "text[" + std::to_string(size) + "]";
    case FieldKind::Padding: return "pad[" + std::to_string(size) + "]";
    default: break;
    }
    for (const auto& t : FIXED_TYPES) {
        if (t.kind == kind) return std::string{t.name};
    }
    return "?";
}

std::string_view tailName(wire::SizeRule rule) noexcept {
    switch (rule) {
    case wire::SizeRule::Fixed: return "none";
    case wire::SizeRule::Opaque: return "opaque";
    case wire::SizeRule::Tlv: return "tlv";
    case wire::SizeRule::Discovery: return "discovery";
    case wire::SizeRule::Levels: return "levels";
    }
    return "?";
}

std::string_view enumKindName(wire::EnumKind kind) noexcept {
    for (const auto& [k, name] : ENUM_NAMES) {
        if (k == kind) return name;
    }
    return {};
}

std::string schemaToJson(const SchemaSpec& spec) {
    Json out = Json::object();
    out["name"] = spec.name;
    out["type"] = spec.type;
    out["version"] = spec.version;
    out["domain"] = wire::domainName(spec.domain);
    if (spec.size != 0) out["size"] = spec.size;
    out["tail"] = tailName(spec.rule);
    if (!spec.cacheKey.empty()) out["cache_key"] = spec.cacheKey;
    Json fields = Json::array();
    for (const FieldSpec& f : spec.fields) {
        Json field = Json::object();
        field["name"] = f.name;
        field["type"] = fieldTypeName(f.kind, f.size);
        field["offset"] = f.offset;
        if (f.enumKind != wire::EnumKind::None) field["enum"] = enumKindName(f.enumKind);
        fields.push_back(std::move(field));
    }
    out["fields"] = std::move(fields);
    return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

} // namespace alphapulse::schema
