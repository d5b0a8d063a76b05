#pragma once
// Every message layout of the protocol (W1, W7), declared once.
//
// Each X(name, type) is one field, in wire order, after the 32-byte header;
// offsets are the running sum of sizes (packed, no implicit padding: W1).
// docs/PROTOCOL.md lists the same tables; a test regenerates them from
// here and fails when the two disagree. Sizes stated by the design
// document are asserted at the end of this file.
//
// Units: prices and quantities of exchange instruments are signed or
// unsigned fixed point with 8 decimals (1.5 -> 150000000). On-chain amounts
// are raw token units (wei) as u64 where the document says so and u128
// elsewhere; *_q fields are Q64.64. Timestamps are ns since the Unix epoch.
#include "alphapulse/wire/detail/define_message.hpp"
#include "alphapulse/wire/enums.hpp"

namespace alphapulse::wire {

inline constexpr std::int64_t PRICE_SCALE = 100'000'000; ///< 8 decimals

using SideField = ft::enum8<EnumKind::Side>;
using OrderTypeField = ft::enum8<EnumKind::OrderType>;
using TimeInForceField = ft::enum8<EnumKind::TimeInForce>;
using OrderStatusField = ft::enum8<EnumKind::OrderStatus>;
using ExecTypeField = ft::enum8<EnumKind::ExecType>;
using LiquidityField = ft::enum8<EnumKind::Liquidity>;
using VenueStatusField = ft::enum8<EnumKind::VenueStatus>;
using SeverityField = ft::enum8<EnumKind::Severity>;
using MessageTypeField = ft::enum8<EnumKind::MessageType>;
using DomainField = ft::enum8<EnumKind::Domain>;

// ===================== Market data (1-19) =====================

#define ALPHAPULSE_TRADE(X)         \
    X(instrument_id, ft::instrument) \
    X(price, ft::i64)               \
    X(volume, ft::u64)              \
    X(side, SideField)              \
    X(flags, ft::u8)                \
    X(_padding, ft::pad<2>)
ALPHAPULSE_DEFINE_MESSAGE(Trade, Trade, 1, Fixed, ALPHAPULSE_TRADE)

#define ALPHAPULSE_QUOTE(X)          \
    X(instrument_id, ft::instrument) \
    X(bid_price, ft::i64)            \
    X(ask_price, ft::i64)            \
    X(bid_size, ft::u64)             \
    X(ask_size, ft::u64)             \
    X(_padding, ft::pad<4>)
ALPHAPULSE_DEFINE_MESSAGE(Quote, Quote, 1, Fixed, ALPHAPULSE_QUOTE)

/// Followed by bid_count bids then ask_count asks, best first, each a
/// BookLevel {price: i64, size: u64} of 16 bytes. is_snapshot: 1 = the whole
/// book (these levels replace it), 0 = changed levels (size 0 removes one).
#define ALPHAPULSE_ORDER_BOOK(X)     \
    X(instrument_id, ft::instrument) \
    X(update_id, ft::u64)            \
    X(bid_count, ft::u16)            \
    X(ask_count, ft::u16)            \
    X(is_snapshot, ft::u8)           \
    X(_padding, ft::pad<7>)
ALPHAPULSE_DEFINE_MESSAGE(OrderBook, OrderBook, 1, Levels, ALPHAPULSE_ORDER_BOOK)

/// Followed by symbol_len bytes of UTF-8 symbol and metadata_len bytes of
/// metadata entries (discovery.hpp). The document's InstrumentDiscoveredHeader.
#define ALPHAPULSE_DISCOVERY(X)      \
    X(instrument_id, ft::instrument) \
    X(decimals, ft::u8)              \
    X(symbol_len, ft::u8)            \
    X(metadata_len, ft::u16)
ALPHAPULSE_DEFINE_MESSAGE(InstrumentDiscovered, InstrumentDiscovered, 1, Discovery, ALPHAPULSE_DISCOVERY)
ALPHAPULSE_DEFINE_MESSAGE(PoolDiscovered, PoolDiscovered, 1, Discovery, ALPHAPULSE_DISCOVERY)

#define ALPHAPULSE_VENUE_UPDATE(X)   \
    X(venue, ft::venue16)            \
    X(status, VenueStatusField)      \
    X(flags, ft::u8)                 \
    X(instrument_count, ft::u32)     \
    X(effective_at, ft::u64)
ALPHAPULSE_DEFINE_MESSAGE(VenueUpdate, VenueUpdate, 1, Fixed, ALPHAPULSE_VENUE_UPDATE)

// ===================== Signals (20-39) =====================

#define ALPHAPULSE_ARBITRAGE(X)  \
    X(base_id, ft::instrument)   \
    X(quote_id, ft::instrument)  \
    X(venue_a, ft::venue16)      \
    X(venue_b, ft::venue16)      \
    X(spread_bps, ft::u32)       \
    X(estimated_profit, ft::i64) \
    X(confidence, ft::u16)       \
    X(expires_at, ft::u64)       \
    X(_padding, ft::pad<14>)
ALPHAPULSE_DEFINE_MESSAGE(ArbitrageOpportunity, ArbitrageOpportunity, 1, Fixed, ALPHAPULSE_ARBITRAGE)

#define ALPHAPULSE_POSITION_UPDATE(X) \
    X(instrument_id, ft::instrument)  \
    X(strategy_id, ft::u16)           \
    X(_padding, ft::pad<2>)           \
    X(quantity, ft::i64)              \
    X(avg_price, ft::i64)             \
    X(realized_pnl, ft::i64)          \
    X(unrealized_pnl, ft::i64)
ALPHAPULSE_DEFINE_MESSAGE(PositionUpdate, PositionUpdate, 1, Fixed, ALPHAPULSE_POSITION_UPDATE)

#define ALPHAPULSE_STRATEGY_ALERT(X) \
    X(strategy_id, ft::u16)          \
    X(severity, SeverityField)       \
    X(alert_code, ft::u8)            \
    X(instrument_id, ft::instrument) \
    X(value, ft::i64)                \
    X(threshold, ft::i64)            \
    X(message, ft::text<32>)
ALPHAPULSE_DEFINE_MESSAGE(StrategyAlert, StrategyAlert, 1, Fixed, ALPHAPULSE_STRATEGY_ALERT)

#define ALPHAPULSE_REBALANCE(X)      \
    X(strategy_id, ft::u16)          \
    X(urgency, ft::u8)               \
    X(_reserved, ft::pad<1>)         \
    X(instrument_id, ft::instrument) \
    X(current_weight_bps, ft::i32)   \
    X(target_weight_bps, ft::i32)    \
    X(target_quantity, ft::i64)      \
    X(reference_price, ft::i64)
ALPHAPULSE_DEFINE_MESSAGE(RebalanceSignal, RebalanceSignal, 1, Fixed, ALPHAPULSE_REBALANCE)

/// metric_type: 1 VaR, 2 gross exposure, 3 net exposure, 4 drawdown,
/// 5 leverage, 6 margin used. scope: 1 portfolio, 2 strategy, 3 instrument.
#define ALPHAPULSE_RISK_METRIC(X)    \
    X(metric_type, ft::u8)           \
    X(scope, ft::u8)                 \
    X(strategy_id, ft::u16)          \
    X(instrument_id, ft::instrument) \
    X(value, ft::i64)                \
    X(limit, ft::i64)                \
    X(horizon_sec, ft::u32)          \
    X(breached, ft::u8)              \
    X(_padding, ft::pad<3>)
ALPHAPULSE_DEFINE_MESSAGE(RiskMetric, RiskMetric, 1, Fixed, ALPHAPULSE_RISK_METRIC)

#define ALPHAPULSE_PERFORMANCE(X)   \
    X(strategy_id, ft::u16)         \
    X(_padding, ft::pad<6>)         \
    X(period_start, ft::u64)        \
    X(period_end, ft::u64)          \
    X(realized_pnl, ft::i64)        \
    X(unrealized_pnl, ft::i64)      \
    X(volume, ft::u64)              \
    X(trade_count, ft::u32)         \
    X(win_count, ft::u32)           \
    X(sharpe_milli, ft::i32)        \
    X(max_drawdown_bps, ft::u32)
ALPHAPULSE_DEFINE_MESSAGE(PerformanceUpdate, PerformanceUpdate, 1, Fixed, ALPHAPULSE_PERFORMANCE)

#define ALPHAPULSE_POOL_ARBITRAGE(X)  \
    X(pool_a_id, ft::instrument)      \
    X(pool_b_id, ft::instrument)      \
    X(token0_id, ft::instrument)      \
    X(token1_id, ft::instrument)      \
    X(pool_a_reserve0, ft::u64)       \
    X(pool_a_reserve1, ft::u64)       \
    X(pool_b_reserve0, ft::u64)       \
    X(pool_b_reserve1, ft::u64)       \
    X(optimal_amount_in, ft::u64)     \
    X(expected_profit_wei, ft::u64)   \
    X(gas_cost_gwei, ft::u32)         \
    X(confidence, ft::u16)            \
    X(block_number, ft::u32)          \
    X(expires_at_block, ft::u32)      \
    X(_padding, ft::pad<2>)
ALPHAPULSE_DEFINE_MESSAGE(PoolArbitrageSignal, PoolArbitrageSignal, 1, Fixed, ALPHAPULSE_POOL_ARBITRAGE)

#define ALPHAPULSE_LIQUIDITY_IMBALANCE(X) \
    X(pool_id, ft::instrument)            \
    X(token0_id, ft::instrument)          \
    X(token1_id, ft::instrument)          \
    X(current_ratio, ft::u64)             \
    X(historical_avg_ratio, ft::u64)      \
    X(deviation_bps, ft::u32)             \
    X(volume_24h, ft::u64)                \
    X(fee_tier, ft::u32)                  \
    X(_padding, ft::pad<4>)
ALPHAPULSE_DEFINE_MESSAGE(LiquidityImbalance, LiquidityImbalance, 1, Fixed, ALPHAPULSE_LIQUIDITY_IMBALANCE)

#define ALPHAPULSE_IMPERMANENT_LOSS(X) \
    X(pool_id, ft::instrument)         \
    X(token0_id, ft::instrument)       \
    X(token1_id, ft::instrument)       \
    X(entry_price_ratio, ft::u64)      \
    X(current_price_ratio, ft::u64)    \
    X(il_bps, ft::u32)                 \
    X(position_value, ft::u64)
ALPHAPULSE_DEFINE_MESSAGE(ImpermanentLossAlert, ImpermanentLossAlert, 1, Fixed, ALPHAPULSE_IMPERMANENT_LOSS)

/// opportunity_type: 1 sandwich, 2 backrun, 3 liquidation, 4 arbitrage.
#define ALPHAPULSE_MEV(X)                 \
    X(opportunity_type, ft::u8)           \
    X(chain_id, ft::u8)                   \
    X(priority, ft::u8)                   \
    X(_reserved, ft::pad<1>)              \
    X(target_tx_hash, ft::bytes<32>)      \
    X(estimated_profit_wei, ft::u64)      \
    X(max_gas_price_gwei, ft::u64)        \
    X(target_block, ft::u32)              \
    X(deadline_block, ft::u32)            \
    X(victim_amount_in, ft::u64)          \
    X(optimal_frontrun_amount, ft::u64)   \
    X(_padding, ft::pad<4>)
ALPHAPULSE_DEFINE_MESSAGE(MEVOpportunity, MEVOpportunity, 1, Fixed, ALPHAPULSE_MEV)

/// provider: 1 Aave, 2 Balancer, 3 dYdX, 4 UniswapV3 flash swap, 5 Maker.
#define ALPHAPULSE_FLASH_LOAN(X)      \
    X(provider, ft::u8)               \
    X(flags, ft::u8)                  \
    X(fee_bps, ft::u16)               \
    X(chain_id, ft::u32)              \
    X(asset_id, ft::instrument)       \
    X(asset_address, ft::bytes<20>)   \
    X(amount, ft::u128)               \
    X(expected_profit, ft::i128)      \
    X(deadline_block, ft::u64)
ALPHAPULSE_DEFINE_MESSAGE(FlashLoanSignal, FlashLoanSignal, 1, Fixed, ALPHAPULSE_FLASH_LOAN)

#define ALPHAPULSE_YIELD_FARMING(X)     \
    X(pool_id, ft::instrument)          \
    X(reward_token_id, ft::instrument)  \
    X(chain_id, ft::u32)                \
    X(apr_bps, ft::u32)                 \
    X(tvl, ft::u128)                    \
    X(reward_rate, ft::u128)            \
    X(staked_amount, ft::u128)          \
    X(updated_block, ft::u64)
ALPHAPULSE_DEFINE_MESSAGE(YieldFarmingUpdate, YieldFarmingUpdate, 1, Fixed, ALPHAPULSE_YIELD_FARMING)

#define ALPHAPULSE_GAS_OPTIMIZATION(X) \
    X(chain_id, ft::u32)               \
    X(urgency, ft::u8)                 \
    X(_padding, ft::pad<3>)            \
    X(base_fee_wei, ft::u64)           \
    X(priority_fee_wei, ft::u64)       \
    X(max_fee_wei, ft::u64)            \
    X(target_block, ft::u64)           \
    X(pending_tx_count, ft::u32)       \
    X(congestion_bps, ft::u32)
ALPHAPULSE_DEFINE_MESSAGE(GasOptimizationSignal, GasOptimizationSignal, 1, Fixed, ALPHAPULSE_GAS_OPTIMIZATION)

/// The document's unified DeFi signal (312 bytes by its own fields: W1),
/// followed by TLV extensions (tlv.hpp); tlv_offset is always 312.
#define ALPHAPULSE_DEFI_SIGNAL(X)            \
    X(strategy_id, ft::u16)                  \
    X(signal_id, ft::u64)                    \
    X(signal_nonce, ft::u32)                 \
    X(chain_id, ft::u32)                     \
    X(version, ft::u8)                       \
    X(adapter_id, ft::u8)                    \
    X(base_instrument, ft::instrument)       \
    X(quote_instrument, ft::instrument)      \
    X(base_token_addr, ft::bytes<20>)        \
    X(quote_token_addr, ft::bytes<20>)       \
    X(venue_a_router, ft::bytes<20>)         \
    X(venue_b_router, ft::bytes<20>)         \
    X(venue_a_type, ft::u8)                  \
    X(venue_b_type, ft::u8)                  \
    X(fee_a_ppm, ft::u32)                    \
    X(fee_b_ppm, ft::u32)                    \
    X(direction_flag, ft::u8)                \
    X(confidence, ft::u8)                    \
    X(expected_profit_q, ft::i128)           \
    X(required_capital_q, ft::u128)          \
    X(gas_estimate_q, ft::u128)              \
    X(amount_in_q, ft::u128)                 \
    X(min_out_q, ft::u128)                   \
    X(optimal_size_q, ft::u128)              \
    X(observed_block, ft::u64)               \
    X(valid_through_block, ft::u64)          \
    X(state_hash, ft::u64)                   \
    X(execution_flags, ft::u32)              \
    X(slippage_bps, ft::u16)                 \
    X(price_impact_bps, ft::u16)             \
    X(replace_signal_id, ft::u64)            \
    X(tlv_offset, ft::u16)                   \
    X(tlv_length, ft::u16)                   \
    X(created_at_sec, ft::u32)
ALPHAPULSE_DEFINE_MESSAGE(DeFiSignal, DeFiSignal, 1, Tlv, ALPHAPULSE_DEFI_SIGNAL)

// ===================== Execution (40-59) =====================
// FIX/OUCH semantics: client_order_id is the sender's id for the request,
// orig_client_order_id names the order a cancel or modify refers to.

#define ALPHAPULSE_ORDER_REQUEST(X)  \
    X(client_order_id, ft::u64)      \
    X(instrument_id, ft::instrument) \
    X(side, SideField)               \
    X(order_type, OrderTypeField)    \
    X(time_in_force, TimeInForceField) \
    X(flags, ft::u8)                 \
    X(price, ft::i64)                \
    X(stop_price, ft::i64)           \
    X(quantity, ft::u64)             \
    X(account_id, ft::u32)           \
    X(strategy_id, ft::u16)          \
    X(_padding, ft::pad<2>)          \
    X(signal_id, ft::u64)
ALPHAPULSE_DEFINE_MESSAGE(OrderRequest, OrderRequest, 1, Fixed, ALPHAPULSE_ORDER_REQUEST)

#define ALPHAPULSE_ORDER_STATUS(X)   \
    X(client_order_id, ft::u64)      \
    X(venue_order_id, ft::u64)       \
    X(instrument_id, ft::instrument) \
    X(status, OrderStatusField)      \
    X(side, SideField)               \
    X(reject_reason, ft::u8)         \
    X(_padding, ft::pad<1>)          \
    X(price, ft::i64)                \
    X(quantity, ft::u64)             \
    X(filled_quantity, ft::u64)      \
    X(leaves_quantity, ft::u64)      \
    X(avg_fill_price, ft::i64)
ALPHAPULSE_DEFINE_MESSAGE(OrderStatus, OrderStatus, 1, Fixed, ALPHAPULSE_ORDER_STATUS)

#define ALPHAPULSE_FILL(X)           \
    X(client_order_id, ft::u64)      \
    X(venue_order_id, ft::u64)       \
    X(fill_id, ft::u64)              \
    X(instrument_id, ft::instrument) \
    X(side, SideField)               \
    X(liquidity, LiquidityField)     \
    X(_padding, ft::pad<2>)          \
    X(price, ft::i64)                \
    X(quantity, ft::u64)             \
    X(fee, ft::i64)                  \
    X(executed_at, ft::u64)
ALPHAPULSE_DEFINE_MESSAGE(Fill, Fill, 1, Fixed, ALPHAPULSE_FILL)

#define ALPHAPULSE_ORDER_CANCEL(X)    \
    X(client_order_id, ft::u64)       \
    X(orig_client_order_id, ft::u64)  \
    X(instrument_id, ft::instrument)  \
    X(side, SideField)                \
    X(reason, ft::u8)                 \
    X(_padding, ft::pad<2>)
ALPHAPULSE_DEFINE_MESSAGE(OrderCancel, OrderCancel, 1, Fixed, ALPHAPULSE_ORDER_CANCEL)

#define ALPHAPULSE_ORDER_MODIFY(X)    \
    X(client_order_id, ft::u64)       \
    X(orig_client_order_id, ft::u64)  \
    X(instrument_id, ft::instrument)  \
    X(side, SideField)                \
    X(_padding, ft::pad<3>)           \
    X(new_price, ft::i64)             \
    X(new_quantity, ft::u64)
ALPHAPULSE_DEFINE_MESSAGE(OrderModify, OrderModify, 1, Fixed, ALPHAPULSE_ORDER_MODIFY)

#define ALPHAPULSE_EXECUTION_REPORT(X) \
    X(client_order_id, ft::u64)        \
    X(venue_order_id, ft::u64)         \
    X(exec_id, ft::u64)                \
    X(instrument_id, ft::instrument)   \
    X(exec_type, ExecTypeField)        \
    X(order_status, OrderStatusField)  \
    X(side, SideField)                 \
    X(reject_reason, ft::u8)           \
    X(last_price, ft::i64)             \
    X(last_quantity, ft::u64)          \
    X(cumulative_quantity, ft::u64)    \
    X(leaves_quantity, ft::u64)        \
    X(avg_price, ft::i64)
ALPHAPULSE_DEFINE_MESSAGE(ExecutionReport, ExecutionReport, 1, Fixed, ALPHAPULSE_EXECUTION_REPORT)

// ===================== System (100-109) =====================

/// status: 1 ok, 2 degraded, 3 stopping.
#define ALPHAPULSE_HEARTBEAT(X)     \
    X(sender_pid, ft::u32)          \
    X(status, ft::u8)               \
    X(_padding, ft::pad<3>)         \
    X(uptime_ns, ft::u64)           \
    X(messages_sent, ft::u64)       \
    X(messages_received, ft::u64)
ALPHAPULSE_DEFINE_MESSAGE(Heartbeat, Heartbeat, 1, Fixed, ALPHAPULSE_HEARTBEAT)

/// Brackets a state snapshot: phase 1 begins it, 2 ends it.
#define ALPHAPULSE_SNAPSHOT(X)      \
    X(snapshot_id, ft::u64)         \
    X(last_sequence, ft::u64)       \
    X(item_count, ft::u32)          \
    X(domain, DomainField)          \
    X(phase, ft::u8)                \
    X(_padding, ft::pad<2>)
ALPHAPULSE_DEFINE_MESSAGE(Snapshot, Snapshot, 1, Fixed, ALPHAPULSE_SNAPSHOT)

#define ALPHAPULSE_ERROR(X)             \
    X(error_code, ft::u16)              \
    X(severity, SeverityField)          \
    X(related_type, MessageTypeField)   \
    X(related_sequence, ft::u64)        \
    X(message, ft::text<52>)
ALPHAPULSE_DEFINE_MESSAGE(Error, Error, 1, Fixed, ALPHAPULSE_ERROR)

#define ALPHAPULSE_CONFIG_UPDATE(X) \
    X(config_key, ft::text<32>)     \
    X(value, ft::i64)               \
    X(config_version, ft::u32)      \
    X(domain, DomainField)          \
    X(_padding, ft::pad<3>)
ALPHAPULSE_DEFINE_MESSAGE(ConfigUpdate, ConfigUpdate, 1, Fixed, ALPHAPULSE_CONFIG_UPDATE)

/// Sent by a client to its relay (never forwarded): from now on, send me
/// only these message types. Bit t of message_types (byte t / 8, bit t % 8)
/// selects type t; all zero = send me nothing (a pure producer). A client
/// that never subscribes receives every type of the relay's domain.
/// `flags` asks for recovery (subscribe.hpp): resume where I stopped, a
/// snapshot of the last values, acknowledgements of what I produce; the
/// resume points follow the fixed part (size rule Opaque, so a Subscribe
/// without them is the 72-byte frame it always was).
#define ALPHAPULSE_SUBSCRIBE(X)        \
    X(message_types, ft::bytes<32>)    \
    X(flags, ft::u8)                   \
    X(_padding, ft::pad<7>)
ALPHAPULSE_DEFINE_MESSAGE(Subscribe, Subscribe, 1, Opaque, ALPHAPULSE_SUBSCRIBE)

/// A message schema published at run time (libs/schema): the schema of
/// (schema_type, schema_version) as one UTF-8 JSON object in the schema file
/// format of docs/design/schema.md, in the bytes after the fixed part (the
/// size rule is Opaque: payload_size = 8 + the JSON's length). Receivers that
/// keep a schema registry register it; relays forward it like any system
/// message. The JSON's "type" and "version" must equal schema_type and
/// schema_version.
#define ALPHAPULSE_SCHEMA_DEFINITION(X) \
    X(schema_type, MessageTypeField)    \
    X(schema_version, ft::u8)           \
    X(_padding, ft::pad<6>)
ALPHAPULSE_DEFINE_MESSAGE(SchemaDefinition, SchemaDefinition, 1, Opaque, ALPHAPULSE_SCHEMA_DEFINITION)

// ===================== Custom (200) =====================

/// The generic custom message: an opaque payload. Types 201-255 (and new
/// versions of 200) are described by schemas registered at run time.
#define ALPHAPULSE_CUSTOM(X)
ALPHAPULSE_DEFINE_MESSAGE(Custom, Custom, 1, Opaque, ALPHAPULSE_CUSTOM)

// ===================== Sizes =====================
// The design document's sizes where its fields agree with them; W1's
// computed sizes where they do not. Changing any of these breaks the wire.
static_assert(TradeLayout::SIZE == 64, "TradeMessage is 64 bytes on the wire");
static_assert(QuoteLayout::SIZE == 80, "QuoteMessage is 80 bytes on the wire");
static_assert(ArbitrageOpportunityLayout::SIZE == 96, "ArbitrageMessage is 96 bytes on the wire");
static_assert(PoolArbitrageSignalLayout::SIZE == 144, "PoolArbitrageSignal is 144 bytes by its fields (W1)");
static_assert(LiquidityImbalanceLayout::SIZE == 104, "LiquidityImbalanceSignal is 104 bytes by its fields (W1)");
static_assert(MEVOpportunityLayout::SIZE == 112, "MEVOpportunitySignal is 112 bytes on the wire");
static_assert(DeFiSignalLayout::SIZE == 312, "DeFiSignal is 312 bytes by its fields (W1)");
static_assert(InstrumentDiscoveredLayout::SIZE == 48, "InstrumentDiscoveredHeader is 48 bytes (W1, W6)");
static_assert(PoolDiscoveredLayout::SIZE == 48, "PoolDiscovered shares the 48-byte discovery header (W6)");
static_assert(TradeLayout::OFFSET_instrument_id == 32 && TradeLayout::OFFSET_price == 44 &&
                  TradeLayout::OFFSET_volume == 52 && TradeLayout::OFFSET_side == 60,
              "Trade field offsets are part of the wire");
static_assert(DeFiSignalLayout::OFFSET_tlv_offset == 304 && DeFiSignalLayout::OFFSET_expected_profit_q == 168,
              "DeFiSignal field offsets are part of the wire");
// Ours (W7): fixed by the first release of this protocol.
static_assert(OrderBookLayout::SIZE == 64 && VenueUpdateLayout::SIZE == 48);
static_assert(PositionUpdateLayout::SIZE == 80 && StrategyAlertLayout::SIZE == 96);
static_assert(RebalanceSignalLayout::SIZE == 72 && RiskMetricLayout::SIZE == 72);
static_assert(PerformanceUpdateLayout::SIZE == 96 && ImpermanentLossAlertLayout::SIZE == 96);
static_assert(FlashLoanSignalLayout::SIZE == 112 && YieldFarmingUpdateLayout::SIZE == 120);
static_assert(GasOptimizationSignalLayout::SIZE == 80 && OrderRequestLayout::SIZE == 96);
static_assert(OrderStatusLayout::SIZE == 104 && FillLayout::SIZE == 104);
static_assert(OrderCancelLayout::SIZE == 64 && OrderModifyLayout::SIZE == 80);
static_assert(ExecutionReportLayout::SIZE == 112 && HeartbeatLayout::SIZE == 64);
static_assert(SnapshotLayout::SIZE == 56 && ErrorLayout::SIZE == 96);
static_assert(ConfigUpdateLayout::SIZE == 80 && CustomLayout::SIZE == 32);
static_assert(SubscribeLayout::SIZE == 72);
static_assert(SchemaDefinitionLayout::SIZE == 40);

/// Price level of an OrderBook message.
struct BookLevel {
    std::int64_t price;
    std::uint64_t size;
    static constexpr std::size_t SIZE = 16;
};

} // namespace alphapulse::wire
