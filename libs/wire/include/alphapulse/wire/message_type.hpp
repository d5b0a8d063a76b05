#pragma once
// Message and source numbers (fixed by the design document) and the domain
// each message type belongs to (W7).
#include <cstdint>
#include <optional>
#include <string_view>

namespace alphapulse::wire {

enum class MessageType : std::uint8_t {
    // Market data (1-19), MarketDataRelay.
    Trade = 1,
    Quote = 2,
    OrderBook = 3,
    InstrumentDiscovered = 10,
    PoolDiscovered = 11,
    VenueUpdate = 12,
    // Signals (20-39), SignalRelay.
    ArbitrageOpportunity = 20,
    PositionUpdate = 21,
    StrategyAlert = 22,
    RebalanceSignal = 23,
    RiskMetric = 24,
    PerformanceUpdate = 25,
    PoolArbitrageSignal = 30,
    LiquidityImbalance = 31,
    ImpermanentLossAlert = 32,
    MEVOpportunity = 33,
    FlashLoanSignal = 34,
    YieldFarmingUpdate = 35,
    GasOptimizationSignal = 36,
    DeFiSignal = 37, ///< not numbered by the document; W5 gives it a free signal number
    // Execution (40-59), ExecutionRelay.
    OrderRequest = 40,
    OrderStatus = 41,
    Fill = 42,
    OrderCancel = 43,
    OrderModify = 44,
    ExecutionReport = 45,
    // System (100-109), SystemRelay.
    Heartbeat = 100,
    Snapshot = 101,
    Error = 102,
    ConfigUpdate = 103,
    Subscribe = 104, ///< ours: a client tells its relay which types to send it (R1)
    SchemaDefinition = 105, ///< ours: a schema registered at run time, published (libs/schema)
    // Custom (200-255): 200 is the generic opaque custom message; the rest
    // are registered at run time.
    Custom = 200,
};

enum class SourceType : std::uint8_t {
    BinanceCollector = 1,
    KrakenCollector = 2,
    CoinbaseCollector = 3,
    PolygonCollector = 4,
    AlpacaCollector = 5,
    MarketDataRelay = 20,
    SignalRelay = 21,
    ExecutionRelay = 22,
    SystemRelay = 23,
    ArbitrageStrategy = 40,
    MomentumStrategy = 41,
    MarketMakingStrategy = 42,
    PortfolioManager = 60,
    RiskManager = 61,
    ExecutionEngine = 80,
    VenueConnector = 81,
    External = 100,
};

/// Which relay carries a message type (W7).
enum class Domain : std::uint8_t {
    None = 0,        ///< numbers outside every range (60-99, 110-199)
    MarketData = 1,  ///< 1-19
    Signals = 2,     ///< 20-39
    Execution = 3,   ///< 40-59
    System = 4,      ///< 100-109
    Custom = 5,      ///< 200-255: a registered type declares its own domain
};

[[nodiscard]] constexpr Domain domainOf(std::uint8_t messageType) noexcept {
    if (messageType >= 1 && messageType <= 19) return Domain::MarketData;
    if (messageType >= 20 && messageType <= 39) return Domain::Signals;
    if (messageType >= 40 && messageType <= 59) return Domain::Execution;
    if (messageType >= 100 && messageType <= 109) return Domain::System;
    if (messageType >= 200) return Domain::Custom;
    return Domain::None;
}

/// "Trade", or empty for a number the enum does not name.
[[nodiscard]] std::string_view messageTypeName(std::uint8_t messageType) noexcept;
/// Case-insensitive name to number ("trade" -> 1).
[[nodiscard]] std::optional<std::uint8_t> messageTypeFromName(std::string_view name) noexcept;

[[nodiscard]] std::string_view sourceTypeName(std::uint8_t source) noexcept;
[[nodiscard]] std::optional<std::uint8_t> sourceTypeFromName(std::string_view name) noexcept;

/// "market_data", "signals", "execution", "system", "custom", "none".
[[nodiscard]] std::string_view domainName(Domain domain) noexcept;
[[nodiscard]] std::optional<Domain> domainFromName(std::string_view name) noexcept;

} // namespace alphapulse::wire
