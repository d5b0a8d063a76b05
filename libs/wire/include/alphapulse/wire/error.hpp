#pragma once
// Why a frame, an extension or an identifier was refused.
//
// Every rejection has its own named reason so that tools, logs and counters
// can tell a desynchronised stream (BadMagic) from a corrupted frame
// (BadChecksum) from a sender speaking a newer protocol (UnknownVersion).
// The hot path returns these codes; nothing here throws.
#include <cstdint>
#include <string_view>

namespace alphapulse::wire {

enum class WireError : std::uint8_t {
    Ok = 0,
    // Framing: the stream cannot be trusted past this frame.
    Truncated,          ///< fewer bytes than the header or payload_size announce
    BadMagic,           ///< magic is not 0xDEADBEEF (stream desynchronised)
    PayloadTooLarge,    ///< payload_size beyond the receiver's maximum
    // The frame is delimited correctly but its content is refused.
    BadChecksum,        ///< CRC-32 (W3) does not match
    UnknownType,        ///< message_type has no layout here
    UnknownVersion,     ///< the type is known but not this version
    WrongType,          ///< a typed view was asked for a frame of another type
    BadSize,            ///< payload_size disagrees with the layout of the type
    BadTlv,             ///< TLV extension truncated, overlapping or misplaced
    InvalidUtf8,        ///< a text field is not valid UTF-8
    BadLength,          ///< a length field disagrees with the bytes present
    // Identifiers.
    InvalidSymbol,      ///< symbol empty, too long, or with bytes it cannot hold
    InvalidAddress,     ///< not 0x + 40 hex digits, or a failed EIP-55 check
    UnknownVenue,       ///< venue number or name not defined
    WrongVenueKind,     ///< e.g. a token on a venue that is not a chain
    UnknownAssetType,   ///< asset type not defined
    NoVenueForChain,    ///< an EVM chain id that has no venue
    NonCanonicalId,     ///< bytes that no constructor produces (reserved set, bad packing)
    IdMismatch,         ///< a full address that does not map to the given InstrumentId
    // Builders.
    BufferTooSmall,     ///< the caller's buffer cannot hold the frame
    ValueOutOfRange,    ///< a value that does not fit its field
};

/// Stable snake_case name ("bad_magic"), for logs, JSON and metrics labels.
[[nodiscard]] std::string_view errorName(WireError error) noexcept;

/// One sentence for people ("magic is not 0xDEADBEEF").
[[nodiscard]] std::string_view errorMessage(WireError error) noexcept;

/// True for errors after which a byte stream cannot be resynchronised:
/// the frame boundary itself is in doubt (R1: close that connection).
[[nodiscard]] constexpr bool isFramingError(WireError error) noexcept {
    return error == WireError::Truncated || error == WireError::BadMagic ||
           error == WireError::PayloadTooLarge;
}

/// A value or the reason there is none. Small and exception-free, for the
/// hot path (std::expected is C++23 and not in every toolchain we build with).
template <typename T>
class Expected {
public:
    constexpr Expected(T value) noexcept : m_value(value), m_error(WireError::Ok) {} // NOLINT
    constexpr Expected(WireError error) noexcept : m_value{}, m_error(error) {}      // NOLINT

    [[nodiscard]] constexpr bool ok() const noexcept { return m_error == WireError::Ok; }
    constexpr explicit operator bool() const noexcept { return ok(); }
    [[nodiscard]] constexpr WireError error() const noexcept { return m_error; }
    [[nodiscard]] constexpr const T& value() const noexcept { return m_value; }
    [[nodiscard]] constexpr const T& operator*() const noexcept { return m_value; }
    [[nodiscard]] constexpr const T* operator->() const noexcept { return &m_value; }

private:
    T m_value;
    WireError m_error;
};

} // namespace alphapulse::wire
