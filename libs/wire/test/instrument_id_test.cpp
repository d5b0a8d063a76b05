// InstrumentId (W4): every constructor is reversible and refuses what it cannot
// represent exactly; validate() accepts only canonical bytes.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "alphapulse/wire.hpp"
#include "test_support.hpp"

using namespace alphapulse::wire;
using namespace alphapulse::wire::test;

namespace {

constexpr std::string_view USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48";
constexpr std::string_view USDC_EIP55 = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
constexpr std::string_view WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2";
constexpr std::string_view SUSHI_USDC_WETH = "0x397FF1542f962076d0BFE58eA045FfA2d347ACa0";

InstrumentId raw(std::uint16_t venue, std::uint8_t type, std::uint64_t assetId, std::uint8_t reserved = 0) {
    return InstrumentId{venue, type, reserved, assetId};
}

} // namespace

// ---------------------------------------------------------------- symbols

TEST(InstrumentIdStock, PacksTheTickerBigEndianZeroFilled) {
    const InstrumentId id = must(InstrumentId::stock(VenueId::NASDAQ, "AAPL"));
    EXPECT_EQ(id.venue, 1);
    EXPECT_EQ(id.assetType, 1);
    EXPECT_EQ(id.reserved, 0);
    EXPECT_EQ(id.assetId, 0x4141504C00000000ULL);
    std::array<std::uint8_t, 12> bytes{};
    id.write(bytes.data());
    const std::array<std::uint8_t, 12> expected{0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4C, 0x50, 0x41, 0x41};
    EXPECT_EQ(bytes, expected);
    EXPECT_EQ(InstrumentId::read(bytes.data()), id);
}

TEST(InstrumentIdStock, TextAndSymbolTextGiveBackTheTicker) {
    const InstrumentId id = must(InstrumentId::stock(VenueId::NASDAQ, "AAPL"));
    EXPECT_EQ(id.text(), "NASDAQ Stock AAPL");
    EXPECT_EQ(id.symbolText(), "AAPL");
    EXPECT_EQ(must(InstrumentId::stock(VenueId::NYSE, "BRK.A")).text(), "NYSE Stock BRK.A");
    EXPECT_EQ(must(InstrumentId::stock(VenueId::NYSE, "ABR$D")).symbolText(), "ABR$D");
}

TEST(InstrumentIdStock, AcceptsOneToEightPrintableAsciiBytes) {
    for (const std::string_view symbol : {"A", "AB", "ZZZZZZZZ", "a b~!", " ", "~~~~~~~~", "abcdefgh"}) {
        const auto id = InstrumentId::stock(VenueId::NYSE, symbol);
        ASSERT_TRUE(id) << symbol << ": " << errorName(id.error());
        EXPECT_EQ(id->symbolText(), symbol);
        EXPECT_EQ(id->assetType, 1) << "8 bytes or fewer are always ASCII-packed";
        EXPECT_EQ(id->validate(), WireError::Ok);
    }
}

TEST(InstrumentIdStock, RefusesEmptyNulAndNonPrintableSymbols) {
    using namespace std::string_view_literals;
    for (const std::string_view symbol : {""sv, "A\0B"sv, "\0"sv, "AB\n"sv, "\x1F"sv, "A\x7F"sv, "\xC3\xA9"sv, "\x80"sv}) {
        EXPECT_EQ(InstrumentId::stock(VenueId::NASDAQ, symbol).error(), WireError::InvalidSymbol)
            << "symbol of " << symbol.size() << " bytes";
    }
}

TEST(InstrumentIdSymbol, NineOrTenAlphabetCharactersArePackedInSixBits) {
    const InstrumentId id = must(InstrumentId::symbol(VenueId::Binance, AssetType::Pair, "BCHABCUSDT"));
    EXPECT_EQ(id.assetType, 0x84);
    EXPECT_EQ(id.assetId, 0x030D48B30D7DD39EULL);
    EXPECT_EQ(id.text(), "Binance Pair BCHABCUSDT");
    const InstrumentId nine = must(InstrumentId::symbol(VenueId::Coinbase, AssetType::Pair, "1INCH-USD"));
    EXPECT_EQ(nine.assetType, 0x84);
    EXPECT_EQ(nine.assetId, 0x009360D4A57DD380ULL);
    EXPECT_EQ(nine.symbolText(), "1INCH-USD");
    EXPECT_EQ(nine.validate(), WireError::Ok);
}

TEST(InstrumentIdSymbol, RefusesLongSymbolsOutsideTheAlphabetOrOverTenCharacters) {
    for (const std::string_view symbol : {"XETHZUSD.d", "yveCRV-DAO", "ABCDEFGHIJK", "SUSHI.multichain",
                                          "ETH BTC US", "ABCDEFGH%", "ABCDEFGH\x01"}) {
        EXPECT_EQ(InstrumentId::symbol(VenueId::Kraken, AssetType::Pair, symbol).error(), WireError::InvalidSymbol)
            << symbol;
    }
}

TEST(InstrumentIdSymbol, EveryAlphabetCharacterRoundTripsInAPackedSymbol) {
    for (const char c : SYMBOL_ALPHABET) {
        std::string symbol = "ABCDEFGH";
        symbol += c;
        symbol += c;
        const auto id = InstrumentId::symbol(VenueId::Binance, AssetType::Future, symbol);
        ASSERT_TRUE(id) << symbol;
        EXPECT_EQ(id->symbolText(), symbol);
        EXPECT_EQ(must(InstrumentId::fromText(id->text())), *id);
    }
}

TEST(InstrumentIdSymbol, SameSymbolOfAnotherTypeOrVenueIsAnotherId) {
    const InstrumentId stock = must(InstrumentId::symbol(VenueId::NASDAQ, AssetType::Stock, "QQQ"));
    const InstrumentId etf = must(InstrumentId::symbol(VenueId::NASDAQ, AssetType::Etf, "QQQ"));
    const InstrumentId arca = must(InstrumentId::symbol(VenueId::NYSEArca, AssetType::Etf, "QQQ"));
    EXPECT_NE(stock, etf);
    EXPECT_NE(etf, arca);
    EXPECT_EQ(etf.text(), "NASDAQ Etf QQQ");
}

TEST(InstrumentIdSymbol, RefusesWrongVenueKindUnknownVenueAndNonSymbolTypes) {
    EXPECT_EQ(InstrumentId::stock(VenueId::Ethereum, "AAPL").error(), WireError::WrongVenueKind);
    EXPECT_EQ(InstrumentId::stock(VenueId::UniswapV3, "AAPL").error(), WireError::WrongVenueKind);
    EXPECT_EQ(InstrumentId::stock(static_cast<VenueId>(999), "AAPL").error(), WireError::UnknownVenue);
    EXPECT_EQ(InstrumentId::stock(static_cast<VenueId>(0), "AAPL").error(), WireError::UnknownVenue);
    EXPECT_EQ(InstrumentId::symbol(VenueId::NASDAQ, AssetType::Token, "AAPL").error(), WireError::UnknownAssetType);
    EXPECT_EQ(InstrumentId::symbol(VenueId::NASDAQ, AssetType::Pool, "AAPL").error(), WireError::UnknownAssetType);
    EXPECT_EQ(InstrumentId::symbol(VenueId::NASDAQ, static_cast<AssetType>(9), "AAPL").error(),
              WireError::UnknownAssetType);
    EXPECT_TRUE(InstrumentId::stock(VenueId::Alpaca, "AAPL")) << "brokers take symbols";
}

TEST(InstrumentIdSymbol, ConstructorNeverProducesAnIdItsOwnValidateRefuses) {
    // The packed-symbol bit is set by the constructor itself, never accepted from the caller.
    for (const std::uint8_t type : {std::uint8_t{0x81}, std::uint8_t{0x84}}) {
        const auto id = InstrumentId::symbol(VenueId::NASDAQ, static_cast<AssetType>(type), "AAPL");
        ASSERT_FALSE(id) << int{type};
        EXPECT_EQ(id.error(), WireError::UnknownAssetType) << int{type};
    }
}

// ---------------------------------------------------------------- addresses

TEST(EvmAddressParse, AcceptsLowerUpperAndCorrectEip55) {
    EvmAddress a{};
    EXPECT_EQ(parseEvmAddress(USDC, a), WireError::Ok);
    EXPECT_EQ(a[0], 0xA0);
    EXPECT_EQ(a[19], 0x48);
    EXPECT_EQ(parseEvmAddress(USDC_EIP55, a), WireError::Ok);
    EXPECT_EQ(parseEvmAddress("0xA0B86991C6218B36C1D19D4A2E9EB0CE3606EB48", a), WireError::Ok);
    // The EIP-55 specification's own examples.
    for (const std::string_view good : {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                                        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                                        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
                                        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"}) {
        EXPECT_EQ(parseEvmAddress(good, a), WireError::Ok) << good;
        EXPECT_EQ(formatEvmAddress(a), good);
    }
}

TEST(EvmAddressParse, RefusesBadEip55MixedCase) {
    EvmAddress a{};
    for (const std::string_view bad : {"0xa0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",  // first letter lowered
                                       "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eb48",  // last letter lowered
                                       "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
                                       "0xc02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"}) {
        EXPECT_EQ(parseEvmAddress(bad, a), WireError::InvalidAddress) << bad;
        EXPECT_EQ(InstrumentId::token(VenueId::Ethereum, bad).error(), WireError::InvalidAddress) << bad;
    }
}

TEST(EvmAddressParse, RefusesWrongLengthPrefixOrDigits) {
    EvmAddress a{};
    for (const std::string_view bad : {
             "0xc02aaa39b223fe8d0a0e5c4f2afb308d791be2259",   // the design document's WETH: 41 digits
             "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb4",     // 39 digits
             "a0b86991c6218b36c1d19d4a2e9eb0ce3606eb4800",    // no 0x
             "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb4g",    // not hex
             "0x a0b86991c6218b36c1d19d4a2e9eb0ce3606eb4",
             "",
             "0x",
             "DSLbvNQPKfRJd3PXFmUaXjQRGNJAYJXtxYvBnHVsy5Bv", // Solana base58
         }) {
        EXPECT_EQ(parseEvmAddress(bad, a), WireError::InvalidAddress) << bad;
        EXPECT_EQ(InstrumentId::token(VenueId::Ethereum, bad).error(), WireError::InvalidAddress) << bad;
        EXPECT_EQ(InstrumentId::pool(VenueId::UniswapV2, bad).error(), WireError::InvalidAddress) << bad;
    }
}

TEST(InstrumentIdToken, KeepsTheLastEightAddressBytesBigEndian) {
    const InstrumentId id = must(InstrumentId::token(VenueId::Ethereum, USDC));
    EXPECT_EQ(id.venue, 300);
    EXPECT_EQ(id.assetType, 2);
    EXPECT_EQ(id.assetId, 0x2e9eb0ce3606eb48ULL);
    EXPECT_EQ(id.text(), "Ethereum Token 0x2e9eb0ce3606eb48");
    EXPECT_EQ(must(InstrumentId::token(VenueId::Ethereum, USDC_EIP55)), id);
    EvmAddress a{};
    ASSERT_EQ(parseEvmAddress(USDC, a), WireError::Ok);
    EXPECT_EQ(addressAssetId(a), 0x2e9eb0ce3606eb48ULL);
    EXPECT_EQ(must(InstrumentId::fromAddress(VenueId::Ethereum, AssetType::Token, a)), id);
}

TEST(InstrumentIdToken, ChainPredeploysSharingLeadingBytesGetDifferentIds) {
    // Optimism WETH and OP: the design document's first-8-bytes rule would collide.
    const InstrumentId weth = must(InstrumentId::token(VenueId::Optimism, "0x4200000000000000000000000000000000000006"));
    const InstrumentId op = must(InstrumentId::token(VenueId::Optimism, "0x4200000000000000000000000000000000000042"));
    EXPECT_NE(weth, op);
    EXPECT_EQ(weth.text(), "Optimism Token 0x0000000000000006");
}

TEST(InstrumentIdToken, TokenOnChainFindsTheChainVenue) {
    EXPECT_EQ(must(InstrumentId::tokenOnChain(1, USDC)).venue, 300);
    EXPECT_EQ(must(InstrumentId::tokenOnChain(137, USDC)).venue, 301);
    EXPECT_EQ(must(InstrumentId::tokenOnChain(42161, USDC)).venue, 304);
    EXPECT_EQ(must(InstrumentId::tokenOnChain(8453, USDC)).text(), "Base Token 0x2e9eb0ce3606eb48");
}

TEST(InstrumentIdToken, ChainWithoutAVenueIsRefused) {
    for (const std::uint64_t chain : {0ULL, 4663ULL, 5ULL, 11155111ULL, 501000101ULL, ~0ULL}) {
        EXPECT_EQ(InstrumentId::tokenOnChain(chain, USDC).error(), WireError::NoVenueForChain) << chain;
    }
}

TEST(InstrumentIdToken, RefusesAVenueThatIsNotAChain) {
    EXPECT_EQ(InstrumentId::token(VenueId::NASDAQ, USDC).error(), WireError::WrongVenueKind);
    EXPECT_EQ(InstrumentId::token(VenueId::Binance, USDC).error(), WireError::WrongVenueKind);
    EXPECT_EQ(InstrumentId::token(VenueId::UniswapV2, USDC).error(), WireError::WrongVenueKind);
    EXPECT_EQ(InstrumentId::token(static_cast<VenueId>(399), USDC).error(), WireError::UnknownVenue);
    EvmAddress a{};
    EXPECT_EQ(InstrumentId::fromAddress(VenueId::Ethereum, AssetType::Stock, a).error(), WireError::UnknownAssetType);
}

TEST(InstrumentIdPool, IsBuiltFromThePoolsOwnAddressOnADex) {
    const InstrumentId id = must(InstrumentId::pool(VenueId::SushiSwap, SUSHI_USDC_WETH));
    EXPECT_EQ(id.venue, 402);
    EXPECT_EQ(id.assetType, 3);
    EXPECT_EQ(id.text(), "SushiSwap Pool 0xa045ffa2d347aca0");
    EXPECT_EQ(InstrumentId::pool(VenueId::Ethereum, SUSHI_USDC_WETH).error(), WireError::WrongVenueKind);
    EXPECT_EQ(InstrumentId::pool(VenueId::NYSE, SUSHI_USDC_WETH).error(), WireError::WrongVenueKind);
    // Same address as a token on a chain: a different id.
    EXPECT_NE(must(InstrumentId::token(VenueId::Ethereum, SUSHI_USDC_WETH)), id);
}

TEST(EvmAddressFormat, WritesEip55AndRoundTrips) {
    EvmAddress a{};
    ASSERT_EQ(parseEvmAddress("0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", a), WireError::Ok);
    EXPECT_EQ(formatEvmAddress(a), WETH);
    EvmAddress zero{};
    EXPECT_EQ(formatEvmAddress(zero), "0x0000000000000000000000000000000000000000");
}

// ---------------------------------------------------------------- text

TEST(InstrumentIdText, FromTextIsTheInverseOfText) {
    const InstrumentId ids[] = {
        must(InstrumentId::stock(VenueId::NASDAQ, "AAPL")),
        must(InstrumentId::stock(VenueId::NYSE, "BRK.A")),
        must(InstrumentId::stock(VenueId::NYSE, "A B")),
        must(InstrumentId::symbol(VenueId::Binance, AssetType::Pair, "BCHABCUSDT")),
        must(InstrumentId::symbol(VenueId::BinanceFutures, AssetType::Future, "BTCUSDT")),
        must(InstrumentId::symbol(VenueId::Kraken, AssetType::Index, "X")),
        must(InstrumentId::token(VenueId::Ethereum, USDC)),
        must(InstrumentId::token(VenueId::Polygon, "0x0000000000000000000000000000000000001010")),
        must(InstrumentId::pool(VenueId::SushiSwap, SUSHI_USDC_WETH)),
    };
    for (const InstrumentId& id : ids) {
        const auto back = InstrumentId::fromText(id.text());
        ASSERT_TRUE(back) << id.text() << ": " << errorName(back.error());
        EXPECT_EQ(*back, id) << id.text();
    }
}

TEST(InstrumentIdText, FromTextIgnoresCaseOfVenueAndType) {
    EXPECT_EQ(must(InstrumentId::fromText("nasdaq stock AAPL")), must(InstrumentId::stock(VenueId::NASDAQ, "AAPL")));
    EXPECT_EQ(must(InstrumentId::fromText("ETHEREUM TOKEN 0x2E9EB0CE3606EB48")),
              must(InstrumentId::token(VenueId::Ethereum, USDC)));
}

TEST(InstrumentIdText, FromTextRefusesWhatTextNeverWrites) {
    EXPECT_EQ(InstrumentId::fromText("").error(), WireError::UnknownVenue);
    EXPECT_EQ(InstrumentId::fromText("NASDAQ").error(), WireError::UnknownVenue);
    EXPECT_EQ(InstrumentId::fromText("NASDAQ Stock").error(), WireError::UnknownAssetType);
    EXPECT_EQ(InstrumentId::fromText("Nowhere Stock AAPL").error(), WireError::UnknownVenue);
    EXPECT_EQ(InstrumentId::fromText("NASDAQ Bond AAPL").error(), WireError::UnknownAssetType);
    EXPECT_EQ(InstrumentId::fromText("NASDAQ Stock ").error(), WireError::InvalidSymbol);
    EXPECT_EQ(InstrumentId::fromText("NASDAQ Stock TOOLONGSYMBOL").error(), WireError::InvalidSymbol);
    EXPECT_EQ(InstrumentId::fromText("Ethereum Token 0x2e9eb0ce3606eb4").error(), WireError::InvalidAddress);
    EXPECT_EQ(InstrumentId::fromText("Ethereum Token 0x2e9eb0ce3606eb4g").error(), WireError::InvalidAddress);
    EXPECT_EQ(InstrumentId::fromText("Ethereum Token 2e9eb0ce3606eb4800").error(), WireError::InvalidAddress);
    EXPECT_EQ(InstrumentId::fromText(std::string{"Ethereum Token "} + std::string{USDC}).error(),
              WireError::InvalidAddress);
    EXPECT_EQ(InstrumentId::fromText("NASDAQ Token 0x2e9eb0ce3606eb48").error(), WireError::WrongVenueKind);
    EXPECT_EQ(InstrumentId::fromText("Ethereum Pool 0x2e9eb0ce3606eb48").error(), WireError::WrongVenueKind);
    EXPECT_EQ(InstrumentId::fromText("Ethereum Stock AAPL").error(), WireError::WrongVenueKind);
}

TEST(InstrumentIdText, NonCanonicalIdsPrintAsUnknown) {
    EXPECT_EQ(raw(1, 1, 0x4141504C00000000ULL, 1).text(),
              "Unknown venue=1 asset_type=1 asset_id=0x4141504c00000000");
    EXPECT_EQ(raw(999, 2, 5).text(), "Unknown venue=999 asset_type=2 asset_id=0x0000000000000005");
    EXPECT_TRUE(raw(999, 2, 5).symbolText().empty());
}

// ---------------------------------------------------------------- validate

TEST(InstrumentIdValidate, AcceptsEveryConstructedId) {
    EXPECT_EQ(must(InstrumentId::stock(VenueId::NASDAQ, "AAPL")).validate(), WireError::Ok);
    EXPECT_EQ(must(InstrumentId::token(VenueId::Ethereum, USDC)).validate(), WireError::Ok);
    EXPECT_EQ(must(InstrumentId::pool(VenueId::UniswapV3, SUSHI_USDC_WETH)).validate(), WireError::Ok);
    EXPECT_EQ(must(InstrumentId::symbol(VenueId::Binance, AssetType::Pair, "BCHABCUSDT")).validate(), WireError::Ok);
}

TEST(InstrumentIdValidate, RefusesNonCanonicalSymbolBytes) {
    const std::uint64_t aapl = 0x4141504C00000000ULL;
    EXPECT_EQ(raw(1, 1, aapl, 1).validate(), WireError::NonCanonicalId) << "reserved set";
    EXPECT_EQ(raw(1, 1, aapl, 0x80).validate(), WireError::NonCanonicalId) << "reserved set";
    EXPECT_EQ(raw(1, 1, 0).validate(), WireError::NonCanonicalId) << "empty symbol";
    EXPECT_EQ(raw(1, 1, 0x4100420000000000ULL).validate(), WireError::NonCanonicalId) << "embedded zero";
    EXPECT_EQ(raw(1, 1, 0x0041424300000000ULL).validate(), WireError::NonCanonicalId) << "leading zero";
    EXPECT_EQ(raw(1, 1, 0x0000000000000041ULL).validate(), WireError::NonCanonicalId) << "right-aligned";
    EXPECT_EQ(raw(1, 1, 0x417F000000000000ULL).validate(), WireError::NonCanonicalId) << "DEL";
    EXPECT_EQ(raw(1, 1, 0x41C3A90000000000ULL).validate(), WireError::NonCanonicalId) << "non-ASCII";
    EXPECT_EQ(raw(1, 1, 0x4110000000000000ULL).validate(), WireError::NonCanonicalId) << "control byte";
}

TEST(InstrumentIdValidate, RefusesNonCanonicalPackedSymbols) {
    const std::uint64_t bchabcusdt = 0x030D48B30D7DD39EULL;
    EXPECT_EQ(raw(100, 0x84, bchabcusdt).validate(), WireError::Ok);
    EXPECT_EQ(raw(100, 0x84, bchabcusdt | (1ULL << 60)).validate(), WireError::NonCanonicalId) << "bit 60";
    EXPECT_EQ(raw(100, 0x84, bchabcusdt | (0xFULL << 60)).validate(), WireError::NonCanonicalId) << "high bits";
    EXPECT_EQ(raw(1, 0x81, 0x02CB696000000000ULL).validate(), WireError::NonCanonicalId)
        << "AAPL packed in 6 bits: fits in 8 bytes, so must be ASCII";
    EXPECT_EQ(raw(100, 0x84, 0x030D48B30D7DD000ULL).validate(), WireError::NonCanonicalId) << "8 packed chars";
    EXPECT_EQ(raw(100, 0x84, (bchabcusdt & ~(0x3FULL << 30)) ).validate(), WireError::NonCanonicalId)
        << "a gap inside the symbol";
    EXPECT_EQ(raw(100, 0x84, (bchabcusdt & ~0x3FULL) | 48).validate(), WireError::NonCanonicalId) << "code 48";
    EXPECT_EQ(raw(100, 0x84, (bchabcusdt & ~0x3FULL) | 63).validate(), WireError::NonCanonicalId) << "code 63";
    EXPECT_EQ(raw(100, 0x84, (bchabcusdt & ~0x3FULL) | 47).validate(), WireError::Ok) << "code 47 is '&'";
}

TEST(InstrumentIdValidate, RefusesUnknownVenuesTypesAndWrongKinds) {
    EXPECT_EQ(raw(0, 2, 1).validate(), WireError::UnknownVenue);
    EXPECT_EQ(raw(7, 1, 0x4100000000000000ULL).validate(), WireError::UnknownVenue);
    EXPECT_EQ(raw(300, 0, 1).validate(), WireError::UnknownAssetType);
    EXPECT_EQ(raw(300, 9, 1).validate(), WireError::UnknownAssetType);
    EXPECT_EQ(raw(300, 0x82, 1).validate(), WireError::UnknownAssetType) << "packed bit on a token";
    EXPECT_EQ(raw(1, 2, 1).validate(), WireError::WrongVenueKind) << "token on NASDAQ";
    EXPECT_EQ(raw(300, 3, 1).validate(), WireError::WrongVenueKind) << "pool on a chain";
    EXPECT_EQ(raw(400, 2, 1).validate(), WireError::WrongVenueKind) << "token on a DEX";
    EXPECT_EQ(raw(300, 1, 0x4100000000000000ULL).validate(), WireError::WrongVenueKind) << "stock on a chain";
    EXPECT_EQ(raw(300, 2, 0).validate(), WireError::Ok) << "any 8 address bytes are a token";
}

// ---------------------------------------------------------------- compact key

TEST(InstrumentIdCompactKey, RefusesWhenInformationWouldBeLost) {
    EXPECT_EQ(must(InstrumentId::stock(VenueId::NASDAQ, "AAPL")).compactKey().error(), WireError::ValueOutOfRange);
    EXPECT_EQ(must(InstrumentId::stock(VenueId::NASDAQ, "L")).compactKey().error(), WireError::ValueOutOfRange);
    EXPECT_EQ(must(InstrumentId::token(VenueId::Ethereum, USDC)).compactKey().error(), WireError::ValueOutOfRange);
    EXPECT_EQ(raw(300, 2, 1ULL << 40).compactKey().error(), WireError::ValueOutOfRange);
    EXPECT_EQ(raw(300, 2, 5, 1).compactKey().error(), WireError::ValueOutOfRange) << "reserved set";
}

TEST(InstrumentIdCompactKey, RoundTripsWhenItFits) {
    const InstrumentId matic = must(InstrumentId::token(VenueId::Polygon, "0x0000000000000000000000000000000000001010"));
    const auto key = matic.compactKey();
    ASSERT_TRUE(key);
    EXPECT_EQ(*key, (301ULL << 48) | (2ULL << 40) | 0x1010ULL);
    EXPECT_EQ(InstrumentId::fromCompactKey(*key), matic);
    const InstrumentId edge = raw(0xFFFF, 0xFF, (1ULL << 40) - 1);
    ASSERT_TRUE(edge.compactKey());
    EXPECT_EQ(*edge.compactKey(), ~0ULL);
    EXPECT_EQ(InstrumentId::fromCompactKey(*edge.compactKey()), edge);
}

// ---------------------------------------------------------------- hashing

TEST(InstrumentIdHash, KeysAnUnorderedMapOnAllTwelveBytes) {
    std::unordered_map<InstrumentId, int, InstrumentIdHash> map;
    const InstrumentId base = raw(300, 2, 0x1234);
    const InstrumentId variants[] = {base, raw(301, 2, 0x1234), raw(300, 3, 0x1234), raw(300, 2, 0x1234, 1),
                                     raw(300, 2, 0x1235), raw(300, 2, 0x1234ULL << 32)};
    int n = 0;
    for (const InstrumentId& id : variants) map[id] = n++;
    EXPECT_EQ(map.size(), 6u);
    n = 0;
    for (const InstrumentId& id : variants) EXPECT_EQ(map.at(id), n++);
    std::unordered_set<InstrumentId> set(std::begin(variants), std::end(variants)); // std::hash specialisation
    EXPECT_EQ(set.size(), 6u);
    EXPECT_EQ(set.count(raw(300, 2, 0x1234)), 1u);
    EXPECT_EQ(set.count(raw(302, 2, 0x1234)), 0u);
}

TEST(InstrumentIdHash, SpreadsSequentialIds) {
    std::set<std::size_t> hashes;
    for (std::uint64_t i = 0; i < 1000; ++i) hashes.insert(InstrumentIdHash{}(raw(300, 2, i)));
    for (std::uint16_t v = 0; v < 100; ++v) hashes.insert(InstrumentIdHash{}(raw(v, 1, 0x41)));
    EXPECT_EQ(hashes.size(), 1100u);
}

// ---------------------------------------------------------------- venues

TEST(Venues, NumbersSitInTheRangeOfTheirKind) {
    std::set<std::string_view> names;
    for (const VenueInfo& v : allVenues()) {
        const auto n = static_cast<unsigned>(v.id);
        switch (v.kind) {
        case VenueKind::StockExchange: EXPECT_TRUE(n >= 1 && n <= 99) << v.name; break;
        case VenueKind::CryptoExchange: EXPECT_TRUE(n >= 100 && n <= 199) << v.name; break;
        case VenueKind::Broker: EXPECT_TRUE(n >= 200 && n <= 299) << v.name; break;
        case VenueKind::Chain:
            EXPECT_TRUE(n >= 300 && n <= 399) << v.name;
            EXPECT_NE(v.chainId, 0u) << v.name;
            EXPECT_EQ(findVenueByChainId(v.chainId), &v) << v.name;
            break;
        case VenueKind::Dex: EXPECT_TRUE(n >= 400 && n <= 499) << v.name; break;
        }
        if (v.kind != VenueKind::Chain) {
            EXPECT_EQ(v.chainId, 0u) << v.name;
        }
        EXPECT_TRUE(names.insert(v.name).second) << "duplicate name " << v.name;
        EXPECT_EQ(findVenue(static_cast<std::uint16_t>(v.id)), &v);
        EXPECT_EQ(findVenueByName(v.name), &v);
        EXPECT_EQ(v.name.find(' '), std::string_view::npos) << "names are one word: " << v.name;
    }
}

TEST(Venues, LookupsByNameAreCaseInsensitiveAndMissesAreNull) {
    ASSERT_NE(findVenueByName("uniswapv3"), nullptr);
    EXPECT_EQ(findVenueByName("uniswapv3")->id, VenueId::UniswapV3);
    EXPECT_EQ(findVenueByName("NASDAQ")->id, VenueId::NASDAQ);
    EXPECT_EQ(findVenueByName("nowhere"), nullptr);
    EXPECT_EQ(findVenue(0), nullptr);
    EXPECT_EQ(findVenueByChainId(0), nullptr);
    EXPECT_EQ(findVenueByChainId(1)->id, VenueId::Ethereum);
    EXPECT_EQ(findVenueByChainId(137)->id, VenueId::Polygon);
}

TEST(AssetTypes, NamesRoundTripAndPackedTypesShareTheirName) {
    for (std::uint8_t t = 1; t <= 8; ++t) {
        const auto name = assetTypeName(t);
        ASSERT_FALSE(name.empty()) << int{t};
        EXPECT_EQ(static_cast<std::uint8_t>(*assetTypeFromName(name)), t);
    }
    EXPECT_EQ(assetTypeName(0x84), "Pair");
    EXPECT_TRUE(isSymbolAssetType(0x81));
    EXPECT_FALSE(isSymbolAssetType(2));
    EXPECT_FALSE(isSymbolAssetType(3));
    EXPECT_FALSE(isSymbolAssetType(0));
    EXPECT_FALSE(assetTypeFromName("Bond").has_value());
}
