#include "alphapulse/wire/error.hpp"

namespace alphapulse::wire {

std::string_view errorName(WireError error) noexcept {
    switch (error) {
    case WireError::Ok: return "ok";
    case WireError::Truncated: return "truncated";
    case WireError::BadMagic: return "bad_magic";
    case WireError::PayloadTooLarge: return "payload_too_large";
    case WireError::BadChecksum: return "bad_checksum";
    case WireError::UnknownType: return "unknown_type";
    case WireError::UnknownVersion: return "unknown_version";
    case WireError::WrongType: return "wrong_type";
    case WireError::BadSize: return "bad_size";
    case WireError::BadTlv: return "bad_tlv";
    case WireError::InvalidUtf8: return "invalid_utf8";
    case WireError::BadLength: return "bad_length";
    case WireError::InvalidSymbol: return "invalid_symbol";
    case WireError::InvalidAddress: return "invalid_address";
    case WireError::UnknownVenue: return "unknown_venue";
    case WireError::WrongVenueKind: return "wrong_venue_kind";
    case WireError::UnknownAssetType: return "unknown_asset_type";
    case WireError::NoVenueForChain: return "no_venue_for_chain";
    case WireError::NonCanonicalId: return "non_canonical_id";
    case WireError::IdMismatch: return "id_mismatch";
    case WireError::BufferTooSmall: return "buffer_too_small";
    case WireError::ValueOutOfRange: return "value_out_of_range";
    }
    return "unknown_error";
}

std::string_view errorMessage(WireError error) noexcept {
    switch (error) {
    case WireError::Ok: return "no error";
    case WireError::Truncated: return "fewer bytes than the header or payload_size announce";
    case WireError::BadMagic: return "magic is not 0xDEADBEEF: the stream is not at a frame boundary";
    case WireError::PayloadTooLarge: return "payload_size exceeds the configured maximum";
    case WireError::BadChecksum: return "CRC-32 over header bytes 0..27 and the payload does not match";
    case WireError::UnknownType: return "message_type has no known layout";
    case WireError::UnknownVersion: return "message version is not known for this type";
    case WireError::WrongType: return "frame is of another message type than the view asked for";
    case WireError::BadSize: return "payload_size does not match the layout of this message type";
    case WireError::BadTlv: return "TLV extension is truncated, overlapping or misplaced";
    case WireError::InvalidUtf8: return "text is not valid UTF-8";
    case WireError::BadLength: return "a length field disagrees with the bytes present";
    case WireError::InvalidSymbol: return "symbol is empty, too long, or has characters it cannot encode exactly";
    case WireError::InvalidAddress: return "address is not 0x followed by 40 hex digits with a valid EIP-55 checksum";
    case WireError::UnknownVenue: return "venue is not defined";
    case WireError::WrongVenueKind: return "venue is of the wrong kind (tokens need a chain, pools a DEX, symbols an exchange or broker)";
    case WireError::UnknownAssetType: return "asset type is not defined";
    case WireError::NoVenueForChain: return "this EVM chain has no venue";
    case WireError::NonCanonicalId: return "instrument id bytes that no constructor produces";
    case WireError::IdMismatch: return "address does not map to the instrument id it travels with";
    case WireError::BufferTooSmall: return "buffer too small for the frame";
    case WireError::ValueOutOfRange: return "value does not fit its field";
    }
    return "unknown error";
}

} // namespace alphapulse::wire
