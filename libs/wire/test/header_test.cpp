// The 32-byte header (W2): fields at fixed offsets, little-endian on the wire.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <cstring>

#include "alphapulse/wire.hpp"
#include "test_support.hpp"

using namespace alphapulse::wire;
using namespace alphapulse::wire::test;

namespace {

MessageHeader sampleHeader() {
    MessageHeader h;
    h.magic = header::MAGIC;
    h.messageType = 0x2A;
    h.version = 0x03;
    h.source = 0x14;
    h.flags = 0x81;
    h.payloadSize = 0x11223344;
    h.sequence = 0x0102030405060708ULL;
    h.timestamp = 0xA1A2A3A4A5A6A7A8ULL;
    h.checksum = 0xCAFEBABE;
    return h;
}

} // namespace

TEST(Header, OffsetsAreThoseOfW2) {
    EXPECT_EQ(header::SIZE, 32u);
    EXPECT_EQ(header::MAGIC_OFFSET, 0u);
    EXPECT_EQ(header::MESSAGE_TYPE_OFFSET, 4u);
    EXPECT_EQ(header::VERSION_OFFSET, 5u);
    EXPECT_EQ(header::SOURCE_OFFSET, 6u);
    EXPECT_EQ(header::FLAGS_OFFSET, 7u);
    EXPECT_EQ(header::PAYLOAD_SIZE_OFFSET, 8u);
    EXPECT_EQ(header::SEQUENCE_OFFSET, 12u);
    EXPECT_EQ(header::TIMESTAMP_OFFSET, 20u);
    EXPECT_EQ(header::CHECKSUM_OFFSET, 28u);
    EXPECT_EQ(header::DEFAULT_MAX_PAYLOAD, 65536u);
}

TEST(Header, WriteProducesLittleEndianBytesAtKnownOffsets) {
    std::array<std::uint8_t, 32> bytes{};
    bytes.fill(0x5A);
    sampleHeader().write(bytes.data());
    const std::array<std::uint8_t, 32> expected{
        0xEF, 0xBE, 0xAD, 0xDE,                         // magic 0xDEADBEEF
        0x2A, 0x03, 0x14, 0x81,                         // type, version, source, flags
        0x44, 0x33, 0x22, 0x11,                         // payload_size
        0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, // sequence
        0xA8, 0xA7, 0xA6, 0xA5, 0xA4, 0xA3, 0xA2, 0xA1, // timestamp
        0xBE, 0xBA, 0xFE, 0xCA,                         // checksum
    };
    EXPECT_EQ(bytes, expected);
}

TEST(Header, MagicIsWrittenAsEfBeAdDe) {
    std::array<std::uint8_t, 32> bytes{};
    MessageHeader{}.write(bytes.data());
    EXPECT_EQ(bytes[0], 0xEF);
    EXPECT_EQ(bytes[1], 0xBE);
    EXPECT_EQ(bytes[2], 0xAD);
    EXPECT_EQ(bytes[3], 0xDE);
}

TEST(Header, ReadDecodesLittleEndianBytes) {
    std::array<std::uint8_t, 32> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i + 1);
    const MessageHeader h = MessageHeader::read(bytes.data());
    EXPECT_EQ(h.magic, 0x04030201u);
    EXPECT_EQ(h.messageType, 5);
    EXPECT_EQ(h.version, 6);
    EXPECT_EQ(h.source, 7);
    EXPECT_EQ(h.flags, 8);
    EXPECT_EQ(h.payloadSize, 0x0C0B0A09u);
    EXPECT_EQ(h.sequence, 0x14131211100F0E0DULL);
    EXPECT_EQ(h.timestamp, 0x1C1B1A1918171615ULL);
    EXPECT_EQ(h.checksum, 0x201F1E1Du);
}

TEST(Header, ReadAfterWriteGivesBackEveryField) {
    const MessageHeader in = sampleHeader();
    std::array<std::uint8_t, 32> bytes{};
    in.write(bytes.data());
    const MessageHeader out = MessageHeader::read(bytes.data());
    EXPECT_EQ(out.magic, in.magic);
    EXPECT_EQ(out.messageType, in.messageType);
    EXPECT_EQ(out.version, in.version);
    EXPECT_EQ(out.source, in.source);
    EXPECT_EQ(out.flags, in.flags);
    EXPECT_EQ(out.payloadSize, in.payloadSize);
    EXPECT_EQ(out.sequence, in.sequence);
    EXPECT_EQ(out.timestamp, in.timestamp);
    EXPECT_EQ(out.checksum, in.checksum);
}

TEST(Header, RoundTripsAtEveryAlignment) {
    const MessageHeader in = sampleHeader();
    std::array<std::uint8_t, 32 + 8> storage{};
    for (std::size_t shift = 0; shift < 8; ++shift) {
        storage.fill(0);
        in.write(storage.data() + shift);
        const MessageHeader out = MessageHeader::read(storage.data() + shift);
        EXPECT_EQ(out.sequence, in.sequence) << "shift " << shift;
        EXPECT_EQ(out.timestamp, in.timestamp) << "shift " << shift;
        EXPECT_EQ(out.payloadSize, in.payloadSize) << "shift " << shift;
        EXPECT_EQ(out.checksum, in.checksum) << "shift " << shift;
    }
}

TEST(Header, WriteTouchesOnlyItsOwn32Bytes) {
    std::array<std::uint8_t, 34> bytes{};
    bytes.fill(0x77);
    sampleHeader().write(bytes.data() + 1);
    EXPECT_EQ(bytes[0], 0x77);
    EXPECT_EQ(bytes[33], 0x77);
}

TEST(Header, DefaultHeaderHasMagicAndVersionOne) {
    const MessageHeader h;
    EXPECT_EQ(h.magic, 0xDEADBEEFu);
    EXPECT_EQ(h.version, 1);
    EXPECT_EQ(h.payloadSize, 0u);
}

TEST(Header, BuilderFillsHeaderFieldsAtTheirOffsets) {
    std::array<std::uint8_t, 64> buf{};
    auto b = TradeBuilder::into(buf.data(), buf.size());
    ASSERT_TRUE(b);
    auto builder = *b;
    builder.source(SourceType::KrakenCollector).headerFlags(0x40).sequence(0x1122334455667788ULL).timestamp(42);
    const std::size_t len = builder.finish();
    ASSERT_EQ(len, 64u);
    const MessageHeader h = MessageHeader::read(buf.data());
    EXPECT_EQ(h.magic, header::MAGIC);
    EXPECT_EQ(h.messageType, 1);
    EXPECT_EQ(h.version, 1);
    EXPECT_EQ(h.source, 2);
    EXPECT_EQ(h.flags, 0x40);
    EXPECT_EQ(h.payloadSize, 32u);
    EXPECT_EQ(buf[12], 0x88);
    EXPECT_EQ(buf[19], 0x11);
    EXPECT_EQ(h.timestamp, 42u);
    EXPECT_EQ(h.checksum, frameChecksum(buf.data(), len));
}

TEST(Header, FrameViewAccessorsAgreeWithMessageHeader) {
    std::array<std::uint8_t, 64> buf{};
    auto builder = must(TradeBuilder::into(buf.data(), buf.size()));
    builder.source(SourceType::BinanceCollector).sequence(9).timestamp(1'700'000'000'000'000'000ULL);
    builder.finish();
    const auto frame = parseFrame(buf.data(), buf.size());
    ASSERT_TRUE(frame) << errorName(frame.error());
    const MessageHeader h = frame->header();
    EXPECT_EQ(frame->messageType(), h.messageType);
    EXPECT_EQ(frame->version(), h.version);
    EXPECT_EQ(frame->source(), h.source);
    EXPECT_EQ(frame->flags(), h.flags);
    EXPECT_EQ(frame->payloadSize(), h.payloadSize);
    EXPECT_EQ(frame->sequence(), 9u);
    EXPECT_EQ(frame->timestamp(), 1'700'000'000'000'000'000ULL);
    EXPECT_EQ(frame->checksum(), h.checksum);
    EXPECT_EQ(frame->domain(), Domain::MarketData);
    EXPECT_EQ(frame->payload(), buf.data() + 32);
}

TEST(Header, FramingErrorsAreTheOnesThatLoseTheStream) {
    EXPECT_TRUE(isFramingError(WireError::Truncated));
    EXPECT_TRUE(isFramingError(WireError::BadMagic));
    EXPECT_TRUE(isFramingError(WireError::PayloadTooLarge));
    EXPECT_FALSE(isFramingError(WireError::BadChecksum));
    EXPECT_FALSE(isFramingError(WireError::UnknownType));
    EXPECT_FALSE(isFramingError(WireError::Ok));
}

TEST(Header, FrameSizeIsTheHeaderPlusItsStatedPayloadWithoutOverflow) {
    std::uint8_t bytes[header::SIZE] = {};
    storeLe<std::uint32_t>(bytes + header::PAYLOAD_SIZE_OFFSET, 40);
    EXPECT_EQ(header::frameSize(bytes), 72u);
    storeLe<std::uint32_t>(bytes + header::PAYLOAD_SIZE_OFFSET, 0xFFFFFFFFu); // whatever garbage says
    EXPECT_EQ(header::frameSize(bytes), 32u + 0xFFFFFFFFull);
}
