#pragma once
// InstrumentId: 12 bytes that name an instrument and decode back to it (W4).
//
//   0       2       3       4                               12
//   +-------+-------+-------+-------------------------------+
//   | venue |asset_ | rsvd  |           asset_id            |
//   |  u16  |type u8|  u8=0 |              u64              |
//   +-------+-------+-------+-------------------------------+
//
// The identity is all 12 bytes. Every constructor is reversible, and every
// input it cannot represent exactly is refused, never truncated:
//  - symbols of 1-8 printable ASCII bytes: packed big-endian, zero-filled;
//  - symbols of 9-10 characters from the 6-bit alphabet SYMBOL_ALPHABET:
//    asset type | PACKED_SYMBOL, first character in bits 59..54, codes 1-47,
//    0 fills the rest, bits 63..60 zero; a symbol that fits in 8 bytes is
//    always packed as ASCII, so each symbol has exactly one id;
//  - EVM tokens and pools: the last 8 bytes of the 20-byte contract address,
//    big-endian (the first 8 collide on real chains: W4).
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "alphapulse/wire/endian.hpp"
#include "alphapulse/wire/error.hpp"
#include "alphapulse/wire/venue.hpp"

namespace alphapulse::wire {

using EvmAddress = std::array<std::uint8_t, 20>;

/// Characters of the 6-bit packing, code = index + 1 (0 fills).
inline constexpr std::string_view SYMBOL_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-./_:$+=@#&";
inline constexpr std::size_t MAX_ASCII_SYMBOL = 8;
inline constexpr std::size_t MAX_PACKED_SYMBOL = 10;

struct InstrumentId {
    std::uint16_t venue = 0;
    std::uint8_t assetType = 0;
    std::uint8_t reserved = 0;
    std::uint64_t assetId = 0;

    static constexpr std::size_t SIZE = 12;

    [[nodiscard]] static InstrumentId read(const std::uint8_t* p) noexcept {
        return InstrumentId{loadLe<std::uint16_t>(p), p[2], p[3], loadLe<std::uint64_t>(p + 4)};
    }
    void write(std::uint8_t* p) const noexcept {
        storeLe<std::uint16_t>(p, venue);
        p[2] = assetType;
        p[3] = reserved;
        storeLe<std::uint64_t>(p + 4, assetId);
    }

    // --- Constructors: each refuses what it cannot represent exactly. ---

    /// A listed stock ("NASDAQ", "AAPL"). The venue must be an exchange or broker.
    [[nodiscard]] static Expected<InstrumentId> stock(VenueId venue, std::string_view symbol) noexcept;
    /// Any symbol-keyed instrument: Stock, Pair, Future, Option, Etf, Index.
    [[nodiscard]] static Expected<InstrumentId> symbol(VenueId venue, AssetType type,
                                                       std::string_view symbol) noexcept;
    /// An ERC-20 token: `venue` is its chain ("0x" + 40 hex digits, EIP-55 checked when mixed case).
    [[nodiscard]] static Expected<InstrumentId> token(VenueId chain, std::string_view address) noexcept;
    /// The same, with the chain given by its EVM chain id (1, 137, ...).
    [[nodiscard]] static Expected<InstrumentId> tokenOnChain(std::uint64_t chainId,
                                                             std::string_view address) noexcept;
    /// A DEX pool, from the pool's own contract address.
    [[nodiscard]] static Expected<InstrumentId> pool(VenueId dex, std::string_view address) noexcept;
    /// Token or pool id from an address already parsed.
    [[nodiscard]] static Expected<InstrumentId> fromAddress(VenueId venue, AssetType type,
                                                            const EvmAddress& address) noexcept;
    /// The inverse of text(): "NASDAQ Stock AAPL", "Ethereum Token 0x2e9eb0ce3606eb48".
    [[nodiscard]] static Expected<InstrumentId> fromText(std::string_view text) noexcept;

    // --- Inspection. ---

    /// Ok when some constructor produces exactly these bytes: known venue of
    /// the right kind, known asset type, reserved zero, canonical asset_id.
    [[nodiscard]] WireError validate() const noexcept;
    /// The symbol of a symbol-keyed id (empty for tokens, pools and invalid ids).
    [[nodiscard]] std::string symbolText() const;
    /// "NASDAQ Stock AAPL"; for ids that do not validate,
    /// "Unknown venue=N asset_type=N asset_id=0x...".
    [[nodiscard]] std::string text() const;

    /// The design document's u64 key (venue << 48 | asset_type << 40 |
    /// asset_id), checked: refused when asset_id needs more than 40 bits or
    /// reserved is set, because that key would lose information (W4).
    [[nodiscard]] Expected<std::uint64_t> compactKey() const noexcept;
    [[nodiscard]] static InstrumentId fromCompactKey(std::uint64_t key) noexcept;

    friend constexpr bool operator==(const InstrumentId&, const InstrumentId&) noexcept = default;
};

struct InstrumentIdHash {
    std::size_t operator()(const InstrumentId& id) const noexcept {
        // Mix all 12 bytes; asset_id carries most of the entropy.
        std::uint64_t h = id.assetId * 0x9E3779B97F4A7C15ULL;
        h ^= (static_cast<std::uint64_t>(id.venue) << 16 | static_cast<std::uint64_t>(id.assetType) << 8 |
              id.reserved) + 0x632BE59BD9B4E019ULL + (h << 6) + (h >> 2);
        return static_cast<std::size_t>(h ^ (h >> 29));
    }
};

/// Parses "0x" + 40 hex digits. Mixed case must pass EIP-55; all-lower and
/// all-upper are accepted as unchecked.
[[nodiscard]] WireError parseEvmAddress(std::string_view text, EvmAddress& out) noexcept;
/// "0x" + EIP-55 mixed-case hex.
[[nodiscard]] std::string formatEvmAddress(const EvmAddress& address);
/// The last 8 address bytes, big-endian: the asset_id of a token or pool.
[[nodiscard]] inline std::uint64_t addressAssetId(const EvmAddress& address) noexcept {
    return loadBe64(address.data() + 12);
}

} // namespace alphapulse::wire

template <>
struct std::hash<alphapulse::wire::InstrumentId> : alphapulse::wire::InstrumentIdHash {};
