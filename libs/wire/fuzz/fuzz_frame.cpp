// Fuzz target: frame validation (frameLength, parseFrame) and every typed
// view. Invariants checked besides "no crash, no UB, no out-of-bounds":
//  - a frame parseFrame accepts lies inside the input, has a valid magic and
//    payload_size, and each typed view parse() agrees with parseFrame on it;
//  - frameChecksum equals a bitwise reference CRC (W3) on any bytes;
//  - the variable parts of accepted frames (TLV, discovery, levels) walk
//    without error and inside the frame.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"

using namespace alphapulse::wire;
using namespace alphapulse::wire::fuzz;

namespace {

void consumeExtensions(const DeFiSignalView& signal) {
    TlvReader reader = extensionsOf(signal);
    TlvEntry entry;
    while (reader.next(entry)) {
        ALPHAPULSE_FUZZ_CHECK(entry.value + entry.length <= signal.data() + signal.size());
        if (const auto v = PoolAddressTlvView::of(entry)) {
            const auto& view = *v;
            ALPHAPULSE_POOL_ADDRESS_TLV(ALPHAPULSE_FUZZ_READ_FIELD)
        } else if (const auto t = TertiaryVenueTlvView::of(entry)) {
            const auto& view = *t;
            ALPHAPULSE_TERTIARY_VENUE_TLV(ALPHAPULSE_FUZZ_READ_FIELD)
        } else if (const auto m = MEVBundleTlvView::of(entry)) {
            const auto& view = *m;
            ALPHAPULSE_MEV_BUNDLE_TLV(ALPHAPULSE_FUZZ_READ_FIELD)
        } else {
            touchBytes(entry.value, entry.length);
        }
    }
    ALPHAPULSE_FUZZ_CHECK(reader.error() == WireError::Ok); // parseFrame validated the region
}

void consumeTyped(const FrameView& frame) {
    switch (static_cast<MessageType>(frame.messageType())) {
#define ALPHAPULSE_FUZZ_CASE(Name, FIELDS)          \
    case MessageType::Name: {                       \
        const auto view = Name##View::of(frame);    \
        static_cast<void>(view);                    \
        FIELDS(ALPHAPULSE_FUZZ_READ_FIELD)          \
        break;                                      \
    }
        ALPHAPULSE_FUZZ_MESSAGES(ALPHAPULSE_FUZZ_CASE)
#undef ALPHAPULSE_FUZZ_CASE
    }
    const auto type = static_cast<MessageType>(frame.messageType());
    if (type == MessageType::DeFiSignal) consumeExtensions(DeFiSignalView::of(frame));
    if (type == MessageType::InstrumentDiscovered || type == MessageType::PoolDiscovered) {
        consumeDiscovery(DiscoveryView::of(frame));
    }
    if (type == MessageType::OrderBook) {
        const auto book = OrderBookView::of(frame);
        for (std::size_t i = 0; i < book.bid_count(); ++i) consume(bidLevel(book, i).price);
        for (std::size_t i = 0; i < book.ask_count(); ++i) consume(askLevel(book, i).size);
    }
}

void checkOne(const std::uint8_t* data, std::size_t size, bool verify, std::uint32_t maxPayload) {
    const auto frame = parseFrame(data, size, ParseOptions{verify, maxPayload});
    if (frame) {
        ALPHAPULSE_FUZZ_CHECK(frame->data() == data && frame->size() <= size && frame->size() >= header::SIZE);
        const auto length = frameLength(data, size, maxPayload);
        ALPHAPULSE_FUZZ_CHECK(length.ok() && *length == frame->size());
        ALPHAPULSE_FUZZ_CHECK(!verify || frame->checksumMatches());
        consumeFrame(*frame);
        consumeTyped(*frame);
    } else {
        consume(static_cast<std::uint8_t>(frame.error()));
        ALPHAPULSE_FUZZ_CHECK(!errorName(frame.error()).empty());
    }
    // Every typed parse agrees with parseFrame: accepted exactly when
    // parseFrame accepts the frame and the type is its own.
#define ALPHAPULSE_FUZZ_AGREE(Name, FIELDS)                                                       \
    {                                                                                             \
        const auto typed = Name##View::parse(data, size, verify, maxPayload);                     \
        const bool expected = frame.ok() && frame->messageType() ==                               \
                                                static_cast<std::uint8_t>(Name##Layout::TYPE);    \
        ALPHAPULSE_FUZZ_CHECK(typed.ok() == expected);                                            \
        if (typed) {                                                                              \
            ALPHAPULSE_FUZZ_CHECK(typed->size() == frame->size());                                \
            const auto& view = *typed;                                                            \
            static_cast<void>(view);                                                              \
            FIELDS(ALPHAPULSE_FUZZ_READ_FIELD)                                                    \
        }                                                                                         \
    }
    ALPHAPULSE_FUZZ_MESSAGES(ALPHAPULSE_FUZZ_AGREE)
#undef ALPHAPULSE_FUZZ_AGREE
    const auto disc = DiscoveryView::parse(data, size, verify, maxPayload);
    if (disc) consumeDiscovery(*disc);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The CRC (W3) of any bytes equals the bitwise reference.
    if (size >= header::SIZE) {
        ALPHAPULSE_FUZZ_CHECK(frameChecksum(data, size) == referenceFrameChecksum(data, size));
    }
    ALPHAPULSE_FUZZ_CHECK(crc32(data, size) == referenceCrc(0, data, size));

    checkOne(data, size, true, header::DEFAULT_MAX_PAYLOAD);
    checkOne(data, size, false, header::DEFAULT_MAX_PAYLOAD);
    checkOne(data, size, false, 64); // a small receiver maximum

    // A stream of back-to-back frames: walk it the way a relay does.
    std::size_t offset = 0;
    while (offset < size) {
        const auto length = frameLength(data + offset, size - offset);
        if (!length) break;
        ALPHAPULSE_FUZZ_CHECK(*length >= header::SIZE && *length <= size - offset);
        const auto frame = parseFrame(data + offset, *length, ParseOptions{false});
        if (frame) ALPHAPULSE_FUZZ_CHECK(frame->size() == *length);
        offset += *length;
    }
    return 0;
}
