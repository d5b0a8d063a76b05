#include "tlv_json.hpp"

#include <algorithm>

#include "alphapulse/codec/hex.hpp"
#include "alphapulse/wire/discovery.hpp"
#include "alphapulse/wire/extensions.hpp"
#include "field_json.hpp"
#include "alphapulse/wire/utf8.hpp"

namespace alphapulse::codec::detail {
namespace {

constexpr auto NAME_META = static_cast<std::uint8_t>(wire::DiscoveryMeta::Name);
constexpr std::string_view NAME_META_NAME = "Name";

const wire::TlvLayout* findLayoutFor(TlvFlavor flavor, std::uint8_t type) noexcept {
    return flavor == TlvFlavor::Extension ? wire::findExtensionLayout(type) : wire::findDiscoveryMetaLayout(type);
}

bool isNameMeta(TlvFlavor flavor, std::uint8_t type) noexcept {
    return flavor == TlvFlavor::DiscoveryMeta && type == NAME_META;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept {
    const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

std::optional<std::uint8_t> typeFromName(TlvFlavor flavor, std::string_view name) noexcept {
    const auto layouts = flavor == TlvFlavor::Extension ? wire::allExtensionLayouts() : wire::allDiscoveryMetaLayouts();
    for (const auto* layout : layouts) {
        if (equalsIgnoreCase(layout->name, name)) return layout->type;
    }
    if (flavor == TlvFlavor::DiscoveryMeta && equalsIgnoreCase(NAME_META_NAME, name)) return NAME_META;
    return std::nullopt;
}

std::uint8_t entryType(const Json& entry, const std::string& path, TlvFlavor flavor) {
    if (const auto it = entry.find("type"); it != entry.end()) {
        return static_cast<std::uint8_t>(
            unsignedFromJson(*it, wire::FieldKind::U8, wire::EnumKind::None, joinPath(path, "type")));
    }
    if (const auto it = entry.find("type_name"); it != entry.end()) {
        const std::string where = joinPath(path, "type_name");
        if (!it->is_string()) fail(EncodeErrc::WrongType, where, "expected a string");
        const auto type = typeFromName(flavor, it->get_ref<const std::string&>());
        if (!type) fail(EncodeErrc::UnknownName, where, "no entry type named \"" + it->get<std::string>() + "\"");
        return *type;
    }
    fail(EncodeErrc::MissingField, joinPath(path, "type"), "every entry needs a type (or type_name)");
}

void appendEntry(std::vector<std::uint8_t>& out, std::uint8_t type, const std::uint8_t* value, std::size_t length) {
    out.push_back(type);
    out.push_back(static_cast<std::uint8_t>(length));
    out.insert(out.end(), value, value + length);
}

} // namespace

Json tlvToJson(const std::uint8_t* data, std::size_t len, TlvFlavor flavor) {
    Json entries = Json::array();
    wire::TlvReader reader{data, len};
    wire::TlvEntry entry;
    while (reader.next(entry)) {
        Json item = Json::object();
        item["type"] = entry.type;
        if (const auto* layout = findLayoutFor(flavor, entry.type); layout != nullptr && layout->length == entry.length) {
            item["type_name"] = layout->name;
            fieldsToJson(layout->fields, entry.value - wire::TLV_HEADER_SIZE, item);
        } else if (isNameMeta(flavor, entry.type)) {
            item["type_name"] = NAME_META_NAME;
            item["name"] = std::string{reinterpret_cast<const char*>(entry.value), entry.length};
        } else {
            item["data"] = toHex(entry.value, entry.length);
        }
        entries.push_back(std::move(item));
    }
    return entries;
}

void tlvFromJson(const Json& array, std::string_view path, TlvFlavor flavor, std::vector<std::uint8_t>& out) {
    if (!array.is_array()) fail(EncodeErrc::WrongType, std::string{path}, "expected an array of entries");
    for (std::size_t i = 0; i < array.size(); ++i) {
        const Json& entry = array[i];
        const std::string where = indexPath(path, i);
        if (!entry.is_object()) fail(EncodeErrc::WrongType, where, "expected an object");
        const std::uint8_t type = entryType(entry, where, flavor);

        if (const auto* layout = findLayoutFor(flavor, type)) {
            const std::size_t start = out.size();
            out.resize(start + wire::TLV_HEADER_SIZE + layout->length, 0);
            out[start] = type;
            out[start + 1] = layout->length;
            fieldsFromJson(layout->fields, entry, out.data() + start, where,
                           [](std::string_view key) { return key == "type" || key == "type_name"; });
            continue;
        }
        std::string value;
        const char* valueKey = isNameMeta(flavor, type) ? "name" : "data";
        for (auto it = entry.begin(); it != entry.end(); ++it) {
            const std::string& key = it.key();
            if (key == "type" || key == "type_name") continue;
            const std::string keyPath = joinPath(where, key);
            if (key != valueKey) fail(EncodeErrc::UnknownKey, keyPath, "no field of this name in this entry type");
            if (!it->is_string()) fail(EncodeErrc::WrongType, keyPath, "expected a string");
            value = it->get<std::string>();
            if (isNameMeta(flavor, type)) {
                if (!wire::isValidUtf8(value)) fail(EncodeErrc::InvalidUtf8, keyPath, "text is not valid UTF-8");
                if (value.size() > wire::TLV_MAX_VALUE) fail(EncodeErrc::TextTooLong, keyPath, "a name holds at most 255 bytes");
            } else {
                std::vector<std::uint8_t> bytes;
                if (parseHex(value, bytes) != HexStatus::Ok) {
                    fail(EncodeErrc::BadHex, keyPath, "expected \"0x\" followed by hex digits, two per byte");
                }
                if (bytes.size() > wire::TLV_MAX_VALUE) fail(EncodeErrc::WrongLength, keyPath, "an entry holds at most 255 bytes");
                value.assign(bytes.begin(), bytes.end());
            }
        }
        appendEntry(out, type, reinterpret_cast<const std::uint8_t*>(value.data()), value.size());
    }
}

} // namespace alphapulse::codec::detail
