// CRC-32 (W3): zlib's polynomial, and the frame checksum that skips its own field.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <numeric>
#include <string_view>
#include <vector>

#include "alphapulse/wire.hpp"
#include "test_support.hpp"

using namespace alphapulse::wire;
using namespace alphapulse::wire::test;

namespace {

std::uint32_t crcOf(std::string_view text, std::uint32_t previous = 0) {
    return crc32(text.data(), text.size(), previous);
}

// Bitwise reference implementation of the reflected 0xEDB88320 CRC (zlib).
std::uint32_t referenceCrc(const std::uint8_t* data, std::size_t len, std::uint32_t previous = 0) {
    std::uint32_t crc = ~previous;
    for (std::size_t i = 0; i < len; ++i) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

std::vector<std::uint8_t> sampleFrame(std::size_t len) {
    std::vector<std::uint8_t> frame(len);
    for (std::size_t i = 0; i < len; ++i) frame[i] = static_cast<std::uint8_t>(i * 7 + 3);
    return frame;
}

} // namespace

TEST(Crc32, CheckValueOf123456789IsCbf43926) { EXPECT_EQ(crcOf("123456789"), 0xCBF43926u); }

TEST(Crc32, EmptyInputGivesZero) {
    EXPECT_EQ(crc32(nullptr, 0), 0u);
    EXPECT_EQ(crcOf(""), 0u);
}

TEST(Crc32, EmptyContinuationKeepsThePreviousValue) { EXPECT_EQ(crcOf("", 0xCBF43926u), 0xCBF43926u); }

TEST(Crc32, PublishedVectorsMatch) {
    // zlib.crc32 values.
    EXPECT_EQ(crcOf("a"), 0xE8B7BE43u);
    EXPECT_EQ(crcOf("abc"), 0x352441C2u);
    EXPECT_EQ(crcOf("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
    const std::array<std::uint8_t, 32> zeros{};
    EXPECT_EQ(crc32(zeros.data(), zeros.size()), 0x190A55ADu);
    std::array<std::uint8_t, 32> ones{};
    ones.fill(0xFF);
    EXPECT_EQ(crc32(ones.data(), ones.size()), 0xFF6CAB0Bu);
}

TEST(Crc32, ContinuationEqualsOneShotAtEverySplit) {
    const std::string_view text = "The quick brown fox jumps over the lazy dog";
    const std::uint32_t whole = crcOf(text);
    for (std::size_t split = 0; split <= text.size(); ++split) {
        const std::uint32_t first = crcOf(text.substr(0, split));
        EXPECT_EQ(crcOf(text.substr(split), first), whole) << "split at " << split;
    }
}

TEST(Crc32, AgreesWithBitwiseReferenceForManyLengths) {
    std::vector<std::uint8_t> data(1024);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>((i * 131 + 17) ^ (i >> 3));
    for (std::size_t len = 0; len <= data.size(); len += (len < 80 ? 1 : 37)) {
        EXPECT_EQ(crc32(data.data(), len), referenceCrc(data.data(), len)) << "len " << len;
        EXPECT_EQ(crc32(data.data() + 1, len > 0 ? len - 1 : 0), referenceCrc(data.data() + 1, len > 0 ? len - 1 : 0))
            << "unaligned len " << len;
    }
}

TEST(FrameChecksum, CoversBytes0To27ThenThePayload) {
    auto frame = sampleFrame(64);
    const std::uint32_t head = referenceCrc(frame.data(), 28);
    const std::uint32_t expected = referenceCrc(frame.data() + 32, 32, head);
    EXPECT_EQ(frameChecksum(frame.data(), frame.size()), expected);
}

TEST(FrameChecksum, OfAHeaderOnlyFrameCoversBytes0To27) {
    auto frame = sampleFrame(32);
    EXPECT_EQ(frameChecksum(frame.data(), frame.size()), referenceCrc(frame.data(), 28));
}

TEST(FrameChecksum, ChangingTheChecksumFieldDoesNotChangeIt) {
    auto frame = sampleFrame(80);
    const std::uint32_t before = frameChecksum(frame.data(), frame.size());
    for (std::size_t i = 28; i < 32; ++i) {
        for (const std::uint8_t value : {std::uint8_t{0x00}, std::uint8_t{0xFF}, std::uint8_t{0x5A}}) {
            auto copy = frame;
            copy[i] = value;
            EXPECT_EQ(frameChecksum(copy.data(), copy.size()), before) << "byte " << i;
        }
    }
}

TEST(FrameChecksum, ChangingAnyOtherByteChangesIt) {
    auto frame = sampleFrame(80);
    const std::uint32_t before = frameChecksum(frame.data(), frame.size());
    for (std::size_t i = 0; i < frame.size(); ++i) {
        if (i >= 28 && i < 32) continue;
        for (int bit = 0; bit < 8; ++bit) {
            auto copy = frame;
            copy[i] = static_cast<std::uint8_t>(copy[i] ^ (1u << bit));
            EXPECT_NE(frameChecksum(copy.data(), copy.size()), before) << "byte " << i << " bit " << bit;
        }
    }
}

TEST(FrameChecksum, DependsOnTheFrameLength) {
    auto frame = sampleFrame(80);
    EXPECT_NE(frameChecksum(frame.data(), 64), frameChecksum(frame.data(), 80));
}

TEST(FrameChecksum, SealedFrameVerifiesInPlace) {
    auto frame = sampleFrame(96);
    sealFrame(frame.data(), frame.size());
    const std::uint32_t stored = loadLe<std::uint32_t>(frame.data() + 28);
    EXPECT_EQ(stored, frameChecksum(frame.data(), frame.size()));
    // Verifying did not need the field zeroed: sealing again is a no-op.
    const auto copy = frame;
    sealFrame(frame.data(), frame.size());
    EXPECT_EQ(frame, copy);
}

TEST(FrameChecksum, TradeBuilderWritesTheChecksumAZlibReceiverComputes) {
    std::array<std::uint8_t, 64> buf{};
    auto builder = must(TradeBuilder::into(buf.data(), buf.size()));
    builder.sequence(1).timestamp(2).price(3).volume(4).side(1);
    builder.finish();
    const std::uint32_t head = referenceCrc(buf.data(), 28);
    EXPECT_EQ(loadLe<std::uint32_t>(buf.data() + 28), referenceCrc(buf.data() + 32, 32, head));
}
