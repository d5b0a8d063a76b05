// ObjectCache: filled from a discovery stream built from the real token and
// pool lists, saved, restored; collisions; the memory bound.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "alphapulse/schema/object_json.hpp"
#include "alphapulse/schema/registry.hpp"
#include "alphapulse/schema/transform_cache.hpp"
#include "alphapulse/wire/discovery.hpp"
#include "test_support.hpp"

namespace alphapulse::schema {
namespace {

using test::sharedPath;
using wire::InstrumentId;

nlohmann::json readJson(const std::string& file) {
    std::ifstream in{sharedPath(file)};
    EXPECT_TRUE(in) << sharedPath(file);
    return nlohmann::json::parse(in);
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

wire::EvmAddress address(const std::string& text) {
    wire::EvmAddress out{};
    EXPECT_EQ(wire::parseEvmAddress(text, out), wire::WireError::Ok) << text;
    return out;
}

void appendDiscovery(std::vector<std::uint8_t>& stream, const wire::DiscoveryInfo& info, std::uint64_t seq) {
    std::uint8_t buffer[2048];
    const auto n = wire::buildDiscovery(buffer, sizeof buffer, info, 4, seq, 1'700'000'000'000'000'000ULL + seq);
    ASSERT_TRUE(n) << wire::errorName(n.error()) << " " << info.symbol;
    stream.insert(stream.end(), buffer, buffer + *n);
}

struct Expected {
    std::size_t tokens = 0;
    std::size_t pools = 0;
};

/// The stream of discoveries (and trades between them) from the real lists,
/// and what it must produce, counted here without the cache.
std::vector<std::uint8_t> realDiscoveryStream(Expected& expected) {
    std::vector<std::uint8_t> stream;
    std::uint64_t seq = 0;
    std::set<std::pair<std::uint64_t, std::string>> tokenKeys;
    for (const auto& t : readJson("tokens.json")) {
        const std::string addr = t["address"];
        const std::uint64_t chain = t["chainId"];
        const bool evm = addr.size() == 42 && addr.rfind("0x", 0) == 0;
        if (!evm || wire::findVenueByChainId(chain) == nullptr) continue; // Solana, chains without a venue
        const std::string symbol = t["symbol"];
        const std::string name = t["name"];
        const auto id = InstrumentId::tokenOnChain(chain, addr);
        if (!id) {
            ADD_FAILURE() << addr;
            continue;
        }
        tokenKeys.emplace(chain, lower(addr));
        wire::DiscoveryInfo info;
        info.id = *id;
        info.decimals = t["decimals"];
        info.symbol = symbol;
        info.address = address(addr);
        info.name = name;
        info.chainId = chain;
        appendDiscovery(stream, info, ++seq);
    }
    expected.tokens = tokenKeys.size();
    std::set<std::string> poolKeys;
    for (const auto& p : readJson("pools_sushiswap_v2.json")) {
        const std::uint64_t chain = p["chainId"];
        const std::string pair = p["pair"];
        const std::string symbol = std::string{p["token0Name"]} + "/" + std::string{p["token1Name"]};
        const auto id = InstrumentId::pool(wire::VenueId::SushiSwap, pair);
        const auto t0 = InstrumentId::tokenOnChain(chain, p["token0"].get<std::string>());
        const auto t1 = InstrumentId::tokenOnChain(chain, p["token1"].get<std::string>());
        if (!id || !t0 || !t1) {
            ADD_FAILURE() << pair;
            continue;
        }
        poolKeys.insert(lower(pair));
        wire::DiscoveryInfo info;
        info.id = *id;
        info.decimals = 18;
        info.symbol = symbol; // at most 255 bytes in these lists (buildDiscovery would refuse more)
        info.address = address(pair);
        info.chainId = chain;
        info.pool = wire::DiscoveryInfo::Pool{*t0, *t1, address(p["token0"]), address(p["token1"]), 3000};
        appendDiscovery(stream, info, ++seq);
    }
    expected.pools = poolKeys.size();
    return stream;
}

std::size_t processAll(SchemaTransformCache& cache, const std::vector<std::uint8_t>& stream) {
    std::size_t frames = 0;
    for (std::size_t at = 0; at < stream.size(); ++frames) {
        const ProcessResult r = cache.processMessage(stream.data() + at, stream.size() - at);
        EXPECT_TRUE(r.ok()) << wire::errorName(r.error) << " at " << at;
        if (r.frameLength == 0) break;
        at += r.frameLength;
    }
    return frames;
}

TEST(ObjectCache, ARealDiscoveryStreamFillsTheCacheWithExactlyTheRightObjects) {
    Expected expected;
    const auto stream = realDiscoveryStream(expected);
    EXPECT_GT(expected.tokens, 2000u);
    EXPECT_EQ(expected.pools, 1000u);

    SchemaRegistry registry;
    SchemaTransformCache sut{registry};
    const std::size_t frames = processAll(sut, stream);
    EXPECT_EQ(frames, expected.tokens + expected.pools);
    const ObjectCache& cache = sut.objects();
    std::size_t tokens = 0;
    std::size_t pools = 0;
    for (const CachedObject& o : cache.objects()) {
        tokens += o.kind == ObjectKind::Token ? 1U : 0U;
        pools += o.kind == ObjectKind::Pool ? 1U : 0U;
    }
    EXPECT_EQ(tokens, expected.tokens);
    EXPECT_EQ(pools, expected.pools);
    EXPECT_EQ(cache.size(), expected.tokens + expected.pools);
    EXPECT_TRUE(cache.collisions().empty()) << "the real lists have no last-8-byte collisions (W4)";

    // Spot checks by id: what the lists say is what the cache holds.
    const CachedObject* usdc = cache.find(*InstrumentId::tokenOnChain(1, "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"));
    ASSERT_NE(usdc, nullptr);
    EXPECT_EQ(usdc->symbol, "USDC");
    EXPECT_EQ(usdc->decimals, 6);
    EXPECT_EQ(usdc->name, "USDCoin"); // as tokens.json writes it
    EXPECT_EQ(usdc->chainId, 1u);
    EXPECT_EQ(wire::formatEvmAddress(usdc->address), "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48");
    const CachedObject* pool = cache.find(*InstrumentId::pool(wire::VenueId::SushiSwap, "0x06da0fd433C1A5d7a4faa01111c044910A184553"));
    ASSERT_NE(pool, nullptr);
    EXPECT_EQ(pool->kind, ObjectKind::Pool);
    EXPECT_EQ(pool->symbol, "Wrapped Ether/Tether USD");
    EXPECT_EQ(pool->token0, *InstrumentId::tokenOnChain(1, "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"));
    EXPECT_EQ(wire::formatEvmAddress(pool->token1Address), "0xdAC17F958D2ee523a2206206994597C13D831ec7");
    EXPECT_EQ(pool->feeTier, 3000u);
    // Every object is found by its id.
    for (const CachedObject& o : cache.objects()) ASSERT_EQ(cache.find(o.id), &o);

    // Processing the stream again refreshes, adds nothing, keeps the first discovery time.
    processAll(sut, stream);
    EXPECT_EQ(cache.size(), expected.tokens + expected.pools);
    EXPECT_EQ(usdc->discoveredAt, cache.find(usdc->id)->discoveredAt);

    // Save, restore into a new cache, compare.
    const std::string path = ::testing::TempDir() + "/schema_cache_test.bin";
    ASSERT_FALSE(cache.save(path));
    ObjectCache restored;
    const auto err = restored.load(path);
    ASSERT_FALSE(err) << *err;
    ASSERT_EQ(restored.size(), cache.size());
    for (std::size_t i = 0; i < cache.size(); ++i) EXPECT_EQ(restored.objects()[i], cache.objects()[i]);
    for (const CachedObject& o : cache.objects()) {
        const CachedObject* r = restored.find(o.id);
        ASSERT_NE(r, nullptr);
        EXPECT_EQ(*r, o);
    }
    std::remove(path.c_str());
}

TEST(ObjectCache, ASecondAddressForAnIdHeldIsReportedAsACollisionAndNeverMerged) {
    // Real USDC and a twin sharing its last 8 bytes (the same id, W4).
    const std::string usdc = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
    const std::string twin = "0x" + std::string(24, '0') + "2e9eb0ce3606eb48";
    std::vector<std::uint8_t> stream;
    wire::DiscoveryInfo a;
    a.id = *InstrumentId::token(wire::VenueId::Ethereum, usdc);
    a.decimals = 6;
    a.symbol = "USDC";
    a.address = address(usdc);
    a.chainId = 1;
    appendDiscovery(stream, a, 1);
    wire::DiscoveryInfo b = a;
    b.id = *InstrumentId::token(wire::VenueId::Ethereum, twin);
    ASSERT_EQ(a.id, b.id);
    b.symbol = "FAKE";
    b.decimals = 18;
    b.address = address(twin);
    appendDiscovery(stream, b, 2);

    SchemaRegistry registry;
    SchemaTransformCache sut{registry};
    const ProcessResult first = sut.processMessage(stream.data(), stream.size());
    EXPECT_EQ(first.outcome, ProcessOutcome::ObjectAdded);
    const ProcessResult second = sut.processMessage(stream.data() + first.frameLength, stream.size() - first.frameLength);
    EXPECT_EQ(second.outcome, ProcessOutcome::Collision);
    const ObjectCache& cache = sut.objects();
    ASSERT_EQ(cache.size(), 1u);
    EXPECT_EQ(cache.find(a.id)->symbol, "USDC") << "the held object is kept as it was";
    EXPECT_EQ(cache.find(a.id)->decimals, 6);
    ASSERT_EQ(cache.collisions().size(), 1u);
    const Collision& c = cache.collisions().front();
    EXPECT_EQ(c.id, a.id);
    EXPECT_EQ(c.heldAddress, *a.address);
    EXPECT_EQ(c.newAddress, *b.address);
    EXPECT_EQ(c.heldSymbol, "USDC");
    EXPECT_EQ(c.newSymbol, "FAKE");
    const auto json = collisionToJson(c);
    EXPECT_EQ(json["held_address"], usdc);
    EXPECT_EQ(json["new_address"], wire::formatEvmAddress(*b.address));

    // Survives a save and restore.
    std::vector<std::uint8_t> bytes;
    cache.serialize(bytes);
    ObjectCache restored;
    ASSERT_FALSE(restored.deserialize(bytes));
    EXPECT_EQ(restored.collisions(), cache.collisions());
}

CachedObject instrument(std::uint32_t n) {
    CachedObject o;
    o.kind = ObjectKind::Instrument;
    o.id = InstrumentId{static_cast<std::uint16_t>(wire::VenueId::NASDAQ), 1, 0, 0x4100000000000000ULL + n};
    o.symbol = "S" + std::to_string(n);
    return o;
}

TEST(ObjectCache, WhenFullNewIdsAreRefusedAndCountedWhileHeldOnesStillUpdate) {
    ObjectCache sut{CacheOptions{100, 10}};
    for (std::uint32_t i = 0; i < 100; ++i) ASSERT_EQ(sut.put(instrument(i)), InsertOutcome::Added);
    EXPECT_EQ(sut.put(instrument(100)), InsertOutcome::Full);
    EXPECT_EQ(sut.find(instrument(100).id), nullptr);
    CachedObject again = instrument(5);
    again.decimals = 2;
    EXPECT_EQ(sut.put(again), InsertOutcome::Updated);
    EXPECT_EQ(sut.find(again.id)->decimals, 2);
    EXPECT_EQ(sut.stats().refused, 1u);
    EXPECT_EQ(sut.size(), 100u);
    // A file with more objects than the limit is refused.
    ObjectCache big;
    for (std::uint32_t i = 0; i < 200; ++i) ASSERT_EQ(big.put(instrument(i)), InsertOutcome::Added);
    std::vector<std::uint8_t> bytes;
    big.serialize(bytes);
    EXPECT_TRUE(sut.deserialize(bytes).has_value());
    EXPECT_EQ(sut.size(), 100u) << "a refused load changes nothing";
}

TEST(ObjectCache, ACorruptOrForeignFileIsRefusedWithoutChangingTheCache) {
    ObjectCache source;
    for (std::uint32_t i = 0; i < 50; ++i) ASSERT_EQ(source.put(instrument(i)), InsertOutcome::Added);
    std::vector<std::uint8_t> bytes;
    source.serialize(bytes);
    ObjectCache sut;
    ASSERT_EQ(sut.put(instrument(999)), InsertOutcome::Added);
    for (std::size_t i = 0; i < bytes.size(); i += 7) {
        auto bad = bytes;
        bad[i] ^= 0x40;
        EXPECT_TRUE(sut.deserialize(bad).has_value()) << "flipped byte " << i;
    }
    for (std::size_t n = 0; n < bytes.size(); n += 13) {
        EXPECT_TRUE(sut.deserialize(std::span{bytes.data(), n}).has_value()) << "truncated to " << n;
    }
    auto future = bytes;
    future[8] = 2; // format version 2
    const auto err = sut.deserialize(future);
    ASSERT_TRUE(err.has_value());
    EXPECT_NE(err->find("version"), std::string::npos) << *err;
    EXPECT_EQ(sut.size(), 1u);
    EXPECT_NE(sut.find(instrument(999).id), nullptr);
    EXPECT_TRUE(sut.load("/nonexistent/cache.bin").has_value());
    ASSERT_FALSE(sut.deserialize(bytes));
    EXPECT_EQ(sut.size(), 50u);
}

TEST(ObjectCache, LookupsStayExactAcrossGrowth) {
    ObjectCache sut;
    for (std::uint32_t i = 0; i < 100'000; ++i) ASSERT_EQ(sut.put(instrument(i)), InsertOutcome::Added);
    for (std::uint32_t i = 0; i < 100'000; ++i) {
        const CachedObject* o = sut.find(instrument(i).id);
        ASSERT_NE(o, nullptr);
        ASSERT_EQ(o->symbol, "S" + std::to_string(i));
    }
    EXPECT_EQ(sut.find(instrument(100'000).id), nullptr);
    EXPECT_LE(sut.stats().slots, 262'144u);
}

} // namespace
} // namespace alphapulse::schema
