#pragma once
// Schemas described declaratively: what a schema file (YAML or JSON, see
// docs/design/schema.md) or a SchemaDefinition frame (type 105) holds,
// before the registry turns it into a wire::MessageLayout.
//
// Parsing checks the document's shape (keys, value types, ranges, field type
// names) and fills in offsets left out (each field then starts where the
// previous one ends). Whether the fields form a valid layout (no overlap, no
// gap, nothing past the size, nothing in the header, a free type number) is
// the registry's check, because it depends on what is registered already.
// Setup code: allocates, never on the hot path.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alphapulse/wire/field.hpp"
#include "alphapulse/wire/layout.hpp"
#include "alphapulse/wire/message_type.hpp"

namespace alphapulse::schema {

enum class SchemaErrc : std::uint8_t {
    BadDocument,       ///< not YAML/JSON, or not the shape of a schema file
    Io,                ///< a file that cannot be read
    MissingKey,        ///< a required key (name, type, fields, a field's name or type) is absent
    UnknownKey,        ///< a key the format does not define
    BadValue,          ///< a value of the wrong kind or out of range
    UnknownFieldType,  ///< a field type that is not one of the wire field types
    BadFieldName,      ///< empty, not an identifier, duplicated, or clashing with a JSON key
    FieldInHeader,     ///< a field starting before byte 32 (the header's)
    FieldOverlap,      ///< a field starting before the previous one ends
    FieldGap,          ///< bytes between two fields, or after the last one (W1: declare padding)
    FieldPastSize,     ///< a field running past the declared size
    TooLarge,          ///< the fixed part does not fit in 65535 bytes
    BadTlvFields,      ///< a tail without the two fields its size rule reads (tlv_offset/tlv_length, ...)
    ReservedType,      ///< a type number that is neither custom (200-255) nor a built-in type
    BuiltinReplaced,   ///< a built-in (type, version) with another layout: add a version instead
    Conflict,          ///< (type, version) already registered with another layout
    NameTaken,         ///< the name belongs to another message type
    BadFrame,          ///< a SchemaDefinition frame that is not valid, or disagrees with its JSON
};

/// Stable snake_case name ("field_overlap"), for logs and JSON.
[[nodiscard]] std::string_view schemaErrorName(SchemaErrc code) noexcept;

struct SchemaError {
    SchemaErrc code = SchemaErrc::BadDocument;
    std::string schema;  ///< "VolumeBar (type 201 v1)", or empty when not known yet
    std::string field;   ///< the field concerned ("vwap"), or the key ("fields[2].type"); may be empty
    std::string message; ///< for people, complete: names the schema and the field

    [[nodiscard]] std::string_view reason() const noexcept { return schemaErrorName(code); }
};

struct FieldSpec {
    std::string name;
    wire::FieldKind kind = wire::FieldKind::U8;
    std::uint16_t size = 0;   ///< bytes
    std::uint16_t offset = 0; ///< from the start of the frame (header at 0..31)
    wire::EnumKind enumKind = wire::EnumKind::None;
};

struct SchemaSpec {
    std::string name;
    std::uint8_t type = 0;
    std::uint8_t version = 1;
    wire::Domain domain = wire::Domain::Custom;
    /// What follows the fixed part ("tail" in the file): nothing (Fixed), an
    /// opaque tail of any length (Opaque; `variable: true`), TLV extensions
    /// (Tlv, W5; `tlv: true`). Discovery and Levels describe the built-in
    /// layouts only and are refused for new schemas.
    wire::SizeRule rule = wire::SizeRule::Fixed;
    std::uint16_t size = 0; ///< the fixed part, header included; 0 = where the last field ends
    std::vector<FieldSpec> fields;
    /// Name of an InstrumentId field: frames of this schema are kept in the
    /// object cache as custom objects keyed by it. Empty: not cached.
    std::string cacheKey;

    /// "VolumeBar (type 201 v1)"
    [[nodiscard]] std::string label() const;
};

/// The outcome of parsing: the schemas, or the first error.
struct ParseResult {
    std::vector<SchemaSpec> schemas;
    std::optional<SchemaError> error;
    explicit operator bool() const noexcept { return !error; }
};

/// Parses a schema document: YAML, or JSON (a document starting with '{' or
/// '['). It holds one schema, a list of schemas, or {"schemas": [...]}.
/// `origin` (a file name) prefixes error messages.
[[nodiscard]] ParseResult parseSchemas(std::string_view text, std::string_view origin = {});
/// Reads and parses a file.
[[nodiscard]] ParseResult loadSchemaFile(const std::string& path);

/// The canonical JSON of one schema (every offset and the size explicit),
/// as a SchemaDefinition frame carries it; parseSchemas reads it back.
[[nodiscard]] std::string schemaToJson(const SchemaSpec& spec);

/// "u32", "InstrumentId", "bytes[20]", "text[16]", "pad[3]".
[[nodiscard]] std::string fieldTypeName(wire::FieldKind kind, std::uint16_t size);
/// "none", "opaque", "tlv", "discovery", "levels".
[[nodiscard]] std::string_view tailName(wire::SizeRule rule) noexcept;
/// "Side", "VenueId", ..., empty for None.
[[nodiscard]] std::string_view enumKindName(wire::EnumKind kind) noexcept;

} // namespace alphapulse::schema
