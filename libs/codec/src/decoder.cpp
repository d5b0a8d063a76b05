#include "alphapulse/codec/decoder.hpp"

#include "alphapulse/codec/hex.hpp"
#include "alphapulse/wire/endian.hpp"
#include "alphapulse/wire/frame.hpp"
#include "alphapulse/wire/message_type.hpp"
#include "alphapulse/wire/messages.hpp"
#include "field_json.hpp"
#include "tlv_json.hpp"

namespace alphapulse::codec {
namespace {

std::uint64_t fieldValue(const wire::MessageLayout& layout, std::string_view name, const std::uint8_t* frame) {
    const wire::FieldDescriptor* field = wire::findField(layout, name);
    if (field == nullptr) return 0;
    std::uint64_t value = 0;
    for (std::size_t i = field->size; i-- > 0;) value = value << 8 | frame[field->offset + i];
    return value;
}

Json headerToJson(const wire::MessageLayout& layout, const wire::MessageHeader& h) {
    Json out = Json::object();
    out["magic"] = h.magic;
    out["message_type"] = h.messageType;
    const auto typeName = wire::messageTypeName(h.messageType);
    // A type registered at run time is named by its layout.
    if (!typeName.empty()) {
        out["message_type_name"] = typeName;
    } else if (!layout.name.empty()) {
        out["message_type_name"] = layout.name;
    }
    out["version"] = h.version;
    out["source"] = h.source;
    if (const auto sourceName = wire::sourceTypeName(h.source); !sourceName.empty()) out["source_name"] = sourceName;
    out["flags"] = h.flags;
    out["payload_size"] = h.payloadSize;
    out["sequence"] = h.sequence;
    out["timestamp"] = h.timestamp;
    out["checksum"] = h.checksum;
    return out;
}

Json levelsToJson(const std::uint8_t* p, std::size_t count) {
    Json levels = Json::array();
    for (std::size_t i = 0; i < count; ++i, p += wire::BookLevel::SIZE) {
        Json level = Json::object();
        level["price"] = wire::loadLe<std::int64_t>(p);
        level["size"] = wire::loadLe<std::uint64_t>(p + 8);
        levels.push_back(std::move(level));
    }
    return levels;
}

} // namespace

DecodeResult Decoder::decode(const std::uint8_t* data, std::size_t available, std::size_t streamOffset) const {
    DecodeResult result;
    result.error.offset = streamOffset;
    const auto length = wire::frameLength(data, available, m_options.maxPayload);
    if (!length) {
        result.error.error = length.error();
        return result;
    }
    result.frameLength = *length;
    const wire::FrameView frame{data, *length};
    if (m_options.verifyChecksum && !frame.checksumMatches()) {
        result.error.error = wire::WireError::BadChecksum;
        return result;
    }
    const wire::MessageLayout* layout =
        m_options.resolver ? m_options.resolver(frame.messageType(), frame.version()) : nullptr;
    if (layout == nullptr) {
        result.error.error =
            wire::isKnownType(frame.messageType()) ? wire::WireError::UnknownVersion : wire::WireError::UnknownType;
        return result;
    }
    if (const auto err = wire::validateBody(*layout, data, *length); err != wire::WireError::Ok) {
        result.error.error = err;
        return result;
    }
    result.json = frameToJson(*layout, data, *length);
    return result;
}

Json frameToJson(const wire::MessageLayout& layout, const std::uint8_t* frame, std::size_t frameLen) {
    Json out = Json::object();
    out["header"] = headerToJson(layout, wire::MessageHeader::read(frame));
    detail::fieldsToJson(layout.fields, frame, out);
    const std::uint8_t* tail = frame + layout.size;
    const std::size_t tailLen = frameLen - layout.size;
    switch (layout.rule) {
    case wire::SizeRule::Fixed:
        break;
    case wire::SizeRule::Tlv:
        out["tlv"] = detail::tlvToJson(tail, tailLen, detail::TlvFlavor::Extension);
        break;
    case wire::SizeRule::Discovery: {
        const auto symbolLen = static_cast<std::size_t>(fieldValue(layout, "symbol_len", frame));
        out["symbol"] = std::string{reinterpret_cast<const char*>(tail), symbolLen};
        out["metadata"] = detail::tlvToJson(tail + symbolLen, tailLen - symbolLen, detail::TlvFlavor::DiscoveryMeta);
        break;
    }
    case wire::SizeRule::Levels: {
        const auto bids = static_cast<std::size_t>(fieldValue(layout, "bid_count", frame));
        const auto asks = static_cast<std::size_t>(fieldValue(layout, "ask_count", frame));
        out["bids"] = levelsToJson(tail, bids);
        out["asks"] = levelsToJson(tail + bids * wire::BookLevel::SIZE, asks);
        break;
    }
    case wire::SizeRule::Opaque:
        out["data"] = toHex(tail, tailLen);
        break;
    }
    return out;
}

} // namespace alphapulse::codec
