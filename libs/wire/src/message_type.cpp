#include "alphapulse/wire/message_type.hpp"

#include <array>
#include <utility>

#include "alphapulse/wire/detail/text.hpp"

namespace alphapulse::wire {
namespace {

using Named = std::pair<std::uint8_t, std::string_view>;

constexpr std::array MESSAGE_TYPES{
    Named{1, "Trade"}, Named{2, "Quote"}, Named{3, "OrderBook"},
    Named{10, "InstrumentDiscovered"}, Named{11, "PoolDiscovered"}, Named{12, "VenueUpdate"},
    Named{20, "ArbitrageOpportunity"}, Named{21, "PositionUpdate"}, Named{22, "StrategyAlert"},
    Named{23, "RebalanceSignal"}, Named{24, "RiskMetric"}, Named{25, "PerformanceUpdate"},
    Named{30, "PoolArbitrageSignal"}, Named{31, "LiquidityImbalance"},
    Named{32, "ImpermanentLossAlert"}, Named{33, "MEVOpportunity"}, Named{34, "FlashLoanSignal"},
    Named{35, "YieldFarmingUpdate"}, Named{36, "GasOptimizationSignal"}, Named{37, "DeFiSignal"},
    Named{40, "OrderRequest"}, Named{41, "OrderStatus"}, Named{42, "Fill"},
    Named{43, "OrderCancel"}, Named{44, "OrderModify"}, Named{45, "ExecutionReport"},
    Named{100, "Heartbeat"}, Named{101, "Snapshot"}, Named{102, "Error"},
    Named{103, "ConfigUpdate"}, Named{104, "Subscribe"}, Named{105, "SchemaDefinition"},
    Named{200, "Custom"},
};

constexpr std::array SOURCE_TYPES{
    Named{1, "BinanceCollector"}, Named{2, "KrakenCollector"}, Named{3, "CoinbaseCollector"},
    Named{4, "PolygonCollector"}, Named{5, "AlpacaCollector"}, Named{20, "MarketDataRelay"},
    Named{21, "SignalRelay"}, Named{22, "ExecutionRelay"}, Named{23, "SystemRelay"},
    Named{40, "ArbitrageStrategy"}, Named{41, "MomentumStrategy"},
    Named{42, "MarketMakingStrategy"}, Named{60, "PortfolioManager"}, Named{61, "RiskManager"},
    Named{80, "ExecutionEngine"}, Named{81, "VenueConnector"}, Named{100, "External"},
};

template <std::size_t N>
std::string_view nameOf(const std::array<Named, N>& table, std::uint8_t value) noexcept {
    for (const auto& [number, name] : table) {
        if (number == value) return name;
    }
    return {};
}

template <std::size_t N>
std::optional<std::uint8_t> numberOf(const std::array<Named, N>& table, std::string_view name) noexcept {
    for (const auto& [number, known] : table) {
        if (detail::equalsIgnoreCase(known, name)) return number;
    }
    return std::nullopt;
}

} // namespace

std::string_view messageTypeName(std::uint8_t messageType) noexcept {
    return nameOf(MESSAGE_TYPES, messageType);
}
std::optional<std::uint8_t> messageTypeFromName(std::string_view name) noexcept {
    return numberOf(MESSAGE_TYPES, name);
}
std::string_view sourceTypeName(std::uint8_t source) noexcept { return nameOf(SOURCE_TYPES, source); }
std::optional<std::uint8_t> sourceTypeFromName(std::string_view name) noexcept {
    return numberOf(SOURCE_TYPES, name);
}

std::string_view domainName(Domain domain) noexcept {
    switch (domain) {
    case Domain::MarketData: return "market_data";
    case Domain::Signals: return "signals";
    case Domain::Execution: return "execution";
    case Domain::System: return "system";
    case Domain::Custom: return "custom";
    case Domain::None: break;
    }
    return "none";
}

std::optional<Domain> domainFromName(std::string_view name) noexcept {
    for (Domain d : {Domain::MarketData, Domain::Signals, Domain::Execution, Domain::System, Domain::Custom}) {
        if (detail::equalsIgnoreCase(domainName(d), name)) return d;
    }
    return std::nullopt;
}

} // namespace alphapulse::wire
