#include "alphapulse/codec/encoder.hpp"

namespace alphapulse::codec {

std::string_view encodeErrorName(EncodeErrc code) noexcept {
    switch (code) {
    case EncodeErrc::BadJson: return "bad_json";
    case EncodeErrc::MissingField: return "missing_field";
    case EncodeErrc::UnknownKey: return "unknown_key";
    case EncodeErrc::WrongType: return "wrong_type";
    case EncodeErrc::ValueOutOfRange: return "value_out_of_range";
    case EncodeErrc::BadHex: return "bad_hex";
    case EncodeErrc::WrongLength: return "wrong_length";
    case EncodeErrc::InvalidUtf8: return "invalid_utf8";
    case EncodeErrc::TextTooLong: return "text_too_long";
    case EncodeErrc::UnknownName: return "unknown_name";
    case EncodeErrc::UnknownMessageType: return "unknown_message_type";
    case EncodeErrc::UnknownVersion: return "unknown_version";
    case EncodeErrc::InvalidInstrumentId: return "invalid_instrument_id";
    case EncodeErrc::InvalidFrame: return "invalid_frame";
    }
    return "unknown_error";
}

} // namespace alphapulse::codec
