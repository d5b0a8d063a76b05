#include "alphapulse/wire/tlv.hpp"

#include <array>

#include "alphapulse/wire/extensions.hpp"

namespace alphapulse::wire {
namespace {

constexpr std::array<const TlvLayout*, 3> EXTENSIONS{
    &PoolAddressTlvLayout::INFO, &TertiaryVenueTlvLayout::INFO, &MEVBundleTlvLayout::INFO};

} // namespace

const TlvLayout* findExtensionLayout(std::uint8_t type) noexcept {
    for (const TlvLayout* layout : EXTENSIONS) {
        if (layout->type == type) return layout;
    }
    return nullptr;
}

std::span<const TlvLayout* const> allExtensionLayouts() noexcept { return EXTENSIONS; }

WireError validateTlv(const std::uint8_t* data, std::size_t len,
                      const TlvLayout* (*findLayout)(std::uint8_t) noexcept, std::size_t* failedAt) noexcept {
    TlvReader reader{data, len};
    TlvEntry entry;
    while (reader.next(entry)) {
        const TlvLayout* layout = findLayout != nullptr ? findLayout(entry.type) : nullptr;
        if (layout != nullptr && layout->length != entry.length) {
            if (failedAt != nullptr) *failedAt = entry.offset;
            return WireError::BadTlv;
        }
    }
    if (reader.error() != WireError::Ok && failedAt != nullptr) *failedAt = reader.position();
    return reader.error();
}

TlvEntry findTlv(const std::uint8_t* data, std::size_t len, std::uint8_t type) noexcept {
    TlvReader reader{data, len};
    TlvEntry entry;
    while (reader.next(entry)) {
        if (entry.type == type) return entry;
    }
    return TlvEntry{};
}

} // namespace alphapulse::wire
