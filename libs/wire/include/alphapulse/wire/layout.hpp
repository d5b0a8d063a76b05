#pragma once
// What a message layout is, at run time: the catalog entry generic code
// (validation, JSON, schemas, documentation) looks up by (type, version).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "alphapulse/wire/field.hpp"
#include "alphapulse/wire/message_type.hpp"

namespace alphapulse::wire {

/// How payload_size follows from the fixed part.
enum class SizeRule : std::uint8_t {
    Fixed,      ///< payload_size == size - 32 exactly
    Tlv,        ///< size - 32 + tlv_length; tlv_offset == size; extensions follow (W5)
    Discovery,  ///< 16 + symbol_len + metadata_len (W6)
    Levels,     ///< size - 32 + 16 * (bid_count + ask_count): OrderBook price levels
    Opaque,     ///< any payload (the generic Custom message)
};

struct MessageLayout {
    std::uint8_t type;
    std::uint8_t version;
    std::string_view name;
    Domain domain;
    std::uint16_t size; ///< fixed part, header included
    SizeRule rule;
    std::span<const FieldDescriptor> fields; ///< after the header, in wire order
    bool hasText = false; ///< some field is Text (validated as UTF-8 on receipt)
    /// Offsets of the two fields the size rule reads: tlv_offset/tlv_length
    /// (Tlv), symbol_len/metadata_len (Discovery), bid_count/ask_count
    /// (Levels); 0 for Fixed and Opaque.
    std::uint16_t ruleFieldA = 0;
    std::uint16_t ruleFieldB = 0;
};

/// The offset of field `name` in `fields`, or 0 (usable at compile time).
[[nodiscard]] constexpr std::uint16_t fieldOffsetByName(std::span<const FieldDescriptor> fields,
                                                        std::string_view name) noexcept {
    for (const auto& f : fields) {
        if (f.name == name) return f.offset;
    }
    return 0;
}

/// The names of the two fields a size rule reads (see ruleFieldA/B).
[[nodiscard]] constexpr std::pair<std::string_view, std::string_view> ruleFieldNames(SizeRule rule) noexcept {
    switch (rule) {
    case SizeRule::Tlv: return {"tlv_offset", "tlv_length"};
    case SizeRule::Discovery: return {"symbol_len", "metadata_len"};
    case SizeRule::Levels: return {"bid_count", "ask_count"};
    case SizeRule::Fixed:
    case SizeRule::Opaque: break;
    }
    return {};
}

/// The built-in layout for (type, version), or nullptr. O(1).
[[nodiscard]] const MessageLayout* findLayout(std::uint8_t type, std::uint8_t version) noexcept;
/// Whether any version of the type is built in.
[[nodiscard]] bool isKnownType(std::uint8_t type) noexcept;
/// Every built-in layout, in type order.
[[nodiscard]] std::span<const MessageLayout* const> allLayouts() noexcept;
/// A field of a layout by name, or nullptr.
[[nodiscard]] const FieldDescriptor* findField(const MessageLayout& layout, std::string_view name) noexcept;

} // namespace alphapulse::wire
