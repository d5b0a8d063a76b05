// Frame validation: parseFrame and the typed views refuse every malformed
// frame with its own reason, never read past the bytes given, and work at any
// buffer alignment.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <cstring>
#include <set>
#include <string_view>
#include <vector>

#include "alphapulse/wire.hpp"
#include "alphapulse/wire/subscribe.hpp"
#include "test_support.hpp"

using namespace alphapulse::wire;
using namespace alphapulse::wire::test;

namespace {

constexpr std::string_view USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48";

Bytes tradeFrame() {
    Bytes buf(TradeLayout::SIZE);
    auto builder = must(TradeBuilder::into(buf.data(), buf.size()));
    builder.source(SourceType::BinanceCollector).sequence(17).timestamp(1'618'000'000'000'000'000ULL);
    builder.instrument_id(*InstrumentId::symbol(VenueId::Binance, AssetType::Pair, "BTCUSDT"));
    builder.price(6'123'456'000'000).volume(250'000'000).side(static_cast<std::uint8_t>(Side::Buy));
    builder.finish();
    return buf;
}

Bytes quoteFrame() {
    Bytes buf(QuoteLayout::SIZE);
    auto builder = must(QuoteBuilder::into(buf.data(), buf.size()));
    builder.bid_price(100).ask_price(101).bid_size(5).ask_size(6);
    builder.finish();
    return buf;
}

Bytes defiFrameWithTlv() {
    Bytes buf(512);
    auto builder = must(DeFiSignalBuilder::into(buf.data(), buf.size()));
    builder.strategy_id(2).signal_id(99).chain_id(1).confidence(80);
    TlvWriter writer{builder.tail(), buf.size() - DeFiSignalLayout::SIZE};
    auto pool = must(PoolAddressTlvBuilder::in(writer));
    std::array<std::uint8_t, 20> a{};
    a.fill(0x11);
    pool.venue_a_pool(a);
    auto mev = must(MEVBundleTlvBuilder::in(writer));
    mev.priority_fee_gwei(3);
    const auto len = finishDeFiSignal(builder, writer.size());
    buf.resize(*len);
    return buf;
}

Bytes discoveryFrame() {
    Bytes buf(256);
    EvmAddress address{};
    EXPECT_EQ(parseEvmAddress(USDC, address), WireError::Ok);
    DiscoveryInfo info;
    info.id = *InstrumentId::token(VenueId::Ethereum, USDC);
    info.decimals = 6;
    info.symbol = "USDC";
    info.address = address;
    info.name = "USD Coin";
    info.chainId = 1;
    const auto len = buildDiscovery(buf.data(), buf.size(), info, 4, 1, 2);
    EXPECT_TRUE(len) << errorName(len.error());
    buf.resize(len ? *len : 0);
    return buf;
}

void reseal(Bytes& frame) { sealFrame(frame.data(), frame.size()); }

WireError parseError(const Bytes& frame, const ParseOptions& options = {}) {
    return parseFrame(frame.data(), frame.size(), options).error();
}

} // namespace

TEST(Frame, TradeFrameParses) {
    const Bytes frame = tradeFrame();
    const auto parsed = parseFrame(frame.data(), frame.size());
    ASSERT_TRUE(parsed) << errorName(parsed.error());
    EXPECT_EQ(parsed->size(), 64u);
    EXPECT_EQ(parsed->messageType(), 1);
    EXPECT_TRUE(parsed->checksumMatches());
}

TEST(Frame, TruncatedTradeIsRefusedAtEveryLength) {
    const Bytes frame = tradeFrame();
    for (std::size_t len = 0; len < frame.size(); ++len) {
        Bytes cut(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(len));
        EXPECT_EQ(parseFrame(cut.data(), len).error(), WireError::Truncated) << "len " << len;
        EXPECT_EQ(TradeView::parse(cut.data(), len).error(), WireError::Truncated) << "len " << len;
        EXPECT_EQ(frameLength(cut.data(), len).error(), WireError::Truncated) << "len " << len;
    }
}

TEST(Frame, TruncatedDeFiSignalWithTlvIsRefusedAtEveryLength) {
    const Bytes frame = defiFrameWithTlv();
    ASSERT_EQ(frame.size(), 312u + 44u + 45u);
    ASSERT_TRUE(parseFrame(frame.data(), frame.size()));
    for (std::size_t len = 0; len < frame.size(); ++len) {
        Bytes cut(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(len));
        EXPECT_EQ(parseFrame(cut.data(), len).error(), WireError::Truncated) << "len " << len;
        EXPECT_EQ(DeFiSignalView::parse(cut.data(), len).error(), WireError::Truncated) << "len " << len;
    }
}

TEST(Frame, TruncatedDiscoveryIsRefusedAtEveryLength) {
    const Bytes frame = discoveryFrame();
    ASSERT_GT(frame.size(), 48u);
    ASSERT_TRUE(parseFrame(frame.data(), frame.size()));
    for (std::size_t len = 0; len < frame.size(); ++len) {
        Bytes cut(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(len));
        EXPECT_EQ(parseFrame(cut.data(), len).error(), WireError::Truncated) << "len " << len;
        EXPECT_EQ(DiscoveryView::parse(cut.data(), len).error(), WireError::Truncated) << "len " << len;
    }
}

TEST(Frame, BadMagicIsRefusedWhicheverByteIsWrong) {
    for (std::size_t i = 0; i < 4; ++i) {
        Bytes frame = tradeFrame();
        frame[i] = static_cast<std::uint8_t>(frame[i] ^ 0x01);
        reseal(frame);
        EXPECT_EQ(parseError(frame), WireError::BadMagic) << "byte " << i;
        EXPECT_EQ(TradeView::parse(frame.data(), frame.size()).error(), WireError::BadMagic) << "byte " << i;
        EXPECT_EQ(frameLength(frame.data(), frame.size()).error(), WireError::BadMagic) << "byte " << i;
    }
}

TEST(Frame, BigEndianMagicIsRefused) {
    Bytes frame = tradeFrame();
    frame[0] = 0xDE;
    frame[1] = 0xAD;
    frame[2] = 0xBE;
    frame[3] = 0xEF;
    reseal(frame);
    EXPECT_EQ(parseError(frame), WireError::BadMagic);
}

TEST(Frame, PayloadSizeAboveTheMaximumIsRefusedBeforeReadingIt) {
    Bytes frame = tradeFrame();
    // Only the header is here: the size alone is enough to refuse.
    storeLe<std::uint32_t>(frame.data() + 8, header::DEFAULT_MAX_PAYLOAD + 1);
    EXPECT_EQ(parseFrame(frame.data(), 32).error(), WireError::PayloadTooLarge);
    EXPECT_EQ(TradeView::parse(frame.data(), 32).error(), WireError::PayloadTooLarge);
    EXPECT_EQ(frameLength(frame.data(), 32).error(), WireError::PayloadTooLarge);
    storeLe<std::uint32_t>(frame.data() + 8, 0xFFFFFFFFu);
    EXPECT_EQ(parseFrame(frame.data(), 32).error(), WireError::PayloadTooLarge);
}

TEST(Frame, ConfiguredMaximumIsHonouredExactly) {
    const Bytes frame = tradeFrame(); // payload 32
    EXPECT_EQ(parseError(frame, ParseOptions{true, 31}), WireError::PayloadTooLarge);
    EXPECT_TRUE(parseFrame(frame.data(), frame.size(), ParseOptions{true, 32}));
    EXPECT_EQ(TradeView::parse(frame.data(), frame.size(), true, 31).error(), WireError::PayloadTooLarge);
    EXPECT_TRUE(TradeView::parse(frame.data(), frame.size(), true, 32));
    EXPECT_EQ(*frameLength(frame.data(), frame.size(), 32), 64u);
}

TEST(Frame, BadChecksumIsRefusedWhenVerifyingAndAcceptedOtherwise) {
    for (const std::size_t byte : {std::size_t{4}, std::size_t{12}, std::size_t{28}, std::size_t{40}, std::size_t{63}}) {
        Bytes frame = tradeFrame();
        frame[byte] = static_cast<std::uint8_t>(frame[byte] ^ 0x80);
        if (byte == 4) continue; // changes the type: covered elsewhere
        EXPECT_EQ(parseError(frame), WireError::BadChecksum) << "byte " << byte;
        EXPECT_EQ(TradeView::parse(frame.data(), frame.size(), true).error(), WireError::BadChecksum) << "byte " << byte;
        EXPECT_TRUE(parseFrame(frame.data(), frame.size(), ParseOptions{false, header::DEFAULT_MAX_PAYLOAD}))
            << "byte " << byte;
        EXPECT_TRUE(TradeView::parse(frame.data(), frame.size(), false)) << "byte " << byte;
        const auto unverified = parseFrame(frame.data(), frame.size(), ParseOptions{false, header::DEFAULT_MAX_PAYLOAD});
        ASSERT_TRUE(unverified);
        EXPECT_FALSE(unverified->checksumMatches());
    }
}

TEST(Frame, BadChecksumOfEveryVariableFrameIsRefused) {
    for (Bytes frame : {defiFrameWithTlv(), discoveryFrame()}) {
        frame.back() = static_cast<std::uint8_t>(frame.back() ^ 0x01);
        EXPECT_EQ(parseError(frame), WireError::BadChecksum);
    }
}

TEST(Frame, UnknownTypeIsRefused) {
    for (const std::uint8_t type : {std::uint8_t{0}, std::uint8_t{4}, std::uint8_t{13}, std::uint8_t{60},
                                    std::uint8_t{110}, std::uint8_t{199}, std::uint8_t{201}, std::uint8_t{255}}) {
        Bytes frame = tradeFrame();
        frame[4] = type;
        reseal(frame);
        EXPECT_EQ(parseError(frame), WireError::UnknownType) << "type " << int{type};
        EXPECT_EQ(TradeView::parse(frame.data(), frame.size()).error(), WireError::WrongType) << "type " << int{type};
    }
}

TEST(Frame, UnknownVersionOfAKnownTypeIsRefused) {
    for (const std::uint8_t version : {std::uint8_t{0}, std::uint8_t{2}, std::uint8_t{255}}) {
        Bytes frame = tradeFrame();
        frame[5] = version;
        reseal(frame);
        EXPECT_EQ(parseError(frame), WireError::UnknownVersion) << "version " << int{version};
        EXPECT_EQ(TradeView::parse(frame.data(), frame.size()).error(), WireError::UnknownVersion);
    }
}

TEST(Frame, TypedViewRefusesAFrameOfAnotherType) {
    const Bytes quote = quoteFrame();
    EXPECT_EQ(TradeView::parse(quote.data(), quote.size()).error(), WireError::WrongType);
    const Bytes trade = tradeFrame();
    EXPECT_EQ(QuoteView::parse(trade.data(), trade.size()).error(), WireError::WrongType);
    EXPECT_EQ(DeFiSignalView::parse(trade.data(), trade.size()).error(), WireError::WrongType);
    EXPECT_EQ(DiscoveryView::parse(trade.data(), trade.size()).error(), WireError::WrongType);
    const Bytes discovery = discoveryFrame();
    EXPECT_EQ(InstrumentDiscoveredView::parse(discovery.data(), discovery.size()).ok(), true);
    EXPECT_EQ(PoolDiscoveredView::parse(discovery.data(), discovery.size()).error(), WireError::WrongType);
}

TEST(Frame, FixedTypeWithAnyOtherPayloadSizeIsRefused) {
    for (const std::uint32_t payload : {0u, 1u, 31u, 33u, 48u, 200u}) {
        Bytes frame = tradeFrame();
        frame.resize(32 + std::max<std::size_t>(payload, 32));
        storeLe<std::uint32_t>(frame.data() + 8, payload);
        sealFrame(frame.data(), 32 + payload);
        EXPECT_EQ(parseFrame(frame.data(), frame.size()).error(), WireError::BadSize) << "payload " << payload;
        EXPECT_EQ(TradeView::parse(frame.data(), frame.size()).error(), WireError::BadSize) << "payload " << payload;
    }
}

TEST(Frame, VariableTypeShorterThanItsFixedPartIsRefused) {
    Bytes frame = defiFrameWithTlv();
    storeLe<std::uint32_t>(frame.data() + 8, 100);
    sealFrame(frame.data(), 132);
    EXPECT_EQ(parseFrame(frame.data(), frame.size()).error(), WireError::BadSize);
    EXPECT_EQ(DeFiSignalView::parse(frame.data(), frame.size()).error(), WireError::BadSize);
}

namespace {

// An Error frame (text<52> message at ErrorLayout::OFFSET_message) whose text
// bytes are set by hand and the checksum fixed up.
Bytes errorFrameWithText(const std::vector<std::uint8_t>& text) {
    Bytes buf(ErrorLayout::SIZE);
    auto builder = must(ErrorBuilder::into(buf.data(), buf.size()));
    builder.error_code(7).severity(static_cast<std::uint8_t>(Severity::Warning));
    builder.finish();
    std::copy(text.begin(), text.end(), buf.begin() + ErrorLayout::OFFSET_message);
    reseal(buf);
    return buf;
}

} // namespace

TEST(FrameText, ValidUtf8TextIsAccepted) {
    const std::vector<std::vector<std::uint8_t>> good{
        {},
        {'o', 'k'},
        {'c', 'a', 'f', 0xC3, 0xA9},             // café
        {0xE2, 0x82, 0xAC},                      // €
        {0xF0, 0x9F, 0x9A, 0x80},                // U+1F680
        {0xF4, 0x8F, 0xBF, 0xBF},                // U+10FFFF
        std::vector<std::uint8_t>(52, 'x'),      // fills the field, no terminator
    };
    for (const auto& text : good) {
        const Bytes frame = errorFrameWithText(text);
        EXPECT_TRUE(parseFrame(frame.data(), frame.size())) << "text of " << text.size() << " bytes";
        const auto view = ErrorView::parse(frame.data(), frame.size());
        ASSERT_TRUE(view) << errorName(view.error());
        EXPECT_EQ(view->message().size(), text.size());
    }
}

TEST(FrameText, InvalidUtf8TextIsRefused) {
    const std::vector<std::vector<std::uint8_t>> bad{
        {0xFF},
        {0x80},                   // lone continuation byte
        {'a', 0xC3},              // truncated sequence before the terminator
        {0xC0, 0x80},             // overlong NUL
        {0xE0, 0x80, 0xAF},       // overlong '/'
        {0xED, 0xA0, 0x80},       // surrogate U+D800
        {0xF4, 0x90, 0x80, 0x80}, // above U+10FFFF
        {0xF8, 0x88, 0x80, 0x80, 0x80},
        {0xE2, 0x28, 0xA1},       // bad continuation
    };
    for (const auto& text : bad) {
        const Bytes frame = errorFrameWithText(text);
        EXPECT_EQ(parseError(frame), WireError::InvalidUtf8) << "first byte " << int{text[0]};
        EXPECT_EQ(ErrorView::parse(frame.data(), frame.size()).error(), WireError::InvalidUtf8);
    }
}

TEST(FrameText, TruncatedSequenceAtTheEndOfAFullFieldIsRefused) {
    std::vector<std::uint8_t> text(52, 'x');
    text[50] = 0xE2;
    text[51] = 0x82; // the third byte would be past the field
    const Bytes frame = errorFrameWithText(text);
    EXPECT_EQ(parseError(frame), WireError::InvalidUtf8);
}

TEST(FrameText, NonZeroByteAfterTheTerminatorIsRefused) {
    for (const std::size_t at : {std::size_t{3}, std::size_t{10}, std::size_t{51}}) {
        std::vector<std::uint8_t> text(52, 0);
        text[0] = 'a';
        text[1] = 'b';
        text[at] = 'z';
        const Bytes frame = errorFrameWithText(text);
        EXPECT_EQ(parseError(frame), WireError::InvalidUtf8) << "stray byte at " << at;
        EXPECT_EQ(ErrorView::parse(frame.data(), frame.size()).error(), WireError::InvalidUtf8);
    }
}

TEST(FrameText, EveryTextFieldOfEveryLayoutIsChecked) {
    std::size_t checked = 0;
    for (const MessageLayout* layout : allLayouts()) {
        for (const FieldDescriptor& field : layout->fields) {
            if (field.kind != FieldKind::Text) continue;
            std::array<std::uint8_t, 512> frame{};
            const std::size_t len = layout->size;
            MessageHeader h;
            h.messageType = layout->type;
            h.version = layout->version;
            h.payloadSize = static_cast<std::uint32_t>(len - 32);
            h.write(frame.data());
            sealFrame(frame.data(), len);
            EXPECT_TRUE(parseFrame(frame.data(), len)) << layout->name;
            frame[field.offset] = 0xFE;
            sealFrame(frame.data(), len);
            EXPECT_EQ(parseFrame(frame.data(), len).error(), WireError::InvalidUtf8) << layout->name << "." << field.name;
            ++checked;
        }
    }
    EXPECT_EQ(checked, 3u); // StrategyAlert.message, Error.message, ConfigUpdate.config_key
}

namespace {

Bytes orderBookFrame(std::size_t bids, std::size_t asks) {
    std::vector<BookLevel> bidLevels;
    std::vector<BookLevel> askLevels;
    for (std::size_t i = 0; i < bids; ++i) bidLevels.push_back({static_cast<std::int64_t>(1000 - i), 10 + i});
    for (std::size_t i = 0; i < asks; ++i) askLevels.push_back({static_cast<std::int64_t>(1001 + i), 20 + i});
    Bytes buf(OrderBookLayout::SIZE + (bids + asks) * BookLevel::SIZE);
    auto builder = must(OrderBookBuilder::into(buf.data(), buf.size()));
    builder.update_id(5).is_snapshot(1);
    const auto len = finishOrderBook(builder, bidLevels, askLevels);
    EXPECT_TRUE(len);
    return buf;
}

} // namespace

TEST(FrameOrderBook, LevelsRoundTrip) {
    const Bytes frame = orderBookFrame(2, 3);
    ASSERT_EQ(frame.size(), 64u + 5 * 16);
    const auto view = OrderBookView::parse(frame.data(), frame.size());
    ASSERT_TRUE(view) << errorName(view.error());
    EXPECT_EQ(view->bid_count(), 2);
    EXPECT_EQ(view->ask_count(), 3);
    EXPECT_EQ(bidLevel(*view, 0).price, 1000);
    EXPECT_EQ(bidLevel(*view, 1).size, 11u);
    EXPECT_EQ(askLevel(*view, 0).price, 1001);
    EXPECT_EQ(askLevel(*view, 2).size, 22u);
    // First bid at offset 64, first ask after the two bids.
    EXPECT_EQ(loadLe<std::int64_t>(frame.data() + 64), 1000);
    EXPECT_EQ(loadLe<std::int64_t>(frame.data() + 96), 1001);
}

TEST(FrameOrderBook, EmptyBookIsValid) {
    const Bytes frame = orderBookFrame(0, 0);
    EXPECT_TRUE(parseFrame(frame.data(), frame.size()));
}

TEST(FrameOrderBook, LevelCountDisagreeingWithPayloadSizeIsRefused) {
    const std::array<std::pair<std::uint16_t, std::uint16_t>, 4> counts{{{3, 3}, {1, 3}, {2, 2}, {0xFFFF, 0}}};
    for (const auto& [bids, asks] : counts) {
        Bytes frame = orderBookFrame(2, 3);
        storeLe<std::uint16_t>(frame.data() + OrderBookLayout::OFFSET_bid_count, bids);
        storeLe<std::uint16_t>(frame.data() + OrderBookLayout::OFFSET_ask_count, asks);
        reseal(frame);
        EXPECT_EQ(parseError(frame), WireError::BadLength) << bids << "/" << asks;
        EXPECT_EQ(OrderBookView::parse(frame.data(), frame.size()).error(), WireError::BadLength);
    }
}

TEST(FrameOrderBook, PayloadWithAPartialLevelIsRefused) {
    Bytes frame = orderBookFrame(1, 1);
    frame.resize(frame.size() + 8);
    storeLe<std::uint32_t>(frame.data() + 8, static_cast<std::uint32_t>(frame.size() - 32));
    reseal(frame);
    EXPECT_EQ(parseError(frame), WireError::BadLength);
}

TEST(FrameOrderBook, FinishRefusesLevelsBeyondTheBuffer) {
    Bytes buf(64 + 16);
    auto builder = must(OrderBookBuilder::into(buf.data(), buf.size()));
    const std::array<BookLevel, 2> levels{{{1, 1}, {2, 2}}};
    EXPECT_EQ(finishOrderBook(builder, levels, {}).error(), WireError::BufferTooSmall);
}

TEST(Frame, BytesAfterTheFrameAreIgnored) {
    Bytes stream = tradeFrame();
    for (std::uint8_t i = 0; i < 40; ++i) stream.push_back(static_cast<std::uint8_t>(0xA0 + i));
    const auto frame = parseFrame(stream.data(), stream.size());
    ASSERT_TRUE(frame) << errorName(frame.error());
    EXPECT_EQ(frame->size(), 64u);
    EXPECT_TRUE(TradeView::parse(stream.data(), stream.size()));
    EXPECT_EQ(TradeView::parse(stream.data(), stream.size())->size(), 64u);
    EXPECT_EQ(*frameLength(stream.data(), stream.size()), 64u);
}

TEST(Frame, BackToBackFramesParseOneAfterAnother) {
    Bytes stream;
    for (const Bytes& f : {tradeFrame(), defiFrameWithTlv(), quoteFrame(), discoveryFrame(), orderBookFrame(3, 1)}) {
        stream.insert(stream.end(), f.begin(), f.end());
    }
    std::vector<int> types;
    std::size_t pos = 0;
    while (pos < stream.size()) {
        const auto frame = parseFrame(stream.data() + pos, stream.size() - pos);
        ASSERT_TRUE(frame) << errorName(frame.error()) << " at " << pos;
        types.push_back(frame->messageType());
        pos += frame->size();
    }
    EXPECT_EQ(pos, stream.size());
    EXPECT_EQ(types, (std::vector<int>{1, 37, 2, 10, 3}));
}

TEST(Frame, ViewsWorkAtAnyAlignment) {
    const Bytes trade = tradeFrame();
    const Bytes defi = defiFrameWithTlv();
    const Bytes discovery = discoveryFrame();
    for (std::size_t shift = 0; shift < 16; ++shift) {
        std::vector<std::uint8_t> storage(shift + 512, 0);
        std::uint8_t* p = storage.data() + shift;

        std::memcpy(p, trade.data(), trade.size());
        const auto t = TradeView::parse(p, trade.size());
        ASSERT_TRUE(t) << "shift " << shift;
        EXPECT_EQ(t->price(), 6'123'456'000'000) << "shift " << shift;
        EXPECT_EQ(t->volume(), 250'000'000u);
        EXPECT_EQ(t->instrument_id().text(), "Binance Pair BTCUSDT");
        EXPECT_EQ(t->frame().sequence(), 17u);
        ASSERT_TRUE(parseFrame(p, trade.size())) << "shift " << shift;

        std::memcpy(p, defi.data(), defi.size());
        const auto d = DeFiSignalView::parse(p, defi.size());
        ASSERT_TRUE(d) << "shift " << shift;
        EXPECT_EQ(d->signal_id(), 99u);
        EXPECT_EQ(d->tlv_length(), 89);
        TlvReader reader = extensionsOf(*d);
        TlvEntry e;
        ASSERT_TRUE(reader.next(e));
        const auto pool = PoolAddressTlvView::of(e);
        ASSERT_TRUE(pool);
        EXPECT_EQ(pool->venue_a_pool()[19], 0x11);

        std::memcpy(p, discovery.data(), discovery.size());
        const auto disc = DiscoveryView::parse(p, discovery.size());
        ASSERT_TRUE(disc) << "shift " << shift;
        EXPECT_EQ(disc->symbol(), "USDC");
        EXPECT_EQ(disc->name(), "USD Coin");
        EXPECT_EQ(disc->chainId(), std::optional<std::uint64_t>{1});
    }
}

TEST(Frame, CustomFrameCarriesAnyPayload) {
    Bytes buf(32 + 100);
    auto builder = must(CustomBuilder::into(buf.data(), buf.size()));
    for (std::size_t i = 0; i < 100; ++i) builder.tail()[i] = static_cast<std::uint8_t>(i * 3);
    const auto len = builder.finishWithTail(100);
    ASSERT_TRUE(len);
    EXPECT_EQ(*len, 132u);
    const auto frame = parseFrame(buf.data(), buf.size());
    ASSERT_TRUE(frame) << errorName(frame.error());
    EXPECT_EQ(frame->domain(), Domain::Custom);
    EXPECT_TRUE(CustomView::parse(buf.data(), buf.size()));
}

TEST(Frame, FinishWithTailRefusesATailBeyondCapacity) {
    Bytes buf(32 + 10);
    auto builder = must(CustomBuilder::into(buf.data(), buf.size()));
    EXPECT_EQ(builder.finishWithTail(11).error(), WireError::BufferTooSmall);
    EXPECT_TRUE(builder.finishWithTail(10));
}

TEST(Frame, ValidateBodyRefusesAFrameShorterThanItsLayout) {
    const Bytes trade = tradeFrame();
    EXPECT_EQ(validateBody(TradeLayout::INFO, trade.data(), 63), WireError::BadSize);
    EXPECT_EQ(validateBody(TradeLayout::INFO, trade.data(), 64), WireError::Ok);
}

TEST(WireErrors, EveryErrorHasAUniqueNameAndAMessage) {
    std::set<std::string_view> names;
    for (int e = 0; e <= static_cast<int>(WireError::ValueOutOfRange); ++e) {
        const auto error = static_cast<WireError>(e);
        EXPECT_FALSE(errorName(error).empty()) << e;
        EXPECT_FALSE(errorMessage(error).empty()) << e;
        names.insert(errorName(error));
    }
    EXPECT_EQ(names.size(), static_cast<std::size_t>(WireError::ValueOutOfRange) + 1);
    EXPECT_EQ(errorName(WireError::BadMagic), "bad_magic");
}

TEST(FrameStamp, RestampedFrameCarriesTheNewHeaderAndAValidChecksum) {
    Bytes frame = tradeFrame();
    FrameStamp(frame.data(), frame.size()).sequence(99).timestamp(123).source(7).seal();
    const auto parsed = parseFrame(frame.data(), frame.size());
    ASSERT_TRUE(parsed) << errorName(parsed.error());
    EXPECT_EQ(parsed->sequence(), 99u);
    EXPECT_EQ(parsed->timestamp(), 123u);
    EXPECT_EQ(parsed->source(), 7);
    // Without seal() the old checksum no longer matches.
    FrameStamp(frame.data(), frame.size()).sequence(100);
    EXPECT_EQ(parseError(frame), WireError::BadChecksum);
}

TEST(FrameCursor, WalksBackToBackFramesOfEverySize) {
    const Bytes trade = tradeFrame();
    const Bytes quote = quoteFrame();
    const Bytes defi = defiFrameWithTlv();
    const Bytes discovery = discoveryFrame();
    Bytes stream;
    for (const Bytes* frame : {&trade, &quote, &defi, &discovery, &trade}) stream.insert(stream.end(), frame->begin(), frame->end());

    FrameCursor cursor(stream);
    std::vector<std::size_t> sizes;
    while (const auto frame = cursor.next()) sizes.push_back(frame->size());
    EXPECT_EQ(sizes, (std::vector<std::size_t>{trade.size(), quote.size(), defi.size(), discovery.size(), trade.size()}));
    EXPECT_EQ(cursor.error(), WireError::Ok);
    EXPECT_EQ(cursor.offset(), stream.size());
}

TEST(FrameCursor, StopsBeforeAnIncompleteFrameAtEveryCut) {
    const Bytes trade = tradeFrame();
    Bytes stream = trade;
    stream.insert(stream.end(), trade.begin(), trade.end());
    for (std::size_t cut = trade.size() + 1; cut < stream.size(); ++cut) {
        FrameCursor cursor(std::span(stream.data(), cut));
        ASSERT_TRUE(cursor.next());
        EXPECT_FALSE(cursor.next()) << cut;
        EXPECT_EQ(cursor.error(), WireError::Truncated) << cut;
        EXPECT_EQ(cursor.offset(), trade.size()) << cut; // where to resume once more bytes arrive
    }
}

TEST(FrameCursor, ReportsBrokenFramingAndWalksNoFurther) {
    Bytes stream = tradeFrame();
    Bytes bad = tradeFrame();
    bad[0] = 0x00;
    stream.insert(stream.end(), bad.begin(), bad.end());
    FrameCursor cursor(stream);
    ASSERT_TRUE(cursor.next());
    EXPECT_FALSE(cursor.next());
    EXPECT_EQ(cursor.error(), WireError::BadMagic);
    EXPECT_FALSE(cursor.next());

    Bytes huge = tradeFrame();
    storeLe<std::uint32_t>(huge.data() + header::PAYLOAD_SIZE_OFFSET, 1u << 20);
    FrameCursor tooLarge(huge);
    EXPECT_FALSE(tooLarge.next());
    EXPECT_EQ(tooLarge.error(), WireError::PayloadTooLarge);
    EXPECT_EQ(tooLarge.offset(), 0u);
}

TEST(SubscribeTypes, MaskBitsBecomeTheSetOfTypes) {
    std::array<std::uint8_t, 32> mask{};
    for (const unsigned type : {0u, 1u, 7u, 8u, 104u, 255u}) mask[type / 8] |= static_cast<std::uint8_t>(1U << (type % 8));
    std::array<std::uint8_t, subscribe::MAX_SIZE> buffer{};
    const std::size_t length = subscribe::build(buffer.data(), buffer.size(), mask, 0, 0, {});
    ASSERT_NE(length, 0u);
    const auto view = SubscribeView::parse(buffer.data(), length);
    ASSERT_TRUE(view);
    const std::bitset<256> types = subscribe::types(*view);
    EXPECT_EQ(types.count(), 6u);
    for (const unsigned type : {0u, 1u, 7u, 8u, 104u, 255u}) EXPECT_TRUE(types.test(type)) << type;
    // All zero: a pure producer, nothing.
    const std::size_t none = subscribe::build(buffer.data(), buffer.size(), {}, 0, 0, {});
    EXPECT_TRUE(subscribe::types(*SubscribeView::parse(buffer.data(), none)).none());
}
