#pragma once
// One field <-> one JSON value, for any FieldDescriptor table: the message
// bodies, the TLV extensions and the discovery metadata all go through here.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "alphapulse/codec/encoder.hpp"
#include "alphapulse/codec/json.hpp"
#include "alphapulse/wire/field.hpp"
#include "alphapulse/wire/instrument_id.hpp"

namespace alphapulse::codec::detail {

/// Thrown inside the encoder only (a refusal can come from deep in a nested
/// value); Encoder::encode turns it into its returned error.
struct EncodeFailure {
    EncodeError error;
};
[[noreturn]] void fail(EncodeErrc code, std::string field, std::string message);

/// "a.b", or "b" when the prefix is empty.
[[nodiscard]] std::string joinPath(std::string_view prefix, std::string_view key);
[[nodiscard]] std::string indexPath(std::string_view prefix, std::size_t index);

// --- Decoding ---

[[nodiscard]] Json instrumentToJson(const wire::InstrumentId& id);
/// Adds each field, read at base + field.offset, to `out` (padding only when not zero).
void fieldsToJson(std::span<const wire::FieldDescriptor> fields, const std::uint8_t* base, Json& out);

// --- Encoding ---

/// A JSON number, a decimal string, or (for enumerated fields) a name,
/// checked against the range of `kind` (integer kinds up to 64 bits).
[[nodiscard]] std::int64_t signedFromJson(const Json& value, wire::FieldKind kind, wire::EnumKind enumKind,
                                          const std::string& path);
[[nodiscard]] std::uint64_t unsignedFromJson(const Json& value, wire::FieldKind kind, wire::EnumKind enumKind,
                                             const std::string& path);
/// Little-endian, `size` bytes of the value's two's complement.
void storeInteger(std::uint8_t* p, std::size_t size, std::uint64_t value) noexcept;

[[nodiscard]] wire::InstrumentId instrumentFromJson(const Json& value, const std::string& path);
void fieldFromJson(const wire::FieldDescriptor& field, const Json& value, std::uint8_t* base, const std::string& path);

/// Writes every key of `object` that names one of `fields` (or is the
/// `<field>_name` of an enumerated one whose number is absent). Keys for
/// which `isOtherKey` is true are left to the caller; `derived` fields are
/// computed by the caller and their values ignored; anything else is an
/// unknown_key error.
void fieldsFromJson(std::span<const wire::FieldDescriptor> fields, const Json& object, std::uint8_t* base,
                    std::string_view pathPrefix, const std::function<bool(std::string_view)>& isOtherKey,
                    std::span<const std::string_view> derived = {});

} // namespace alphapulse::codec::detail
