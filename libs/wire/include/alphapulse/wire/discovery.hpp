#pragma once
// InstrumentDiscovered and PoolDiscovered (W6): the 48-byte discovery header,
// then symbol_len bytes of UTF-8 symbol, then metadata_len bytes of metadata.
//
// Metadata is a sequence of TLV entries (tlv.hpp) of the types below, so a
// discovery message can say more in later versions without breaking older
// readers. Rules a valid message obeys (parseFrame checks them):
//  - payload_size == 16 + symbol_len + metadata_len exactly;
//  - the symbol is valid UTF-8;
//  - known metadata types have their exact length, Name is valid UTF-8;
//  - an Address maps to the message's instrument_id (token and pool ids);
//  - PoolDiscovered carries a PoolTokens entry whose token ids map to its
//    token addresses.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "alphapulse/wire/detail/define_tlv.hpp"
#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/tlv.hpp"

namespace alphapulse::wire {

enum class DiscoveryMeta : std::uint8_t {
    Address = 1,    ///< the 20-byte contract address of a token or pool
    Name = 2,       ///< full name, UTF-8 ("USD Coin"), up to 255 bytes
    ChainId = 3,    ///< EVM chain id, u64
    PoolTokens = 4, ///< the pool's token pair and fee tier
};

#define ALPHAPULSE_META_ADDRESS(X) X(address, ft::bytes<20>)
ALPHAPULSE_DEFINE_TLV(AddressMeta, DiscoveryMeta, Address, ALPHAPULSE_META_ADDRESS)

#define ALPHAPULSE_META_CHAIN_ID(X) X(chain_id, ft::u64)
ALPHAPULSE_DEFINE_TLV(ChainIdMeta, DiscoveryMeta, ChainId, ALPHAPULSE_META_CHAIN_ID)

/// fee_tier in hundredths of a basis point, as Uniswap V3 writes it (3000 = 0.3%).
#define ALPHAPULSE_META_POOL_TOKENS(X) \
    X(token0_id, ft::instrument)       \
    X(token1_id, ft::instrument)       \
    X(token0_address, ft::bytes<20>)   \
    X(token1_address, ft::bytes<20>)   \
    X(fee_tier, ft::u32)
ALPHAPULSE_DEFINE_TLV(PoolTokensMeta, DiscoveryMeta, PoolTokens, ALPHAPULSE_META_POOL_TOKENS)

static_assert(PoolTokensMetaLayout::LENGTH == 68);

/// Metadata layouts with a fixed length (Name is variable and not listed).
[[nodiscard]] const TlvLayout* findDiscoveryMetaLayout(std::uint8_t type) noexcept;
[[nodiscard]] std::span<const TlvLayout* const> allDiscoveryMetaLayouts() noexcept;

/// A discovery message read in place. Build it with parse() (or of() for a
/// frame that parseFrame already accepted).
class DiscoveryView {
public:
    DiscoveryView() = default;
    [[nodiscard]] static Expected<DiscoveryView> parse(const std::uint8_t* data, std::size_t available,
                                                       bool verifyChecksum = true,
                                                       std::uint32_t maxPayload = header::DEFAULT_MAX_PAYLOAD) noexcept;
    [[nodiscard]] static DiscoveryView of(const FrameView& frame) noexcept { return DiscoveryView{frame}; }

    [[nodiscard]] const FrameView& frame() const noexcept { return m_frame; }
    [[nodiscard]] bool isPool() const noexcept {
        return m_frame.messageType() == static_cast<std::uint8_t>(MessageType::PoolDiscovered);
    }
    [[nodiscard]] InstrumentId instrumentId() const noexcept {
        return InstrumentId::read(m_frame.data() + InstrumentDiscoveredLayout::OFFSET_instrument_id);
    }
    [[nodiscard]] std::uint8_t decimals() const noexcept {
        return m_frame.data()[InstrumentDiscoveredLayout::OFFSET_decimals];
    }
    [[nodiscard]] std::string_view symbol() const noexcept;
    [[nodiscard]] const std::uint8_t* metadata() const noexcept;
    [[nodiscard]] std::size_t metadataLen() const noexcept;
    [[nodiscard]] TlvReader metadataEntries() const noexcept { return TlvReader{metadata(), metadataLen()}; }

    [[nodiscard]] std::optional<EvmAddress> address() const noexcept;
    [[nodiscard]] std::string_view name() const noexcept;
    [[nodiscard]] std::optional<std::uint64_t> chainId() const noexcept;
    [[nodiscard]] std::optional<PoolTokensMetaView> poolTokens() const noexcept;

private:
    explicit DiscoveryView(const FrameView& frame) noexcept : m_frame(frame) {}
    FrameView m_frame;
};

/// What a collector knows about an instrument, for building a discovery frame.
struct DiscoveryInfo {
    InstrumentId id;
    std::uint8_t decimals = 0;
    std::string_view symbol;
    std::optional<EvmAddress> address;
    std::string_view name;
    std::optional<std::uint64_t> chainId;
    struct Pool {
        InstrumentId token0;
        InstrumentId token1;
        EvmAddress token0Address{};
        EvmAddress token1Address{};
        std::uint32_t feeTier = 0;
    };
    std::optional<Pool> pool; ///< set for PoolDiscovered
};

/// Writes an InstrumentDiscovered (or, when info.pool is set, PoolDiscovered)
/// frame with its checksum into `buffer`. Refuses what a receiver would
/// refuse (invalid UTF-8, an address that does not map to the id, ...).
[[nodiscard]] Expected<std::size_t> buildDiscovery(std::uint8_t* buffer, std::size_t capacity,
                                                   const DiscoveryInfo& info, std::uint8_t source,
                                                   std::uint64_t sequence, std::uint64_t timestamp) noexcept;

/// The discovery content rules (see above) for a frame already delimited.
[[nodiscard]] WireError validateDiscovery(const std::uint8_t* frame, std::size_t frameLen) noexcept;

} // namespace alphapulse::wire
