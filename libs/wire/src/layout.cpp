#include "alphapulse/wire/layout.hpp"

#include <array>

#include "alphapulse/wire/messages.hpp"

namespace alphapulse::wire {
namespace {

constexpr std::array<const MessageLayout*, 33> LAYOUTS{
    &TradeLayout::INFO, &QuoteLayout::INFO, &OrderBookLayout::INFO,
    &InstrumentDiscoveredLayout::INFO, &PoolDiscoveredLayout::INFO, &VenueUpdateLayout::INFO,
    &ArbitrageOpportunityLayout::INFO, &PositionUpdateLayout::INFO, &StrategyAlertLayout::INFO,
    &RebalanceSignalLayout::INFO, &RiskMetricLayout::INFO, &PerformanceUpdateLayout::INFO,
    &PoolArbitrageSignalLayout::INFO, &LiquidityImbalanceLayout::INFO, &ImpermanentLossAlertLayout::INFO,
    &MEVOpportunityLayout::INFO, &FlashLoanSignalLayout::INFO, &YieldFarmingUpdateLayout::INFO,
    &GasOptimizationSignalLayout::INFO, &DeFiSignalLayout::INFO,
    &OrderRequestLayout::INFO, &OrderStatusLayout::INFO, &FillLayout::INFO,
    &OrderCancelLayout::INFO, &OrderModifyLayout::INFO, &ExecutionReportLayout::INFO,
    &HeartbeatLayout::INFO, &SnapshotLayout::INFO, &ErrorLayout::INFO, &ConfigUpdateLayout::INFO,
    &SubscribeLayout::INFO, &SchemaDefinitionLayout::INFO, &CustomLayout::INFO,
};

// Index by type number: every built-in type has exactly one version (1) today.
constexpr std::array<const MessageLayout*, 256> BY_TYPE = [] {
    std::array<const MessageLayout*, 256> table{};
    for (const MessageLayout* layout : LAYOUTS) table[layout->type] = layout;
    return table;
}();

} // namespace

const MessageLayout* findLayout(std::uint8_t type, std::uint8_t version) noexcept {
    const MessageLayout* layout = BY_TYPE[type];
    return (layout != nullptr && layout->version == version) ? layout : nullptr;
}

bool isKnownType(std::uint8_t type) noexcept { return BY_TYPE[type] != nullptr; }

std::span<const MessageLayout* const> allLayouts() noexcept { return LAYOUTS; }

const FieldDescriptor* findField(const MessageLayout& layout, std::string_view name) noexcept {
    for (const FieldDescriptor& field : layout.fields) {
        if (field.name == name) return &field;
    }
    return nullptr;
}

} // namespace alphapulse::wire
