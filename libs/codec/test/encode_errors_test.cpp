// Every refusal of the encoder names its reason and the field.
#include <gtest/gtest.h>

#include "alphapulse/codec/encoder.hpp"

namespace alphapulse::codec {
namespace {

struct Case {
    const char* json;
    EncodeErrc code;
    const char* field;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.json; }

class EncodeErrors : public ::testing::TestWithParam<Case> {};

TEST_P(EncodeErrors, AreRefusedNamingTheField) {
    const Case& c = GetParam();
    Json object;
    std::optional<EncodeError> error = parseJsonLine(c.json, object);
    std::vector<std::uint8_t> out{1, 2, 3};
    if (!error) error = Encoder{}.encode(object, out);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->reason(), encodeErrorName(c.code)) << error->message;
    EXPECT_EQ(error->field, c.field) << error->message;
    EXPECT_FALSE(error->message.empty());
    EXPECT_EQ(out, (std::vector<std::uint8_t>{1, 2, 3})) << "a failed encode must leave the output alone";
}

INSTANTIATE_TEST_SUITE_P(
    Codec, EncodeErrors,
    ::testing::Values(
        // Unknown keys, at every level.
        Case{R"({"header":{"message_type":1},"prize":1})", EncodeErrc::UnknownKey, "prize"},
        Case{R"({"header":{"message_type":1,"seq":1}})", EncodeErrc::UnknownKey, "header.seq"},
        Case{R"({"header":{"message_type":1},"instrument_id":{"venue":1,"symbol":"A"}})", EncodeErrc::UnknownKey,
             "instrument_id.symbol"},
        Case{R"({"header":{"message_type":37},"tlv":[{"type":1,"venue_c_type":1}]})", EncodeErrc::UnknownKey,
             "tlv[0].venue_c_type"},
        Case{R"({"header":{"message_type":37},"tlv":[{"type":50,"data":"0x","x":1}]})", EncodeErrc::UnknownKey,
             "tlv[0].x"},
        Case{R"({"header":{"message_type":3},"bids":[{"price":1,"qty":1}]})", EncodeErrc::UnknownKey, "bids[0].qty"},
        Case{R"({"header":{"message_type":1},"tlv":[]})", EncodeErrc::UnknownKey, "tlv"},
        // Out of range.
        Case{R"({"header":{"message_type":1},"side":256})", EncodeErrc::ValueOutOfRange, "side"},
        Case{R"({"header":{"message_type":1},"volume":-1})", EncodeErrc::ValueOutOfRange, "volume"},
        Case{R"({"header":{"message_type":1},"volume":"18446744073709551616"})", EncodeErrc::ValueOutOfRange, "volume"},
        Case{R"({"header":{"message_type":1},"volume":18446744073709551616})", EncodeErrc::ValueOutOfRange, "volume"},
        Case{R"({"header":{"message_type":1},"price":9223372036854775808})", EncodeErrc::ValueOutOfRange, "price"},
        Case{R"({"header":{"message_type":1},"price":1.5})", EncodeErrc::ValueOutOfRange, "price"},
        Case{R"({"header":{"message_type":23},"current_weight_bps":-2147483649})", EncodeErrc::ValueOutOfRange,
             "current_weight_bps"},
        Case{R"({"header":{"message_type":34},"expected_profit":"170141183460469231731687303715884105728"})",
             EncodeErrc::ValueOutOfRange, "expected_profit"},
        Case{R"({"header":{"message_type":34},"amount":"-1"})", EncodeErrc::ValueOutOfRange, "amount"},
        Case{R"({"header":{"message_type":34},"amount":"340282366920938463463374607431768211456"})",
             EncodeErrc::ValueOutOfRange, "amount"},
        Case{R"({"header":{"message_type":1,"sequence":-3}})", EncodeErrc::ValueOutOfRange, "header.sequence"},
        Case{R"({"header":{"message_type":1,"version":300}})", EncodeErrc::ValueOutOfRange, "header.version"},
        Case{R"({"header":{"message_type":1},"instrument_id":{"venue":65536}})", EncodeErrc::ValueOutOfRange,
             "instrument_id.venue"},
        Case{R"({"header":{"message_type":3},"asks":[{"price":1,"size":-2}]})", EncodeErrc::ValueOutOfRange,
             "asks[0].size"},
        // Hex.
        Case{R"({"header":{"message_type":34},"asset_address":"0xzz"})", EncodeErrc::BadHex, "asset_address"},
        Case{R"({"header":{"message_type":34},"asset_address":"a0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"})",
             EncodeErrc::BadHex, "asset_address"},
        Case{R"({"header":{"message_type":34},"asset_address":"0xa0b"})", EncodeErrc::BadHex, "asset_address"},
        Case{R"({"header":{"message_type":200},"data":"0x1"})", EncodeErrc::BadHex, "data"},
        Case{R"({"header":{"message_type":37},"tlv":[{"type":9,"data":"xyz"}]})", EncodeErrc::BadHex, "tlv[0].data"},
        // Wrong length.
        Case{R"({"header":{"message_type":34},"asset_address":"0xa0b8"})", EncodeErrc::WrongLength, "asset_address"},
        Case{R"({"header":{"message_type":1},"_padding":"0x000000"})", EncodeErrc::WrongLength, "_padding"},
        Case{R"({"header":{"message_type":37},"tlv":[{"type":1,"venue_a_pool":"0x00"}]})", EncodeErrc::WrongLength,
             "tlv[0].venue_a_pool"},
        // UTF-8 and text.
        Case{"{\"header\":{\"message_type\":102},\"message\":\"bad \xC3\x28 byte\"}", EncodeErrc::InvalidUtf8, "message"},
        Case{"{\"header\":{\"message_type\":10},\"symbol\":\"\xFF\"}", EncodeErrc::InvalidUtf8, "symbol"},
        Case{"{\"header\":{\"message_type\":10},\"metadata\":[{\"type\":2,\"name\":\"\xED\xA0\x80\"}]}",
             EncodeErrc::InvalidUtf8, "metadata[0].name"},
        Case{R"({"header":{"message_type":22},"message":"123456789012345678901234567890123"})", EncodeErrc::TextTooLong,
             "message"},
        Case{R"({"header":{"message_type":22},"message":"a\u0000b"})", EncodeErrc::ValueOutOfRange, "message"},
        // Types and names.
        Case{R"({"header":{"message_type":99}})", EncodeErrc::UnknownMessageType, "header.message_type"},
        Case{R"({"header":{"message_type":"Nope"}})", EncodeErrc::UnknownMessageType, "header.message_type"},
        Case{R"({"header":{"message_type_name":"Nope"}})", EncodeErrc::UnknownMessageType, "header.message_type_name"},
        Case{R"({"header":{"message_type":1,"version":2}})", EncodeErrc::UnknownVersion, "header.version"},
        Case{R"({"header":{}})", EncodeErrc::MissingField, "header.message_type"},
        Case{R"({"price":1})", EncodeErrc::MissingField, "header"},
        Case{R"({"header":{"message_type":1},"side":"Sideways"})", EncodeErrc::UnknownName, "side"},
        Case{R"({"header":{"message_type":1},"side_name":"Sideways"})", EncodeErrc::UnknownName, "side_name"},
        Case{R"({"header":{"message_type":1,"source_name":"Nobody"}})", EncodeErrc::UnknownName, "header.source_name"},
        Case{R"({"header":{"message_type":1},"instrument_id":"NASDAQ Stock TOOLONGSYMBOL"})",
             EncodeErrc::InvalidInstrumentId, "instrument_id"},
        Case{R"({"header":{"message_type":1},"price":"abc"})", EncodeErrc::ValueOutOfRange, "price"},
        Case{R"({"header":{"message_type":1},"price":true})", EncodeErrc::WrongType, "price"},
        Case{R"({"header":{"message_type":1},"instrument_id":5})", EncodeErrc::WrongType, "instrument_id"},
        Case{R"({"header":{"message_type":37},"tlv":{}})", EncodeErrc::WrongType, "tlv"},
        // Not JSON, or not an object.
        Case{R"({"header":)", EncodeErrc::BadJson, ""},
        Case{R"([1,2])", EncodeErrc::BadJson, ""},
        // Content a receiver would refuse.
        Case{R"({"header":{"message_type":11},"instrument_id":"UniswapV3 Pool 0x2c41296fcb3f5640"})",
             EncodeErrc::InvalidFrame, "metadata"},
        Case{R"({"header":{"message_type":10},"instrument_id":"Ethereum Token 0x2e9eb0ce3606eb48",)"
             R"("metadata":[{"type":1,"address":"0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"}]})",
             EncodeErrc::InvalidFrame, "metadata"}));

TEST(EncodeErrors, InvalidUtf8InAProgrammaticValueIsRefused) {
    Json object = Json::parse(R"({"header":{"message_type":102}})");
    object["message"] = std::string{"\xC0\xAF"};
    std::vector<std::uint8_t> out;
    const auto error = Encoder{}.encode(object, out);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, EncodeErrc::InvalidUtf8);
    EXPECT_EQ(error->field, "message");
}

TEST(EncodeErrors, PayloadLargerThanTheMaximumIsRefused) {
    EncodeOptions options;
    options.maxPayload = 8;
    std::vector<std::uint8_t> out;
    const auto error = Encoder{options}.encode(
        Json::parse(R"({"header":{"message_type":200},"data":"0x000102030405060708"})"), out);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, EncodeErrc::ValueOutOfRange);
    EXPECT_EQ(error->field, "data");
}

} // namespace
} // namespace alphapulse::codec
