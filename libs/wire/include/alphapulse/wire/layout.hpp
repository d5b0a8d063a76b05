#pragma once
// What a message layout is, at run time: the catalog entry generic code
// (validation, JSON, schemas, documentation) looks up by (type, version).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

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
};

/// The built-in layout for (type, version), or nullptr. O(1).
[[nodiscard]] const MessageLayout* findLayout(std::uint8_t type, std::uint8_t version) noexcept;
/// Whether any version of the type is built in.
[[nodiscard]] bool isKnownType(std::uint8_t type) noexcept;
/// Every built-in layout, in type order.
[[nodiscard]] std::span<const MessageLayout* const> allLayouts() noexcept;
/// A field of a layout by name, or nullptr.
[[nodiscard]] const FieldDescriptor* findField(const MessageLayout& layout, std::string_view name) noexcept;

} // namespace alphapulse::wire
