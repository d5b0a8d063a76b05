// InstrumentId against the real public data sets in /work/shared/data (see its
// README): token lists, SushiSwap pairs, US listings and exchange market lists.
// The expected counts were computed independently (Python over the same files)
// when the test was written.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "alphapulse/wire.hpp"

using namespace alphapulse::wire;

namespace {

constexpr std::uint64_t SOLANA_CHAIN_ID = 501000101;

std::string dataPath(std::string_view file) { return std::string{ALPHAPULSE_SHARED_DATA_DIR} + "/" + std::string{file}; }

nlohmann::json readJson(std::string_view file) {
    std::ifstream in{dataPath(file)};
    if (!in) throw std::runtime_error("cannot open " + dataPath(file));
    return nlohmann::json::parse(in);
}

/// Rows of a CSV without quoting (true of our files), keyed by header name.
std::vector<std::map<std::string, std::string>> readCsv(std::string_view file) {
    std::ifstream in{dataPath(file)};
    if (!in) throw std::runtime_error("cannot open " + dataPath(file));
    const auto split = [](std::string line) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::vector<std::string> cells;
        std::stringstream ss{line};
        std::string cell;
        while (std::getline(ss, cell, ',')) cells.push_back(cell);
        if (!line.empty() && line.back() == ',') cells.emplace_back();
        return cells;
    };
    std::string line;
    std::getline(in, line);
    const auto header = split(line);
    std::vector<std::map<std::string, std::string>> rows;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const auto cells = split(line);
        if (cells.size() != header.size()) throw std::runtime_error("ragged row in " + std::string{file} + ": " + line);
        std::map<std::string, std::string> row;
        for (std::size_t i = 0; i < header.size(); ++i) row[header[i]] = cells[i];
        rows.push_back(std::move(row));
    }
    return rows;
}

std::string lower(std::string s) {
    for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return s;
}

} // namespace

TEST(RealTokens, EveryEvmTokenOnAChainWithAVenueGetsAnIdThatRoundTrips) {
    const nlohmann::json tokens = readJson("tokens.json");
    ASSERT_EQ(tokens.size(), 3296u);
    std::size_t withVenue = 0;
    std::size_t solana = 0;
    std::size_t noVenue = 0;
    std::set<std::uint64_t> noVenueChains;
    // (chain, id) -> lower-case address: no two different addresses may share an id.
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> owners;
    for (const auto& token : tokens) {
        const auto chainId = token.at("chainId").get<std::uint64_t>();
        const auto address = token.at("address").get<std::string>();
        const auto id = InstrumentId::tokenOnChain(chainId, address);
        if (chainId == SOLANA_CHAIN_ID) {
            ++solana;
            EvmAddress parsed{};
            EXPECT_EQ(parseEvmAddress(address, parsed), WireError::InvalidAddress) << address;
            EXPECT_EQ(InstrumentId::token(VenueId::Ethereum, address).error(), WireError::InvalidAddress) << address;
            EXPECT_FALSE(id) << address;
            continue;
        }
        const VenueInfo* venue = findVenueByChainId(chainId);
        if (venue == nullptr) {
            ++noVenue;
            noVenueChains.insert(chainId);
            EXPECT_EQ(id.error(), WireError::NoVenueForChain) << chainId << " " << address;
            // The address itself is fine: only the chain is missing.
            EvmAddress parsed{};
            EXPECT_EQ(parseEvmAddress(address, parsed), WireError::Ok) << address;
            continue;
        }
        ++withVenue;
        ASSERT_TRUE(id) << chainId << " " << address << ": " << errorName(id.error());
        EvmAddress parsed{};
        ASSERT_EQ(parseEvmAddress(address, parsed), WireError::Ok) << address;
        EXPECT_EQ(id->venue, static_cast<std::uint16_t>(venue->id));
        EXPECT_EQ(id->assetType, static_cast<std::uint8_t>(AssetType::Token));
        EXPECT_EQ(id->assetId, addressAssetId(parsed)) << address;
        EXPECT_EQ(id->validate(), WireError::Ok);
        const auto back = InstrumentId::fromText(id->text());
        ASSERT_TRUE(back) << id->text();
        EXPECT_EQ(*back, *id) << id->text();
        EXPECT_EQ(lower(formatEvmAddress(parsed)), lower(address));
        const auto [it, inserted] = owners.emplace(std::make_pair(chainId, id->assetId), lower(address));
        if (!inserted) {
            EXPECT_EQ(it->second, lower(address)) << "collision on chain " << chainId << ": " << id->text();
        }
    }
    std::cout << "[ data     ] tokens.json: " << withVenue << " ids on chains with a venue, " << solana
              << " Solana refused (invalid_address), " << noVenue << " on " << noVenueChains.size()
              << " chains without a venue (no_venue_for_chain)\n";
    RecordProperty("tokens_with_venue", static_cast<int>(withVenue));
    RecordProperty("tokens_solana_refused", static_cast<int>(solana));
    RecordProperty("tokens_no_venue_refused", static_cast<int>(noVenue));
    EXPECT_EQ(withVenue, 2437u);
    EXPECT_EQ(solana, 185u);
    EXPECT_EQ(noVenue, 674u);
    EXPECT_EQ(noVenueChains.size(), 45u);
    EXPECT_EQ(owners.size(), withVenue) << "every (chain, address) has its own id";
}

TEST(RealTokens, FirstEightBytesWouldHaveCollidedWhereTheLastEightDoNot) {
    // The README's 4 groups: the design document's rule (first 8 bytes) fails on real chains.
    const nlohmann::json tokens = readJson("tokens.json");
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::set<std::string>> byPrefix;
    for (const auto& token : tokens) {
        const auto chainId = token.at("chainId").get<std::uint64_t>();
        if (findVenueByChainId(chainId) == nullptr && chainId != 4217) continue;
        EvmAddress parsed{};
        if (parseEvmAddress(token.at("address").get<std::string>(), parsed) != WireError::Ok) continue;
        byPrefix[{chainId, loadBe64(parsed.data())}].insert(lower(token.at("address").get<std::string>()));
    }
    std::size_t groups = 0;
    std::size_t members = 0;
    for (const auto& [key, addresses] : byPrefix) {
        if (addresses.size() > 1) {
            ++groups;
            members += addresses.size();
        }
    }
    EXPECT_EQ(groups, 4u);
    EXPECT_EQ(members, 11u);
}

TEST(RealTokens, TwoAddressesSharingTheLastEightBytesShareAnIdAndOnlyTheAddressTellsThemApart) {
    // A collision built on purpose from real USDC: same last 8 bytes, different first 12.
    const std::string usdc = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48";
    const std::string twin40 = "0x" + std::string(24, '0') + "2e9eb0ce3606eb48";
    ASSERT_EQ(twin40.size(), 42u);
    const auto a = InstrumentId::token(VenueId::Ethereum, usdc);
    const auto b = InstrumentId::token(VenueId::Ethereum, twin40);
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    EXPECT_EQ(*a, *b) << "the id alone cannot tell them apart";
    EvmAddress addressA{};
    EvmAddress addressB{};
    ASSERT_EQ(parseEvmAddress(usdc, addressA), WireError::Ok);
    ASSERT_EQ(parseEvmAddress(twin40, addressB), WireError::Ok);
    EXPECT_NE(addressA, addressB) << "the full addresses differ: a cache keeping them reports the collision";
    EXPECT_EQ(addressAssetId(addressA), addressAssetId(addressB));
}

TEST(RealPools, EverySushiSwapPairGetsItsOwnPoolIdAndItsTokensIdsOnTheChain) {
    const nlohmann::json pools = readJson("pools_sushiswap_v2.json");
    ASSERT_EQ(pools.size(), 1000u);
    std::unordered_map<InstrumentId, std::string, InstrumentIdHash> seen;
    std::map<std::uint64_t, std::size_t> perChain;
    for (const auto& pool : pools) {
        const auto chainId = pool.at("chainId").get<std::uint64_t>();
        const auto pair = pool.at("pair").get<std::string>();
        const auto id = InstrumentId::pool(VenueId::SushiSwap, pair);
        ASSERT_TRUE(id) << pair << ": " << errorName(id.error());
        EXPECT_EQ(id->venue, static_cast<std::uint16_t>(VenueId::SushiSwap));
        EXPECT_EQ(id->assetType, static_cast<std::uint8_t>(AssetType::Pool));
        const auto back = InstrumentId::fromText(id->text());
        ASSERT_TRUE(back) << id->text();
        EXPECT_EQ(*back, *id);
        const auto [it, inserted] = seen.emplace(*id, lower(pair));
        EXPECT_TRUE(inserted) << "pairs " << it->second << " and " << pair << " share " << id->text();
        const VenueInfo* chain = findVenueByChainId(chainId);
        ASSERT_NE(chain, nullptr) << chainId;
        for (const char* side : {"token0", "token1"}) {
            const auto token = InstrumentId::tokenOnChain(chainId, pool.at(side).get<std::string>());
            ASSERT_TRUE(token) << pool.at(side) << ": " << errorName(token.error());
            EXPECT_EQ(token->venue, static_cast<std::uint16_t>(chain->id));
            EXPECT_NE(*token, *id);
        }
        ++perChain[chainId];
    }
    EXPECT_EQ(seen.size(), 1000u);
    EXPECT_EQ(perChain[1], 500u);
    EXPECT_EQ(perChain[137], 500u);
}

TEST(RealStocks, EveryListedTickerRoundTripsOnItsListingExchange) {
    const auto rows = readCsv("stock_symbols.csv");
    ASSERT_EQ(rows.size(), 13112u);
    const std::map<std::string, VenueId> listing{{"Q", VenueId::NASDAQ},
                                                 {"N", VenueId::NYSE},
                                                 {"A", VenueId::NYSEAmerican},
                                                 {"P", VenueId::NYSEArca},
                                                 {"Z", VenueId::CboeBZX}};
    std::map<std::string, std::size_t> perListing;
    for (const auto& row : rows) {
        const std::string& symbol = row.at("symbol");
        const auto venue = listing.find(row.at("listing"));
        ASSERT_NE(venue, listing.end()) << row.at("listing");
        const auto id = InstrumentId::stock(venue->second, symbol);
        ASSERT_TRUE(id) << symbol << ": " << errorName(id.error());
        EXPECT_EQ(id->symbolText(), symbol);
        EXPECT_EQ(id->assetType, static_cast<std::uint8_t>(AssetType::Stock));
        const auto back = InstrumentId::fromText(id->text());
        ASSERT_TRUE(back) << id->text() << ": " << errorName(back.error());
        EXPECT_EQ(*back, *id) << id->text();
        ++perListing[row.at("listing")];
    }
    EXPECT_EQ(perListing["Q"], 5569u);
    EXPECT_EQ(perListing["N"], 2918u);
    EXPECT_EQ(perListing["P"], 2707u);
    EXPECT_EQ(perListing["Z"], 1609u);
    EXPECT_EQ(perListing["A"], 309u);
}

TEST(RealExchangeSymbols, EverySymbolRoundTripsExactlyOrIsRefused) {
    const auto rows = readCsv("exchange_symbols.csv");
    ASSERT_EQ(rows.size(), 2162u);
    const std::map<std::string, VenueId> venues{
        {"binance", VenueId::Binance}, {"kraken", VenueId::Kraken}, {"coinbase", VenueId::Coinbase}};
    std::map<std::string, std::size_t> accepted;
    std::map<std::string, std::size_t> refused;
    std::size_t packed = 0;
    for (const auto& row : rows) {
        const std::string& symbol = row.at("symbol");
        const auto venue = venues.find(row.at("exchange"));
        ASSERT_NE(venue, venues.end()) << row.at("exchange");
        const auto id = InstrumentId::symbol(venue->second, AssetType::Pair, symbol);
        if (!id) {
            EXPECT_EQ(id.error(), WireError::InvalidSymbol) << symbol;
            EXPECT_GT(symbol.size(), MAX_ASCII_SYMBOL) << symbol << " fits in 8 bytes and must be accepted";
            ++refused[row.at("exchange")];
            continue;
        }
        EXPECT_EQ(id->symbolText(), symbol);
        EXPECT_EQ(id->validate(), WireError::Ok);
        const auto back = InstrumentId::fromText(id->text());
        ASSERT_TRUE(back) << id->text() << ": " << errorName(back.error());
        EXPECT_EQ(*back, *id) << id->text();
        if ((id->assetType & PACKED_SYMBOL) != 0) ++packed;
        ++accepted[row.at("exchange")];
    }
    std::size_t acceptedTotal = 0;
    std::size_t refusedTotal = 0;
    for (const auto& [k, n] : accepted) acceptedTotal += n;
    for (const auto& [k, n] : refused) refusedTotal += n;
    std::cout << "[ data     ] exchange_symbols.csv: " << acceptedTotal << " round-trip (" << packed
              << " of them 9-10 characters in the 6-bit packing), " << refusedTotal << " refused (invalid_symbol)\n";
    RecordProperty("exchange_symbols_accepted", static_cast<int>(acceptedTotal));
    RecordProperty("exchange_symbols_refused", static_cast<int>(refusedTotal));
    EXPECT_EQ(acceptedTotal, 2112u);
    EXPECT_EQ(refusedTotal, 50u);
    EXPECT_EQ(packed, 114u);
    EXPECT_EQ(accepted["binance"], 1656u);
    EXPECT_EQ(accepted["kraken"], 294u);
    EXPECT_EQ(accepted["coinbase"], 162u);
    EXPECT_EQ(refused["binance"], 39u);
    EXPECT_EQ(refused["kraken"], 11u);
    EXPECT_EQ(refused["coinbase"], 0u);
}
