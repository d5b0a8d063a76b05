// TLV extensions (W5): the reader never reads out of bounds, known types must
// have their exact length, unknown types are skipped, and DeFiSignal carries
// its extensions exactly where tlv_offset and tlv_length say.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "alphapulse/wire.hpp"
#include "test_support.hpp"

using namespace alphapulse::wire;
using namespace alphapulse::wire::test;

namespace {

std::vector<TlvEntry> readAll(const Bytes& bytes, WireError& error) {
    TlvReader reader{bytes.data(), bytes.size()};
    std::vector<TlvEntry> out;
    TlvEntry e;
    while (reader.next(e)) out.push_back(e);
    error = reader.error();
    return out;
}

Bytes entry(std::uint8_t type, std::size_t length, std::uint8_t fill = 0xAA) {
    Bytes out{type, static_cast<std::uint8_t>(length)};
    out.insert(out.end(), length, fill);
    return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

EvmAddress filled(std::uint8_t value) {
    EvmAddress a{};
    a.fill(value);
    return a;
}

} // namespace

TEST(TlvReader, EmptyRegionHasNoEntriesAndNoError) {
    WireError error = WireError::BadMagic;
    EXPECT_TRUE(readAll({}, error).empty());
    EXPECT_EQ(error, WireError::Ok);
}

TEST(TlvReader, ReadsEntriesInOrderWithTheirOffsets) {
    const Bytes bytes = concat({entry(1, 3, 0x11), entry(9, 0), entry(200, 5, 0x22)});
    WireError error = WireError::Ok;
    const auto entries = readAll(bytes, error);
    ASSERT_EQ(error, WireError::Ok);
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].type, 1);
    EXPECT_EQ(entries[0].length, 3);
    EXPECT_EQ(entries[0].offset, 0u);
    EXPECT_EQ(entries[0].value, bytes.data() + 2);
    EXPECT_EQ(entries[1].type, 9);
    EXPECT_EQ(entries[1].offset, 5u);
    EXPECT_EQ(entries[2].offset, 7u);
    EXPECT_EQ(entries[2].value[4], 0x22);
}

TEST(TlvReader, TruncatedEntryHeaderIsAnError) {
    Bytes bytes = concat({entry(1, 2), Bytes{7}});
    WireError error = WireError::Ok;
    const auto entries = readAll(bytes, error);
    EXPECT_EQ(entries.size(), 1u);
    EXPECT_EQ(error, WireError::BadTlv);
    TlvReader reader{bytes.data(), bytes.size()};
    TlvEntry e;
    ASSERT_TRUE(reader.next(e));
    EXPECT_FALSE(reader.next(e));
    EXPECT_EQ(reader.position(), 4u);
}

TEST(TlvReader, TruncatedValueIsAnError) {
    Bytes bytes = entry(1, 10);
    bytes.resize(bytes.size() - 1);
    WireError error = WireError::Ok;
    EXPECT_TRUE(readAll(bytes, error).empty());
    EXPECT_EQ(error, WireError::BadTlv);
}

TEST(TlvReader, LengthBeyondTheBufferIsAnError) {
    const Bytes bytes{3, 255, 1, 2, 3, 4};
    WireError error = WireError::Ok;
    EXPECT_TRUE(readAll(bytes, error).empty());
    EXPECT_EQ(error, WireError::BadTlv);
}

TEST(TlvReader, ZeroLengthEntriesAreValid) {
    const Bytes bytes{5, 0, 6, 0, 7, 0};
    WireError error = WireError::BadMagic;
    const auto entries = readAll(bytes, error);
    EXPECT_EQ(error, WireError::Ok);
    ASSERT_EQ(entries.size(), 3u);
    for (const auto& e : entries) EXPECT_EQ(e.length, 0);
    EXPECT_EQ(entries[2].offset, 4u);
}

TEST(TlvReader, StaysStoppedAfterAnError) {
    const Bytes bytes{1, 9, 0};
    TlvReader reader{bytes.data(), bytes.size()};
    TlvEntry e;
    EXPECT_FALSE(reader.next(e));
    EXPECT_FALSE(reader.next(e));
    EXPECT_EQ(reader.error(), WireError::BadTlv);
}

TEST(TlvReader, NeverReportsBytesOutsideTheRegionWhateverTheInput) {
    std::mt19937_64 rng{20240601};
    for (int iteration = 0; iteration < 5000; ++iteration) {
        const std::size_t len = rng() % 80;
        Bytes bytes(len);
        for (auto& b : bytes) b = static_cast<std::uint8_t>(rng() % 4 == 0 ? rng() % 8 : rng());
        TlvReader reader{bytes.data(), bytes.size()};
        TlvEntry e;
        std::size_t covered = 0;
        while (reader.next(e)) {
            ASSERT_EQ(e.offset, covered);
            ASSERT_LE(e.offset + 2 + e.length, len);
            ASSERT_EQ(e.value, bytes.data() + e.offset + 2);
            covered += 2u + e.length;
        }
        if (reader.error() == WireError::Ok) {
            EXPECT_EQ(covered, len);
        } else {
            EXPECT_EQ(reader.error(), WireError::BadTlv);
            EXPECT_LT(covered, len);
        }
    }
}

TEST(ValidateTlv, UnknownTypesAreSkipped) {
    const Bytes bytes = concat({entry(150, 7), entry(1, 42), entry(99, 0), entry(3, 43)});
    std::size_t failedAt = 12345;
    EXPECT_EQ(validateTlv(bytes.data(), bytes.size(), &findExtensionLayout, &failedAt), WireError::Ok);
    EXPECT_EQ(failedAt, 12345u);
}

TEST(ValidateTlv, KnownTypeWithAnotherLengthIsRefused) {
    // The document's own (wrong) lengths are among them: 22 for TertiaryVenue, 38 for MEVBundle.
    const std::array<std::pair<std::uint8_t, std::size_t>, 7> bad{
        {{1, 41}, {1, 43}, {1, 0}, {2, 22}, {2, 31}, {3, 38}, {3, 44}}};
    for (const auto& [type, length] : bad) {
        const Bytes bytes = concat({entry(150, 4), entry(type, length)});
        std::size_t failedAt = 0;
        EXPECT_EQ(validateTlv(bytes.data(), bytes.size(), &findExtensionLayout, &failedAt), WireError::BadTlv)
            << "type " << int{type} << " length " << length;
        EXPECT_EQ(failedAt, 6u);
    }
}

TEST(ValidateTlv, ReportsWhereATruncatedRegionFails) {
    const Bytes bytes = concat({entry(1, 42), Bytes{2, 30, 0}});
    std::size_t failedAt = 0;
    EXPECT_EQ(validateTlv(bytes.data(), bytes.size(), &findExtensionLayout, &failedAt), WireError::BadTlv);
    EXPECT_EQ(failedAt, 44u);
}

TEST(ValidateTlv, WithoutACatalogOnlyTheFramingIsChecked) {
    const Bytes bytes = concat({entry(1, 3), entry(2, 1)});
    EXPECT_EQ(validateTlv(bytes.data(), bytes.size(), nullptr), WireError::Ok);
}

TEST(FindTlv, ReturnsTheFirstEntryOfATypeOrNone) {
    const Bytes bytes = concat({entry(4, 1, 0x01), entry(5, 1, 0x02), entry(5, 1, 0x03)});
    const TlvEntry found = findTlv(bytes.data(), bytes.size(), 5);
    ASSERT_NE(found.value, nullptr);
    EXPECT_EQ(found.value[0], 0x02);
    EXPECT_EQ(found.offset, 3u);
    EXPECT_EQ(findTlv(bytes.data(), bytes.size(), 6).value, nullptr);
}

TEST(TlvWriter, AppendsWithinCapacityAndRefusesBeyond) {
    std::array<std::uint8_t, 10> buf{};
    TlvWriter writer{buf.data(), buf.size()};
    const std::array<std::uint8_t, 8> value{1, 2, 3, 4, 5, 6, 7, 8};
    EXPECT_EQ(writer.append(9, value.data(), 5), WireError::Ok);
    EXPECT_EQ(writer.size(), 7u);
    EXPECT_EQ(writer.append(9, value.data(), 2), WireError::BufferTooSmall);
    EXPECT_EQ(writer.size(), 7u);
    EXPECT_EQ(writer.append(9, value.data(), 1), WireError::Ok); // exactly full
    EXPECT_EQ(writer.size(), 10u);
    EXPECT_EQ(writer.append(9, nullptr, 0), WireError::BufferTooSmall);
    EXPECT_EQ(buf[0], 9);
    EXPECT_EQ(buf[1], 5);
    EXPECT_EQ(buf[6], 5);
    EXPECT_EQ(buf[7], 9);
    EXPECT_EQ(buf[8], 1);
}

TEST(TlvWriter, RefusesValuesLongerThan255Bytes) {
    std::vector<std::uint8_t> buf(600);
    std::vector<std::uint8_t> value(256, 1);
    TlvWriter writer{buf.data(), buf.size()};
    EXPECT_EQ(writer.append(1, value.data(), 256), WireError::ValueOutOfRange);
    EXPECT_EQ(writer.reserve(1, 256), nullptr);
    EXPECT_EQ(writer.size(), 0u);
    EXPECT_EQ(writer.append(1, value.data(), 255), WireError::Ok);
    EXPECT_EQ(writer.size(), 257u);
}

TEST(TlvWriter, ReserveZeroFillsAndRefusesWhatDoesNotFit) {
    std::array<std::uint8_t, 8> buf{};
    buf.fill(0xCC);
    TlvWriter writer{buf.data(), buf.size()};
    std::uint8_t* value = writer.reserve(4, 6);
    ASSERT_EQ(value, buf.data() + 2);
    for (std::size_t i = 2; i < 8; ++i) EXPECT_EQ(buf[i], 0);
    EXPECT_EQ(writer.reserve(4, 0), nullptr);
}

TEST(TlvBuilders, RefuseAWriterWithoutRoom) {
    std::array<std::uint8_t, 44> buf{};
    TlvWriter small{buf.data(), 43};
    EXPECT_EQ(PoolAddressTlvBuilder::in(small).error(), WireError::BufferTooSmall);
    TlvWriter exact{buf.data(), 44};
    EXPECT_TRUE(PoolAddressTlvBuilder::in(exact));
    TlvWriter tiny{buf.data(), 31};
    EXPECT_EQ(TertiaryVenueTlvBuilder::in(tiny).error(), WireError::BufferTooSmall);
    EXPECT_EQ(MEVBundleTlvBuilder::in(tiny).error(), WireError::BufferTooSmall);
}

TEST(TlvBuilders, PoolAddressTlvBytesAtKnownOffsets) {
    std::array<std::uint8_t, 44> buf{};
    TlvWriter writer{buf.data(), buf.size()};
    auto b = must(PoolAddressTlvBuilder::in(writer));
    b.venue_a_pool(filled(0xA1)).venue_b_pool(filled(0xB2));
    EXPECT_EQ(writer.size(), 44u);
    EXPECT_EQ(buf[0], 1);
    EXPECT_EQ(buf[1], 42);
    EXPECT_EQ(buf[2], 0xA1);
    EXPECT_EQ(buf[21], 0xA1);
    EXPECT_EQ(buf[22], 0xB2);
    EXPECT_EQ(buf[41], 0xB2);
    EXPECT_EQ(buf[42], 0);
    EXPECT_EQ(buf[43], 0);
    TlvReader reader{buf.data(), writer.size()};
    TlvEntry e;
    ASSERT_TRUE(reader.next(e));
    const auto view = PoolAddressTlvView::of(e);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->venue_a_pool()[0], 0xA1);
    EXPECT_EQ(view->venue_b_pool()[19], 0xB2);
}

TEST(TlvBuilders, TertiaryVenueTlvBytesAtKnownOffsets) {
    std::array<std::uint8_t, 32> buf{};
    TlvWriter writer{buf.data(), buf.size()};
    auto b = must(TertiaryVenueTlvBuilder::in(writer));
    b.venue_c_router(filled(0x33)).venue_c_type(2).fee_c_ppm(0x01020304);
    EXPECT_EQ(writer.size(), 32u);
    EXPECT_EQ(buf[0], 2);
    EXPECT_EQ(buf[1], 30);
    EXPECT_EQ(buf[2], 0x33);
    EXPECT_EQ(buf[21], 0x33);
    EXPECT_EQ(buf[22], 2);
    EXPECT_EQ(buf[23], 0x04);
    EXPECT_EQ(buf[26], 0x01);
    for (std::size_t i = 27; i < 32; ++i) EXPECT_EQ(buf[i], 0);
    TlvEntry e;
    TlvReader reader{buf.data(), buf.size()};
    ASSERT_TRUE(reader.next(e));
    const auto view = TertiaryVenueTlvView::of(e);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->fee_c_ppm(), 0x01020304u);
    EXPECT_EQ(view->venue_c_type(), 2);
}

TEST(TlvBuilders, MEVBundleTlvBytesAtKnownOffsets) {
    std::array<std::uint8_t, 45> buf{};
    TlvWriter writer{buf.data(), buf.size()};
    auto b = must(MEVBundleTlvBuilder::in(writer));
    b.target_builder(0x11223344).bundle_uuid(0x55667788).max_bundle_size(3);
    b.priority_fee_gwei(0x0102030405060708ULL).target_block_range(2).submission_strategy(1);
    b.relay_preferences(0xF0E0D0C0B0A09080ULL);
    EXPECT_EQ(writer.size(), 45u);
    const std::array<std::uint8_t, 29> expected{
        3, 43,                                          // type, length
        0x44, 0x33, 0x22, 0x11,                         // target_builder @2
        0x88, 0x77, 0x66, 0x55,                         // bundle_uuid @6
        3,                                              // max_bundle_size @10
        0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, // priority_fee_gwei @11
        2, 1,                                           // target_block_range @19, submission_strategy @20
        0x80, 0x90, 0xA0, 0xB0, 0xC0, 0xD0, 0xE0, 0xF0, // relay_preferences @21
    };
    EXPECT_EQ(0, std::memcmp(buf.data(), expected.data(), expected.size()));
    for (std::size_t i = 29; i < 45; ++i) EXPECT_EQ(buf[i], 0) << "reserved byte " << i;
    TlvEntry e;
    TlvReader reader{buf.data(), buf.size()};
    ASSERT_TRUE(reader.next(e));
    const auto view = MEVBundleTlvView::of(e);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->priority_fee_gwei(), 0x0102030405060708ULL);
    EXPECT_EQ(view->relay_preferences(), 0xF0E0D0C0B0A09080ULL);
}

TEST(TlvViews, RefuseAnotherTypeOrAnotherLength) {
    const Bytes pool = entry(1, 42);
    const Bytes shortPool = entry(1, 40);
    TlvEntry e;
    TlvReader r1{pool.data(), pool.size()};
    ASSERT_TRUE(r1.next(e));
    EXPECT_EQ(MEVBundleTlvView::of(e).error(), WireError::WrongType);
    EXPECT_TRUE(PoolAddressTlvView::of(e));
    TlvReader r2{shortPool.data(), shortPool.size()};
    ASSERT_TRUE(r2.next(e));
    EXPECT_EQ(PoolAddressTlvView::of(e).error(), WireError::BadTlv);
    EXPECT_EQ(PoolAddressTlvView::of(TlvEntry{}).error(), WireError::WrongType);
}

namespace {

struct DeFiFrame {
    Bytes bytes;
    std::size_t tlvBytes = 0;
};

// A DeFiSignal with a PoolAddress, an unknown custom (type 150), a TertiaryVenue
// and an MEVBundle extension, in that order.
DeFiFrame defiWithExtensions() {
    DeFiFrame out;
    out.bytes.resize(1024);
    auto builder = must(DeFiSignalBuilder::into(out.bytes.data(), out.bytes.size()));
    builder.source(SourceType::ArbitrageStrategy).sequence(3).timestamp(4);
    builder.strategy_id(2).signal_id(0xABCDEF).chain_id(137).venue_a_type(1).venue_b_type(2);
    TlvWriter writer{builder.tail(), out.bytes.size() - DeFiSignalLayout::SIZE};
    must(PoolAddressTlvBuilder::in(writer)).venue_a_pool(filled(0x0A)).venue_b_pool(filled(0x0B));
    const std::array<std::uint8_t, 5> custom{9, 8, 7, 6, 5};
    EXPECT_EQ(writer.append(150, custom.data(), custom.size()), WireError::Ok);
    must(TertiaryVenueTlvBuilder::in(writer)).venue_c_router(filled(0x0C)).fee_c_ppm(500);
    must(MEVBundleTlvBuilder::in(writer)).submission_strategy(2).priority_fee_gwei(7);
    out.tlvBytes = writer.size();
    const auto len = finishDeFiSignal(builder, writer.size());
    EXPECT_TRUE(len);
    out.bytes.resize(len ? *len : 0);
    return out;
}

} // namespace

TEST(DeFiSignalTlv, SeveralExtensionsRoundTrip) {
    const DeFiFrame f = defiWithExtensions();
    ASSERT_EQ(f.tlvBytes, 44u + 7u + 32u + 45u);
    ASSERT_EQ(f.bytes.size(), 312u + f.tlvBytes);
    EXPECT_EQ(loadLe<std::uint32_t>(f.bytes.data() + 8), 312u - 32u + f.tlvBytes);
    const auto view = DeFiSignalView::parse(f.bytes.data(), f.bytes.size());
    ASSERT_TRUE(view) << errorName(view.error());
    EXPECT_EQ(view->tlv_offset(), 312);
    EXPECT_EQ(view->tlv_length(), f.tlvBytes);
    EXPECT_EQ(view->chain_id(), 137u);
    EXPECT_EQ(view->signal_id(), 0xABCDEFu);
    TlvReader reader = extensionsOf(*view);
    TlvEntry e;
    std::vector<int> types;
    while (reader.next(e)) {
        types.push_back(e.type);
        if (e.type == 1) {
            const auto pool = PoolAddressTlvView::of(e);
            ASSERT_TRUE(pool);
            EXPECT_EQ(pool->venue_a_pool()[0], 0x0A);
            EXPECT_EQ(pool->venue_b_pool()[0], 0x0B);
        } else if (e.type == 2) {
            const auto tertiary = TertiaryVenueTlvView::of(e);
            ASSERT_TRUE(tertiary);
            EXPECT_EQ(tertiary->fee_c_ppm(), 500u);
            EXPECT_EQ(tertiary->venue_c_router()[5], 0x0C);
        } else if (e.type == 3) {
            const auto mev = MEVBundleTlvView::of(e);
            ASSERT_TRUE(mev);
            EXPECT_EQ(mev->submission_strategy(), 2);
            EXPECT_EQ(mev->priority_fee_gwei(), 7u);
        } else {
            EXPECT_EQ(e.length, 5);
            EXPECT_EQ(e.value[0], 9);
        }
    }
    EXPECT_EQ(reader.error(), WireError::Ok);
    EXPECT_EQ(types, (std::vector<int>{1, 150, 2, 3}));
    // The first extension starts right after the 312 fixed bytes.
    EXPECT_EQ(f.bytes[312], 1);
    EXPECT_EQ(f.bytes[313], 42);
    const auto frame = parseFrame(f.bytes.data(), f.bytes.size());
    ASSERT_TRUE(frame) << errorName(frame.error());
}

TEST(DeFiSignalTlv, WithoutExtensionsIs312Bytes) {
    std::array<std::uint8_t, 312> buf{};
    auto builder = must(DeFiSignalBuilder::into(buf.data(), buf.size()));
    const auto len = finishDeFiSignal(builder, 0);
    ASSERT_TRUE(len);
    EXPECT_EQ(*len, 312u);
    const auto view = DeFiSignalView::parse(buf.data(), buf.size());
    ASSERT_TRUE(view) << errorName(view.error());
    TlvReader reader = extensionsOf(*view);
    TlvEntry e;
    EXPECT_FALSE(reader.next(e));
    EXPECT_EQ(reader.error(), WireError::Ok);
}

TEST(DeFiSignalTlv, TlvOffsetOtherThan312IsRefused) {
    for (const std::uint16_t offset : {std::uint16_t{0}, std::uint16_t{256}, std::uint16_t{311}, std::uint16_t{313}}) {
        DeFiFrame f = defiWithExtensions();
        storeLe<std::uint16_t>(f.bytes.data() + DeFiSignalLayout::OFFSET_tlv_offset, offset);
        sealFrame(f.bytes.data(), f.bytes.size());
        EXPECT_EQ(parseFrame(f.bytes.data(), f.bytes.size()).error(), WireError::BadTlv) << offset;
        EXPECT_EQ(DeFiSignalView::parse(f.bytes.data(), f.bytes.size()).error(), WireError::BadTlv) << offset;
    }
}

TEST(DeFiSignalTlv, TlvLengthDisagreeingWithPayloadSizeIsRefused) {
    DeFiFrame f = defiWithExtensions();
    for (const int delta : {-1, 1, -44, 100}) {
        Bytes bytes = f.bytes;
        storeLe<std::uint16_t>(bytes.data() + DeFiSignalLayout::OFFSET_tlv_length,
                               static_cast<std::uint16_t>(static_cast<int>(f.tlvBytes) + delta));
        sealFrame(bytes.data(), bytes.size());
        EXPECT_EQ(parseFrame(bytes.data(), bytes.size()).error(), WireError::BadSize) << delta;
        EXPECT_EQ(DeFiSignalView::parse(bytes.data(), bytes.size()).error(), WireError::BadSize) << delta;
    }
}

TEST(DeFiSignalTlv, ExtensionWithTheWrongLengthIsRefused) {
    DeFiFrame f = defiWithExtensions();
    f.bytes[313] = 41; // PoolAddress length byte
    sealFrame(f.bytes.data(), f.bytes.size());
    EXPECT_EQ(parseFrame(f.bytes.data(), f.bytes.size()).error(), WireError::BadTlv);
    EXPECT_EQ(DeFiSignalView::parse(f.bytes.data(), f.bytes.size()).error(), WireError::BadTlv);
}

TEST(DeFiSignalTlv, ExtensionRunningPastTheRegionIsRefused) {
    DeFiFrame f = defiWithExtensions();
    // The last entry (MEVBundle, at 312 + 83) claims more bytes than remain.
    const std::size_t last = 312 + 44 + 7 + 32;
    ASSERT_EQ(f.bytes[last], 3);
    f.bytes[last] = 150; // unknown type, so only the framing can refuse it
    f.bytes[last + 1] = 44;
    sealFrame(f.bytes.data(), f.bytes.size());
    EXPECT_EQ(parseFrame(f.bytes.data(), f.bytes.size()).error(), WireError::BadTlv);
}

TEST(DeFiSignalTlv, FinishRefusesMoreExtensionBytesThanFit) {
    std::array<std::uint8_t, 320> buf{};
    auto builder = must(DeFiSignalBuilder::into(buf.data(), buf.size()));
    EXPECT_EQ(finishDeFiSignal(builder, 9).error(), WireError::BufferTooSmall);
    EXPECT_EQ(finishDeFiSignal(builder, 0x10000).error(), WireError::ValueOutOfRange);
    EXPECT_TRUE(finishDeFiSignal(builder, 8));
}
