#pragma once
// Shared helpers of the wire fuzz targets: read every field of a view so
// that ASan sees every byte an accessor touches, and abort on a broken
// invariant (libFuzzer reports the abort as a crash, with the input).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>
#include <type_traits>

#include "alphapulse/wire.hpp"

namespace alphapulse::wire::fuzz {

/// Every message with its field list: X(Name, FIELDS).
#define ALPHAPULSE_FUZZ_MESSAGES(X)                              \
    X(Trade, ALPHAPULSE_TRADE)                                   \
    X(Quote, ALPHAPULSE_QUOTE)                                   \
    X(OrderBook, ALPHAPULSE_ORDER_BOOK)                          \
    X(InstrumentDiscovered, ALPHAPULSE_DISCOVERY)                \
    X(PoolDiscovered, ALPHAPULSE_DISCOVERY)                      \
    X(VenueUpdate, ALPHAPULSE_VENUE_UPDATE)                      \
    X(ArbitrageOpportunity, ALPHAPULSE_ARBITRAGE)                \
    X(PositionUpdate, ALPHAPULSE_POSITION_UPDATE)                \
    X(StrategyAlert, ALPHAPULSE_STRATEGY_ALERT)                  \
    X(RebalanceSignal, ALPHAPULSE_REBALANCE)                     \
    X(RiskMetric, ALPHAPULSE_RISK_METRIC)                        \
    X(PerformanceUpdate, ALPHAPULSE_PERFORMANCE)                 \
    X(PoolArbitrageSignal, ALPHAPULSE_POOL_ARBITRAGE)            \
    X(LiquidityImbalance, ALPHAPULSE_LIQUIDITY_IMBALANCE)        \
    X(ImpermanentLossAlert, ALPHAPULSE_IMPERMANENT_LOSS)         \
    X(MEVOpportunity, ALPHAPULSE_MEV)                            \
    X(FlashLoanSignal, ALPHAPULSE_FLASH_LOAN)                    \
    X(YieldFarmingUpdate, ALPHAPULSE_YIELD_FARMING)              \
    X(GasOptimizationSignal, ALPHAPULSE_GAS_OPTIMIZATION)        \
    X(DeFiSignal, ALPHAPULSE_DEFI_SIGNAL)                        \
    X(OrderRequest, ALPHAPULSE_ORDER_REQUEST)                    \
    X(OrderStatus, ALPHAPULSE_ORDER_STATUS)                      \
    X(Fill, ALPHAPULSE_FILL)                                     \
    X(OrderCancel, ALPHAPULSE_ORDER_CANCEL)                      \
    X(OrderModify, ALPHAPULSE_ORDER_MODIFY)                      \
    X(ExecutionReport, ALPHAPULSE_EXECUTION_REPORT)              \
    X(Heartbeat, ALPHAPULSE_HEARTBEAT)                           \
    X(Snapshot, ALPHAPULSE_SNAPSHOT)                             \
    X(Error, ALPHAPULSE_ERROR)                                   \
    X(ConfigUpdate, ALPHAPULSE_CONFIG_UPDATE)                    \
    X(Subscribe, ALPHAPULSE_SUBSCRIBE)                           \
    X(SchemaDefinition, ALPHAPULSE_SCHEMA_DEFINITION)            \
    X(Custom, ALPHAPULSE_CUSTOM)

[[noreturn]] inline void invariantFailed(const char* what, const char* file, int line) {
    std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", what, file, line);
    std::abort();
}
#define ALPHAPULSE_FUZZ_CHECK(cond) \
    ((cond) ? static_cast<void>(0) : ::alphapulse::wire::fuzz::invariantFailed(#cond, __FILE__, __LINE__))

/// Folded into a volatile so that no read is optimised away.
inline volatile std::uint64_t g_sink = 0;

inline void touchBytes(const std::uint8_t* p, std::size_t n) {
    std::uint64_t acc = 0;
    for (std::size_t i = 0; i < n; ++i) acc = acc * 31 + p[i];
    g_sink = g_sink + acc;
}

template <typename T>
void consume(const T& value) {
    if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, Uint128> || std::is_same_v<T, Int128>) {
        g_sink = g_sink + static_cast<std::uint64_t>(value);
    } else if constexpr (std::is_same_v<T, InstrumentId>) {
        g_sink = g_sink + value.venue + value.assetType + value.reserved + value.assetId;
        // Decoding paths of arbitrary ids: must never read or crash past the 12 bytes.
        const WireError valid = value.validate();
        const std::string text = value.text();
        ALPHAPULSE_FUZZ_CHECK(!text.empty());
        if (valid == WireError::Ok) {
            const auto back = InstrumentId::fromText(text);
            ALPHAPULSE_FUZZ_CHECK(back.ok() && *back == value);
        }
        const auto key = value.compactKey();
        if (key) ALPHAPULSE_FUZZ_CHECK(InstrumentId::fromCompactKey(*key) == value);
    } else if constexpr (std::is_same_v<T, std::string_view>) {
        touchBytes(reinterpret_cast<const std::uint8_t*>(value.data()), value.size());
    } else {
        // std::span<const std::uint8_t, N> (bytes and padding)
        touchBytes(value.data(), value.size());
    }
}

#define ALPHAPULSE_FUZZ_READ_FIELD(name, type) ::alphapulse::wire::fuzz::consume(view.name());

/// Reads every header field of a frame.
inline void consumeFrame(const FrameView& frame) {
    consume(frame.messageType());
    consume(frame.version());
    consume(frame.source());
    consume(frame.flags());
    consume(frame.payloadSize());
    consume(frame.sequence());
    consume(frame.timestamp());
    consume(frame.checksum());
    consume(static_cast<std::uint8_t>(frame.domain()));
    const MessageHeader h = frame.header();
    ALPHAPULSE_FUZZ_CHECK(h.magic == header::MAGIC);
    ALPHAPULSE_FUZZ_CHECK(h.payloadSize + header::SIZE == frame.size());
    touchBytes(frame.data(), frame.size());
}

/// Reads every field of a discovery message (W6) and its metadata values;
/// the metadata ends where the frame ends, and a pool carries its tokens.
inline void consumeDiscovery(const DiscoveryView& d) {
    consume(d.instrumentId());
    consume(d.decimals());
    consume(d.symbol());
    ALPHAPULSE_FUZZ_CHECK(d.metadata() + d.metadataLen() == d.frame().data() + d.frame().size());
    consume(d.name());
    if (const auto a = d.address()) touchBytes(a->data(), a->size());
    if (const auto c = d.chainId()) consume(*c);
    if (const auto p = d.poolTokens()) {
        const auto& view = *p;
        ALPHAPULSE_META_POOL_TOKENS(ALPHAPULSE_FUZZ_READ_FIELD)
    }
    ALPHAPULSE_FUZZ_CHECK(!d.isPool() || d.poolTokens().has_value());
}

/// Bitwise CRC-32 (W3), the slow obvious reference for frameChecksum.
inline std::uint32_t referenceCrc(std::uint32_t crc, const std::uint8_t* p, std::size_t n) {
    crc = ~crc;
    for (std::size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

inline std::uint32_t referenceFrameChecksum(const std::uint8_t* frame, std::size_t len) {
    return referenceCrc(referenceCrc(0, frame, header::CHECKSUM_OFFSET), frame + header::SIZE, len - header::SIZE);
}

} // namespace alphapulse::wire::fuzz
