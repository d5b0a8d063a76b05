// Prints the generated sections of docs/PROTOCOL.md from the wire library's
// own tables (layouts, extensions, discovery metadata, venues, enumerations,
// rejection reasons), so the document cannot drift from the code.
//
//   protocol_tables              all sections, each between
//                                <!-- BEGIN GENERATED: name --> / <!-- END GENERATED: name -->
//
// test/protocol/check_protocol_doc.py compares (or, with --update, replaces)
// the sections in docs/PROTOCOL.md; scripts/gen-protocol-doc.sh runs both.
// The format is parsed by test/conformance/conformance.py: change both together.
#include <alphapulse/schema/definition.hpp>
#include <alphapulse/wire.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace alphapulse::wire;

std::string str(std::string_view s) { return std::string{s}; }

std::string enumKindName(EnumKind kind) { return std::string(alphapulse::schema::enumKindName(kind)); }

std::string typeName(const FieldDescriptor& f) {
    std::string base;
    switch (f.kind) {
    case FieldKind::U8: base = "u8"; break;
    case FieldKind::U16: base = "u16"; break;
    case FieldKind::U32: base = "u32"; break;
    case FieldKind::U64: base = "u64"; break;
    case FieldKind::I8: base = "i8"; break;
    case FieldKind::I16: base = "i16"; break;
    case FieldKind::I32: base = "i32"; break;
    case FieldKind::I64: base = "i64"; break;
    case FieldKind::U128: base = "u128"; break;
    case FieldKind::I128: base = "i128"; break;
    case FieldKind::Instrument: base = "InstrumentId"; break;
    case FieldKind::Bytes: base = "bytes[" + std::to_string(f.size) + "]"; break;
    case FieldKind::Text: base = "text[" + std::to_string(f.size) + "]"; break;
    case FieldKind::Padding: base = "pad[" + std::to_string(f.size) + "]"; break;
    }
    if (f.enumKind != EnumKind::None) base += " (" + enumKindName(f.enumKind) + ")";
    return base;
}

bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool startsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

/// Units and meanings. Kept here, next to the tables, so the notes column is
/// generated with them; the offsets, sizes and types come from the library.
std::string fieldNote(std::string_view layout, const FieldDescriptor& f) {
    const std::string_view n = f.name;
    // Message-specific meanings first (from the comments in messages.hpp).
    if (layout == "OrderBook" && n == "is_snapshot") return "1 = whole book (replaces it), 0 = changed levels (size 0 removes a level)";
    if ((layout == "InstrumentDiscovered" || layout == "PoolDiscovered") && n == "symbol_len") return "bytes of UTF-8 symbol after the fixed part";
    if ((layout == "InstrumentDiscovered" || layout == "PoolDiscovered") && n == "metadata_len") return "bytes of metadata entries after the symbol";
    if ((layout == "InstrumentDiscovered" || layout == "PoolDiscovered") && n == "decimals") return "decimal places of the instrument's amounts";
    if (layout == "DeFiSignal" && n == "tlv_offset") return "always 312 (from the start of the frame)";
    if (layout == "DeFiSignal" && n == "tlv_length") return "bytes of TLV extensions after the fixed part";
    if (layout == "DeFiSignal" && n == "confidence") return "0-100";
    if (layout == "DeFiSignal" && n == "direction_flag") return "0 = sell base, 1 = buy base";
    if (layout == "DeFiSignal" && (n == "venue_a_type" || n == "venue_b_type")) return "1 UniV2, 2 UniV3, 3 Curve; 0 unused";
    if (layout == "DeFiSignal" && n == "version") return "schema version of the signal body";
    if (layout == "DeFiSignal" && n == "strategy_id") return "1 TriangularArb, 2 CrossDex, ...";
    if (layout == "DeFiSignal" && n == "signal_nonce") return "monotonic per (source, strategy_id)";
    if (layout == "DeFiSignal" && n == "replace_signal_id") return "if > 0, supersedes this signal";
    if (layout == "DeFiSignal" && n == "created_at_sec") return "seconds since the Unix epoch (analytics only)";
    if (layout == "DeFiSignal" && n == "state_hash") return "pool state hash";
    if (layout == "DeFiSignal" && n == "execution_flags") return "tx policy, priority, approvals (bit field)";
    if (layout == "RiskMetric" && n == "metric_type") return "1 VaR, 2 gross exposure, 3 net exposure, 4 drawdown, 5 leverage, 6 margin used";
    if (layout == "RiskMetric" && n == "scope") return "1 portfolio, 2 strategy, 3 instrument";
    if (layout == "RiskMetric" && n == "breached") return "1 when value is beyond limit";
    if (layout == "MEVOpportunity" && n == "opportunity_type") return "1 sandwich, 2 backrun, 3 liquidation, 4 arbitrage";
    if (layout == "MEVOpportunity" && n == "chain_id") return "EVM chain id (u8, as the document has it)";
    if (layout == "MEVOpportunity" && n == "priority") return "0-255, higher = more urgent";
    if (layout == "FlashLoanSignal" && n == "provider") return "1 Aave, 2 Balancer, 3 dYdX, 4 UniswapV3 flash swap, 5 Maker";
    if (layout == "Heartbeat" && n == "status") return "1 ok, 2 degraded, 3 stopping";
    if (layout == "Snapshot" && n == "phase") return "1 begins the snapshot, 2 ends it; from a relay also 3 acknowledgement (section 5)";
    if ((layout == "ArbitrageOpportunity" || layout == "PoolArbitrageSignal") && n == "confidence") return "0-10000";
    if (layout == "LiquidityImbalance" && n == "fee_tier") return "hundredths of a basis point (3000 = 0.3%)";
    if (layout == "LiquidityImbalance" && n == "historical_avg_ratio") return "30-day average, same scale as current_ratio";
    if (layout == "StrategyAlert" && n == "alert_code") return "strategy-defined";
    if (layout == "OrderCancel" && n == "reason") return "sender-defined cancel reason code";
    if (layout == "MEVBundle" && n == "target_builder") return "preferred builder id";
    if (layout == "MEVBundle" && n == "bundle_uuid") return "bundle correlation id";
    if (layout == "MEVBundle" && n == "max_bundle_size") return "maximum transactions in the bundle";
    if (layout == "MEVBundle" && n == "target_block_range") return "blocks ahead to target (1-3)";
    if (layout == "MEVBundle" && n == "submission_strategy") return "1 Flashbots, 2 MEV-Share, ...";
    if (layout == "MEVBundle" && n == "relay_preferences") return "bit field of preferred relays";
    if (layout == "TertiaryVenue" && n == "venue_c_type") return "1 UniV2, 2 UniV3, 3 Curve";
    if (layout == "TertiaryVenue" && n == "venue_c_router") return "third router address";
    if (layout == "PoolAddresses") return f.kind == FieldKind::Padding ? "zero on write, ignored on read" : "pool contract (for quoter calls)";
    if (layout == "Subscribe" && n == "message_types") return "bit t (byte t / 8, bit t % 8) selects type t; all zero = nothing";
    if (layout == "Subscribe" && n == "flags") return "bit 0 resume, bit 1 snapshot, bit 2 acks (section 5); 0 = none";
    if (layout == "OrderBook" && n == "bid_count") return "bid levels that follow the fixed part";
    if (layout == "OrderBook" && n == "ask_count") return "ask levels that follow the bids";
    if (n == "reject_reason") return "0 = none; venue/engine-defined code";
    if (n == "orig_client_order_id") return "client_order_id of the order this refers to";
    if (n == "client_order_id") return "sender's id for this request (FIX ClOrdID)";
    if (n == "venue_order_id") return "the venue's order id (FIX OrderID)";
    // By kind.
    switch (f.kind) {
    case FieldKind::Padding: return "zero on write, ignored on read";
    case FieldKind::Text: return "UTF-8, zero-filled after the text";
    case FieldKind::Instrument: return "12 bytes, see InstrumentId";
    case FieldKind::Bytes: return f.size == 20 ? "EVM address (20 bytes)" : (f.size == 32 ? "32-byte hash" : "bytes");
    default: break;
    }
    if (f.enumKind != EnumKind::None) return "see " + enumKindName(f.enumKind);
    // By name: units.
    if (endsWith(n, "_q")) return f.kind == FieldKind::I128 ? "Q64.64 fixed point, signed" : "Q64.64 fixed point";
    if (endsWith(n, "_gwei")) return "gwei";
    if (endsWith(n, "_wei")) return "wei (raw token units)";
    if (endsWith(n, "_bps")) return "basis points";
    if (endsWith(n, "_ppm")) return "parts per million";
    if (endsWith(n, "_ns")) return "nanoseconds";
    if (n == "chain_id") return "EVM chain id";
    if (endsWith(n, "price") || n == "estimated_profit" || endsWith(n, "pnl") || n == "fee" || n == "value" ||
        n == "threshold" || n == "limit") {
        return "fixed point, 8 decimals (x 1e8)";
    }
    if (n == "volume" || endsWith(n, "quantity") || endsWith(n, "_size") || n == "volume_24h") {
        return "fixed point, 8 decimals (x 1e8)";
    }
    if (endsWith(n, "_ratio")) return "fixed point, 8 decimals (x 1e8)";
    if (startsWith(n, "pool_") && n.find("reserve") != std::string_view::npos) return "raw token units";
    if (n == "optimal_amount_in" || n == "victim_amount_in" || n == "optimal_frontrun_amount" || n == "amount" ||
        n == "expected_profit" || n == "tvl" || n == "reward_rate" || n == "staked_amount" || n == "position_value") {
        return "raw token units";
    }
    if (n == "expires_at" || n == "effective_at" || n == "period_start" || n == "period_end" || n == "executed_at") {
        return "ns since the Unix epoch";
    }
    if (endsWith(n, "_block") || n == "block_number" || n == "observed_block") return "block number";
    if (n == "sharpe_milli") return "Sharpe ratio x 1000";
    if (n == "fee_tier") return "hundredths of a basis point (3000 = 0.3%)";
    return "";
}

std::string sizeRuleName(SizeRule rule) {
    switch (rule) {
    case SizeRule::Fixed: return "Fixed";
    case SizeRule::Tlv: return "Tlv";
    case SizeRule::Discovery: return "Discovery";
    case SizeRule::Levels: return "Levels";
    case SizeRule::Opaque: return "Opaque";
    }
    return "?";
}

std::string payloadRule(const MessageLayout& l) {
    const std::string fixed = std::to_string(l.size - header::SIZE);
    switch (l.rule) {
    case SizeRule::Fixed: return "payload_size = " + fixed + " exactly";
    case SizeRule::Tlv: return "payload_size = " + fixed + " + tlv_length";
    case SizeRule::Discovery: return "payload_size = " + fixed + " + symbol_len + metadata_len";
    case SizeRule::Levels: return "payload_size = " + fixed + " + 16 * (bid_count + ask_count)";
    case SizeRule::Opaque:
        if (l.size == header::SIZE) return "payload_size = any (the whole payload is opaque data)";
        return "payload_size = " + fixed + " + any (opaque data after the fixed part)";
    }
    return "?";
}

void begin(const char* name) { std::printf("<!-- BEGIN GENERATED: %s -->\n", name); }
void end(const char* name) { std::printf("<!-- END GENERATED: %s -->\n\n", name); }

void headerTable() {
    begin("header");
    std::printf("| offset | size | field | type | notes |\n|---:|---:|---|---|---|\n");
    struct Row { std::size_t offset, size; const char* name; const char* type; const char* note; };
    const Row rows[] = {
        {header::MAGIC_OFFSET, 4, "magic", "u32", "0xDEADBEEF, bytes `EF BE AD DE`"},
        {header::MESSAGE_TYPE_OFFSET, 1, "message_type", "u8 (MessageType)", "see Message types"},
        {header::VERSION_OFFSET, 1, "version", "u8", "schema version of this message type (1 for every built-in layout)"},
        {header::SOURCE_OFFSET, 1, "source", "u8 (SourceType)", "see Source types"},
        {header::FLAGS_OFFSET, 1, "flags", "u8", "compression, priority; 0 = none defined"},
        {header::PAYLOAD_SIZE_OFFSET, 4, "payload_size", "u32", "bytes after the header"},
        {header::SEQUENCE_OFFSET, 8, "sequence", "u64", "monotonic per producer"},
        {header::TIMESTAMP_OFFSET, 8, "timestamp", "u64", "nanoseconds since the Unix epoch"},
        {header::CHECKSUM_OFFSET, 4, "checksum", "u32", "CRC-32 of bytes 0..27 then 32..end"},
    };
    for (const Row& r : rows) std::printf("| %zu | %zu | %s | %s | %s |\n", r.offset, r.size, r.name, r.type, r.note);
    std::printf("\nHeader size %zu bytes; default maximum payload_size %u bytes (64 KiB).\n", header::SIZE,
                header::DEFAULT_MAX_PAYLOAD);
    end("header");
}

void venues() {
    begin("venues");
    std::printf("| number | name | kind | EVM chain id |\n|---:|---|---|---:|\n");
    for (const VenueInfo& v : allVenues()) {
        const std::string chain = v.kind == VenueKind::Chain ? std::to_string(v.chainId) : "";
        std::printf("| %u | %s | %s | %s |\n", static_cast<unsigned>(v.id), str(v.name).c_str(),
                    str(venueKindName(v.kind)).c_str(), chain.c_str());
    }
    end("venues");
}

void assetTypes() {
    begin("asset_types");
    std::printf("| number | name | asset_id holds | packed-symbol number |\n|---:|---|---|---:|\n");
    for (unsigned t = 1; t < 0x80; ++t) {
        const auto name = assetTypeName(static_cast<std::uint8_t>(t));
        if (name.empty()) continue;
        const bool sym = isSymbolAssetType(static_cast<std::uint8_t>(t));
        const std::string holds = sym ? "symbol" : "address";
        const std::string packed = sym ? std::to_string(t | PACKED_SYMBOL) : "";
        std::printf("| %u | %s | %s | %s |\n", t, str(name).c_str(), holds.c_str(), packed.c_str());
    }
    end("asset_types");
}

void alphabet() {
    begin("symbol_alphabet");
    std::printf("`SYMBOL_ALPHABET = \"%s\"` (%zu characters; code = position + 1; code 0 fills).\n\n",
                str(SYMBOL_ALPHABET).c_str(), SYMBOL_ALPHABET.size());
    constexpr std::size_t PER_ROW = 8;
    std::printf("|");
    for (std::size_t i = 0; i < PER_ROW; ++i) std::printf(" code | char |");
    std::printf("\n|");
    for (std::size_t i = 0; i < PER_ROW; ++i) std::printf("---:|:---:|");
    std::printf("\n");
    for (std::size_t row = 0; row * PER_ROW < SYMBOL_ALPHABET.size(); ++row) {
        std::printf("|");
        for (std::size_t i = 0; i < PER_ROW; ++i) {
            const std::size_t idx = row * PER_ROW + i;
            if (idx < SYMBOL_ALPHABET.size()) {
                std::printf(" %zu | `%c` |", idx + 1, SYMBOL_ALPHABET[idx]);
            } else {
                std::printf("  |  |");
            }
        }
        std::printf("\n");
    }
    end("symbol_alphabet");
}

void messageTypes() {
    begin("message_types");
    std::printf("| number | name | domain | version | fixed part (bytes) | size rule |\n|---:|---|---|---:|---:|---|\n");
    for (const MessageLayout* l : allLayouts()) {
        std::printf("| %u | %s | %s | %u | %u | %s |\n", l->type, str(l->name).c_str(),
                    str(domainName(l->domain)).c_str(), l->version, l->size, sizeRuleName(l->rule).c_str());
    }
    end("message_types");
}

void sourceTypes() {
    begin("source_types");
    std::printf("| number | name |\n|---:|---|\n");
    for (unsigned s = 0; s < 256; ++s) {
        const auto name = sourceTypeName(static_cast<std::uint8_t>(s));
        if (!name.empty()) std::printf("| %u | %s |\n", s, str(name).c_str());
    }
    end("source_types");
}

void enums() {
    begin("enums");
    const EnumKind kinds[] = {EnumKind::Side, EnumKind::OrderType, EnumKind::TimeInForce, EnumKind::OrderStatus,
                              EnumKind::ExecType, EnumKind::Liquidity, EnumKind::VenueStatus, EnumKind::Severity,
                              EnumKind::Domain};
    for (EnumKind kind : kinds) {
        std::printf("#### %s\n\n| value | name |\n|---:|---|\n", enumKindName(kind).c_str());
        for (unsigned v = 0; v < 256; ++v) {
            const auto name = enumValueName(kind, v);
            if (!name.empty()) std::printf("| %u | %s |\n", v, str(name).c_str());
        }
        std::printf("\n");
    }
    end("enums");
}

void errors() {
    begin("errors");
    std::printf("| code | name | class | meaning |\n|---:|---|---|---|\n");
    for (unsigned e = 1; e <= static_cast<unsigned>(WireError::ValueOutOfRange); ++e) {
        const auto err = static_cast<WireError>(e);
        std::string cls;
        if (isFramingError(err)) {
            cls = "framing";
        } else if (e <= static_cast<unsigned>(WireError::BadLength)) {
            cls = "content";
        } else if (e <= static_cast<unsigned>(WireError::IdMismatch)) {
            cls = "identifier";
        } else {
            cls = "builder";
        }
        std::printf("| %u | `%s` | %s | %s |\n", e, str(errorName(err)).c_str(), cls.c_str(),
                    str(errorMessage(err)).c_str());
    }
    end("errors");
}

void fieldTable(std::string_view owner, std::span<const FieldDescriptor> fields, const std::vector<std::string>& pre) {
    std::printf("| offset | size | field | type | notes |\n|---:|---:|---|---|---|\n");
    for (const std::string& row : pre) std::printf("%s\n", row.c_str());
    for (const FieldDescriptor& f : fields) {
        std::printf("| %u | %u | %s | %s | %s |\n", f.offset, f.size, str(f.name).c_str(), typeName(f).c_str(),
                    fieldNote(owner, f).c_str());
    }
}

void layouts() {
    begin("layouts");
    for (const MessageLayout* l : allLayouts()) {
        std::printf("### %s (type %u)\n\n", str(l->name).c_str(), l->type);
        std::printf("Version %u, domain %s, size rule %s, fixed part %u bytes, %s.\n\n", l->version,
                    str(domainName(l->domain)).c_str(), sizeRuleName(l->rule).c_str(), l->size,
                    payloadRule(*l).c_str());
        const std::string headerRow = "| 0 | 32 | header | MessageHeader | message_type = " + std::to_string(l->type) +
                                      ", version = " + std::to_string(l->version) + " |";
        fieldTable(l->name, l->fields, {headerRow});
        switch (l->rule) {
        case SizeRule::Tlv:
            std::printf("| %u | tlv_length | extensions | TLV entries | see DeFiSignal extensions |\n", l->size);
            break;
        case SizeRule::Discovery:
            std::printf("| %u | symbol_len | symbol | UTF-8 | no terminator |\n", l->size);
            std::printf("| %u + symbol_len | metadata_len | metadata | TLV entries | see Discovery metadata |\n", l->size);
            break;
        case SizeRule::Levels:
            std::printf("| %u | 16 * bid_count | bids | BookLevel[bid_count] | best first |\n", l->size);
            std::printf("| %u + 16 * bid_count | 16 * ask_count | asks | BookLevel[ask_count] | best first |\n", l->size);
            break;
        case SizeRule::Opaque:
            std::printf("| %u | payload_size | data | bytes | opaque |\n", l->size);
            break;
        case SizeRule::Fixed: break;
        }
        std::printf("\n");
    }
    end("layouts");
}

void tlvTables(const char* section, const char* what, std::span<const TlvLayout* const> all) {
    begin(section);
    for (const TlvLayout* t : all) {
        std::printf("### %s (%s type %u, length %u)\n\n", str(t->name).c_str(), what, t->type, t->length);
        std::printf("Entry size %u bytes; offsets from the entry's type byte.\n\n", t->length + 2);
        fieldTable(t->name, t->fields,
                   {"| 0 | 1 | type | u8 | = " + std::to_string(t->type) + " |",
                    "| 1 | 1 | length | u8 | = " + std::to_string(t->length) + " |"});
        std::printf("\n");
    }
    end(section);
}

} // namespace

int main() {
    headerTable();
    venues();
    assetTypes();
    alphabet();
    messageTypes();
    sourceTypes();
    enums();
    errors();
    layouts();
    tlvTables("extensions", "TLV", allExtensionLayouts());
    tlvTables("discovery_meta", "metadata", allDiscoveryMetaLayouts());
    return 0;
}
