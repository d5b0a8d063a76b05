// SchemaRegistry: built-in schemas, schemas loaded from files, every refusal.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "alphapulse/codec/decoder.hpp"
#include "alphapulse/codec/encoder.hpp"
#include "alphapulse/schema/registry.hpp"
#include "alphapulse/schema/transform_cache.hpp"
#include "alphapulse/wire/frame.hpp"
#include "alphapulse/wire/messages.hpp"
#include "../../codec/test/random_frames.hpp"
#include "test_support.hpp"

namespace alphapulse::schema {
namespace {

using test::dataPath;
using test::specOf;

TEST(Registry, EveryBuiltinLayoutIsFoundAsItself) {
    const SchemaRegistry sut;
    for (const wire::MessageLayout* layout : wire::allLayouts()) {
        EXPECT_EQ(sut.find(layout->type, layout->version), layout) << layout->name;
        EXPECT_TRUE(sut.knowsType(layout->type));
        EXPECT_TRUE(SchemaRegistry::isBuiltin(layout));
        EXPECT_EQ(sut.find(layout->type, static_cast<std::uint8_t>(layout->version + 1)), nullptr);
    }
    EXPECT_EQ(sut.find(201, 1), nullptr);
    EXPECT_FALSE(sut.knowsType(201));
    EXPECT_TRUE(sut.dynamicLayouts().empty());
}

TEST(Registry, EveryBuiltinSchemaRoundTripsThroughItsDeclarativeFormAndFrames) {
    SchemaRegistry sut;
    const auto resolver = sut.resolver();
    std::mt19937_64 rng{7};
    for (const wire::MessageLayout* layout : wire::allLayouts()) {
        // Spec -> JSON -> spec -> register: the same layout again is a no-op.
        const SchemaSpec spec = specOf(*layout);
        ASSERT_FALSE(checkLayout(spec)) << checkLayout(spec)->message;
        const ParseResult parsed = parseSchemas(schemaToJson(spec));
        ASSERT_TRUE(parsed) << parsed.error->message;
        ASSERT_EQ(parsed.schemas.size(), 1u);
        const RegisterResult r = sut.registerSchema(parsed.schemas.front());
        ASSERT_TRUE(r) << r.error->message;
        EXPECT_FALSE(r.added) << layout->name;
        EXPECT_EQ(r.layout, layout);
        // Frames of the type pass the transform cache and decode through the registry as through the catalog.
        SchemaTransformCache cache{sut};
        for (int i = 0; i < 20; ++i) {
            const auto frame = codec::test::randomFrame(*layout, rng, i % 2 == 0);
            const ProcessResult p = cache.processMessage(frame.data(), frame.size());
            ASSERT_TRUE(p.ok()) << layout->name << ": " << wire::errorName(p.error);
            EXPECT_EQ(p.layout, layout);
            EXPECT_EQ(p.frameLength, frame.size());
            const codec::Decoder viaRegistry{codec::DecodeOptions{true, wire::header::DEFAULT_MAX_PAYLOAD, resolver}};
            const codec::Decoder builtin;
            const auto a = viaRegistry.decode(frame.data(), frame.size());
            const auto b = builtin.decode(frame.data(), frame.size());
            ASSERT_TRUE(a.ok()) << layout->name;
            EXPECT_EQ(a.json, b.json);
        }
    }
    EXPECT_TRUE(sut.dynamicLayouts().empty());
}

TEST(Registry, SchemasFromAYamlFileBecomeLayoutsTheCodecUses) {
    SchemaRegistry sut;
    const LoadResult loaded = sut.loadFile(dataPath("custom.yaml"));
    ASSERT_TRUE(loaded) << loaded.error->message;
    EXPECT_EQ(loaded.added, 3u);
    const wire::MessageLayout* bar = sut.find(201, 1);
    ASSERT_NE(bar, nullptr);
    EXPECT_EQ(bar->name, "VolumeBar");
    EXPECT_EQ(bar->size, 96);
    EXPECT_EQ(bar->rule, wire::SizeRule::Fixed);
    EXPECT_EQ(bar->domain, wire::Domain::MarketData);
    EXPECT_TRUE(bar->hasText);
    ASSERT_EQ(bar->fields.size(), 8u);
    EXPECT_EQ(bar->fields[6].name, "side");
    EXPECT_EQ(bar->fields[6].enumKind, wire::EnumKind::Side);
    EXPECT_EQ(sut.cacheKeyOffset(201, 1), 32);
    const wire::MessageLayout* note = sut.find(202, 1);
    ASSERT_NE(note, nullptr);
    EXPECT_EQ(note->rule, wire::SizeRule::Opaque);
    EXPECT_EQ(note->size, 40);
    EXPECT_EQ(note->domain, wire::Domain::Signals);
    const wire::MessageLayout* trade2 = sut.find(1, 2);
    ASSERT_NE(trade2, nullptr);
    EXPECT_EQ(trade2->rule, wire::SizeRule::Tlv);
    EXPECT_EQ(trade2->size, 76);
    EXPECT_EQ(trade2->ruleFieldA, 62);
    EXPECT_EQ(trade2->ruleFieldB, 64);
    EXPECT_EQ(sut.find(1, 1), &wire::TradeLayout::INFO) << "v1 stays the built-in";
    EXPECT_EQ(sut.dynamicLayouts().size(), 3u);

    // Loading the same file again changes nothing.
    const LoadResult again = sut.loadFile(dataPath("custom.yaml"));
    ASSERT_TRUE(again) << again.error->message;
    EXPECT_EQ(again.added, 0u);
    EXPECT_EQ(again.layouts, loaded.layouts);

    const LoadResult json = sut.loadFile(dataPath("custom.json"));
    ASSERT_TRUE(json) << json.error->message;
    EXPECT_EQ(json.added, 1u);
    EXPECT_EQ(sut.find(210, 1)->size, 84);
}

TEST(Registry, ADynamicSchemaDecodesFramesEncodedFromJson) {
    SchemaRegistry sut;
    ASSERT_TRUE(sut.loadFile(dataPath("custom.yaml")));
    ASSERT_TRUE(sut.loadFile(dataPath("custom.json")));
    codec::EncodeOptions encodeOptions;
    encodeOptions.resolver = sut.resolver();
    codec::Encoder encoder{encodeOptions};
    const codec::Decoder decoder{codec::DecodeOptions{true, wire::header::DEFAULT_MAX_PAYLOAD, sut.resolver()}};
    std::ifstream in{dataPath("custom_frames.jsonl")};
    std::string line;
    int lines = 0;
    SchemaTransformCache cache{sut};
    while (std::getline(in, line)) {
        ++lines;
        codec::Json object;
        ASSERT_FALSE(codec::parseJsonLine(line, object));
        std::vector<std::uint8_t> frame;
        const auto err = encoder.encode(object, frame);
        ASSERT_FALSE(err) << line << ": " << err->field << ": " << err->message;
        const auto decoded = decoder.decode(frame.data(), frame.size());
        ASSERT_TRUE(decoded.ok()) << wire::errorName(decoded.error.error);
        // Field by field, what went in comes out.
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (it.key() == "header") continue;
            const auto& out = decoded.json.at(it.key());
            if (out.is_object()) {
                EXPECT_EQ(out.at("text"), *it) << it.key();
            } else if (it->is_string() && out.is_number()) {
                EXPECT_EQ(decoded.json.at(it.key() + "_name"), *it) << it.key();
            } else {
                EXPECT_EQ(out, *it) << it.key();
            }
        }
        // Re-encoding the decoded JSON gives the same bytes.
        std::vector<std::uint8_t> again;
        ASSERT_FALSE(encoder.encode(decoded.json, again));
        EXPECT_EQ(again, frame);
        const ProcessResult p = cache.processMessage(frame.data(), frame.size());
        EXPECT_TRUE(p.ok()) << wire::errorName(p.error);
    }
    EXPECT_EQ(lines, 4);
    // VolumeBar names cache_key: the AAPL bar is a custom object.
    const auto aapl = wire::InstrumentId::stock(wire::VenueId::NASDAQ, "AAPL");
    const CachedObject* bar = cache.objects().find(*aapl);
    ASSERT_NE(bar, nullptr);
    EXPECT_EQ(bar->kind, ObjectKind::Custom);
    EXPECT_EQ(bar->customType, 201);
    EXPECT_EQ(bar->data.size(), 64u);
    // Without the registry the same frames are unknown.
    const codec::Decoder plain;
    std::vector<std::uint8_t> frame;
    codec::Json object;
    ASSERT_FALSE(codec::parseJsonLine(R"({"header":{"message_type":201},"volume":1})", object));
    ASSERT_FALSE(encoder.encode(object, frame));
    EXPECT_EQ(plain.decode(frame.data(), frame.size()).error.error, wire::WireError::UnknownType);
}

// ---- refusals ----

SchemaSpec volumeBar() {
    ParseResult parsed = loadSchemaFile(dataPath("custom.yaml"));
    EXPECT_TRUE(parsed);
    return parsed.schemas.at(0);
}

std::optional<SchemaError> refusal(SchemaRegistry& sut, const SchemaSpec& spec) { return sut.registerSchema(spec).error; }

void expectRefused(const std::optional<SchemaError>& error, SchemaErrc code, const std::string& field) {
    ASSERT_TRUE(error.has_value()) << "expected " << schemaErrorName(code);
    EXPECT_EQ(error->code, code) << error->message;
    EXPECT_EQ(error->field, field) << error->message;
    EXPECT_NE(error->message.find(field), std::string::npos) << "the message names the field: " << error->message;
}

TEST(RegistryRefuses, TheSameTypeAndVersionWithAnotherLayout) {
    SchemaRegistry sut;
    ASSERT_TRUE(sut.registerSchema(volumeBar()));
    SchemaSpec other = volumeBar();
    other.fields[7].kind = wire::FieldKind::Bytes; // note: text -> bytes
    const auto error = refusal(sut, other);
    expectRefused(error, SchemaErrc::Conflict, "version");
    EXPECT_NE(error->message.find("VolumeBar"), std::string::npos);
    EXPECT_EQ(sut.find(201, 1)->fields[7].kind, wire::FieldKind::Text) << "the first stays";
    // The same layout again is a no-op, even from its JSON.
    const RegisterResult same = sut.registerSchema(parseSchemas(schemaToJson(volumeBar())).schemas.at(0));
    EXPECT_TRUE(same);
    EXPECT_FALSE(same.added);
    // A different cache_key is another schema, too.
    SchemaSpec uncached = volumeBar();
    uncached.cacheKey.clear();
    expectRefused(refusal(sut, uncached), SchemaErrc::Conflict, "version");
}

TEST(RegistryRefuses, ReplacingABuiltinVersion) {
    SchemaRegistry sut;
    SchemaSpec trade = specOf(wire::TradeLayout::INFO);
    trade.fields.back().kind = wire::FieldKind::Bytes; // _padding pad[2] -> bytes[2]
    expectRefused(refusal(sut, trade), SchemaErrc::BuiltinReplaced, "version");
    EXPECT_EQ(sut.find(1, 1), &wire::TradeLayout::INFO);
    trade.version = 3; // a new version is fine
    const RegisterResult r = sut.registerSchema(trade);
    ASSERT_TRUE(r) << r.error->message;
    EXPECT_TRUE(r.added);
}

TEST(RegistryRefuses, OverlappingFieldsNamingTheField) {
    SchemaRegistry sut;
    SchemaSpec spec = volumeBar();
    spec.fields[2].offset = 50; // high over open's last bytes
    const auto error = refusal(sut, spec);
    expectRefused(error, SchemaErrc::FieldOverlap, "high");
    EXPECT_NE(error->message.find("open"), std::string::npos) << error->message;
    EXPECT_EQ(sut.find(201, 1), nullptr);
}

TEST(RegistryRefuses, AFieldPastTheSize) {
    SchemaRegistry sut;
    SchemaSpec spec = volumeBar();
    spec.size = 90;
    expectRefused(refusal(sut, spec), SchemaErrc::FieldPastSize, "note");
}

TEST(RegistryRefuses, UnknownFieldTypesNamingTheField) {
    const ParseResult parsed = parseSchemas(R"(
name: Bad
type: 220
fields:
  - {name: price, type: i64}
  - {name: ratio, type: f64}
)");
    expectRefused(parsed.error, SchemaErrc::UnknownFieldType, "ratio");
    EXPECT_NE(parsed.error->message.find("f64"), std::string::npos);
    expectRefused(parseSchemas(R"({"name":"Bad","type":220,"fields":[{"name":"blob","type":"bytes[0]"}]})").error,
                  SchemaErrc::UnknownFieldType, "blob");
}

TEST(RegistryRefuses, FieldsInTheHeaderGapsAndBadNames) {
    SchemaRegistry sut;
    SchemaSpec spec = volumeBar();
    spec.fields[0].offset = 28;
    expectRefused(refusal(sut, spec), SchemaErrc::FieldInHeader, "instrument_id");
    spec = volumeBar();
    spec.fields.erase(spec.fields.begin() + 1); // open removed: a hole before high
    spec.size = 0;
    expectRefused(refusal(sut, spec), SchemaErrc::FieldGap, "high");
    spec = volumeBar();
    spec.size = 100;
    expectRefused(refusal(sut, spec), SchemaErrc::FieldGap, "note");
    spec = volumeBar();
    spec.fields[3].name = "open";
    expectRefused(refusal(sut, spec), SchemaErrc::BadFieldName, "open");
    spec = volumeBar();
    spec.fields[3].name = "header";
    expectRefused(refusal(sut, spec), SchemaErrc::BadFieldName, "header");
    spec = volumeBar();
    spec.name = "Volume Bar";
    expectRefused(refusal(sut, spec), SchemaErrc::BadFieldName, "name");
    spec = volumeBar();
    spec.cacheKey = "volume";
    expectRefused(refusal(sut, spec), SchemaErrc::BadValue, "cache_key");
}

TEST(RegistryRefuses, TypeNumbersOutsideTheCustomRangeAndTakenNames) {
    SchemaRegistry sut;
    SchemaSpec spec = volumeBar();
    spec.type = 150;
    expectRefused(refusal(sut, spec), SchemaErrc::ReservedType, "type");
    spec.type = 13; // in the market data range, but no such built-in type
    expectRefused(refusal(sut, spec), SchemaErrc::ReservedType, "type");
    spec = volumeBar();
    spec.name = "Quote";
    expectRefused(refusal(sut, spec), SchemaErrc::NameTaken, "name");
    ASSERT_TRUE(sut.registerSchema(volumeBar()));
    spec = volumeBar();
    spec.type = 230;
    expectRefused(refusal(sut, spec), SchemaErrc::NameTaken, "name");
    spec = specOf(wire::TradeLayout::INFO);
    spec.version = 2;
    spec.name = "Trade2";
    expectRefused(refusal(sut, spec), SchemaErrc::NameTaken, "name");
    spec = specOf(wire::TradeLayout::INFO);
    spec.version = 2;
    spec.domain = wire::Domain::Signals;
    expectRefused(refusal(sut, spec), SchemaErrc::BadValue, "domain");
}

TEST(RegistryRefuses, TlvSchemasWithoutTheirLengthFields) {
    SchemaRegistry sut;
    SchemaSpec spec = volumeBar();
    spec.rule = wire::SizeRule::Tlv;
    expectRefused(refusal(sut, spec), SchemaErrc::BadTlvFields, "tlv_offset");
    spec = specOf(wire::InstrumentDiscoveredLayout::INFO);
    spec.version = 2;
    expectRefused(refusal(sut, spec), SchemaErrc::BadValue, "tail");
}

TEST(RegistryRefuses, MalformedDocuments) {
    EXPECT_EQ(parseSchemas("{not json").error->code, SchemaErrc::BadDocument);
    EXPECT_EQ(parseSchemas("name: [unclosed").error->code, SchemaErrc::BadDocument);
    EXPECT_EQ(parseSchemas("name: X\ntype: 201\n").error->code, SchemaErrc::MissingKey);
    expectRefused(parseSchemas("name: X\ntype: 201\nfields: []\ncolour: red\n").error, SchemaErrc::UnknownKey, "colour");
    expectRefused(parseSchemas("name: X\ntype: 300\nfields: []\n").error, SchemaErrc::BadValue, "type");
    expectRefused(parseSchemas("name: X\ntype: 201\nfields:\n  - {name: a, type: u8, width: 3}\n").error,
                  SchemaErrc::UnknownKey, "a");
    expectRefused(parseSchemas("name: X\ntype: 201\nvariable: true\ntlv: true\nfields: []\n").error, SchemaErrc::BadValue,
                  "tlv");
    expectRefused(parseSchemas("name: X\ntype: 201\nfields:\n  - {name: s, type: u16, enum: Side}\n").error,
                  SchemaErrc::BadValue, "s");
    EXPECT_EQ(loadSchemaFile("/nonexistent/schemas.yaml").error->code, SchemaErrc::Io);
    SchemaRegistry sut;
    const LoadResult r = sut.loadText("- {name: A, type: 201, fields: []}\n- {name: B, type: 201, fields: [{name: x, type: u8}]}\n", "two.yaml");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error->code, SchemaErrc::Conflict);
    EXPECT_EQ(r.layouts.size(), 1u) << "schemas before the refusal stay registered";
    EXPECT_EQ(r.error->message.rfind("two.yaml: ", 0), 0u) << r.error->message;
}

// ---- publication through the system domain ----

TEST(RegistryFrames, ASchemaPublishedAsAFrameIsRegisteredByEveryReceiver) {
    SchemaRegistry publisher;
    ASSERT_TRUE(publisher.loadFile(dataPath("custom.yaml")));
    const auto spec = publisher.specOf(201, 1);
    ASSERT_TRUE(spec.has_value());
    std::vector<std::uint8_t> frame;
    ASSERT_TRUE(buildSchemaFrame(*spec, frame, 23, 1, 42));
    const auto parsed = wire::parseFrame(frame.data(), frame.size());
    ASSERT_TRUE(parsed) << wire::errorName(parsed.error());
    EXPECT_EQ(parsed->domain(), wire::Domain::System) << "relays forward it on the system domain";

    SchemaRegistry receiver;
    const RegisterResult r = receiver.registerFromFrame(frame.data(), frame.size());
    ASSERT_TRUE(r) << r.error->message;
    EXPECT_TRUE(r.added);
    EXPECT_EQ(receiver.specOf(201, 1)->fields.size(), spec->fields.size());
    EXPECT_EQ(receiver.cacheKeyOffset(201, 1), 32);

    // Through the transform cache too (a service simply processes what arrives).
    SchemaRegistry service;
    SchemaTransformCache cache{service};
    EXPECT_EQ(cache.processMessage(frame.data(), frame.size()).outcome, ProcessOutcome::SchemaRegistered);
    EXPECT_EQ(cache.processMessage(frame.data(), frame.size()).outcome, ProcessOutcome::SchemaKnown);
    EXPECT_NE(service.find(201, 1), nullptr);

    // A frame whose header disagrees with its JSON, or whose checksum is wrong, is refused.
    std::vector<std::uint8_t> lying = frame;
    lying[wire::SchemaDefinitionLayout::OFFSET_schema_type] = 202;
    wire::sealFrame(lying.data(), lying.size());
    const RegisterResult bad = SchemaRegistry{}.registerFromFrame(lying.data(), lying.size());
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error->code, SchemaErrc::BadFrame);
    std::vector<std::uint8_t> corrupt = frame;
    corrupt.back() ^= 1;
    EXPECT_EQ(SchemaRegistry{}.registerFromFrame(corrupt.data(), corrupt.size()).error->code, SchemaErrc::BadFrame);
    // A published schema that conflicts is refused and reported, not applied.
    SchemaSpec conflicting = *spec;
    conflicting.fields[7].kind = wire::FieldKind::Bytes;
    std::vector<std::uint8_t> conflictFrame;
    ASSERT_TRUE(buildSchemaFrame(conflicting, conflictFrame));
    EXPECT_EQ(cache.processMessage(conflictFrame.data(), conflictFrame.size()).outcome, ProcessOutcome::SchemaRefused);
    ASSERT_TRUE(cache.lastSchemaError().has_value());
    EXPECT_EQ(cache.lastSchemaError()->code, SchemaErrc::Conflict);
}

} // namespace
} // namespace alphapulse::schema
