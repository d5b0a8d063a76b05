// Writes python/alphapulse/_layouts.py: the wire library's own tables (the
// X-macro field tables of messages.hpp, the TLV and discovery-metadata
// layouts, venues, asset types, enumerations, sources, rejection reasons) as
// Python literals, so the Python package's numpy dtypes come from the same
// source as the C++ views and builders and are never copied by hand.
//
//   alphapulse-gen-python-layouts [OUT]     OUT, or standard output
//
// The build writes the module into the build tree (python/CMakeLists.txt);
// the copy checked in under python/alphapulse/ is compared with it by the
// ctest python_layouts_in_sync.
#include <alphapulse/wire.hpp>

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

namespace {

using namespace alphapulse::wire;

std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

const char* kindName(FieldKind kind) {
    switch (kind) {
    case FieldKind::U8: return "u8";
    case FieldKind::U16: return "u16";
    case FieldKind::U32: return "u32";
    case FieldKind::U64: return "u64";
    case FieldKind::I8: return "i8";
    case FieldKind::I16: return "i16";
    case FieldKind::I32: return "i32";
    case FieldKind::I64: return "i64";
    case FieldKind::U128: return "u128";
    case FieldKind::I128: return "i128";
    case FieldKind::Instrument: return "instrument";
    case FieldKind::Bytes: return "bytes";
    case FieldKind::Text: return "text";
    case FieldKind::Padding: return "pad";
    }
    return "?";
}

/// The enumeration a field's numbers are named by (PROTOCOL.md section 8).
const char* enumName(EnumKind kind) {
    switch (kind) {
    case EnumKind::None: return "";
    case EnumKind::Venue: return "VenueId";
    case EnumKind::Side: return "Side";
    case EnumKind::OrderType: return "OrderType";
    case EnumKind::TimeInForce: return "TimeInForce";
    case EnumKind::OrderStatus: return "OrderStatus";
    case EnumKind::ExecType: return "ExecType";
    case EnumKind::Liquidity: return "Liquidity";
    case EnumKind::VenueStatus: return "VenueStatus";
    case EnumKind::Severity: return "Severity";
    case EnumKind::MessageType: return "MessageType";
    case EnumKind::Domain: return "Domain";
    }
    return "?";
}

bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// The unit of a numeric field, from its name as PROTOCOL.md section 9 says:
/// "fixed8" (fixed point, 8 decimals: prices, quantities, PnL, fees, ratios,
/// value/limit/threshold), "q64" (Q64.64), "time_ns" / "time_s" (since the
/// Unix epoch: *_at, period_*, created_at_sec), or "" (a plain integer). The test
/// python_layouts_units checks this against the notes column of the
/// document's generated tables, so the two cannot drift apart.
const char* unitOf(const FieldDescriptor& f) {
    const std::string_view n = f.name;
    if (f.enumKind != EnumKind::None) return "";
    if ((f.kind == FieldKind::U128 || f.kind == FieldKind::I128) && endsWith(n, "_q")) return "q64";
    if (n == "created_at_sec") return "time_s";
    if (f.kind != FieldKind::U64 && f.kind != FieldKind::I64) return "";
    if (endsWith(n, "_at") || n == "period_start" || n == "period_end") return "time_ns";
    if (endsWith(n, "_wei") || endsWith(n, "_gwei") || endsWith(n, "_bps") || endsWith(n, "_ppm") ||
        endsWith(n, "_ns")) {
        return "";
    }
    if (endsWith(n, "price") || n == "estimated_profit" || endsWith(n, "pnl") || n == "fee" || n == "value" ||
        n == "threshold" || n == "limit" || n == "volume" || endsWith(n, "quantity") || endsWith(n, "_size") ||
        n == "volume_24h" || endsWith(n, "_ratio")) {
        return "fixed8";
    }
    return "";
}

const char* sizeRuleName(SizeRule rule) {
    switch (rule) {
    case SizeRule::Fixed: return "Fixed";
    case SizeRule::Tlv: return "Tlv";
    case SizeRule::Discovery: return "Discovery";
    case SizeRule::Levels: return "Levels";
    case SizeRule::Opaque: return "Opaque";
    }
    return "?";
}

void fields(std::FILE* out, std::span<const FieldDescriptor> all) {
    std::fprintf(out, "(\n");
    for (const FieldDescriptor& f : all) {
        std::fprintf(out, "        (%s, %u, %u, \"%s\", \"%s\", \"%s\"),\n", quoted(f.name).c_str(), f.offset, f.size,
                     kindName(f.kind), enumName(f.enumKind), unitOf(f));
    }
    std::fprintf(out, "    )");
}

void tlvLayouts(std::FILE* out, const char* name, std::span<const TlvLayout* const> all) {
    std::fprintf(out, "%s = (\n", name);
    for (const TlvLayout* t : all) {
        std::fprintf(out, "    (%u, %s, %u, ", t->type, quoted(t->name).c_str(), t->length);
        fields(out, t->fields);
        std::fprintf(out, "),\n");
    }
    std::fprintf(out, ")\n\n");
}

void write(std::FILE* out) {
    std::fprintf(out, "# Generated by tools/gen-python/gen_layouts.cpp from the wire library's tables\n"
                      "# (libs/wire). Do not edit: the build regenerates it, and the test\n"
                      "# python_layouts_in_sync fails when this copy differs.\n"
                      "# fields: (name, offset from the frame start, size, kind, enumeration, unit)\n\n");
    std::fprintf(out, "HEADER_SIZE = %zu\nMAGIC = 0x%08X\nDEFAULT_MAX_PAYLOAD = %u\n", header::SIZE, header::MAGIC,
                 header::DEFAULT_MAX_PAYLOAD);
    struct HeaderField { const char* name; std::size_t offset, size; const char* kind; const char* enumeration; };
    const HeaderField headerFields[] = {
        {"magic", header::MAGIC_OFFSET, 4, "u32", ""},
        {"message_type", header::MESSAGE_TYPE_OFFSET, 1, "u8", "MessageType"},
        {"version", header::VERSION_OFFSET, 1, "u8", ""},
        {"source", header::SOURCE_OFFSET, 1, "u8", "SourceType"},
        {"flags", header::FLAGS_OFFSET, 1, "u8", ""},
        {"payload_size", header::PAYLOAD_SIZE_OFFSET, 4, "u32", ""},
        {"sequence", header::SEQUENCE_OFFSET, 8, "u64", ""},
        {"timestamp", header::TIMESTAMP_OFFSET, 8, "u64", ""},
        {"checksum", header::CHECKSUM_OFFSET, 4, "u32", ""},
    };
    std::fprintf(out, "HEADER_FIELDS = (\n");
    for (const HeaderField& h : headerFields) {
        std::fprintf(out, "    (\"%s\", %zu, %zu, \"%s\", \"%s\", \"\"),\n", h.name, h.offset, h.size, h.kind,
                     h.enumeration);
    }
    std::fprintf(out, ")\n\n");

    std::fprintf(out, "PACKED_SYMBOL = 0x%02X\nSYMBOL_ALPHABET = %s\nMAX_ASCII_SYMBOL = %zu\nMAX_PACKED_SYMBOL = %zu\n\n",
                 PACKED_SYMBOL, quoted(SYMBOL_ALPHABET).c_str(), MAX_ASCII_SYMBOL, MAX_PACKED_SYMBOL);

    std::fprintf(out, "# (number, name, kind, EVM chain id or 0)\nVENUES = (\n");
    for (const VenueInfo& v : allVenues()) {
        std::fprintf(out, "    (%u, %s, %s, %llu),\n", static_cast<unsigned>(v.id), quoted(v.name).c_str(),
                     quoted(venueKindName(v.kind)).c_str(), static_cast<unsigned long long>(v.chainId));
    }
    std::fprintf(out, ")\n\n# (number, name, asset_id holds a symbol)\nASSET_TYPES = (\n");
    for (unsigned t = 1; t < PACKED_SYMBOL; ++t) {
        const auto name = assetTypeName(static_cast<std::uint8_t>(t));
        if (name.empty()) continue;
        std::fprintf(out, "    (%u, %s, %s),\n", t, quoted(name).c_str(),
                     isSymbolAssetType(static_cast<std::uint8_t>(t)) ? "True" : "False");
    }
    std::fprintf(out, ")\n\nSOURCES = (\n");
    for (unsigned s = 0; s < 256; ++s) {
        const auto name = sourceTypeName(static_cast<std::uint8_t>(s));
        if (!name.empty()) std::fprintf(out, "    (%u, %s),\n", s, quoted(name).c_str());
    }
    std::fprintf(out, ")\n\n# Enumerations by name: ((value, name), ...)\nENUMS = {\n");
    const EnumKind kinds[] = {EnumKind::Side, EnumKind::OrderType, EnumKind::TimeInForce, EnumKind::OrderStatus,
                              EnumKind::ExecType, EnumKind::Liquidity, EnumKind::VenueStatus, EnumKind::Severity,
                              EnumKind::Domain};
    for (EnumKind kind : kinds) {
        std::fprintf(out, "    \"%s\": (", enumName(kind));
        for (unsigned v = 0; v < 256; ++v) {
            const auto name = enumValueName(kind, v);
            if (!name.empty()) std::fprintf(out, "(%u, %s), ", v, quoted(name).c_str());
        }
        std::fprintf(out, "),\n");
    }
    std::fprintf(out, "}\n\n# (code, name, meaning)\nERRORS = (\n");
    for (unsigned e = 1; e <= static_cast<unsigned>(WireError::ValueOutOfRange); ++e) {
        const auto err = static_cast<WireError>(e);
        std::fprintf(out, "    (%u, %s, %s),\n", e, quoted(errorName(err)).c_str(), quoted(errorMessage(err)).c_str());
    }
    std::fprintf(out, ")\n\n# (type, version, name, domain, fixed size, size rule, rule field A, rule field B, fields)\n");
    std::fprintf(out, "MESSAGES = (\n");
    for (const MessageLayout* l : allLayouts()) {
        const auto [ruleA, ruleB] = ruleFieldNames(l->rule);
        std::fprintf(out, "    (%u, %u, %s, %s, %u, \"%s\", %s, %s, ", l->type, l->version, quoted(l->name).c_str(),
                     quoted(domainName(l->domain)).c_str(), l->size, sizeRuleName(l->rule), quoted(ruleA).c_str(),
                     quoted(ruleB).c_str());
        fields(out, l->fields);
        std::fprintf(out, "),\n");
    }
    std::fprintf(out, ")\n\n# (type, name, value length, fields with offsets from the entry's type byte)\n");
    tlvLayouts(out, "EXTENSIONS", allExtensionLayouts());
    tlvLayouts(out, "DISCOVERY_META", allDiscoveryMetaLayouts());
}

} // namespace

int main(int argc, char** argv) {
    if (argc > 2) {
        std::fprintf(stderr, "usage: %s [OUT]\n", argv[0]);
        return 2;
    }
    std::FILE* out = argc == 2 ? std::fopen(argv[1], "w") : stdout;
    if (out == nullptr) {
        std::perror(argv[1]);
        return 1;
    }
    write(out);
    const bool ok = std::fflush(out) == 0 && (out == stdout || std::fclose(out) == 0);
    return ok ? 0 : 1;
}
