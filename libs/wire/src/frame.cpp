#include "alphapulse/wire/frame.hpp"

#include "alphapulse/wire/detail/text.hpp"
#include "alphapulse/wire/utf8.hpp"
#include "alphapulse/wire/discovery.hpp"
#include "alphapulse/wire/extensions.hpp"
#include "alphapulse/wire/messages.hpp"

namespace alphapulse::wire {
namespace {

// Text fields: UTF-8 up to the first zero byte, zeros after it, so that each
// text has one encoding and a decode/encode round trip is exact.
WireError validateText(const std::uint8_t* p, std::size_t size) noexcept {
    std::size_t len = 0;
    while (len < size && p[len] != 0) ++len;
    for (std::size_t i = len; i < size; ++i) {
        if (p[i] != 0) return WireError::InvalidUtf8;
    }
    return isValidUtf8(p, len) ? WireError::Ok : WireError::InvalidUtf8;
}

} // namespace

WireError validateBody(const MessageLayout& layout, const std::uint8_t* frame, std::size_t frameLen) noexcept {
    if (frameLen < layout.size) return WireError::BadSize;
    if (layout.hasText) {
        for (const FieldDescriptor& field : layout.fields) {
            if (field.kind != FieldKind::Text) continue;
            if (const auto err = validateText(frame + field.offset, field.size); err != WireError::Ok) return err;
        }
    }
    switch (layout.rule) {
    case SizeRule::Fixed:
        return frameLen == layout.size ? WireError::Ok : WireError::BadSize;
    case SizeRule::Tlv: {
        const auto tlvOffset = loadLe<std::uint16_t>(frame + layout.ruleFieldA);
        const auto tlvLength = loadLe<std::uint16_t>(frame + layout.ruleFieldB);
        if (tlvOffset != layout.size) return WireError::BadTlv;
        if (frameLen != static_cast<std::size_t>(layout.size) + tlvLength) return WireError::BadSize;
        return validateTlv(frame + layout.size, tlvLength, &findExtensionLayout);
    }
    case SizeRule::Discovery:
        return validateDiscovery(frame, frameLen);
    case SizeRule::Levels: {
        const auto bids = loadLe<std::uint16_t>(frame + layout.ruleFieldA);
        const auto asks = loadLe<std::uint16_t>(frame + layout.ruleFieldB);
        const std::size_t expected = layout.size + (static_cast<std::size_t>(bids) + asks) * BookLevel::SIZE;
        return frameLen == expected ? WireError::Ok : WireError::BadLength;
    }
    case SizeRule::Opaque:
        return WireError::Ok;
    }
    return WireError::BadSize;
}

Expected<FrameView> parseFrame(const std::uint8_t* data, std::size_t available, const ParseOptions& options) noexcept {
    const auto length = frameLength(data, available, options.maxPayload);
    if (!length) return length.error();
    const FrameView frame{data, *length};
    if (options.verifyChecksum && !frame.checksumMatches()) return WireError::BadChecksum;
    const MessageLayout* layout = findLayout(frame.messageType(), frame.version());
    if (layout == nullptr) {
        return isKnownType(frame.messageType()) ? WireError::UnknownVersion : WireError::UnknownType;
    }
    if (const auto err = validateBody(*layout, data, *length); err != WireError::Ok) return err;
    return frame;
}

} // namespace alphapulse::wire
