#pragma once
// The error_code values a relay puts in the Error frames it sends to a client.
// One header for both sides: the relay that sends them and the tools that
// explain them to a user (publish exits non-zero naming the code).
#include <cstdint>
#include <string_view>

namespace alphapulse::wire {

enum class RelayError : std::uint16_t {
    BadSequence = 1,  ///< a frame's sequence did not follow its source's last one; the frame was rejected
    SlowConsumer = 2, ///< the client read too slowly; frames for it were dropped or it is disconnected
    NotAllowed = 3,   ///< the client may not produce this type on this relay
    OutOfDomain = 4,  ///< the type does not belong to the relay's domain
    BadChecksum = 5,  ///< the frame's checksum did not match; the frame was rejected
    NoConsumer = 6,   ///< lossless domain: the frame reached no consumer
    RelayFull = 7,    ///< max_clients reached; the relay closes the connection after this frame
};

/// Short name of a code ("no_consumer"), or empty for a number this header does not know.
[[nodiscard]] constexpr std::string_view relayErrorName(RelayError code) noexcept {
    switch (code) {
    case RelayError::BadSequence: return "bad_sequence";
    case RelayError::SlowConsumer: return "slow_consumer";
    case RelayError::NotAllowed: return "not_allowed";
    case RelayError::OutOfDomain: return "out_of_domain";
    case RelayError::BadChecksum: return "bad_checksum";
    case RelayError::NoConsumer: return "no_consumer";
    case RelayError::RelayFull: return "relay_full";
    }
    return {};
}

/// Same for the raw number carried in the error_code field.
[[nodiscard]] constexpr std::string_view relayErrorName(std::uint16_t code) noexcept {
    return relayErrorName(static_cast<RelayError>(code));
}

} // namespace alphapulse::wire
