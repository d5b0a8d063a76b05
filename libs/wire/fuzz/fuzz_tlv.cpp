// Fuzz target: the TLV walker (TlvReader, validateTlv, findTlv), the typed
// extension and discovery-metadata views, and the same bytes as the TLV
// region of a DeFiSignal frame and as discovery metadata.
// Invariants besides memory safety:
//  - entries tile the region: each starts where the previous ended, and a
//    walk without error consumes exactly the region;
//  - validateTlv fails exactly when the walk fails or a known type has the
//    wrong length, and reports the offset of that entry;
//  - a DeFiSignal carrying the region parses exactly when validateTlv accepts it;
//  - TlvWriter re-encodes the walked entries to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_common.hpp"

using namespace alphapulse::wire;
using namespace alphapulse::wire::fuzz;

namespace {

WireError expectedValidation(const std::uint8_t* data, std::size_t size,
                             const TlvLayout* (*find)(std::uint8_t) noexcept, std::size_t& failedAt) {
    TlvReader reader{data, size};
    TlvEntry e;
    while (reader.next(e)) {
        const TlvLayout* layout = find(e.type);
        if (layout != nullptr && layout->length != e.length) {
            failedAt = e.offset;
            return WireError::BadTlv;
        }
    }
    failedAt = reader.position();
    return reader.error();
}

void consumeEntry(const TlvEntry& entry) {
    if (const auto v = PoolAddressTlvView::of(entry)) {
        const auto& view = *v;
        ALPHAPULSE_POOL_ADDRESS_TLV(ALPHAPULSE_FUZZ_READ_FIELD)
    }
    if (const auto v = TertiaryVenueTlvView::of(entry)) {
        const auto& view = *v;
        ALPHAPULSE_TERTIARY_VENUE_TLV(ALPHAPULSE_FUZZ_READ_FIELD)
    }
    if (const auto v = MEVBundleTlvView::of(entry)) {
        const auto& view = *v;
        ALPHAPULSE_MEV_BUNDLE_TLV(ALPHAPULSE_FUZZ_READ_FIELD)
    }
    if (const auto v = AddressMetaView::of(entry)) {
        const auto& view = *v;
        ALPHAPULSE_META_ADDRESS(ALPHAPULSE_FUZZ_READ_FIELD)
    }
    if (const auto v = ChainIdMetaView::of(entry)) {
        const auto& view = *v;
        ALPHAPULSE_META_CHAIN_ID(ALPHAPULSE_FUZZ_READ_FIELD)
    }
    if (const auto v = PoolTokensMetaView::of(entry)) {
        const auto& view = *v;
        ALPHAPULSE_META_POOL_TOKENS(ALPHAPULSE_FUZZ_READ_FIELD)
    }
}

void checkDeFiSignal(const std::uint8_t* tlv, std::size_t size, WireError tlvResult) {
    if (size > 0xFFFF) return;
    std::vector<std::uint8_t> frame(DeFiSignalLayout::SIZE + size);
    auto started = DeFiSignalBuilder::into(frame.data(), frame.size());
    ALPHAPULSE_FUZZ_CHECK(started.ok());
    auto builder = *started;
    builder.sequence(1).timestamp(2).strategy_id(3).signal_id(4);
    if (size != 0) std::memcpy(builder.tail(), tlv, size);
    const auto len = finishDeFiSignal(builder, size);
    ALPHAPULSE_FUZZ_CHECK(len.ok() && *len == frame.size());
    const auto view = DeFiSignalView::parse(frame.data(), frame.size(), true);
    ALPHAPULSE_FUZZ_CHECK(view.ok() == (tlvResult == WireError::Ok));
    const auto generic = parseFrame(frame.data(), frame.size());
    ALPHAPULSE_FUZZ_CHECK(generic.ok() == view.ok());
    if (!view) return;
    TlvReader reader = extensionsOf(*view);
    TlvEntry e;
    std::size_t count = 0;
    while (reader.next(e)) {
        consumeEntry(e);
        ++count;
    }
    ALPHAPULSE_FUZZ_CHECK(reader.error() == WireError::Ok);
    consume(count);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Walk: entries tile the region, stay inside it, and re-encode identically.
    std::vector<std::uint8_t> rewritten(size);
    TlvWriter writer{rewritten.data(), rewritten.size()};
    TlvReader reader{data, size};
    TlvEntry entry;
    std::size_t expectedOffset = 0;
    while (reader.next(entry)) {
        ALPHAPULSE_FUZZ_CHECK(entry.offset == expectedOffset);
        ALPHAPULSE_FUZZ_CHECK(entry.value == data + entry.offset + TLV_HEADER_SIZE);
        ALPHAPULSE_FUZZ_CHECK(entry.offset + TLV_HEADER_SIZE + entry.length <= size);
        expectedOffset = entry.offset + TLV_HEADER_SIZE + entry.length;
        touchBytes(entry.value, entry.length);
        consumeEntry(entry);
        ALPHAPULSE_FUZZ_CHECK(writer.append(entry.type, entry.value, entry.length) == WireError::Ok);
        const TlvEntry first = findTlv(data, size, entry.type);
        ALPHAPULSE_FUZZ_CHECK(first.value != nullptr && first.type == entry.type && first.offset <= entry.offset);
    }
    ALPHAPULSE_FUZZ_CHECK(writer.size() == expectedOffset);
    ALPHAPULSE_FUZZ_CHECK(expectedOffset == 0 || std::memcmp(rewritten.data(), data, expectedOffset) == 0);
    if (reader.error() == WireError::Ok) {
        ALPHAPULSE_FUZZ_CHECK(expectedOffset == size);
    } else {
        ALPHAPULSE_FUZZ_CHECK(reader.error() == WireError::BadTlv && reader.position() == expectedOffset);
        ALPHAPULSE_FUZZ_CHECK(!reader.next(entry)); // stays failed
    }

    // validateTlv against both registries and none.
    WireError extResult = WireError::Ok;
    for (const auto find : {&findExtensionLayout, &findDiscoveryMetaLayout}) {
        std::size_t expectedAt = 0;
        const WireError expected = expectedValidation(data, size, find, expectedAt);
        std::size_t failedAt = 0xDEAD;
        const WireError got = validateTlv(data, size, find, &failedAt);
        ALPHAPULSE_FUZZ_CHECK(got == expected);
        if (got != WireError::Ok) ALPHAPULSE_FUZZ_CHECK(failedAt == expectedAt);
        if (find == &findExtensionLayout) extResult = got;
    }
    ALPHAPULSE_FUZZ_CHECK(validateTlv(data, size, nullptr) == reader.error());

    // Unknown types never match a layout; known ones are found by number.
    for (unsigned t = 0; t < 256; ++t) {
        const auto type = static_cast<std::uint8_t>(t);
        if (const TlvLayout* l = findExtensionLayout(type)) ALPHAPULSE_FUZZ_CHECK(l->type == type);
        if (const TlvLayout* l = findDiscoveryMetaLayout(type)) ALPHAPULSE_FUZZ_CHECK(l->type == type);
    }

    checkDeFiSignal(data, size, extResult);
    return 0;
}
