#pragma once
// TLV sequences <-> JSON arrays: the DeFiSignal extensions and the
// discovery metadata share the entry format (W5), and differ only in which
// types they know.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "alphapulse/codec/json.hpp"

namespace alphapulse::codec::detail {

enum class TlvFlavor : std::uint8_t {
    Extension,     ///< after a DeFiSignal: PoolAddresses, TertiaryVenue, MEVBundle
    DiscoveryMeta, ///< discovery metadata: Address, Name, ChainId, PoolTokens
};

/// The entries of an already validated TLV region, in wire order.
[[nodiscard]] Json tlvToJson(const std::uint8_t* data, std::size_t len, TlvFlavor flavor);

/// Appends the entries of `array` (path names it in errors) to `out`.
void tlvFromJson(const Json& array, std::string_view path, TlvFlavor flavor, std::vector<std::uint8_t>& out);

} // namespace alphapulse::codec::detail
