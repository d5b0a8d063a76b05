// The JSON shape of docs/design/json-lines.md, checked on literal text.
#include <gtest/gtest.h>

#include <array>

#include "alphapulse/codec/decoder.hpp"
#include "alphapulse/codec/encoder.hpp"
#include "alphapulse/wire.hpp"

namespace alphapulse::codec {
namespace {

using namespace alphapulse::wire;

Json decodeOk(const std::uint8_t* data, std::size_t len) {
    const auto decoded = Decoder{}.decode(data, len);
    EXPECT_TRUE(decoded.ok()) << errorName(decoded.error.error);
    return decoded.json;
}

// The example in json-lines.md, character for character.
TEST(CodecShape, TradeMatchesTheDocumentExample) {
    std::array<std::uint8_t, 64> buf{};
    auto builder = *TradeBuilder::into(buf.data(), buf.size());
    builder.source(SourceType::AlpacaCollector).sequence(7).timestamp(1618677810244075000ULL);
    builder.instrument_id(*InstrumentId::stock(VenueId::NASDAQ, "AAPL")).price(15000000000).volume(100).side(1);
    builder.finish();
    EXPECT_EQ(toLine(decodeOk(buf.data(), buf.size())),
              R"({"header":{"magic":3735928559,"message_type":1,"message_type_name":"Trade","version":1,)"
              R"("source":5,"source_name":"AlpacaCollector","flags":0,"payload_size":32,"sequence":7,)"
              R"("timestamp":1618677810244075000,"checksum":3532916899},)"
              R"("instrument_id":{"venue":1,"asset_type":1,"asset_id":4702127773299245056,"text":"NASDAQ Stock AAPL"},)"
              R"("price":15000000000,"volume":100,"side":1,"side_name":"Buy","flags":0})");
}

TEST(CodecShape, EncodeAcceptsNamesAndInstrumentText) {
    Encoder encoder;
    std::vector<std::uint8_t> out;
    const auto error = encoder.encode(
        Json::parse(R"({"header":{"message_type_name":"Trade","source_name":"AlpacaCollector","sequence":1,"timestamp":2},)"
                    R"("instrument_id":"NASDAQ Stock AAPL","side":"Sell","price":-5})"),
        out);
    ASSERT_FALSE(error) << error->message;
    const auto view = TradeView::parse(out.data(), out.size());
    ASSERT_TRUE(view);
    EXPECT_EQ(view->side(), 2);
    EXPECT_EQ(view->price(), -5);
    EXPECT_EQ(view->instrument_id(), *InstrumentId::stock(VenueId::NASDAQ, "AAPL"));
    EXPECT_EQ(view->frame().source(), 5);
}

TEST(CodecShape, DiscoveryMetadataEntries) {
    const std::string line =
        R"({"header":{"message_type":11,"sequence":1,"timestamp":1},)"
        R"("instrument_id":"UniswapV3 Pool 0x2c41296fcb3f5640","decimals":18,"symbol":"USDC/WETH",)"
        R"("metadata":[{"type":1,"type_name":"Address","address":"0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640"},)"
        R"({"type":2,"type_name":"Name","name":"USD Coin ✓"},{"type":3,"type_name":"ChainId","chain_id":1},)"
        R"({"type":4,"type_name":"PoolTokens","token0_id":"Ethereum Token 0x2e9eb0ce3606eb48",)"
        R"("token1_id":"Ethereum Token 0x27ead9083c756cc2","token0_address":"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",)"
        R"("token1_address":"0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2","fee_tier":500},{"type":9,"data":"0x0102"}]})";
    Json in;
    ASSERT_FALSE(parseJsonLine(line, in));
    std::vector<std::uint8_t> frame;
    const auto error = Encoder{}.encode(in, frame);
    ASSERT_FALSE(error) << error->reason() << " " << error->field << " " << error->message;
    const Json out = decodeOk(frame.data(), frame.size());
    EXPECT_EQ(out["symbol_len"], 9);
    EXPECT_EQ(out["symbol"], "USDC/WETH");
    ASSERT_EQ(out["metadata"].size(), 5u);
    EXPECT_EQ(toLine(out["metadata"][0]),
              R"({"type":1,"type_name":"Address","address":"0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640"})");
    EXPECT_EQ(toLine(out["metadata"][1]), R"({"type":2,"type_name":"Name","name":"USD Coin ✓"})");
    EXPECT_EQ(toLine(out["metadata"][2]), R"({"type":3,"type_name":"ChainId","chain_id":1})");
    EXPECT_EQ(out["metadata"][3]["type_name"], "PoolTokens");
    EXPECT_EQ(out["metadata"][3]["token0_id"]["text"], "Ethereum Token 0x2e9eb0ce3606eb48");
    EXPECT_EQ(out["metadata"][3]["fee_tier"], 500);
    EXPECT_EQ(toLine(out["metadata"][4]), R"({"type":9,"data":"0x0102"})");
    std::vector<std::string> keys;
    for (auto it = out.begin(); it != out.end(); ++it) keys.push_back(it.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"header", "instrument_id", "decimals", "symbol_len", "metadata_len",
                                              "symbol", "metadata"}));
}

TEST(CodecShape, DeFiSignalExtensionsAndQ64Strings) {
    Json in = Json::parse(R"({"header":{"message_type":"DeFiSignal","sequence":1,"timestamp":1},)"
                          R"("expected_profit_q":"-170141183460469231731687303715884105728",)"
                          R"("required_capital_q":"340282366920938463463374607431768211455",)"
                          R"("tlv":[{"type_name":"TertiaryVenue","venue_c_type":2,"fee_c_ppm":3000},{"type":99,"data":"0x"}]})");
    std::vector<std::uint8_t> frame;
    ASSERT_FALSE(Encoder{}.encode(in, frame));
    const Json out = decodeOk(frame.data(), frame.size());
    EXPECT_EQ(out["expected_profit_q"], "-170141183460469231731687303715884105728");
    EXPECT_EQ(out["required_capital_q"], "340282366920938463463374607431768211455");
    EXPECT_EQ(out["tlv_offset"], 312);
    EXPECT_EQ(out["tlv_length"], 34);
    EXPECT_EQ(toLine(out["tlv"][0]),
              R"({"type":2,"type_name":"TertiaryVenue","venue_c_router":"0x0000000000000000000000000000000000000000",)"
              R"("venue_c_type":2,"fee_c_ppm":3000})");
    EXPECT_EQ(toLine(out["tlv"][1]), R"({"type":99,"data":"0x"})");
}

TEST(CodecShape, OrderBookLevelsAndCustomData) {
    std::vector<std::uint8_t> frame;
    Encoder encoder;
    ASSERT_FALSE(encoder.encode(Json::parse(R"({"header":{"message_type":3},"bid_count":9,)"
                                            R"("bids":[{"price":-1,"size":2}],"asks":[{"price":3,"size":4},{"price":5,"size":6}]})"),
                                frame));
    Json out = decodeOk(frame.data(), frame.size());
    EXPECT_EQ(out["bid_count"], 1);
    EXPECT_EQ(out["ask_count"], 2);
    EXPECT_EQ(toLine(out["bids"]), R"([{"price":-1,"size":2}])");
    EXPECT_EQ(toLine(out["asks"]), R"([{"price":3,"size":4},{"price":5,"size":6}])");

    frame.clear();
    ASSERT_FALSE(encoder.encode(Json::parse(R"({"header":{"message_type":200},"data":"0xDEADbeef"})"), frame));
    out = decodeOk(frame.data(), frame.size());
    EXPECT_EQ(out["data"], "0xdeadbeef");
    EXPECT_EQ(out["header"]["payload_size"], 4);
}

TEST(CodecShape, ReservedOfAnInstrumentIdAppearsOnlyWhenSet) {
    std::vector<std::uint8_t> frame;
    ASSERT_FALSE(Encoder{}.encode(
        Json::parse(R"({"header":{"message_type":1},"instrument_id":{"venue":1,"asset_type":1,"reserved":7,"asset_id":1}})"),
        frame));
    const Json out = decodeOk(frame.data(), frame.size());
    EXPECT_EQ(out["instrument_id"]["reserved"], 7);
    EXPECT_EQ(out["instrument_id"]["text"].get<std::string>().rfind("Unknown", 0), 0u);
}

} // namespace
} // namespace alphapulse::codec
