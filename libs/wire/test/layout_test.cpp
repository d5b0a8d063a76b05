// Layouts (W1, W7): every layout is packed, has the sizes W1 computes, sits in
// its domain, and no field ever moves without a version bump.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "alphapulse/wire.hpp"
#include "test_support.hpp"

using namespace alphapulse::wire;
using namespace alphapulse::wire::test;

namespace {

constexpr std::string_view LAYOUT_CHANGED = "layout changed: bump the version and update docs/PROTOCOL.md";

struct CompatRow {
    std::string_view layout;
    std::string_view field;
    std::uint16_t offset;
    std::uint16_t size;
};

// Every field of every message, extension and discovery metadata layout, written
// out by hand. Message offsets count from the start of the frame (the header is
// bytes 0..31); TLV offsets count from the entry's type byte. In the spirit of
// iceoryx's ChunkHeaderBinaryCompatibilityCheck: if this table and the code
// disagree, the wire changed.
constexpr CompatRow COMPAT_TABLE[] = {
    // Trade
    {"Trade", "instrument_id", 32, 12},
    {"Trade", "price", 44, 8},
    {"Trade", "volume", 52, 8},
    {"Trade", "side", 60, 1},
    {"Trade", "flags", 61, 1},
    {"Trade", "_padding", 62, 2},
    // Trade total 64
    // Quote
    {"Quote", "instrument_id", 32, 12},
    {"Quote", "bid_price", 44, 8},
    {"Quote", "ask_price", 52, 8},
    {"Quote", "bid_size", 60, 8},
    {"Quote", "ask_size", 68, 8},
    {"Quote", "_padding", 76, 4},
    // Quote total 80
    // OrderBook
    {"OrderBook", "instrument_id", 32, 12},
    {"OrderBook", "update_id", 44, 8},
    {"OrderBook", "bid_count", 52, 2},
    {"OrderBook", "ask_count", 54, 2},
    {"OrderBook", "is_snapshot", 56, 1},
    {"OrderBook", "_padding", 57, 7},
    // OrderBook total 64
    // InstrumentDiscovered
    {"InstrumentDiscovered", "instrument_id", 32, 12},
    {"InstrumentDiscovered", "decimals", 44, 1},
    {"InstrumentDiscovered", "symbol_len", 45, 1},
    {"InstrumentDiscovered", "metadata_len", 46, 2},
    // InstrumentDiscovered total 48
    // PoolDiscovered
    {"PoolDiscovered", "instrument_id", 32, 12},
    {"PoolDiscovered", "decimals", 44, 1},
    {"PoolDiscovered", "symbol_len", 45, 1},
    {"PoolDiscovered", "metadata_len", 46, 2},
    // PoolDiscovered total 48
    // VenueUpdate
    {"VenueUpdate", "venue", 32, 2},
    {"VenueUpdate", "status", 34, 1},
    {"VenueUpdate", "flags", 35, 1},
    {"VenueUpdate", "instrument_count", 36, 4},
    {"VenueUpdate", "effective_at", 40, 8},
    // VenueUpdate total 48
    // ArbitrageOpportunity
    {"ArbitrageOpportunity", "base_id", 32, 12},
    {"ArbitrageOpportunity", "quote_id", 44, 12},
    {"ArbitrageOpportunity", "venue_a", 56, 2},
    {"ArbitrageOpportunity", "venue_b", 58, 2},
    {"ArbitrageOpportunity", "spread_bps", 60, 4},
    {"ArbitrageOpportunity", "estimated_profit", 64, 8},
    {"ArbitrageOpportunity", "confidence", 72, 2},
    {"ArbitrageOpportunity", "expires_at", 74, 8},
    {"ArbitrageOpportunity", "_padding", 82, 14},
    // ArbitrageOpportunity total 96
    // PositionUpdate
    {"PositionUpdate", "instrument_id", 32, 12},
    {"PositionUpdate", "strategy_id", 44, 2},
    {"PositionUpdate", "_padding", 46, 2},
    {"PositionUpdate", "quantity", 48, 8},
    {"PositionUpdate", "avg_price", 56, 8},
    {"PositionUpdate", "realized_pnl", 64, 8},
    {"PositionUpdate", "unrealized_pnl", 72, 8},
    // PositionUpdate total 80
    // StrategyAlert
    {"StrategyAlert", "strategy_id", 32, 2},
    {"StrategyAlert", "severity", 34, 1},
    {"StrategyAlert", "alert_code", 35, 1},
    {"StrategyAlert", "instrument_id", 36, 12},
    {"StrategyAlert", "value", 48, 8},
    {"StrategyAlert", "threshold", 56, 8},
    {"StrategyAlert", "message", 64, 32},
    // StrategyAlert total 96
    // RebalanceSignal
    {"RebalanceSignal", "strategy_id", 32, 2},
    {"RebalanceSignal", "urgency", 34, 1},
    {"RebalanceSignal", "_reserved", 35, 1},
    {"RebalanceSignal", "instrument_id", 36, 12},
    {"RebalanceSignal", "current_weight_bps", 48, 4},
    {"RebalanceSignal", "target_weight_bps", 52, 4},
    {"RebalanceSignal", "target_quantity", 56, 8},
    {"RebalanceSignal", "reference_price", 64, 8},
    // RebalanceSignal total 72
    // RiskMetric
    {"RiskMetric", "metric_type", 32, 1},
    {"RiskMetric", "scope", 33, 1},
    {"RiskMetric", "strategy_id", 34, 2},
    {"RiskMetric", "instrument_id", 36, 12},
    {"RiskMetric", "value", 48, 8},
    {"RiskMetric", "limit", 56, 8},
    {"RiskMetric", "horizon_sec", 64, 4},
    {"RiskMetric", "breached", 68, 1},
    {"RiskMetric", "_padding", 69, 3},
    // RiskMetric total 72
    // PerformanceUpdate
    {"PerformanceUpdate", "strategy_id", 32, 2},
    {"PerformanceUpdate", "_padding", 34, 6},
    {"PerformanceUpdate", "period_start", 40, 8},
    {"PerformanceUpdate", "period_end", 48, 8},
    {"PerformanceUpdate", "realized_pnl", 56, 8},
    {"PerformanceUpdate", "unrealized_pnl", 64, 8},
    {"PerformanceUpdate", "volume", 72, 8},
    {"PerformanceUpdate", "trade_count", 80, 4},
    {"PerformanceUpdate", "win_count", 84, 4},
    {"PerformanceUpdate", "sharpe_milli", 88, 4},
    {"PerformanceUpdate", "max_drawdown_bps", 92, 4},
    // PerformanceUpdate total 96
    // PoolArbitrageSignal
    {"PoolArbitrageSignal", "pool_a_id", 32, 12},
    {"PoolArbitrageSignal", "pool_b_id", 44, 12},
    {"PoolArbitrageSignal", "token0_id", 56, 12},
    {"PoolArbitrageSignal", "token1_id", 68, 12},
    {"PoolArbitrageSignal", "pool_a_reserve0", 80, 8},
    {"PoolArbitrageSignal", "pool_a_reserve1", 88, 8},
    {"PoolArbitrageSignal", "pool_b_reserve0", 96, 8},
    {"PoolArbitrageSignal", "pool_b_reserve1", 104, 8},
    {"PoolArbitrageSignal", "optimal_amount_in", 112, 8},
    {"PoolArbitrageSignal", "expected_profit_wei", 120, 8},
    {"PoolArbitrageSignal", "gas_cost_gwei", 128, 4},
    {"PoolArbitrageSignal", "confidence", 132, 2},
    {"PoolArbitrageSignal", "block_number", 134, 4},
    {"PoolArbitrageSignal", "expires_at_block", 138, 4},
    {"PoolArbitrageSignal", "_padding", 142, 2},
    // PoolArbitrageSignal total 144
    // LiquidityImbalance
    {"LiquidityImbalance", "pool_id", 32, 12},
    {"LiquidityImbalance", "token0_id", 44, 12},
    {"LiquidityImbalance", "token1_id", 56, 12},
    {"LiquidityImbalance", "current_ratio", 68, 8},
    {"LiquidityImbalance", "historical_avg_ratio", 76, 8},
    {"LiquidityImbalance", "deviation_bps", 84, 4},
    {"LiquidityImbalance", "volume_24h", 88, 8},
    {"LiquidityImbalance", "fee_tier", 96, 4},
    {"LiquidityImbalance", "_padding", 100, 4},
    // LiquidityImbalance total 104
    // ImpermanentLossAlert
    {"ImpermanentLossAlert", "pool_id", 32, 12},
    {"ImpermanentLossAlert", "token0_id", 44, 12},
    {"ImpermanentLossAlert", "token1_id", 56, 12},
    {"ImpermanentLossAlert", "entry_price_ratio", 68, 8},
    {"ImpermanentLossAlert", "current_price_ratio", 76, 8},
    {"ImpermanentLossAlert", "il_bps", 84, 4},
    {"ImpermanentLossAlert", "position_value", 88, 8},
    // ImpermanentLossAlert total 96
    // MEVOpportunity
    {"MEVOpportunity", "opportunity_type", 32, 1},
    {"MEVOpportunity", "chain_id", 33, 1},
    {"MEVOpportunity", "priority", 34, 1},
    {"MEVOpportunity", "_reserved", 35, 1},
    {"MEVOpportunity", "target_tx_hash", 36, 32},
    {"MEVOpportunity", "estimated_profit_wei", 68, 8},
    {"MEVOpportunity", "max_gas_price_gwei", 76, 8},
    {"MEVOpportunity", "target_block", 84, 4},
    {"MEVOpportunity", "deadline_block", 88, 4},
    {"MEVOpportunity", "victim_amount_in", 92, 8},
    {"MEVOpportunity", "optimal_frontrun_amount", 100, 8},
    {"MEVOpportunity", "_padding", 108, 4},
    // MEVOpportunity total 112
    // FlashLoanSignal
    {"FlashLoanSignal", "provider", 32, 1},
    {"FlashLoanSignal", "flags", 33, 1},
    {"FlashLoanSignal", "fee_bps", 34, 2},
    {"FlashLoanSignal", "chain_id", 36, 4},
    {"FlashLoanSignal", "asset_id", 40, 12},
    {"FlashLoanSignal", "asset_address", 52, 20},
    {"FlashLoanSignal", "amount", 72, 16},
    {"FlashLoanSignal", "expected_profit", 88, 16},
    {"FlashLoanSignal", "deadline_block", 104, 8},
    // FlashLoanSignal total 112
    // YieldFarmingUpdate
    {"YieldFarmingUpdate", "pool_id", 32, 12},
    {"YieldFarmingUpdate", "reward_token_id", 44, 12},
    {"YieldFarmingUpdate", "chain_id", 56, 4},
    {"YieldFarmingUpdate", "apr_bps", 60, 4},
    {"YieldFarmingUpdate", "tvl", 64, 16},
    {"YieldFarmingUpdate", "reward_rate", 80, 16},
    {"YieldFarmingUpdate", "staked_amount", 96, 16},
    {"YieldFarmingUpdate", "updated_block", 112, 8},
    // YieldFarmingUpdate total 120
    // GasOptimizationSignal
    {"GasOptimizationSignal", "chain_id", 32, 4},
    {"GasOptimizationSignal", "urgency", 36, 1},
    {"GasOptimizationSignal", "_padding", 37, 3},
    {"GasOptimizationSignal", "base_fee_wei", 40, 8},
    {"GasOptimizationSignal", "priority_fee_wei", 48, 8},
    {"GasOptimizationSignal", "max_fee_wei", 56, 8},
    {"GasOptimizationSignal", "target_block", 64, 8},
    {"GasOptimizationSignal", "pending_tx_count", 72, 4},
    {"GasOptimizationSignal", "congestion_bps", 76, 4},
    // GasOptimizationSignal total 80
    // DeFiSignal
    {"DeFiSignal", "strategy_id", 32, 2},
    {"DeFiSignal", "signal_id", 34, 8},
    {"DeFiSignal", "signal_nonce", 42, 4},
    {"DeFiSignal", "chain_id", 46, 4},
    {"DeFiSignal", "version", 50, 1},
    {"DeFiSignal", "adapter_id", 51, 1},
    {"DeFiSignal", "base_instrument", 52, 12},
    {"DeFiSignal", "quote_instrument", 64, 12},
    {"DeFiSignal", "base_token_addr", 76, 20},
    {"DeFiSignal", "quote_token_addr", 96, 20},
    {"DeFiSignal", "venue_a_router", 116, 20},
    {"DeFiSignal", "venue_b_router", 136, 20},
    {"DeFiSignal", "venue_a_type", 156, 1},
    {"DeFiSignal", "venue_b_type", 157, 1},
    {"DeFiSignal", "fee_a_ppm", 158, 4},
    {"DeFiSignal", "fee_b_ppm", 162, 4},
    {"DeFiSignal", "direction_flag", 166, 1},
    {"DeFiSignal", "confidence", 167, 1},
    {"DeFiSignal", "expected_profit_q", 168, 16},
    {"DeFiSignal", "required_capital_q", 184, 16},
    {"DeFiSignal", "gas_estimate_q", 200, 16},
    {"DeFiSignal", "amount_in_q", 216, 16},
    {"DeFiSignal", "min_out_q", 232, 16},
    {"DeFiSignal", "optimal_size_q", 248, 16},
    {"DeFiSignal", "observed_block", 264, 8},
    {"DeFiSignal", "valid_through_block", 272, 8},
    {"DeFiSignal", "state_hash", 280, 8},
    {"DeFiSignal", "execution_flags", 288, 4},
    {"DeFiSignal", "slippage_bps", 292, 2},
    {"DeFiSignal", "price_impact_bps", 294, 2},
    {"DeFiSignal", "replace_signal_id", 296, 8},
    {"DeFiSignal", "tlv_offset", 304, 2},
    {"DeFiSignal", "tlv_length", 306, 2},
    {"DeFiSignal", "created_at_sec", 308, 4},
    // DeFiSignal total 312
    // OrderRequest
    {"OrderRequest", "client_order_id", 32, 8},
    {"OrderRequest", "instrument_id", 40, 12},
    {"OrderRequest", "side", 52, 1},
    {"OrderRequest", "order_type", 53, 1},
    {"OrderRequest", "time_in_force", 54, 1},
    {"OrderRequest", "flags", 55, 1},
    {"OrderRequest", "price", 56, 8},
    {"OrderRequest", "stop_price", 64, 8},
    {"OrderRequest", "quantity", 72, 8},
    {"OrderRequest", "account_id", 80, 4},
    {"OrderRequest", "strategy_id", 84, 2},
    {"OrderRequest", "_padding", 86, 2},
    {"OrderRequest", "signal_id", 88, 8},
    // OrderRequest total 96
    // OrderStatus
    {"OrderStatus", "client_order_id", 32, 8},
    {"OrderStatus", "venue_order_id", 40, 8},
    {"OrderStatus", "instrument_id", 48, 12},
    {"OrderStatus", "status", 60, 1},
    {"OrderStatus", "side", 61, 1},
    {"OrderStatus", "reject_reason", 62, 1},
    {"OrderStatus", "_padding", 63, 1},
    {"OrderStatus", "price", 64, 8},
    {"OrderStatus", "quantity", 72, 8},
    {"OrderStatus", "filled_quantity", 80, 8},
    {"OrderStatus", "leaves_quantity", 88, 8},
    {"OrderStatus", "avg_fill_price", 96, 8},
    // OrderStatus total 104
    // Fill
    {"Fill", "client_order_id", 32, 8},
    {"Fill", "venue_order_id", 40, 8},
    {"Fill", "fill_id", 48, 8},
    {"Fill", "instrument_id", 56, 12},
    {"Fill", "side", 68, 1},
    {"Fill", "liquidity", 69, 1},
    {"Fill", "_padding", 70, 2},
    {"Fill", "price", 72, 8},
    {"Fill", "quantity", 80, 8},
    {"Fill", "fee", 88, 8},
    {"Fill", "executed_at", 96, 8},
    // Fill total 104
    // OrderCancel
    {"OrderCancel", "client_order_id", 32, 8},
    {"OrderCancel", "orig_client_order_id", 40, 8},
    {"OrderCancel", "instrument_id", 48, 12},
    {"OrderCancel", "side", 60, 1},
    {"OrderCancel", "reason", 61, 1},
    {"OrderCancel", "_padding", 62, 2},
    // OrderCancel total 64
    // OrderModify
    {"OrderModify", "client_order_id", 32, 8},
    {"OrderModify", "orig_client_order_id", 40, 8},
    {"OrderModify", "instrument_id", 48, 12},
    {"OrderModify", "side", 60, 1},
    {"OrderModify", "_padding", 61, 3},
    {"OrderModify", "new_price", 64, 8},
    {"OrderModify", "new_quantity", 72, 8},
    // OrderModify total 80
    // ExecutionReport
    {"ExecutionReport", "client_order_id", 32, 8},
    {"ExecutionReport", "venue_order_id", 40, 8},
    {"ExecutionReport", "exec_id", 48, 8},
    {"ExecutionReport", "instrument_id", 56, 12},
    {"ExecutionReport", "exec_type", 68, 1},
    {"ExecutionReport", "order_status", 69, 1},
    {"ExecutionReport", "side", 70, 1},
    {"ExecutionReport", "reject_reason", 71, 1},
    {"ExecutionReport", "last_price", 72, 8},
    {"ExecutionReport", "last_quantity", 80, 8},
    {"ExecutionReport", "cumulative_quantity", 88, 8},
    {"ExecutionReport", "leaves_quantity", 96, 8},
    {"ExecutionReport", "avg_price", 104, 8},
    // ExecutionReport total 112
    // Heartbeat
    {"Heartbeat", "sender_pid", 32, 4},
    {"Heartbeat", "status", 36, 1},
    {"Heartbeat", "_padding", 37, 3},
    {"Heartbeat", "uptime_ns", 40, 8},
    {"Heartbeat", "messages_sent", 48, 8},
    {"Heartbeat", "messages_received", 56, 8},
    // Heartbeat total 64
    // Snapshot
    {"Snapshot", "snapshot_id", 32, 8},
    {"Snapshot", "last_sequence", 40, 8},
    {"Snapshot", "item_count", 48, 4},
    {"Snapshot", "domain", 52, 1},
    {"Snapshot", "phase", 53, 1},
    {"Snapshot", "_padding", 54, 2},
    // Snapshot total 56
    // Error
    {"Error", "error_code", 32, 2},
    {"Error", "severity", 34, 1},
    {"Error", "related_type", 35, 1},
    {"Error", "related_sequence", 36, 8},
    {"Error", "message", 44, 52},
    // Error total 96
    // ConfigUpdate
    {"ConfigUpdate", "config_key", 32, 32},
    {"ConfigUpdate", "value", 64, 8},
    {"ConfigUpdate", "config_version", 72, 4},
    {"ConfigUpdate", "domain", 76, 1},
    {"ConfigUpdate", "_padding", 77, 3},
    // ConfigUpdate total 80
    // Subscribe
    {"Subscribe", "message_types", 32, 32},
    {"Subscribe", "flags", 64, 1},
    {"Subscribe", "_padding", 65, 7},
    // Subscribe total 72
    // SchemaDefinition
    {"SchemaDefinition", "schema_type", 32, 1},
    {"SchemaDefinition", "schema_version", 33, 1},
    {"SchemaDefinition", "_padding", 34, 6},
    // SchemaDefinition total 40
    // Custom
    // Custom total 32
    // PoolAddressTlv
    {"PoolAddressTlv", "venue_a_pool", 2, 20},
    {"PoolAddressTlv", "venue_b_pool", 22, 20},
    {"PoolAddressTlv", "reserved", 42, 2},
    // PoolAddressTlv total 44
    // TertiaryVenueTlv
    {"TertiaryVenueTlv", "venue_c_router", 2, 20},
    {"TertiaryVenueTlv", "venue_c_type", 22, 1},
    {"TertiaryVenueTlv", "fee_c_ppm", 23, 4},
    {"TertiaryVenueTlv", "reserved", 27, 5},
    // TertiaryVenueTlv total 32
    // MEVBundleTlv
    {"MEVBundleTlv", "target_builder", 2, 4},
    {"MEVBundleTlv", "bundle_uuid", 6, 4},
    {"MEVBundleTlv", "max_bundle_size", 10, 1},
    {"MEVBundleTlv", "priority_fee_gwei", 11, 8},
    {"MEVBundleTlv", "target_block_range", 19, 1},
    {"MEVBundleTlv", "submission_strategy", 20, 1},
    {"MEVBundleTlv", "relay_preferences", 21, 8},
    {"MEVBundleTlv", "reserved", 29, 16},
    // MEVBundleTlv total 45
    // AddressMeta
    {"AddressMeta", "address", 2, 20},
    // AddressMeta total 22
    // ChainIdMeta
    {"ChainIdMeta", "chain_id", 2, 8},
    // ChainIdMeta total 10
    // PoolTokensMeta
    {"PoolTokensMeta", "token0_id", 2, 12},
    {"PoolTokensMeta", "token1_id", 14, 12},
    {"PoolTokensMeta", "token0_address", 26, 20},
    {"PoolTokensMeta", "token1_address", 46, 20},
    {"PoolTokensMeta", "fee_tier", 66, 4},
    // PoolTokensMeta total 70
};

const CompatRow* findRow(std::string_view layout, std::string_view field) {
    for (const CompatRow& row : COMPAT_TABLE) {
        if (row.layout == layout && row.field == field) return &row;
    }
    return nullptr;
}

std::size_t rowsOf(std::string_view layout) {
    std::size_t n = 0;
    for (const CompatRow& row : COMPAT_TABLE) n += row.layout == layout ? 1U : 0U;
    return n;
}

std::size_t kindSize(FieldKind kind) {
    switch (kind) {
    case FieldKind::U8: case FieldKind::I8: return 1;
    case FieldKind::U16: case FieldKind::I16: return 2;
    case FieldKind::U32: case FieldKind::I32: return 4;
    case FieldKind::U64: case FieldKind::I64: return 8;
    case FieldKind::U128: case FieldKind::I128: return 16;
    case FieldKind::Instrument: return 12;
    case FieldKind::Bytes: case FieldKind::Text: case FieldKind::Padding: return 0; // any size
    }
    return 0;
}

// Fills a sample with bytes that differ from field to field (so a field
// written at the wrong offset shows), text as ASCII, padding as zero.
template <typename FT>
Sample<FT> patterned(std::uint8_t& counter) {
    Sample<FT> s;
    if constexpr (FT::KIND == FieldKind::Padding) {
        return s;
    } else if constexpr (FT::KIND == FieldKind::Text) {
        for (std::size_t i = 0; i < FT::SIZE / 2; ++i) s.wire[i] = static_cast<std::uint8_t>('a' + (counter++ % 26));
        return s;
    } else {
        for (auto& b : s.wire) {
            counter = static_cast<std::uint8_t>(counter % 255 + 1);
            b = counter;
        }
        return s;
    }
}

#define AP_SET(name, type)                                  \
    const auto name##_sample = patterned<type>(counter);    \
    builder.name(name##_sample.value());
#define AP_CHECK(name, type)                                                                                \
    {                                                                                                       \
        const CompatRow* row = findRow(Layout::NAME, #name);                                                \
        ASSERT_NE(row, nullptr) << Layout::NAME << "." #name << ": " << LAYOUT_CHANGED;                    \
        ASSERT_EQ(row->size, name##_sample.wire.size()) << Layout::NAME << "." #name;                      \
        EXPECT_EQ(0, std::memcmp(frame + row->offset, name##_sample.wire.data(), row->size))                \
            << Layout::NAME << "." #name << " bytes at offset " << row->offset;                           \
        EXPECT_TRUE(name##_sample.matches(v.name())) << Layout::NAME << "." #name << " read back";          \
    }

// Builds the message through its builder's setters, then checks every
// field's raw bytes at the offset of the literal table, and the view.
#define AP_BUILD_AND_CHECK(Name, FIELDS)                                                     \
    TEST(LayoutBytes, Name##BuilderWritesEachFieldAtItsKnownOffset) {                        \
        using Layout = Name##Layout;                                                         \
        std::array<std::uint8_t, Layout::SIZE> buf{};                                        \
        buf.fill(0xEE);                                                                      \
        auto built = Name##Builder::into(buf.data(), buf.size());                            \
        ASSERT_TRUE(built);                                                                  \
        auto builder = *built;                                                               \
        std::uint8_t counter = 0;                                                            \
        FIELDS(AP_SET)                                                                       \
        ASSERT_EQ(builder.finish(), Layout::SIZE);                                           \
        const std::uint8_t* frame = buf.data();                                              \
        EXPECT_EQ(frame[4], static_cast<std::uint8_t>(Layout::TYPE));                        \
        EXPECT_EQ(frame[5], 1);                                                              \
        EXPECT_EQ(loadLe<std::uint32_t>(frame + 8), Layout::SIZE - 32);                      \
        const auto parsed = Name##View::parse(frame, buf.size());                            \
        ASSERT_TRUE(parsed) << errorName(parsed.error());                                    \
        const auto& v = *parsed;                                                             \
        FIELDS(AP_CHECK)                                                                     \
    }

AP_BUILD_AND_CHECK(Trade, ALPHAPULSE_TRADE)
AP_BUILD_AND_CHECK(Quote, ALPHAPULSE_QUOTE)
AP_BUILD_AND_CHECK(VenueUpdate, ALPHAPULSE_VENUE_UPDATE)
AP_BUILD_AND_CHECK(ArbitrageOpportunity, ALPHAPULSE_ARBITRAGE)
AP_BUILD_AND_CHECK(PositionUpdate, ALPHAPULSE_POSITION_UPDATE)
AP_BUILD_AND_CHECK(StrategyAlert, ALPHAPULSE_STRATEGY_ALERT)
AP_BUILD_AND_CHECK(RebalanceSignal, ALPHAPULSE_REBALANCE)
AP_BUILD_AND_CHECK(RiskMetric, ALPHAPULSE_RISK_METRIC)
AP_BUILD_AND_CHECK(PerformanceUpdate, ALPHAPULSE_PERFORMANCE)
AP_BUILD_AND_CHECK(PoolArbitrageSignal, ALPHAPULSE_POOL_ARBITRAGE)
AP_BUILD_AND_CHECK(LiquidityImbalance, ALPHAPULSE_LIQUIDITY_IMBALANCE)
AP_BUILD_AND_CHECK(ImpermanentLossAlert, ALPHAPULSE_IMPERMANENT_LOSS)
AP_BUILD_AND_CHECK(MEVOpportunity, ALPHAPULSE_MEV)
AP_BUILD_AND_CHECK(FlashLoanSignal, ALPHAPULSE_FLASH_LOAN)
AP_BUILD_AND_CHECK(YieldFarmingUpdate, ALPHAPULSE_YIELD_FARMING)
AP_BUILD_AND_CHECK(GasOptimizationSignal, ALPHAPULSE_GAS_OPTIMIZATION)
AP_BUILD_AND_CHECK(OrderRequest, ALPHAPULSE_ORDER_REQUEST)
AP_BUILD_AND_CHECK(OrderStatus, ALPHAPULSE_ORDER_STATUS)
AP_BUILD_AND_CHECK(Fill, ALPHAPULSE_FILL)
AP_BUILD_AND_CHECK(OrderCancel, ALPHAPULSE_ORDER_CANCEL)
AP_BUILD_AND_CHECK(OrderModify, ALPHAPULSE_ORDER_MODIFY)
AP_BUILD_AND_CHECK(ExecutionReport, ALPHAPULSE_EXECUTION_REPORT)
AP_BUILD_AND_CHECK(Heartbeat, ALPHAPULSE_HEARTBEAT)
AP_BUILD_AND_CHECK(Snapshot, ALPHAPULSE_SNAPSHOT)
AP_BUILD_AND_CHECK(Error, ALPHAPULSE_ERROR)
AP_BUILD_AND_CHECK(ConfigUpdate, ALPHAPULSE_CONFIG_UPDATE)
AP_BUILD_AND_CHECK(Subscribe, ALPHAPULSE_SUBSCRIBE)

constexpr std::size_t FIXED_MESSAGES_CHECKED_ABOVE = 27;

} // namespace

TEST(Layout, EveryFixedLayoutHasABuilderBytesTest) {
    std::size_t fixed = 0;
    // Subscribe is checked above too: its rule is Opaque only for its resume tail.
    for (const MessageLayout* layout : allLayouts()) {
        fixed += layout->rule == SizeRule::Fixed || layout->type == 104 ? 1U : 0U;
    }
    EXPECT_EQ(fixed, FIXED_MESSAGES_CHECKED_ABOVE) << "a new fixed layout needs an AP_BUILD_AND_CHECK line";
}

TEST(Layout, CatalogHasEveryMessageTypeOfTheEnumOnce) {
    const std::vector<int> expectedTypes{1,  2,  3,  10, 11, 12, 20, 21, 22, 23, 24, 25, 30, 31, 32, 33,
                                         34, 35, 36, 37, 40, 41, 42, 43, 44, 45, 100, 101, 102, 103, 104, 105, 200};
    std::vector<int> types;
    for (const MessageLayout* layout : allLayouts()) types.push_back(layout->type);
    EXPECT_EQ(types, expectedTypes);
}

TEST(Layout, FieldsArePackedAsTheRunningSumOfSizes) {
    for (const MessageLayout* layout : allLayouts()) {
        std::size_t offset = header::SIZE;
        for (const FieldDescriptor& field : layout->fields) {
            EXPECT_EQ(field.offset, offset) << layout->name << "." << field.name;
            EXPECT_GT(field.size, 0u) << layout->name << "." << field.name;
            if (kindSize(field.kind) != 0) {
                EXPECT_EQ(field.size, kindSize(field.kind)) << layout->name << "." << field.name;
            }
            offset += field.size;
        }
        EXPECT_EQ(offset, layout->size) << layout->name << ": size is the sum of its fields (W1)";
    }
}

TEST(Layout, TlvLayoutsArePackedAfterTheTwoByteEntryHeader) {
    std::vector<const TlvLayout*> layouts;
    for (const TlvLayout* l : allExtensionLayouts()) layouts.push_back(l);
    for (const TlvLayout* l : allDiscoveryMetaLayouts()) layouts.push_back(l);
    ASSERT_EQ(layouts.size(), 6u);
    for (const TlvLayout* layout : layouts) {
        std::size_t offset = TLV_HEADER_SIZE;
        for (const FieldDescriptor& field : layout->fields) {
            EXPECT_EQ(field.offset, offset) << layout->name << "." << field.name;
            offset += field.size;
        }
        EXPECT_EQ(offset, layout->length + TLV_HEADER_SIZE) << layout->name;
    }
}

TEST(Layout, SizesMatchW1Table) {
    const auto sizeOf = [](MessageType type) {
        const MessageLayout* layout = findLayout(static_cast<std::uint8_t>(type), 1);
        return layout == nullptr ? 0u : static_cast<unsigned>(layout->size);
    };
    EXPECT_EQ(sizeOf(MessageType::Trade), 64u);
    EXPECT_EQ(sizeOf(MessageType::Quote), 80u);
    EXPECT_EQ(sizeOf(MessageType::ArbitrageOpportunity), 96u);
    EXPECT_EQ(sizeOf(MessageType::PoolArbitrageSignal), 144u);
    EXPECT_EQ(sizeOf(MessageType::LiquidityImbalance), 104u);
    EXPECT_EQ(sizeOf(MessageType::MEVOpportunity), 112u);
    EXPECT_EQ(sizeOf(MessageType::DeFiSignal), 312u);
    EXPECT_EQ(sizeOf(MessageType::InstrumentDiscovered), 48u);
    EXPECT_EQ(sizeOf(MessageType::PoolDiscovered), 48u);
    EXPECT_EQ(InstrumentId::SIZE, 12u);
    EXPECT_EQ(header::SIZE, 32u);
}

TEST(Layout, TlvSizesAndLengthBytesMatchW1Table) {
    const TlvLayout* pool = findExtensionLayout(1);
    const TlvLayout* tertiary = findExtensionLayout(2);
    const TlvLayout* mev = findExtensionLayout(3);
    ASSERT_NE(pool, nullptr);
    ASSERT_NE(tertiary, nullptr);
    ASSERT_NE(mev, nullptr);
    EXPECT_EQ(pool->length, 42);
    EXPECT_EQ(tertiary->length, 30);
    EXPECT_EQ(mev->length, 43);
    EXPECT_EQ(PoolAddressTlvLayout::SIZE, 44u);
    EXPECT_EQ(TertiaryVenueTlvLayout::SIZE, 32u);
    EXPECT_EQ(MEVBundleTlvLayout::SIZE, 45u);
    EXPECT_EQ(findExtensionLayout(4), nullptr);
    EXPECT_EQ(findExtensionLayout(0), nullptr);
}

TEST(Layout, DomainFollowsTheTypeNumber) {
    for (const MessageLayout* layout : allLayouts()) {
        Domain expected = Domain::None;
        const int t = layout->type;
        if (t >= 1 && t <= 19) expected = Domain::MarketData;
        else if (t >= 20 && t <= 39) expected = Domain::Signals;
        else if (t >= 40 && t <= 59) expected = Domain::Execution;
        else if (t >= 100 && t <= 109) expected = Domain::System;
        else if (t >= 200) expected = Domain::Custom;
        EXPECT_EQ(layout->domain, expected) << layout->name;
        EXPECT_NE(layout->domain, Domain::None) << layout->name << " must sit in a domain";
    }
}

TEST(Layout, DomainOfCoversEveryRangeBoundary) {
    EXPECT_EQ(domainOf(0), Domain::None);
    EXPECT_EQ(domainOf(1), Domain::MarketData);
    EXPECT_EQ(domainOf(19), Domain::MarketData);
    EXPECT_EQ(domainOf(20), Domain::Signals);
    EXPECT_EQ(domainOf(39), Domain::Signals);
    EXPECT_EQ(domainOf(40), Domain::Execution);
    EXPECT_EQ(domainOf(59), Domain::Execution);
    EXPECT_EQ(domainOf(60), Domain::None);
    EXPECT_EQ(domainOf(99), Domain::None);
    EXPECT_EQ(domainOf(100), Domain::System);
    EXPECT_EQ(domainOf(109), Domain::System);
    EXPECT_EQ(domainOf(110), Domain::None);
    EXPECT_EQ(domainOf(199), Domain::None);
    EXPECT_EQ(domainOf(200), Domain::Custom);
    EXPECT_EQ(domainOf(255), Domain::Custom);
}

TEST(Layout, DeFiSignalHasAnUnusedSignalNumber) {
    EXPECT_EQ(static_cast<int>(MessageType::DeFiSignal), 37);
    EXPECT_EQ(DeFiSignalLayout::DOMAIN, Domain::Signals);
    EXPECT_EQ(DeFiSignalLayout::RULE, SizeRule::Tlv);
}

TEST(Layout, DocumentMessageAndSourceNumbersAreFixed) {
    EXPECT_EQ(static_cast<int>(MessageType::Trade), 1);
    EXPECT_EQ(static_cast<int>(MessageType::Quote), 2);
    EXPECT_EQ(static_cast<int>(MessageType::OrderBook), 3);
    EXPECT_EQ(static_cast<int>(MessageType::InstrumentDiscovered), 10);
    EXPECT_EQ(static_cast<int>(MessageType::PoolDiscovered), 11);
    EXPECT_EQ(static_cast<int>(MessageType::ArbitrageOpportunity), 20);
    EXPECT_EQ(static_cast<int>(MessageType::PoolArbitrageSignal), 30);
    EXPECT_EQ(static_cast<int>(MessageType::MEVOpportunity), 33);
    EXPECT_EQ(static_cast<int>(MessageType::OrderRequest), 40);
    EXPECT_EQ(static_cast<int>(MessageType::Heartbeat), 100);
    EXPECT_EQ(static_cast<int>(MessageType::Custom), 200);
    EXPECT_EQ(static_cast<int>(SourceType::BinanceCollector), 1);
    EXPECT_EQ(static_cast<int>(SourceType::MarketDataRelay), 20);
    EXPECT_EQ(static_cast<int>(SourceType::ArbitrageStrategy), 40);
    EXPECT_EQ(static_cast<int>(SourceType::ExecutionEngine), 80);
    EXPECT_EQ(static_cast<int>(SourceType::External), 100);
}

TEST(Layout, FindLayoutFindsEachLayoutByTypeAndVersion) {
    for (const MessageLayout* layout : allLayouts()) {
        EXPECT_EQ(findLayout(layout->type, layout->version), layout) << layout->name;
        EXPECT_EQ(findLayout(layout->type, static_cast<std::uint8_t>(layout->version + 1)), nullptr) << layout->name;
        EXPECT_TRUE(isKnownType(layout->type)) << layout->name;
        EXPECT_EQ(messageTypeName(layout->type), layout->name);
        for (const FieldDescriptor& field : layout->fields) {
            EXPECT_EQ(findField(*layout, field.name), &field) << layout->name << "." << field.name;
        }
        EXPECT_EQ(findField(*layout, "no_such_field"), nullptr);
    }
    EXPECT_FALSE(isKnownType(0));
    EXPECT_FALSE(isKnownType(4));
    EXPECT_FALSE(isKnownType(199));
    EXPECT_FALSE(isKnownType(201));
}

TEST(LayoutBinaryCompatibility, EveryFieldOffsetIsTheOneWrittenDown) {
    std::set<std::pair<std::string_view, std::string_view>> seen;
    const auto check = [&](std::string_view layoutName, std::span<const FieldDescriptor> fields) {
        EXPECT_EQ(fields.size(), rowsOf(layoutName)) << layoutName << ": " << LAYOUT_CHANGED;
        for (const FieldDescriptor& field : fields) {
            const CompatRow* row = findRow(layoutName, field.name);
            ASSERT_NE(row, nullptr) << layoutName << "." << field.name << " is new: " << LAYOUT_CHANGED;
            EXPECT_EQ(field.offset, row->offset) << layoutName << "." << field.name << ": " << LAYOUT_CHANGED;
            EXPECT_EQ(field.size, row->size) << layoutName << "." << field.name << ": " << LAYOUT_CHANGED;
            seen.insert({layoutName, field.name});
        }
    };
    for (const MessageLayout* layout : allLayouts()) check(layout->name, layout->fields);
    check("PoolAddressTlv", PoolAddressTlvLayout::FIELD_TABLE);
    check("TertiaryVenueTlv", TertiaryVenueTlvLayout::FIELD_TABLE);
    check("MEVBundleTlv", MEVBundleTlvLayout::FIELD_TABLE);
    check("AddressMeta", AddressMetaLayout::FIELD_TABLE);
    check("ChainIdMeta", ChainIdMetaLayout::FIELD_TABLE);
    check("PoolTokensMeta", PoolTokensMetaLayout::FIELD_TABLE);
    for (const CompatRow& row : COMPAT_TABLE) {
        EXPECT_TRUE(seen.count({row.layout, row.field}) == 1)
            << row.layout << "." << row.field << " disappeared: " << LAYOUT_CHANGED;
    }
}

TEST(LayoutBinaryCompatibility, HeaderOffsetsAreTheOnesWrittenDown) {
    EXPECT_EQ(header::MAGIC_OFFSET, 0u) << LAYOUT_CHANGED;
    EXPECT_EQ(header::MESSAGE_TYPE_OFFSET, 4u) << LAYOUT_CHANGED;
    EXPECT_EQ(header::VERSION_OFFSET, 5u) << LAYOUT_CHANGED;
    EXPECT_EQ(header::SOURCE_OFFSET, 6u) << LAYOUT_CHANGED;
    EXPECT_EQ(header::FLAGS_OFFSET, 7u) << LAYOUT_CHANGED;
    EXPECT_EQ(header::PAYLOAD_SIZE_OFFSET, 8u) << LAYOUT_CHANGED;
    EXPECT_EQ(header::SEQUENCE_OFFSET, 12u) << LAYOUT_CHANGED;
    EXPECT_EQ(header::TIMESTAMP_OFFSET, 20u) << LAYOUT_CHANGED;
    EXPECT_EQ(header::CHECKSUM_OFFSET, 28u) << LAYOUT_CHANGED;
}

TEST(LayoutBytes, TradeFieldsAreLittleEndianAtOffsets32To63) {
    std::array<std::uint8_t, 64> buf{};
    auto builder = must(TradeBuilder::into(buf.data(), buf.size()));
    builder.instrument_id(InstrumentId{0x0102, 0x03, 0x00, 0x0405060708090A0BULL});
    builder.price(static_cast<std::int64_t>(0x1112131415161718LL)).volume(0x2122232425262728ULL).side(2).flags(0x33);
    builder.finish();
    const std::array<std::uint8_t, 32> expected{
        0x02, 0x01, 0x03, 0x00, 0x0B, 0x0A, 0x09, 0x08, 0x07, 0x06, 0x05, 0x04, // instrument_id @32
        0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11,                         // price @44
        0x28, 0x27, 0x26, 0x25, 0x24, 0x23, 0x22, 0x21,                         // volume @52
        0x02, 0x33, 0x00, 0x00,                                                 // side @60, flags @61, padding
    };
    EXPECT_EQ(0, std::memcmp(buf.data() + 32, expected.data(), expected.size()));
}

TEST(LayoutBytes, NegativePriceIsTwosComplementLittleEndian) {
    std::array<std::uint8_t, 64> buf{};
    auto builder = must(TradeBuilder::into(buf.data(), buf.size()));
    builder.price(-2);
    builder.finish();
    for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(buf[44 + i], i == 0 ? 0xFE : 0xFF) << "byte " << i;
    const auto view = TradeView::parse(buf.data(), buf.size());
    ASSERT_TRUE(view) << errorName(view.error());
    EXPECT_EQ(view->price(), -2);
}

TEST(LayoutBytes, DeFiSignalQ64FieldsAreSixteenLittleEndianBytes) {
    std::array<std::uint8_t, 312> buf{};
    auto builder = must(DeFiSignalBuilder::into(buf.data(), buf.size()));
    const Int128 profit = -(static_cast<Int128>(1) << 64) - 1; // -1.0 - 2^-64 in Q64.64
    builder.expected_profit_q(profit);
    builder.min_out_q(static_cast<Uint128>(0x0102030405060708ULL) << 64 | 0x090A0B0C0D0E0F10ULL);
    const auto len = finishDeFiSignal(builder, 0);
    ASSERT_TRUE(len);
    ASSERT_EQ(*len, 312u);
    // expected_profit_q @168: low 8 bytes FF..FF, high 8 bytes FE FF..FF.
    for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(buf[168 + i], 0xFF);
    EXPECT_EQ(buf[176], 0xFE);
    for (std::size_t i = 1; i < 8; ++i) EXPECT_EQ(buf[176 + i], 0xFF);
    // min_out_q @232
    EXPECT_EQ(buf[232], 0x10);
    EXPECT_EQ(buf[239], 0x09);
    EXPECT_EQ(buf[240], 0x08);
    EXPECT_EQ(buf[247], 0x01);
    // tlv_offset @304 = 312, tlv_length @306 = 0.
    EXPECT_EQ(buf[304], 0x38);
    EXPECT_EQ(buf[305], 0x01);
    EXPECT_EQ(buf[306], 0x00);
    const auto view = DeFiSignalView::parse(buf.data(), buf.size());
    ASSERT_TRUE(view) << errorName(view.error());
    EXPECT_TRUE(view->expected_profit_q() == profit);
}

TEST(LayoutBytes, BuilderIntoRefusesABufferShorterThanTheLayout) {
    std::array<std::uint8_t, 64> buf{};
    EXPECT_EQ(TradeBuilder::into(buf.data(), 63).error(), WireError::BufferTooSmall);
    EXPECT_EQ(TradeBuilder::into(nullptr, 64).error(), WireError::BufferTooSmall);
    EXPECT_EQ(QuoteBuilder::into(buf.data(), buf.size()).error(), WireError::BufferTooSmall);
    EXPECT_TRUE(TradeBuilder::into(buf.data(), 64));
}

TEST(LayoutBytes, BuilderIntoZeroFillsTheFixedPartOnly) {
    std::array<std::uint8_t, 70> buf{};
    buf.fill(0xAB);
    auto builder = must(TradeBuilder::into(buf.data(), buf.size()));
    builder.finish();
    for (std::size_t i = 32; i < 64; ++i) EXPECT_EQ(buf[i], 0) << "byte " << i;
    for (std::size_t i = 64; i < 70; ++i) EXPECT_EQ(buf[i], 0xAB) << "byte " << i;
}

// Enumeration fields take their own enumeration, and no other.
template <typename Builder, typename E>
concept CanSetSide = requires(Builder builder, E value) { builder.side(value); };
template <typename Builder, typename E>
concept CanSetOrderType = requires(Builder builder, E value) { builder.order_type(value); };
static_assert(CanSetSide<TradeBuilder&, Side>);
static_assert(!CanSetSide<TradeBuilder&, OrderType>);
static_assert(CanSetSide<TradeBuilder&, std::uint8_t>, "the raw setter stays, for numbers a newer peer defined");
static_assert(CanSetOrderType<OrderRequestBuilder&, OrderType>);
static_assert(!CanSetOrderType<OrderRequestBuilder&, TimeInForce>);

TEST(Layout, TypedEnumSettersWriteTheEnumerationsNumber) {
    std::array<std::uint8_t, OrderRequestLayout::SIZE> buffer{};
    auto order = *OrderRequestBuilder::into(buffer.data(), buffer.size());
    order.side(Side::Sell).order_type(OrderType::StopLimit).time_in_force(TimeInForce::FillOrKill);
    order.finish();
    const auto view = OrderRequestView::parse(buffer.data(), buffer.size());
    ASSERT_TRUE(view);
    EXPECT_EQ(view->side(), 2);
    EXPECT_EQ(view->order_type(), 4);
    EXPECT_EQ(view->time_in_force(), 4);
}
