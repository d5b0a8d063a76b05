#include "alphapulse/codec/encoder.hpp"

#include <array>
#include <chrono>

#include "alphapulse/codec/hex.hpp"
#include "alphapulse/wire/frame.hpp"
#include "alphapulse/wire/message_type.hpp"
#include "alphapulse/wire/messages.hpp"
#include "field_json.hpp"
#include "numbers.hpp"
#include "tlv_json.hpp"
#include "alphapulse/wire/utf8.hpp"

namespace alphapulse::codec {
namespace {

using detail::fail;
using wire::FieldKind;

constexpr std::array<std::string_view, 11> HEADER_KEYS{
    "magic", "message_type", "message_type_name", "version", "source", "source_name",
    "flags", "payload_size", "sequence", "timestamp", "checksum"};

constexpr std::array<std::string_view, 2> TLV_DERIVED{"tlv_offset", "tlv_length"};
constexpr std::array<std::string_view, 2> DISCOVERY_DERIVED{"symbol_len", "metadata_len"};
constexpr std::array<std::string_view, 2> LEVELS_DERIVED{"bid_count", "ask_count"};

std::span<const std::string_view> derivedFields(wire::SizeRule rule) noexcept {
    switch (rule) {
    case wire::SizeRule::Tlv: return TLV_DERIVED;
    case wire::SizeRule::Discovery: return DISCOVERY_DERIVED;
    case wire::SizeRule::Levels: return LEVELS_DERIVED;
    case wire::SizeRule::Fixed:
    case wire::SizeRule::Opaque: break;
    }
    return {};
}

/// Keys of the variable part, written after the fixed fields.
bool isVariableKey(wire::SizeRule rule, std::string_view key) noexcept {
    switch (rule) {
    case wire::SizeRule::Tlv: return key == "tlv";
    case wire::SizeRule::Discovery: return key == "symbol" || key == "metadata";
    case wire::SizeRule::Levels: return key == "bids" || key == "asks";
    case wire::SizeRule::Opaque: return key == "data";
    case wire::SizeRule::Fixed: break;
    }
    return false;
}

const Json* member(const Json& object, std::string_view key) {
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

std::uint64_t headerNumber(const Json& header, std::string_view key, FieldKind kind, std::uint64_t fallback) {
    const Json* value = member(header, key);
    return value == nullptr ? fallback
                            : detail::unsignedFromJson(*value, kind, wire::EnumKind::None,
                                                       detail::joinPath("header", key));
}

struct HeaderInput {
    std::uint8_t type = 0;
    std::uint8_t version = 1;
};

HeaderInput typeAndVersion(const Json& header, const LayoutResolver& resolver) {
    HeaderInput in;
    in.version = static_cast<std::uint8_t>(headerNumber(header, "version", FieldKind::U8, 1));
    const auto byName = [&](const Json& value, const std::string& path) -> std::uint8_t {
        if (!value.is_string()) fail(EncodeErrc::WrongType, path, "expected a message type number or name");
        const std::string& name = value.get_ref<const std::string&>();
        if (const auto type = wire::messageTypeFromName(name)) return *type;
        // Types registered at run time are named by their layouts.
        for (unsigned t = 0; t < 256 && resolver; ++t) {
            const auto* layout = resolver(static_cast<std::uint8_t>(t), in.version);
            if (layout != nullptr && layout->name == name) return static_cast<std::uint8_t>(t);
        }
        fail(EncodeErrc::UnknownMessageType, path, "no message type named \"" + name + "\"");
    };
    if (const Json* type = member(header, "message_type")) {
        const bool isName = type->is_string() && !detail::parseDecimal(type->get_ref<const std::string&>());
        in.type = isName ? byName(*type, "header.message_type")
                         : static_cast<std::uint8_t>(detail::unsignedFromJson(*type, FieldKind::U8, wire::EnumKind::None,
                                                                              "header.message_type"));
    } else if (const Json* name = member(header, "message_type_name")) {
        in.type = byName(*name, "header.message_type_name");
    } else {
        fail(EncodeErrc::MissingField, "header.message_type", "header.message_type (or message_type_name) is required");
    }
    return in;
}

std::uint8_t sourceOf(const Json& header) {
    const auto byName = [](const Json& value, const std::string& path) -> std::uint8_t {
        if (!value.is_string()) fail(EncodeErrc::WrongType, path, "expected a source name");
        const auto source = wire::sourceTypeFromName(value.get_ref<const std::string&>());
        if (!source) fail(EncodeErrc::UnknownName, path, "no source named \"" + value.get<std::string>() + "\"");
        return *source;
    };
    if (const Json* source = member(header, "source")) {
        if (source->is_string()) {
            if (const auto named = wire::sourceTypeFromName(source->get_ref<const std::string&>())) return *named;
        }
        return static_cast<std::uint8_t>(
            detail::unsignedFromJson(*source, FieldKind::U8, wire::EnumKind::None, "header.source"));
    }
    if (const Json* name = member(header, "source_name")) return byName(*name, "header.source_name");
    return 0;
}

void setField(const wire::MessageLayout& layout, std::string_view name, std::uint8_t* frame, std::uint64_t value) {
    if (const auto* field = wire::findField(layout, name)) detail::storeInteger(frame + field->offset, field->size, value);
}

void appendLevels(const Json* levels, const char* key, std::vector<std::uint8_t>& out) {
    if (levels == nullptr) return;
    if (!levels->is_array()) fail(EncodeErrc::WrongType, key, "expected an array of {\"price\",\"size\"}");
    for (std::size_t i = 0; i < levels->size(); ++i) {
        const Json& level = (*levels)[i];
        const std::string where = detail::indexPath(key, i);
        if (!level.is_object()) fail(EncodeErrc::WrongType, where, "expected {\"price\":n,\"size\":n}");
        std::int64_t price = 0;
        std::uint64_t size = 0;
        for (auto it = level.begin(); it != level.end(); ++it) {
            const std::string path = detail::joinPath(where, it.key());
            if (it.key() == "price") {
                price = detail::signedFromJson(*it, FieldKind::I64, wire::EnumKind::None, path);
            } else if (it.key() == "size") {
                size = detail::unsignedFromJson(*it, FieldKind::U64, wire::EnumKind::None, path);
            } else {
                fail(EncodeErrc::UnknownKey, path, "a level has price and size");
            }
        }
        std::uint8_t bytes[wire::BookLevel::SIZE];
        wire::storeLe<std::int64_t>(bytes, price);
        wire::storeLe<std::uint64_t>(bytes + 8, size);
        out.insert(out.end(), bytes, bytes + sizeof bytes);
    }
}

/// Appends the variable part after the fixed one and fills in its derived fields.
/// Returns the name of the part, for errors about the whole frame.
std::string_view appendVariablePart(const wire::MessageLayout& layout, const Json& object,
                                    std::vector<std::uint8_t>& out, std::size_t start) {
    const std::size_t tailStart = out.size();
    switch (layout.rule) {
    case wire::SizeRule::Fixed:
        return {};
    case wire::SizeRule::Tlv: {
        if (const Json* tlv = member(object, "tlv")) detail::tlvFromJson(*tlv, "tlv", detail::TlvFlavor::Extension, out);
        const std::size_t tlvLength = out.size() - tailStart;
        if (tlvLength > 0xFFFF) fail(EncodeErrc::ValueOutOfRange, "tlv", "extensions exceed 65535 bytes");
        setField(layout, "tlv_offset", out.data() + start, layout.size);
        setField(layout, "tlv_length", out.data() + start, tlvLength);
        return "tlv";
    }
    case wire::SizeRule::Discovery: {
        std::size_t symbolLen = 0;
        if (const Json* symbol = member(object, "symbol")) {
            if (!symbol->is_string()) fail(EncodeErrc::WrongType, "symbol", "expected a string");
            const std::string& s = symbol->get_ref<const std::string&>();
            if (!wire::isValidUtf8(s)) fail(EncodeErrc::InvalidUtf8, "symbol", "text is not valid UTF-8");
            if (s.size() > 0xFF) fail(EncodeErrc::TextTooLong, "symbol", "a symbol holds at most 255 bytes");
            out.insert(out.end(), s.begin(), s.end());
            symbolLen = s.size();
        }
        if (const Json* meta = member(object, "metadata")) {
            detail::tlvFromJson(*meta, "metadata", detail::TlvFlavor::DiscoveryMeta, out);
        }
        const std::size_t metadataLen = out.size() - tailStart - symbolLen;
        if (metadataLen > 0xFFFF) fail(EncodeErrc::ValueOutOfRange, "metadata", "metadata exceeds 65535 bytes");
        setField(layout, "symbol_len", out.data() + start, symbolLen);
        setField(layout, "metadata_len", out.data() + start, metadataLen);
        return "metadata";
    }
    case wire::SizeRule::Levels: {
        const Json* bids = member(object, "bids");
        const Json* asks = member(object, "asks");
        appendLevels(bids, "bids", out);
        const std::size_t bidCount = (out.size() - tailStart) / wire::BookLevel::SIZE;
        appendLevels(asks, "asks", out);
        const std::size_t askCount = (out.size() - tailStart) / wire::BookLevel::SIZE - bidCount;
        if (bidCount > 0xFFFF) fail(EncodeErrc::ValueOutOfRange, "bids", "at most 65535 levels per side");
        if (askCount > 0xFFFF) fail(EncodeErrc::ValueOutOfRange, "asks", "at most 65535 levels per side");
        setField(layout, "bid_count", out.data() + start, bidCount);
        setField(layout, "ask_count", out.data() + start, askCount);
        return "bids";
    }
    case wire::SizeRule::Opaque: {
        if (const Json* data = member(object, "data")) {
            if (!data->is_string()) fail(EncodeErrc::WrongType, "data", "expected \"0x\" + hex");
            std::vector<std::uint8_t> bytes;
            if (parseHex(data->get_ref<const std::string&>(), bytes) != HexStatus::Ok) {
                fail(EncodeErrc::BadHex, "data", "expected \"0x\" followed by hex digits, two per byte");
            }
            out.insert(out.end(), bytes.begin(), bytes.end());
        }
        return "data";
    }
    }
    return {};
}

std::uint64_t nowNs() {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
}

} // namespace

std::optional<EncodeError> Encoder::encode(const Json& object, std::vector<std::uint8_t>& out) {
    const std::size_t start = out.size();
    try {
        if (!object.is_object()) fail(EncodeErrc::BadJson, "", "expected a JSON object");
        const Json* header = member(object, "header");
        if (header == nullptr) fail(EncodeErrc::MissingField, "header", "header (with message_type) is required");
        if (!header->is_object()) fail(EncodeErrc::WrongType, "header", "expected an object");
        for (auto it = header->begin(); it != header->end(); ++it) {
            if (std::find(HEADER_KEYS.begin(), HEADER_KEYS.end(), it.key()) == HEADER_KEYS.end()) {
                fail(EncodeErrc::UnknownKey, detail::joinPath("header", it.key()), "no header field of this name");
            }
        }
        const HeaderInput in = typeAndVersion(*header, m_options.resolver);
        const wire::MessageLayout* layout = m_options.resolver ? m_options.resolver(in.type, in.version) : nullptr;
        if (layout == nullptr) {
            if (wire::isKnownType(in.type)) {
                fail(EncodeErrc::UnknownVersion, "header.version",
                     "no layout for version " + std::to_string(in.version) + " of type " + std::to_string(in.type));
            }
            fail(EncodeErrc::UnknownMessageType, "header.message_type", "no layout for type " + std::to_string(in.type));
        }
        wire::MessageHeader h;
        h.messageType = in.type;
        h.version = in.version;
        h.source = sourceOf(*header);
        h.flags = static_cast<std::uint8_t>(headerNumber(*header, "flags", FieldKind::U8, 0));
        const Json* sequence = member(*header, "sequence");
        h.sequence = sequence != nullptr ? headerNumber(*header, "sequence", FieldKind::U64, 0) : m_nextSequence;
        h.timestamp = member(*header, "timestamp") != nullptr
                          ? headerNumber(*header, "timestamp", FieldKind::U64, 0)
                          : (m_options.clock ? m_options.clock() : nowNs());

        out.resize(start + layout->size, 0);
        const wire::SizeRule rule = layout->rule;
        detail::fieldsFromJson(
            layout->fields, object, out.data() + start, "",
            [rule](std::string_view key) { return key == "header" || isVariableKey(rule, key); },
            derivedFields(rule));
        const std::string_view part = appendVariablePart(*layout, object, out, start);

        const std::size_t frameLen = out.size() - start;
        if (frameLen - wire::header::SIZE > m_options.maxPayload) {
            fail(EncodeErrc::ValueOutOfRange, std::string{part},
                 "payload of " + std::to_string(frameLen - wire::header::SIZE) + " bytes exceeds the maximum of " +
                     std::to_string(m_options.maxPayload));
        }
        std::uint8_t* frame = out.data() + start;
        h.payloadSize = static_cast<std::uint32_t>(frameLen - wire::header::SIZE);
        h.write(frame);
        wire::sealFrame(frame, frameLen);
        if (const auto err = wire::validateBody(*layout, frame, frameLen); err != wire::WireError::Ok) {
            fail(EncodeErrc::InvalidFrame, std::string{part},
                 std::string{wire::errorName(err)} + ": " + std::string{wire::errorMessage(err)});
        }
        if (sequence == nullptr) ++m_nextSequence;
        return std::nullopt;
    } catch (const detail::EncodeFailure& failure) {
        out.resize(start);
        return failure.error;
    } catch (const Json::exception& e) {
        // Every access is type-checked first; this only keeps a missed case
        // from escaping as an exception the caller does not expect.
        out.resize(start);
        return EncodeError{EncodeErrc::WrongType, "", e.what()};
    }
}

} // namespace alphapulse::codec
