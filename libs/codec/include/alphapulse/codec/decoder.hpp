#pragma once
// Frames to JSON, in the shape of docs/design/json-lines.md.
//
// Generic: the fields come from the layout's FieldDescriptor table, the
// variable part from its SizeRule, so a layout registered at run time
// decodes without code of its own. Not for the hot path (it allocates the
// JSON tree), but it reads each byte once and validates before building.
#include <cstddef>
#include <cstdint>

#include "alphapulse/codec/json.hpp"
#include "alphapulse/wire/error.hpp"
#include "alphapulse/wire/header.hpp"
#include "alphapulse/wire/layout.hpp"

namespace alphapulse::codec {

struct DecodeOptions {
    bool verifyChecksum = true;
    std::uint32_t maxPayload = wire::header::DEFAULT_MAX_PAYLOAD;
    LayoutResolver resolver = builtinLayouts();
};

struct DecodeError {
    wire::WireError error = wire::WireError::Ok;
    std::size_t offset = 0; ///< byte offset of the refused frame in the input
};

struct DecodeResult {
    Json json;                    ///< the frame as JSON when ok()
    std::size_t frameLength = 0;  ///< the frame's length whenever it is delimited (also after a content
                                  ///< error such as bad_checksum, so a reader can skip it); 0 after a framing error
    DecodeError error;

    [[nodiscard]] bool ok() const noexcept { return error.error == wire::WireError::Ok; }
};

class Decoder {
public:
    explicit Decoder(DecodeOptions options = {}) : m_options(std::move(options)) {}

    /// Validates and decodes the frame at the start of `data` (`available`
    /// readable bytes; bytes after the frame are left alone). Framing errors
    /// (truncated, bad_magic, payload_too_large) leave frameLength 0.
    /// `streamOffset` is where `data` sits in the input, reported in errors.
    [[nodiscard]] DecodeResult decode(const std::uint8_t* data, std::size_t available,
                                      std::size_t streamOffset = 0) const;

    [[nodiscard]] const DecodeOptions& options() const noexcept { return m_options; }

private:
    DecodeOptions m_options;
};

/// The JSON of a frame already validated against `layout` (parseFrame or
/// Decoder::decode did it): no checks are repeated.
[[nodiscard]] Json frameToJson(const wire::MessageLayout& layout, const std::uint8_t* frame, std::size_t frameLen);

} // namespace alphapulse::codec
