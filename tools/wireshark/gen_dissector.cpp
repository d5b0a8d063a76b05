// Prints tools/wireshark/alphapulse.lua: the wire library's own tables
// (header, message layouts, TLV extensions, discovery metadata, venues, asset
// types, enumerations) as Lua tables, followed by the hand-written engine
// that walks them. The engine is written once, in alphapulse.lua itself,
// from the ENGINE_MARK line to the end: the generator reads it from there and
// prints it after the tables, so one file is the whole plugin (copied as is
// into Wireshark's plugins folder). The dissector cannot drift from the
// code: the ctest wireshark_dissector_in_sync fails when the checked-in file
// differs from this output (tools/wireshark/regenerate.sh).
//
//   gen_dissector ALPHAPULSE_LUA     the whole dissector on stdout
#include <alphapulse/schema/definition.hpp>
#include <alphapulse/wire.hpp>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>

namespace {

using namespace alphapulse::wire;
using alphapulse::schema::enumKindName;
using alphapulse::schema::fieldTypeName;

/// A Lua string literal (the names are ASCII; escape what Lua would read).
std::string lua(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

void field(std::string_view name, unsigned offset, unsigned size, const std::string& type, std::string_view enumName) {
    std::printf("    {name = %s, offset = %u, size = %u, type = %s", lua(name).c_str(), offset, size, lua(type).c_str());
    if (!enumName.empty()) std::printf(", enum = %s", lua(enumName).c_str());
    std::printf("},\n");
}

void fields(std::span<const FieldDescriptor> table) {
    for (const FieldDescriptor& f : table) {
        field(f.name, f.offset, f.size, fieldTypeName(f.kind, f.size), enumKindName(f.enumKind));
    }
}

void headerTable() {
    std::printf("AP.HEADER_SIZE = %zu\nAP.MAGIC = 0x%08X\nAP.DEFAULT_MAX_PAYLOAD = %u\n", header::SIZE, header::MAGIC,
                header::DEFAULT_MAX_PAYLOAD);
    std::printf("AP.CHECKSUM_OFFSET = %zu\nAP.PAYLOAD_SIZE_OFFSET = %zu\n", header::CHECKSUM_OFFSET,
                header::PAYLOAD_SIZE_OFFSET);
    std::printf("AP.header = {\n");
    field("magic", header::MAGIC_OFFSET, 4, "u32", "");
    field("message_type", header::MESSAGE_TYPE_OFFSET, 1, "u8", "MessageType");
    field("version", header::VERSION_OFFSET, 1, "u8", "");
    field("source", header::SOURCE_OFFSET, 1, "u8", "SourceType");
    field("flags", header::FLAGS_OFFSET, 1, "u8", "");
    field("payload_size", header::PAYLOAD_SIZE_OFFSET, 4, "u32", "");
    field("sequence", header::SEQUENCE_OFFSET, 8, "u64", "");
    field("timestamp", header::TIMESTAMP_OFFSET, 8, "u64", "");
    field("checksum", header::CHECKSUM_OFFSET, 4, "u32", "");
    std::printf("}\n\n");
}

/// One enumeration as {[number] = "name"}, from a name function over 0..255.
template <typename NameOf>
void enumTable(std::string_view name, NameOf nameOf) {
    std::printf("AP.enums[%s] = {", lua(name).c_str());
    for (unsigned v = 0; v < 256; ++v) {
        const std::string_view n = nameOf(v);
        if (!n.empty()) std::printf(" [%u] = %s,", v, lua(n).c_str());
    }
    std::printf(" }\n");
}

void enums() {
    std::printf("AP.enums = {}\n");
    const EnumKind kinds[] = {EnumKind::Side, EnumKind::OrderType, EnumKind::TimeInForce, EnumKind::OrderStatus,
                              EnumKind::ExecType, EnumKind::Liquidity, EnumKind::VenueStatus, EnumKind::Severity,
                              EnumKind::Domain, EnumKind::MessageType};
    for (const EnumKind kind : kinds) {
        enumTable(enumKindName(kind), [kind](unsigned v) { return enumValueName(kind, v); });
    }
    enumTable("SourceType", [](unsigned v) { return sourceTypeName(static_cast<std::uint8_t>(v)); });
    // Venues are u16; every one is listed, with its kind for id validation (section 4.7).
    std::printf("AP.enums[%s] = {", lua(enumKindName(EnumKind::Venue)).c_str());
    for (const VenueInfo& v : allVenues()) std::printf(" [%u] = %s,", static_cast<unsigned>(v.id), lua(v.name).c_str());
    std::printf(" }\nAP.venue_kinds = {");
    for (const VenueInfo& v : allVenues()) {
        std::printf(" [%u] = %s,", static_cast<unsigned>(v.id), lua(venueKindName(v.kind)).c_str());
    }
    std::printf(" }\n\n");
}

void instrumentIds() {
    // Every asset_type byte with a name, packed-symbol numbers included.
    std::printf("AP.asset_types = {\n");
    for (unsigned t = 0; t < 256; ++t) {
        const auto type = static_cast<std::uint8_t>(t);
        const std::string_view name = assetTypeName(type);
        if (name.empty()) continue;
        std::printf("  [%u] = {name = %s, symbol = %s, packed = %s},\n", t, lua(name).c_str(),
                    isSymbolAssetType(type) ? "true" : "false", (type & PACKED_SYMBOL) != 0 ? "true" : "false");
    }
    std::printf("}\nAP.SYMBOL_ALPHABET = %s\nAP.MAX_ASCII_SYMBOL = %zu\nAP.MAX_PACKED_SYMBOL = %zu\n",
                lua(SYMBOL_ALPHABET).c_str(), MAX_ASCII_SYMBOL, MAX_PACKED_SYMBOL);
    std::printf("AP.INSTRUMENT_ID_SIZE = %zu\n\n", InstrumentId::SIZE);
}

void messages() {
    std::printf("AP.messages = {}\n");
    for (const MessageLayout* l : allLayouts()) {
        const auto [ruleA, ruleB] = ruleFieldNames(l->rule);
        std::printf("AP.messages[%u] = {name = %s, version = %u, domain = %s, size = %u, rule = %s", l->type,
                    lua(l->name).c_str(), l->version, lua(domainName(l->domain)).c_str(), l->size,
                    lua(alphapulse::schema::tailName(l->rule)).c_str());
        if (!ruleA.empty()) std::printf(", rule_fields = {%s, %s}", lua(ruleA).c_str(), lua(ruleB).c_str());
        std::printf(", fields = {\n");
        fields(l->fields);
        std::printf("}}\n");
    }
    std::printf("AP.BOOK_LEVEL_SIZE = %zu\n\n", BookLevel::SIZE);
}

void tlvLayouts(const char* table, std::span<const TlvLayout* const> all) {
    std::printf("AP.%s = {}\n", table);
    for (const TlvLayout* t : all) {
        std::printf("AP.%s[%u] = {name = %s, length = %u, fields = {\n", table, t->type, lua(t->name).c_str(),
                    t->length);
        fields(t->fields);
        std::printf("}}\n");
    }
}

void tlvs() {
    std::printf("AP.TLV_HEADER_SIZE = %zu\n", TLV_HEADER_SIZE);
    tlvLayouts("extensions", allExtensionLayouts());
    tlvLayouts("discovery_meta", allDiscoveryMetaLayouts());
    // Name has no fixed layout: its value is the UTF-8 name itself.
    std::printf("AP.DISCOVERY_NAME_META = %u\n\n", static_cast<unsigned>(DiscoveryMeta::Name));
}

/// Where the hand-written engine starts in alphapulse.lua.
constexpr const char* ENGINE_MARK = "-- ===================== engine: hand-written, kept by gen_dissector from here on";

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: gen_dissector ALPHAPULSE_LUA\n");
        return 2;
    }
    std::ifstream dissectorFile{argv[1], std::ios::binary};
    if (!dissectorFile) {
        std::fprintf(stderr, "gen_dissector: cannot read %s\n", argv[1]);
        return 1;
    }
    const std::string dissector{std::istreambuf_iterator<char>{dissectorFile}, std::istreambuf_iterator<char>{}};
    const auto mark = dissector.find(ENGINE_MARK);
    if (mark == std::string::npos || (mark != 0 && dissector[mark - 1] != '\n')) {
        std::fprintf(stderr, "gen_dissector: %s has no engine (a line \"%s\")\n", argv[1], ENGINE_MARK);
        return 1;
    }
    const std::string_view engine = std::string_view(dissector).substr(mark);

    std::printf("-- alphapulse Wireshark dissector (docs/PROTOCOL.md).\n"
                "-- GENERATED by tools/wireshark/gen_dissector.cpp from the wire library's layout tables,\n"
                "-- followed by the hand-written engine at the end of this file. Edit only the engine; change\n"
                "-- the tables in the wire library and run tools/wireshark/regenerate.sh (the ctest\n"
                "-- wireshark_dissector_in_sync checks this file).\n\n"
                "local AP = {}\n\n");
    headerTable();
    enums();
    instrumentIds();
    messages();
    tlvs();
    std::fwrite(engine.data(), 1, engine.size(), stdout);
    return 0;
}
