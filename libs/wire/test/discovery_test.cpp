// InstrumentDiscovered / PoolDiscovered (W6): 48-byte header, UTF-8 symbol,
// TLV metadata; built by buildDiscovery, read by DiscoveryView, and every
// inconsistency refused.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "alphapulse/wire.hpp"
#include "test_support.hpp"

using namespace alphapulse::wire;
using namespace alphapulse::wire::test;

namespace {

// Real SushiSwap V2 USDC/WETH pair on Ethereum and its tokens.
constexpr std::string_view USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
constexpr std::string_view WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2";
constexpr std::string_view USDC_WETH_PAIR = "0x397FF1542f962076d0BFE58eA045FfA2d347ACa0";

EvmAddress addressOf(std::string_view text) {
    EvmAddress a{};
    if (parseEvmAddress(text, a) != WireError::Ok) throw std::runtime_error("bad test address");
    return a;
}

DiscoveryInfo usdcInfo() {
    DiscoveryInfo info;
    info.id = must(InstrumentId::token(VenueId::Ethereum, USDC));
    info.decimals = 6;
    info.symbol = "USDC";
    info.address = addressOf(USDC);
    info.name = "USD Coin";
    info.chainId = 1;
    return info;
}

DiscoveryInfo pairInfo() {
    DiscoveryInfo info;
    info.id = must(InstrumentId::pool(VenueId::SushiSwap, USDC_WETH_PAIR));
    info.decimals = 18;
    info.symbol = "SLP";
    info.address = addressOf(USDC_WETH_PAIR);
    info.name = "SushiSwap LP Token";
    info.chainId = 1;
    DiscoveryInfo::Pool pool;
    pool.token0 = must(InstrumentId::token(VenueId::Ethereum, USDC));
    pool.token1 = must(InstrumentId::token(VenueId::Ethereum, WETH));
    pool.token0Address = addressOf(USDC);
    pool.token1Address = addressOf(WETH);
    pool.feeTier = 3000;
    info.pool = pool;
    return info;
}

Bytes build(const DiscoveryInfo& info) {
    Bytes buf(600);
    const auto len = buildDiscovery(buf.data(), buf.size(), info, static_cast<std::uint8_t>(SourceType::External), 5, 6);
    if (!len) throw std::runtime_error(std::string{"build failed: "} + std::string{errorName(len.error())});
    buf.resize(*len);
    return buf;
}

// A discovery frame assembled by hand (for the malformed cases).
Bytes assemble(MessageType type, const InstrumentId& id, std::string_view symbol, const Bytes& metadata,
               std::optional<std::uint8_t> symbolLen = std::nullopt,
               std::optional<std::uint16_t> metadataLen = std::nullopt) {
    Bytes frame(48 + symbol.size() + metadata.size());
    MessageHeader h;
    h.messageType = static_cast<std::uint8_t>(type);
    h.payloadSize = static_cast<std::uint32_t>(16 + symbol.size() + metadata.size());
    h.write(frame.data());
    id.write(frame.data() + 32);
    frame[44] = 6;
    frame[45] = symbolLen.value_or(static_cast<std::uint8_t>(symbol.size()));
    storeLe<std::uint16_t>(frame.data() + 46, metadataLen.value_or(static_cast<std::uint16_t>(metadata.size())));
    for (std::size_t i = 0; i < symbol.size(); ++i) frame[48 + i] = static_cast<std::uint8_t>(symbol[i]);
    for (std::size_t i = 0; i < metadata.size(); ++i) frame[48 + symbol.size() + i] = metadata[i];
    sealFrame(frame.data(), frame.size());
    return frame;
}

Bytes meta(std::uint8_t type, const Bytes& value) {
    Bytes out{type, static_cast<std::uint8_t>(value.size())};
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

Bytes addressMeta(std::string_view text) {
    const EvmAddress a = addressOf(text);
    return meta(1, Bytes(a.begin(), a.end()));
}

WireError parseError(const Bytes& frame) { return parseFrame(frame.data(), frame.size()).error(); }

} // namespace

TEST(Discovery, TokenRoundTrips) {
    const Bytes frame = build(usdcInfo());
    const auto view = DiscoveryView::parse(frame.data(), frame.size());
    ASSERT_TRUE(view) << errorName(view.error());
    EXPECT_FALSE(view->isPool());
    EXPECT_EQ(view->frame().messageType(), 10);
    EXPECT_EQ(view->frame().sequence(), 5u);
    EXPECT_EQ(view->frame().timestamp(), 6u);
    EXPECT_EQ(view->instrumentId(), must(InstrumentId::token(VenueId::Ethereum, USDC)));
    EXPECT_EQ(view->instrumentId().text(), "Ethereum Token 0x2e9eb0ce3606eb48");
    EXPECT_EQ(view->decimals(), 6);
    EXPECT_EQ(view->symbol(), "USDC");
    EXPECT_EQ(view->name(), "USD Coin");
    ASSERT_TRUE(view->address().has_value());
    EXPECT_EQ(*view->address(), addressOf(USDC));
    EXPECT_EQ(formatEvmAddress(*view->address()), USDC);
    EXPECT_EQ(view->chainId(), std::optional<std::uint64_t>{1});
    EXPECT_FALSE(view->poolTokens().has_value());
}

TEST(Discovery, TokenFrameHasTheW6Layout) {
    const Bytes frame = build(usdcInfo());
    // 48 header bytes, "USDC", Address (2+20), Name (2+8), ChainId (2+8).
    ASSERT_EQ(frame.size(), 48u + 4 + 22 + 10 + 10);
    EXPECT_EQ(loadLe<std::uint32_t>(frame.data() + 8), 16u + 4 + 42);
    EXPECT_EQ(frame[44], 6);  // decimals
    EXPECT_EQ(frame[45], 4);  // symbol_len
    EXPECT_EQ(loadLe<std::uint16_t>(frame.data() + 46), 42); // metadata_len
    EXPECT_EQ(0, std::memcmp(frame.data() + 48, "USDC", 4));
    EXPECT_EQ(frame[52], 1);
    EXPECT_EQ(frame[53], 20);
    EXPECT_EQ(frame[54], 0xA0);
    EXPECT_EQ(frame[74], 2);
    EXPECT_EQ(frame[75], 8);
    EXPECT_EQ(frame[84], 3);
    EXPECT_EQ(frame[85], 8);
    EXPECT_EQ(loadLe<std::uint64_t>(frame.data() + 86), 1u);
}

TEST(Discovery, PoolRoundTripsWithItsTokens) {
    const Bytes frame = build(pairInfo());
    const auto view = DiscoveryView::parse(frame.data(), frame.size());
    ASSERT_TRUE(view) << errorName(view.error());
    EXPECT_TRUE(view->isPool());
    EXPECT_EQ(view->frame().messageType(), 11);
    EXPECT_EQ(view->instrumentId().text(), "SushiSwap Pool 0xa045ffa2d347aca0");
    EXPECT_EQ(view->symbol(), "SLP");
    const auto tokens = view->poolTokens();
    ASSERT_TRUE(tokens.has_value());
    EXPECT_EQ(tokens->token0_id(), must(InstrumentId::token(VenueId::Ethereum, USDC)));
    EXPECT_EQ(tokens->token1_id(), must(InstrumentId::token(VenueId::Ethereum, WETH)));
    EXPECT_EQ(0, std::memcmp(tokens->token0_address().data(), addressOf(USDC).data(), 20));
    EXPECT_EQ(0, std::memcmp(tokens->token1_address().data(), addressOf(WETH).data(), 20));
    EXPECT_EQ(tokens->fee_tier(), 3000u);
    EXPECT_TRUE(PoolDiscoveredView::parse(frame.data(), frame.size()));
}

TEST(Discovery, SymbolOnlyInstrumentNeedsNoMetadata) {
    DiscoveryInfo info;
    info.id = must(InstrumentId::stock(VenueId::NASDAQ, "AAPL"));
    info.symbol = "AAPL";
    const Bytes frame = build(info);
    EXPECT_EQ(frame.size(), 52u);
    const auto view = DiscoveryView::parse(frame.data(), frame.size());
    ASSERT_TRUE(view) << errorName(view.error());
    EXPECT_EQ(view->metadataLen(), 0u);
    EXPECT_FALSE(view->address().has_value());
    EXPECT_TRUE(view->name().empty());
    EXPECT_FALSE(view->chainId().has_value());
}

TEST(Discovery, NonAsciiUtf8SymbolAndNameRoundTrip) {
    DiscoveryInfo info = usdcInfo();
    info.symbol = "USD\xE2\x82\xAE";       // USD₮
    info.name = "Tether \xE2\x82\xAE \xF0\x9F\x92\xB5";
    const Bytes frame = build(info);
    const auto view = DiscoveryView::parse(frame.data(), frame.size());
    ASSERT_TRUE(view) << errorName(view.error());
    EXPECT_EQ(view->symbol(), info.symbol);
    EXPECT_EQ(view->name(), info.name);
}

TEST(Discovery, UnknownMetadataTypesAreSkipped) {
    const InstrumentId id = must(InstrumentId::token(VenueId::Ethereum, USDC));
    Bytes metadata = meta(77, Bytes{1, 2, 3});
    const Bytes a = addressMeta(USDC);
    metadata.insert(metadata.end(), a.begin(), a.end());
    const Bytes frame = assemble(MessageType::InstrumentDiscovered, id, "USDC", metadata);
    const auto view = DiscoveryView::parse(frame.data(), frame.size());
    ASSERT_TRUE(view) << errorName(view.error());
    EXPECT_EQ(*view->address(), addressOf(USDC));
}

TEST(DiscoveryMalformed, SymbolLenDisagreeingWithPayloadSizeIsRefused) {
    const InstrumentId id = must(InstrumentId::token(VenueId::Ethereum, USDC));
    const Bytes metadata = addressMeta(USDC);
    for (const std::uint8_t symbolLen : {std::uint8_t{0}, std::uint8_t{3}, std::uint8_t{5}, std::uint8_t{255}}) {
        const Bytes frame = assemble(MessageType::InstrumentDiscovered, id, "USDC", metadata, symbolLen);
        EXPECT_EQ(parseError(frame), WireError::BadLength) << int{symbolLen};
        EXPECT_EQ(DiscoveryView::parse(frame.data(), frame.size()).error(), WireError::BadLength);
    }
}

TEST(DiscoveryMalformed, MetadataLenDisagreeingWithPayloadSizeIsRefused) {
    const InstrumentId id = must(InstrumentId::token(VenueId::Ethereum, USDC));
    const Bytes metadata = addressMeta(USDC);
    for (const std::uint16_t metadataLen : {std::uint16_t{0}, std::uint16_t{21}, std::uint16_t{23}, std::uint16_t{0xFFFF}}) {
        const Bytes frame = assemble(MessageType::InstrumentDiscovered, id, "USDC", metadata, std::nullopt, metadataLen);
        EXPECT_EQ(parseError(frame), WireError::BadLength) << metadataLen;
    }
}

TEST(DiscoveryMalformed, InvalidUtf8SymbolIsRefused) {
    const InstrumentId id = must(InstrumentId::token(VenueId::Ethereum, USDC));
    for (const std::string_view symbol : {std::string_view{"US\xFF"}, std::string_view{"\xC0\x80"},
                                          std::string_view{"ab\xE2\x82"}, std::string_view{"\xED\xA0\x80"}}) {
        const Bytes frame = assemble(MessageType::InstrumentDiscovered, id, symbol, {});
        EXPECT_EQ(parseError(frame), WireError::InvalidUtf8);
        DiscoveryInfo info = usdcInfo();
        info.symbol = symbol;
        Bytes buf(600);
        EXPECT_EQ(buildDiscovery(buf.data(), buf.size(), info, 0, 0, 0).error(), WireError::InvalidUtf8);
    }
}

TEST(DiscoveryMalformed, InvalidUtf8NameIsRefused) {
    const InstrumentId id = must(InstrumentId::token(VenueId::Ethereum, USDC));
    const Bytes frame = assemble(MessageType::InstrumentDiscovered, id, "USDC", meta(2, Bytes{'U', 0xFF, 'C'}));
    EXPECT_EQ(parseError(frame), WireError::InvalidUtf8);
    DiscoveryInfo info = usdcInfo();
    info.name = "USD \xF4\x90\x80\x80";
    Bytes buf(600);
    EXPECT_EQ(buildDiscovery(buf.data(), buf.size(), info, 0, 0, 0).error(), WireError::InvalidUtf8);
}

TEST(DiscoveryMalformed, AddressNotMatchingTheIdIsRefused) {
    const InstrumentId id = must(InstrumentId::token(VenueId::Ethereum, USDC));
    const Bytes frame = assemble(MessageType::InstrumentDiscovered, id, "WETH", addressMeta(WETH));
    EXPECT_EQ(parseError(frame), WireError::IdMismatch);
    EXPECT_EQ(DiscoveryView::parse(frame.data(), frame.size()).error(), WireError::IdMismatch);
    DiscoveryInfo info = usdcInfo();
    info.address = addressOf(WETH);
    Bytes buf(600);
    EXPECT_EQ(buildDiscovery(buf.data(), buf.size(), info, 0, 0, 0).error(), WireError::IdMismatch);
}

TEST(DiscoveryMalformed, AddressDifferingInItsLastByteIsRefused) {
    Bytes frame = build(usdcInfo());
    frame[54 + 19] = static_cast<std::uint8_t>(frame[54 + 19] ^ 0x01);
    sealFrame(frame.data(), frame.size());
    EXPECT_EQ(parseError(frame), WireError::IdMismatch);
}

TEST(DiscoveryMalformed, PoolTokenIdNotMatchingItsAddressIsRefused) {
    DiscoveryInfo info = pairInfo();
    info.pool->token1Address = addressOf(USDC);
    Bytes buf(600);
    EXPECT_EQ(buildDiscovery(buf.data(), buf.size(), info, 0, 0, 0).error(), WireError::IdMismatch);

    Bytes frame = build(pairInfo());
    const auto view = DiscoveryView::parse(frame.data(), frame.size());
    ASSERT_TRUE(view);
    const TlvEntry tokens = findTlv(view->metadata(), view->metadataLen(), 4);
    ASSERT_NE(tokens.value, nullptr);
    const std::size_t token0AddressAt =
        static_cast<std::size_t>(tokens.value - frame.data()) + PoolTokensMetaLayout::OFFSET_token0_address - 2;
    frame[token0AddressAt + 19] = static_cast<std::uint8_t>(frame[token0AddressAt + 19] ^ 0x40);
    sealFrame(frame.data(), frame.size());
    EXPECT_EQ(parseError(frame), WireError::IdMismatch);
}

TEST(DiscoveryMalformed, PoolDiscoveredWithoutPoolTokensIsRefused) {
    const InstrumentId id = must(InstrumentId::pool(VenueId::SushiSwap, USDC_WETH_PAIR));
    const Bytes frame = assemble(MessageType::PoolDiscovered, id, "SLP", addressMeta(USDC_WETH_PAIR));
    EXPECT_EQ(parseError(frame), WireError::BadTlv);
    EXPECT_EQ(DiscoveryView::parse(frame.data(), frame.size()).error(), WireError::BadTlv);
    // The same content as an InstrumentDiscovered is fine.
    const Bytes token = assemble(MessageType::InstrumentDiscovered, id, "SLP", addressMeta(USDC_WETH_PAIR));
    EXPECT_TRUE(parseFrame(token.data(), token.size()));
}

TEST(DiscoveryMalformed, TruncatedMetadataEntryIsRefused) {
    const InstrumentId id = must(InstrumentId::token(VenueId::Ethereum, USDC));
    Bytes metadata = addressMeta(USDC);
    metadata.push_back(2);  // Name entry ...
    metadata.push_back(10); // ... claiming 10 bytes
    metadata.push_back('U');
    const Bytes frame = assemble(MessageType::InstrumentDiscovered, id, "USDC", metadata);
    EXPECT_EQ(parseError(frame), WireError::BadTlv);
    const Bytes lone = assemble(MessageType::InstrumentDiscovered, id, "USDC", Bytes{3});
    EXPECT_EQ(parseError(lone), WireError::BadTlv);
}

TEST(DiscoveryMalformed, KnownMetadataTypeWithTheWrongLengthIsRefused) {
    const InstrumentId id = must(InstrumentId::token(VenueId::Ethereum, USDC));
    const std::vector<Bytes> bad{
        meta(1, Bytes(19, 0x48)),  // Address of 19 bytes
        meta(1, Bytes(21, 0x48)),  // Address of 21 bytes
        meta(3, Bytes(4, 0x01)),   // ChainId as u32
        meta(4, Bytes(67, 0x00)),  // PoolTokens one short
    };
    for (const Bytes& metadata : bad) {
        const Bytes frame = assemble(MessageType::InstrumentDiscovered, id, "USDC", metadata);
        EXPECT_EQ(parseError(frame), WireError::BadTlv) << "type " << int{metadata[0]} << " length " << int{metadata[1]};
    }
}

TEST(DiscoveryMalformed, DiscoveryShorterThanItsHeaderIsRefused) {
    Bytes frame = build(usdcInfo());
    storeLe<std::uint32_t>(frame.data() + 8, 15);
    sealFrame(frame.data(), 47);
    EXPECT_EQ(parseFrame(frame.data(), frame.size()).error(), WireError::BadSize);
}

TEST(DiscoveryBuild, RefusesEveryBufferTooSmall) {
    const DiscoveryInfo info = pairInfo();
    const std::size_t needed = build(info).size();
    Bytes buf(needed);
    for (std::size_t capacity = 0; capacity < needed; ++capacity) {
        EXPECT_EQ(buildDiscovery(buf.data(), capacity, info, 0, 0, 0).error(), WireError::BufferTooSmall)
            << "capacity " << capacity;
    }
    const auto len = buildDiscovery(buf.data(), needed, info, 0, 0, 0);
    ASSERT_TRUE(len) << errorName(len.error());
    EXPECT_EQ(*len, needed);
}

TEST(DiscoveryBuild, RefusesSymbolOrNameLongerThan255Bytes) {
    const std::string longText(256, 'A');
    Bytes buf(2048);
    DiscoveryInfo info = usdcInfo();
    info.symbol = longText;
    EXPECT_EQ(buildDiscovery(buf.data(), buf.size(), info, 0, 0, 0).error(), WireError::ValueOutOfRange);
    info = usdcInfo();
    info.name = longText;
    EXPECT_EQ(buildDiscovery(buf.data(), buf.size(), info, 0, 0, 0).error(), WireError::ValueOutOfRange);
    info.name = std::string_view{longText}.substr(0, 255);
    info.symbol = std::string_view{longText}.substr(0, 255);
    const auto len = buildDiscovery(buf.data(), buf.size(), info, 0, 0, 0);
    ASSERT_TRUE(len) << errorName(len.error());
    const auto view = DiscoveryView::parse(buf.data(), *len);
    ASSERT_TRUE(view) << errorName(view.error());
    EXPECT_EQ(view->symbol().size(), 255u);
    EXPECT_EQ(view->name().size(), 255u);
}

TEST(DiscoveryMeta, LayoutsHaveTheirFixedLengths) {
    EXPECT_EQ(AddressMetaLayout::LENGTH, 20u);
    EXPECT_EQ(ChainIdMetaLayout::LENGTH, 8u);
    EXPECT_EQ(PoolTokensMetaLayout::LENGTH, 68u);
    EXPECT_NE(findDiscoveryMetaLayout(1), nullptr);
    EXPECT_EQ(findDiscoveryMetaLayout(2), nullptr); // Name has no fixed length
    EXPECT_NE(findDiscoveryMetaLayout(3), nullptr);
    EXPECT_NE(findDiscoveryMetaLayout(4), nullptr);
    EXPECT_EQ(findDiscoveryMetaLayout(5), nullptr);
    EXPECT_EQ(allDiscoveryMetaLayouts().size(), 3u);
}
