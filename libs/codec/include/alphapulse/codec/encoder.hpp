#pragma once
// JSON to frames: the inverse of the decoder, byte-exact on its output
// (encode(decode(frame)) == frame for every valid frame), and strict on
// anything else: every refusal names the reason and the field.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alphapulse/codec/json.hpp"
#include "alphapulse/wire/header.hpp"

namespace alphapulse::codec {

enum class EncodeErrc : std::uint8_t {
    BadJson,            ///< not JSON, or not an object
    MissingField,       ///< a required key is absent (header, header.message_type)
    UnknownKey,         ///< a key that is no field of this message
    WrongType,          ///< e.g. a string where an object is needed
    ValueOutOfRange,    ///< a number that does not fit its field (or is not an integer)
    BadHex,             ///< not "0x" + hex digits
    WrongLength,        ///< well-formed hex of the wrong number of bytes
    InvalidUtf8,
    TextTooLong,
    UnknownName,        ///< an enumeration, venue or type name that is not defined
    UnknownMessageType,
    UnknownVersion,
    InvalidInstrumentId,///< an instrument id given as text that does not parse
    InvalidFrame,       ///< the frame would be refused by a receiver (e.g. id_mismatch in discovery)
};

/// Stable snake_case name ("unknown_key").
[[nodiscard]] std::string_view encodeErrorName(EncodeErrc code) noexcept;

struct EncodeError {
    EncodeErrc code = EncodeErrc::BadJson;
    std::string field;   ///< path of the field: "price", "header.version", "tlv[1].fee_c_ppm"; may be empty
    std::string message; ///< for people

    [[nodiscard]] std::string_view reason() const noexcept { return encodeErrorName(code); }
};

struct EncodeOptions {
    LayoutResolver resolver = builtinLayouts();
    /// Frames whose payload would exceed this are refused (receivers would refuse them: W2).
    std::uint32_t maxPayload = wire::header::DEFAULT_MAX_PAYLOAD;
    /// Timestamp for objects without header.timestamp, ns since the Unix epoch; the system clock when empty.
    std::function<std::uint64_t()> clock;
};

/// Stateful only in the sequence numbers it fills in: one per run.
class Encoder {
public:
    explicit Encoder(EncodeOptions options = {}) : m_options(std::move(options)) {}

    /// Appends the frame for `object` to `out`, checksum included. On error
    /// `out` is left as it was and the error is returned.
    [[nodiscard]] std::optional<EncodeError> encode(const Json& object, std::vector<std::uint8_t>& out);

private:
    EncodeOptions m_options;
    std::uint64_t m_nextSequence = 1; ///< for objects without header.sequence
};

/// Parses one JSON line. Unlike a plain parse, invalid UTF-8 is reported as
/// invalid_utf8 naming the field whose string holds it.
[[nodiscard]] std::optional<EncodeError> parseJsonLine(std::string_view line, Json& out);

} // namespace alphapulse::codec
