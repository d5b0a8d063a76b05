#pragma once
// The document's standard TLV extensions, with W1's computed sizes:
// PoolAddressTLV 44 (length 42), TertiaryVenueTLV 32 (length 30),
// MEVBundleTLV 45 (length 43). Offsets count from the entry's type byte.
#include "alphapulse/wire/detail/define_tlv.hpp"
#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/tlv.hpp"

namespace alphapulse::wire {

#define ALPHAPULSE_POOL_ADDRESS_TLV(X) \
    X(venue_a_pool, ft::bytes<20>)     \
    X(venue_b_pool, ft::bytes<20>)     \
    X(reserved, ft::pad<2>)
ALPHAPULSE_DEFINE_TLV(PoolAddressTlv, TlvType, PoolAddresses, ALPHAPULSE_POOL_ADDRESS_TLV)

#define ALPHAPULSE_TERTIARY_VENUE_TLV(X) \
    X(venue_c_router, ft::bytes<20>)     \
    X(venue_c_type, ft::u8)              \
    X(fee_c_ppm, ft::u32)                \
    X(reserved, ft::pad<5>)
ALPHAPULSE_DEFINE_TLV(TertiaryVenueTlv, TlvType, TertiaryVenue, ALPHAPULSE_TERTIARY_VENUE_TLV)

#define ALPHAPULSE_MEV_BUNDLE_TLV(X)   \
    X(target_builder, ft::u32)         \
    X(bundle_uuid, ft::u32)            \
    X(max_bundle_size, ft::u8)         \
    X(priority_fee_gwei, ft::u64)      \
    X(target_block_range, ft::u8)      \
    X(submission_strategy, ft::u8)     \
    X(relay_preferences, ft::u64)      \
    X(reserved, ft::pad<16>)
ALPHAPULSE_DEFINE_TLV(MEVBundleTlv, TlvType, MEVBundle, ALPHAPULSE_MEV_BUNDLE_TLV)

static_assert(PoolAddressTlvLayout::SIZE == 44 && PoolAddressTlvLayout::LENGTH == 42,
              "PoolAddressTLV is 44 bytes, length byte 42 (W1)");
static_assert(TertiaryVenueTlvLayout::SIZE == 32 && TertiaryVenueTlvLayout::LENGTH == 30,
              "TertiaryVenueTLV is 32 bytes, length byte 30 (W1)");
static_assert(MEVBundleTlvLayout::SIZE == 45 && MEVBundleTlvLayout::LENGTH == 43,
              "MEVBundleTLV is 45 bytes, length byte 43 (W1)");

/// The extensions after a DeFiSignal's 312 fixed bytes (tlv_offset is 312,
/// tlv_length bytes; parse() already checked both).
[[nodiscard]] inline TlvReader extensionsOf(const DeFiSignalView& signal) noexcept {
    return TlvReader{signal.data() + DeFiSignalLayout::SIZE, signal.size() - DeFiSignalLayout::SIZE};
}

/// Completes a DeFiSignal whose extensions the caller wrote at builder.tail()
/// (for instance with a TlvWriter): sets tlv_offset and tlv_length, payload_size
/// and the checksum. Returns the frame length.
[[nodiscard]] inline Expected<std::size_t> finishDeFiSignal(DeFiSignalBuilder& builder, std::size_t tlvBytes) noexcept {
    if (tlvBytes > 0xFFFF) return WireError::ValueOutOfRange;
    builder.tlv_offset(static_cast<std::uint16_t>(DeFiSignalLayout::SIZE));
    builder.tlv_length(static_cast<std::uint16_t>(tlvBytes));
    return builder.finishWithTail(tlvBytes);
}

} // namespace alphapulse::wire
