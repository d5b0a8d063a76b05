#pragma once
// Venues and asset types (W4: not listed by the design document, so ours).
//
// Venue numbers live in ranges by kind, so a number tells what it is even
// to a reader that does not know the venue:
//     1-99   stock exchanges          100-199  crypto exchanges (CEX)
//   200-299  brokers                  300-399  EVM chains (token ids)
//   400-499  DEXes (pool ids)         500+     unassigned
// Numbers are never reused; new venues take the next free number of their range.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace alphapulse::wire {

enum class VenueId : std::uint16_t {
    // Stock exchanges.
    NASDAQ = 1,
    NYSE = 2,
    NYSEAmerican = 3,
    NYSEArca = 4,
    CboeBZX = 5,
    IEX = 6,
    // Crypto exchanges.
    Binance = 100,
    BinanceFutures = 101,
    Kraken = 102,
    Coinbase = 103,
    OKX = 104,
    Bybit = 105,
    Bitfinex = 106,
    // Brokers.
    Alpaca = 200,
    InteractiveBrokers = 201,
    // EVM chains: a token's venue is its chain.
    Ethereum = 300,
    Polygon = 301,
    Optimism = 302,
    Base = 303,
    Arbitrum = 304,
    BSC = 305,
    Avalanche = 306,
    Gnosis = 307,
    Fantom = 308,
    Celo = 309,
    Unichain = 310,
    Blast = 311,
    Linea = 312,
    Scroll = 313,
    ZkSync = 314,
    // DEXes: a pool's venue is its exchange.
    UniswapV2 = 400,
    UniswapV3 = 401,
    SushiSwap = 402,
    Curve = 403,
    Balancer = 404,
    QuickSwap = 405,
    PancakeSwap = 406,
    UniswapV4 = 407,
};

enum class VenueKind : std::uint8_t { StockExchange, CryptoExchange, Broker, Chain, Dex };

struct VenueInfo {
    VenueId id;
    std::string_view name;  ///< one word, used in ids' text and on the command line
    VenueKind kind;
    std::uint64_t chainId;  ///< EVM chain id for Chain venues, else 0
};

/// Every defined venue, in number order.
[[nodiscard]] std::span<const VenueInfo> allVenues() noexcept;
[[nodiscard]] const VenueInfo* findVenue(std::uint16_t venue) noexcept;
/// Case-insensitive ("nasdaq", "UNISWAPV3").
[[nodiscard]] const VenueInfo* findVenueByName(std::string_view name) noexcept;
/// The Chain venue of an EVM chain id (1 -> Ethereum), or nullptr.
[[nodiscard]] const VenueInfo* findVenueByChainId(std::uint64_t chainId) noexcept;
[[nodiscard]] std::string_view venueKindName(VenueKind kind) noexcept;

/// What asset_id holds follows from the asset type:
///  - symbol types (Stock, Pair, Future, Option, Etf, Index): the symbol,
///    1-8 bytes of printable ASCII packed big-endian and zero-filled;
///  - the same with bit 7 set (PACKED_SYMBOL): a 9-10 character symbol in
///    the 6-bit alphabet (see instrument_id.hpp);
///  - Token and Pool: the last 8 bytes of the contract address, big-endian.
enum class AssetType : std::uint8_t {
    Stock = 1,
    Token = 2,
    Pool = 3,
    Pair = 4,    ///< a spot market on an exchange (BTCUSDT, BAND-GBP)
    Future = 5,  ///< futures and perpetual swaps
    Option = 6,
    Etf = 7,
    Index = 8,
};

inline constexpr std::uint8_t PACKED_SYMBOL = 0x80;

/// "Stock", "Token", ...; a packed-symbol type has the same name.
[[nodiscard]] std::string_view assetTypeName(std::uint8_t assetType) noexcept;
[[nodiscard]] std::optional<AssetType> assetTypeFromName(std::string_view name) noexcept;
/// True for the types whose asset_id holds a symbol (either packing).
[[nodiscard]] bool isSymbolAssetType(std::uint8_t assetType) noexcept;

} // namespace alphapulse::wire
