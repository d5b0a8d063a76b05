// Every malformed frame gives its wire error and never reads past the input.
#include <gtest/gtest.h>

#include "alphapulse/codec/decoder.hpp"
#include "alphapulse/wire.hpp"
#include "random_frames.hpp"

namespace alphapulse::codec {
namespace {

using namespace alphapulse::wire;

std::vector<std::uint8_t> trade() {
    std::mt19937_64 rng{1};
    return test::randomFrame(TradeLayout::INFO, rng, false);
}

TEST(DecodeErrors, EveryTruncationIsTruncated) {
    std::mt19937_64 rng{2};
    for (const MessageLayout* layout : allLayouts()) {
        const auto frame = test::randomFrame(*layout, rng, false);
        for (std::size_t len = 0; len < frame.size(); ++len) {
            // A copy of exactly `len` bytes, so that ASan sees any over-read.
            const std::vector<std::uint8_t> cut(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(len));
            const auto result = Decoder{}.decode(cut.data(), cut.size(), 100);
            EXPECT_EQ(result.error.error, WireError::Truncated) << layout->name << " at " << len;
            EXPECT_EQ(result.error.offset, 100u);
            EXPECT_EQ(result.frameLength, 0u);
        }
    }
}

TEST(DecodeErrors, FramingAndContentErrors) {
    auto frame = trade();
    auto bad = frame;
    bad[0] ^= 1;
    EXPECT_EQ(Decoder{}.decode(bad.data(), bad.size()).error.error, WireError::BadMagic);

    bad = frame;
    storeLe<std::uint32_t>(bad.data() + header::PAYLOAD_SIZE_OFFSET, 0xFFFFFFF0u);
    EXPECT_EQ(Decoder{}.decode(bad.data(), bad.size()).error.error, WireError::PayloadTooLarge);

    bad = frame;
    bad[40] ^= 0x55;
    auto result = Decoder{}.decode(bad.data(), bad.size());
    EXPECT_EQ(result.error.error, WireError::BadChecksum);
    EXPECT_EQ(result.frameLength, frame.size()) << "a content error still delimits the frame";
    DecodeOptions noVerify;
    noVerify.verifyChecksum = false;
    EXPECT_TRUE(Decoder{noVerify}.decode(bad.data(), bad.size()).ok());

    bad = frame;
    bad[header::MESSAGE_TYPE_OFFSET] = 99;
    sealFrame(bad.data(), bad.size());
    EXPECT_EQ(Decoder{}.decode(bad.data(), bad.size()).error.error, WireError::UnknownType);

    bad = frame;
    bad[header::VERSION_OFFSET] = 2;
    sealFrame(bad.data(), bad.size());
    EXPECT_EQ(Decoder{}.decode(bad.data(), bad.size()).error.error, WireError::UnknownVersion);

    bad = frame;
    bad.push_back(0);
    storeLe<std::uint32_t>(bad.data() + header::PAYLOAD_SIZE_OFFSET, 33);
    sealFrame(bad.data(), bad.size());
    EXPECT_EQ(Decoder{}.decode(bad.data(), bad.size()).error.error, WireError::BadSize);
}

TEST(DecodeErrors, RandomBytesNeverCrash) {
    std::mt19937_64 rng{3};
    DecodeOptions options;
    options.verifyChecksum = false;
    const Decoder decoder{options};
    for (const MessageLayout* layout : allLayouts()) {
        for (int i = 0; i < 50; ++i) {
            auto frame = test::randomFrame(*layout, rng, false);
            // Flip a few bytes after the magic: every outcome is fine but a crash.
            for (int k = 0; k < 3; ++k) frame[4 + rng() % (frame.size() - 4)] = static_cast<std::uint8_t>(rng());
            const auto result = decoder.decode(frame.data(), frame.size());
            if (result.ok()) {
                EXPECT_FALSE(toLine(result.json).empty());
            }
        }
    }
}

} // namespace
} // namespace alphapulse::codec
