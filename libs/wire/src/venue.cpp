#include "alphapulse/wire/venue.hpp"

#include <array>

#include "alphapulse/wire/detail/text.hpp"

namespace alphapulse::wire {
namespace {

using K = VenueKind;
constexpr std::array VENUES{
    VenueInfo{VenueId::NASDAQ, "NASDAQ", K::StockExchange, 0},
    VenueInfo{VenueId::NYSE, "NYSE", K::StockExchange, 0},
    VenueInfo{VenueId::NYSEAmerican, "NYSEAmerican", K::StockExchange, 0},
    VenueInfo{VenueId::NYSEArca, "NYSEArca", K::StockExchange, 0},
    VenueInfo{VenueId::CboeBZX, "CboeBZX", K::StockExchange, 0},
    VenueInfo{VenueId::IEX, "IEX", K::StockExchange, 0},
    VenueInfo{VenueId::Binance, "Binance", K::CryptoExchange, 0},
    VenueInfo{VenueId::BinanceFutures, "BinanceFutures", K::CryptoExchange, 0},
    VenueInfo{VenueId::Kraken, "Kraken", K::CryptoExchange, 0},
    VenueInfo{VenueId::Coinbase, "Coinbase", K::CryptoExchange, 0},
    VenueInfo{VenueId::OKX, "OKX", K::CryptoExchange, 0},
    VenueInfo{VenueId::Bybit, "Bybit", K::CryptoExchange, 0},
    VenueInfo{VenueId::Bitfinex, "Bitfinex", K::CryptoExchange, 0},
    VenueInfo{VenueId::Alpaca, "Alpaca", K::Broker, 0},
    VenueInfo{VenueId::InteractiveBrokers, "InteractiveBrokers", K::Broker, 0},
    VenueInfo{VenueId::Ethereum, "Ethereum", K::Chain, 1},
    VenueInfo{VenueId::Polygon, "Polygon", K::Chain, 137},
    VenueInfo{VenueId::Optimism, "Optimism", K::Chain, 10},
    VenueInfo{VenueId::Base, "Base", K::Chain, 8453},
    VenueInfo{VenueId::Arbitrum, "Arbitrum", K::Chain, 42161},
    VenueInfo{VenueId::BSC, "BSC", K::Chain, 56},
    VenueInfo{VenueId::Avalanche, "Avalanche", K::Chain, 43114},
    VenueInfo{VenueId::Gnosis, "Gnosis", K::Chain, 100},
    VenueInfo{VenueId::Fantom, "Fantom", K::Chain, 250},
    VenueInfo{VenueId::Celo, "Celo", K::Chain, 42220},
    VenueInfo{VenueId::Unichain, "Unichain", K::Chain, 130},
    VenueInfo{VenueId::Blast, "Blast", K::Chain, 81457},
    VenueInfo{VenueId::Linea, "Linea", K::Chain, 59144},
    VenueInfo{VenueId::Scroll, "Scroll", K::Chain, 534352},
    VenueInfo{VenueId::ZkSync, "ZkSync", K::Chain, 324},
    VenueInfo{VenueId::UniswapV2, "UniswapV2", K::Dex, 0},
    VenueInfo{VenueId::UniswapV3, "UniswapV3", K::Dex, 0},
    VenueInfo{VenueId::SushiSwap, "SushiSwap", K::Dex, 0},
    VenueInfo{VenueId::Curve, "Curve", K::Dex, 0},
    VenueInfo{VenueId::Balancer, "Balancer", K::Dex, 0},
    VenueInfo{VenueId::QuickSwap, "QuickSwap", K::Dex, 0},
    VenueInfo{VenueId::PancakeSwap, "PancakeSwap", K::Dex, 0},
    VenueInfo{VenueId::UniswapV4, "UniswapV4", K::Dex, 0},
};

constexpr std::array<std::string_view, 9> ASSET_TYPE_NAMES{
    "", "Stock", "Token", "Pool", "Pair", "Future", "Option", "Etf", "Index"};

} // namespace

std::span<const VenueInfo> allVenues() noexcept { return VENUES; }

const VenueInfo* findVenue(std::uint16_t venue) noexcept {
    for (const auto& v : VENUES) {
        if (static_cast<std::uint16_t>(v.id) == venue) return &v;
    }
    return nullptr;
}

const VenueInfo* findVenueByName(std::string_view name) noexcept {
    for (const auto& v : VENUES) {
        if (detail::equalsIgnoreCase(v.name, name)) return &v;
    }
    return nullptr;
}

const VenueInfo* findVenueByChainId(std::uint64_t chainId) noexcept {
    if (chainId == 0) return nullptr;
    for (const auto& v : VENUES) {
        if (v.kind == VenueKind::Chain && v.chainId == chainId) return &v;
    }
    return nullptr;
}

std::string_view venueKindName(VenueKind kind) noexcept {
    switch (kind) {
    case VenueKind::StockExchange: return "stock_exchange";
    case VenueKind::CryptoExchange: return "crypto_exchange";
    case VenueKind::Broker: return "broker";
    case VenueKind::Chain: return "chain";
    case VenueKind::Dex: return "dex";
    }
    return "unknown";
}

std::string_view assetTypeName(std::uint8_t assetType) noexcept {
    const std::uint8_t base = isSymbolAssetType(assetType) ? static_cast<std::uint8_t>(assetType & 0x7F) : assetType;
    if (base >= ASSET_TYPE_NAMES.size()) return {};
    return ASSET_TYPE_NAMES[base];
}

std::optional<AssetType> assetTypeFromName(std::string_view name) noexcept {
    for (std::size_t i = 1; i < ASSET_TYPE_NAMES.size(); ++i) {
        if (detail::equalsIgnoreCase(ASSET_TYPE_NAMES[i], name)) return static_cast<AssetType>(i);
    }
    return std::nullopt;
}

bool isSymbolAssetType(std::uint8_t assetType) noexcept {
    switch (static_cast<AssetType>(assetType & 0x7F)) {
    case AssetType::Stock:
    case AssetType::Pair:
    case AssetType::Future:
    case AssetType::Option:
    case AssetType::Etf:
    case AssetType::Index: return true;
    case AssetType::Token:
    case AssetType::Pool: return false;
    }
    return false;
}

} // namespace alphapulse::wire
