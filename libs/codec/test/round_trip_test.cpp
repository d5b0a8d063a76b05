// encode(decode(frame)) == frame, byte for byte, for every layout, through
// the text form (the JSON is dumped to a line and parsed back).
#include <gtest/gtest.h>

#include <array>

#include "alphapulse/codec/decoder.hpp"
#include "alphapulse/codec/encoder.hpp"
#include "alphapulse/wire.hpp"
#include "random_frames.hpp"

namespace alphapulse::codec {
namespace {

using namespace alphapulse::wire;

void expectRoundTrip(const std::vector<std::uint8_t>& frame, const Decoder& decoder, Encoder& encoder) {
    const auto decoded = decoder.decode(frame.data(), frame.size());
    ASSERT_TRUE(decoded.ok()) << errorName(decoded.error.error);
    ASSERT_EQ(decoded.frameLength, frame.size());
    const std::string line = toLine(decoded.json);
    Json parsed;
    const auto parseError = parseJsonLine(line, parsed);
    ASSERT_FALSE(parseError) << parseError->message;
    std::vector<std::uint8_t> encoded;
    const auto error = encoder.encode(parsed, encoded);
    ASSERT_FALSE(error) << error->reason() << " " << error->field << ": " << error->message << "\n" << line;
    EXPECT_EQ(encoded, frame) << line;
}

TEST(CodecRoundTrip, EveryLayoutWithRandomValues) {
    std::mt19937_64 rng{20240611};
    const Decoder decoder;
    Encoder encoder;
    for (const MessageLayout* layout : allLayouts()) {
        SCOPED_TRACE(std::string{layout->name});
        for (int i = 0; i < 25; ++i) {
            const auto frame = test::randomFrame(*layout, rng, false);
            ASSERT_TRUE(parseFrame(frame.data(), frame.size())) << "generator made an invalid frame";
            expectRoundTrip(frame, decoder, encoder);
        }
    }
}

TEST(CodecRoundTrip, NonzeroPaddingAndReservedBytesSurvive) {
    std::mt19937_64 rng{7};
    const Decoder decoder;
    Encoder encoder;
    for (const MessageLayout* layout : allLayouts()) {
        SCOPED_TRACE(std::string{layout->name});
        for (int i = 0; i < 10; ++i) {
            const auto frame = test::randomFrame(*layout, rng, true);
            ASSERT_TRUE(parseFrame(frame.data(), frame.size())) << "generator made an invalid frame";
            expectRoundTrip(frame, decoder, encoder);
        }
    }
}

TEST(CodecRoundTrip, PaddingIsOmittedWhenZeroAndHexOtherwise) {
    std::mt19937_64 rng{3};
    auto frame = test::randomFrame(TradeLayout::INFO, rng, false);
    const Decoder decoder;
    EXPECT_FALSE(decoder.decode(frame.data(), frame.size()).json.contains("_padding"));
    frame[TradeLayout::OFFSET__padding + 1] = 0xAB;
    sealFrame(frame.data(), frame.size());
    const auto decoded = decoder.decode(frame.data(), frame.size());
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded.json["_padding"], "0x00ab");
}

// A layout the built-in catalog does not have, as a schema registry would
// supply it: the codec handles it through the resolver alone.
constexpr std::array<FieldDescriptor, 4> CUSTOM_FIELDS{{
    {"instrument_id", 32, 12, FieldKind::Instrument, EnumKind::None},
    {"qty", 44, 8, FieldKind::I64, EnumKind::None},
    {"side", 52, 1, FieldKind::U8, EnumKind::Side},
    {"note", 53, 11, FieldKind::Text, EnumKind::None},
}};
constexpr MessageLayout CUSTOM_LAYOUT{201, 1, "MyFill", Domain::Custom, 64, SizeRule::Fixed, CUSTOM_FIELDS};

const MessageLayout* withCustom(std::uint8_t type, std::uint8_t version) {
    if (type == 201 && version == 1) return &CUSTOM_LAYOUT;
    return findLayout(type, version);
}

TEST(CodecRoundTrip, LayoutsFromAResolver) {
    std::mt19937_64 rng{11};
    DecodeOptions decodeOptions;
    decodeOptions.resolver = &withCustom;
    EncodeOptions encodeOptions;
    encodeOptions.resolver = &withCustom;
    const Decoder decoder{decodeOptions};
    Encoder encoder{encodeOptions};
    for (int i = 0; i < 20; ++i) {
        const auto frame = test::randomFrame(CUSTOM_LAYOUT, rng, false);
        expectRoundTrip(frame, decoder, encoder);
    }
    const auto frame = test::randomFrame(CUSTOM_LAYOUT, rng, false);
    EXPECT_EQ(Decoder{}.decode(frame.data(), frame.size()).error.error, WireError::UnknownType);
    const auto decoded = decoder.decode(frame.data(), frame.size());
    EXPECT_EQ(decoded.json["header"]["message_type_name"], "MyFill");

    Json byName = Json::parse(R"({"header":{"message_type_name":"MyFill"},"side":"Sell","note":"hi"})");
    std::vector<std::uint8_t> out;
    ASSERT_FALSE(encoder.encode(byName, out));
    EXPECT_EQ(out[4], 201);
    EXPECT_EQ(out[52], 2);
}

TEST(CodecRoundTrip, SequenceAndTimestampAreFilledInWhenAbsent) {
    EncodeOptions options;
    options.clock = [] { return std::uint64_t{123456789}; };
    Encoder encoder{options};
    std::vector<std::uint8_t> out;
    const Json trade = Json::parse(R"({"header":{"message_type":1},"price":5})");
    ASSERT_FALSE(encoder.encode(trade, out));
    ASSERT_FALSE(encoder.encode(Json::parse(R"({"header":{"message_type":1,"sequence":77}})"), out));
    ASSERT_FALSE(encoder.encode(trade, out));
    ASSERT_EQ(out.size(), 3 * TradeLayout::SIZE);
    const auto first = FrameView{out.data(), 64};
    const auto second = FrameView{out.data() + 64, 64};
    const auto third = FrameView{out.data() + 128, 64};
    EXPECT_EQ(first.sequence(), 1u);
    EXPECT_EQ(second.sequence(), 77u);
    EXPECT_EQ(third.sequence(), 2u);
    EXPECT_EQ(first.timestamp(), 123456789u);
    EXPECT_EQ(first.version(), 1);
    EXPECT_TRUE(parseFrame(out.data(), 64));
}

} // namespace
} // namespace alphapulse::codec
