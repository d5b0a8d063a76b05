#include "alphapulse/samples/sample_data.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "alphapulse/wire.hpp"

namespace alphapulse::samples {
namespace {

using namespace alphapulse::wire;

std::vector<std::string> splitCsvLine(const std::string& line) {
    std::vector<std::string> out;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                field.push_back('"');
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field.push_back(c);
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.push_back(std::move(field));
            field.clear();
        } else if (c != '\r') {
            field.push_back(c);
        }
    }
    out.push_back(std::move(field));
    return out;
}

/// Rows of a CSV file with a header line, as column -> value maps.
std::vector<std::map<std::string, std::string>> readCsv(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::string line;
    if (!std::getline(in, line)) return {};
    const auto columns = splitCsvLine(line);
    std::vector<std::map<std::string, std::string>> rows;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const auto values = splitCsvLine(line);
        std::map<std::string, std::string> row;
        for (std::size_t i = 0; i < columns.size() && i < values.size(); ++i) row[columns[i]] = values[i];
        rows.push_back(std::move(row));
    }
    return rows;
}

struct VenueSource {
    VenueId venue;
    AssetType type;
    SourceType source;
};

std::optional<VenueSource> venueOf(std::string_view exchange) {
    if (exchange == "binance") return VenueSource{VenueId::Binance, AssetType::Pair, SourceType::BinanceCollector};
    if (exchange == "binance-futures") {
        return VenueSource{VenueId::BinanceFutures, AssetType::Future, SourceType::BinanceCollector};
    }
    if (exchange == "kraken") return VenueSource{VenueId::Kraken, AssetType::Pair, SourceType::KrakenCollector};
    if (exchange == "coinbase") return VenueSource{VenueId::Coinbase, AssetType::Pair, SourceType::CoinbaseCollector};
    return std::nullopt;
}

std::uint64_t parseU64(const std::string& text) {
    std::size_t used = 0;
    const auto value = std::stoull(text, &used);
    if (used != text.size()) throw std::runtime_error("not an integer: " + text);
    return value;
}

struct Timed {
    std::uint64_t ts;
    std::vector<std::uint8_t> frame;
};

class Sequencer {
public:
    std::uint64_t next(SourceType source) { return ++m_next[static_cast<std::uint8_t>(source)]; }

private:
    std::map<std::uint8_t, std::uint64_t> m_next;
};

void loadTrades(const std::filesystem::path& path, std::vector<Timed>& out, SampleFrames& result) {
    for (const auto& row : readCsv(path)) {
        const auto venue = venueOf(row.at("exchange"));
        const auto price = parseFixed8(row.at("price"));
        const auto size = parseFixed8(row.at("size"));
        const auto id = venue ? InstrumentId::symbol(venue->venue, venue->type, row.at("symbol"))
                              : Expected<InstrumentId>{WireError::UnknownVenue};
        if (!id || !price || !size || *size < 0) {
            result.skipped.push_back("trade " + row.at("exchange") + " " + row.at("symbol") + ": " +
                                     std::string(id ? "price or size not exact in 8 decimals" : errorName(id.error())));
            continue;
        }
        const std::uint64_t ts = parseU64(row.at("ts_ns"));
        std::vector<std::uint8_t> frame(TradeLayout::SIZE);
        auto builder = *TradeBuilder::into(frame.data(), frame.size());
        builder.source(venue->source).timestamp(ts);
        builder.instrument_id(*id).price(*price).volume(static_cast<std::uint64_t>(*size));
        builder.side(static_cast<std::uint8_t>(row.at("aggressor") == "sell" ? Side::Sell : Side::Buy));
        builder.finish();
        out.push_back({ts, std::move(frame)});
        ++result.trades;
    }
}

void loadQuotes(const std::filesystem::path& path, std::vector<Timed>& out, SampleFrames& result) {
    for (const auto& row : readCsv(path)) {
        const auto venue = venueOf(row.at("exchange"));
        const auto fixedOrZero = [](const std::string& text) {
            return text.empty() ? std::optional<std::int64_t>{0} : parseFixed8(text);
        };
        const auto bid = parseFixed8(row.at("bid_px"));
        const auto ask = parseFixed8(row.at("ask_px"));
        const auto bidSize = fixedOrZero(row.at("bid_sz"));
        const auto askSize = fixedOrZero(row.at("ask_sz"));
        const auto id = venue ? InstrumentId::symbol(venue->venue, venue->type, row.at("symbol"))
                              : Expected<InstrumentId>{WireError::UnknownVenue};
        if (!id || !bid || !ask || !bidSize || !askSize) {
            result.skipped.push_back("quote " + row.at("exchange") + " " + row.at("symbol") + ": " +
                                     std::string(id ? "a price or size is not exact in 8 decimals"
                                                    : errorName(id.error())));
            continue;
        }
        const std::uint64_t ts = parseU64(row.at("ts_ns"));
        std::vector<std::uint8_t> frame(QuoteLayout::SIZE);
        auto builder = *QuoteBuilder::into(frame.data(), frame.size());
        builder.source(venue->source).timestamp(ts);
        builder.instrument_id(*id).bid_price(*bid).ask_price(*ask);
        builder.bid_size(static_cast<std::uint64_t>(*bidSize)).ask_size(static_cast<std::uint64_t>(*askSize));
        builder.finish();
        out.push_back({ts, std::move(frame)});
        ++result.quotes;
    }
}

bool levelsOf(const nlohmann::json& side, std::vector<BookLevel>& out) {
    for (const auto& level : side) {
        const auto price = parseFixed8(level.at(0).get<std::string>());
        const auto size = parseFixed8(level.at(1).get<std::string>());
        if (!price || !size || *size < 0) return false;
        out.push_back(BookLevel{*price, static_cast<std::uint64_t>(*size)});
    }
    return true;
}

void loadBooks(const std::filesystem::path& path, std::vector<Timed>& out, SampleFrames& result) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    const auto books = nlohmann::json::parse(in);
    for (const auto& book : books) {
        const auto exchange = book.at("exchange").get<std::string>();
        const auto symbol = book.at("symbol").get<std::string>();
        const auto venue = venueOf(exchange);
        const auto id = venue ? InstrumentId::symbol(venue->venue, venue->type, symbol)
                              : Expected<InstrumentId>{WireError::UnknownVenue};
        std::vector<BookLevel> bids;
        std::vector<BookLevel> asks;
        if (!id || !levelsOf(book.at("bids"), bids) || !levelsOf(book.at("asks"), asks)) {
            result.skipped.push_back("book " + exchange + " " + symbol + ": " +
                                     std::string(id ? "a level is not exact in 8 decimals" : errorName(id.error())));
            continue;
        }
        const std::uint64_t ts = book.at("ts_ns").get<std::uint64_t>();
        std::vector<std::uint8_t> frame(OrderBookLayout::SIZE + (bids.size() + asks.size()) * BookLevel::SIZE);
        auto builder = *OrderBookBuilder::into(frame.data(), frame.size());
        builder.source(venue->source).timestamp(ts);
        builder.instrument_id(*id).is_snapshot(1);
        if (book.contains("last_update_id")) builder.update_id(book.at("last_update_id").get<std::uint64_t>());
        if (!finishOrderBook(builder, bids, asks)) throw std::logic_error("order book buffer sized wrongly");
        out.push_back({ts, std::move(frame)});
        ++result.books;
    }
}

void loadPools(const std::filesystem::path& path, SampleFrames& result) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    const auto pools = nlohmann::json::parse(in);
    const auto now = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    for (const auto& pool : pools) {
        const auto chainId = pool.at("chainId").get<std::uint64_t>();
        const auto pair = pool.at("pair").get<std::string>();
        EvmAddress pairAddress{};
        EvmAddress token0{};
        EvmAddress token1{};
        const auto poolId = InstrumentId::pool(VenueId::SushiSwap, pair);
        const auto id0 = InstrumentId::tokenOnChain(chainId, pool.at("token0").get<std::string>());
        const auto id1 = InstrumentId::tokenOnChain(chainId, pool.at("token1").get<std::string>());
        if (!poolId || !id0 || !id1 || parseEvmAddress(pair, pairAddress) != WireError::Ok ||
            parseEvmAddress(pool.at("token0").get<std::string>(), token0) != WireError::Ok ||
            parseEvmAddress(pool.at("token1").get<std::string>(), token1) != WireError::Ok) {
            result.skipped.push_back("pool " + pair + ": invalid address or chain without a venue");
            continue;
        }
        // The pair's ERC-20 symbol is always "SLP"; name it by its tokens.
        const std::string symbol =
            pool.at("token0Name").get<std::string>() + "/" + pool.at("token1Name").get<std::string>();
        DiscoveryInfo info;
        info.id = *poolId;
        info.decimals = 18; // Uniswap V2-style LP tokens
        info.symbol = symbol.size() <= 255 ? std::string_view{symbol} : std::string_view{};
        info.address = pairAddress;
        info.chainId = chainId;
        info.pool = DiscoveryInfo::Pool{*id0, *id1, token0, token1, 3000}; // SushiSwap V2: 0.30%
        std::vector<std::uint8_t> frame(1024);
        const auto source = chainId == 137 ? SourceType::PolygonCollector : SourceType::External;
        const auto length = buildDiscovery(frame.data(), frame.size(), info, static_cast<std::uint8_t>(source),
                                           0, now);
        if (!length) {
            result.skipped.push_back("pool " + pair + ": " + std::string(errorName(length.error())));
            continue;
        }
        frame.resize(*length);
        result.frames.push_back(std::move(frame));
        ++result.discoveries;
    }
}

} // namespace

std::optional<std::int64_t> parseFixed8(std::string_view text) {
    bool negative = false;
    if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
        negative = text[0] == '-';
        text.remove_prefix(1);
    }
    const auto dot = text.find('.');
    std::string_view whole = text.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
    if ((whole.empty() && fraction.empty() && dot == std::string_view::npos) || fraction.size() > 8) {
        return std::nullopt;
    }
    if (whole.empty() && dot == std::string_view::npos) return std::nullopt;
    constexpr auto MAX = std::numeric_limits<std::int64_t>::max();
    std::int64_t value = 0;
    for (char c : whole) {
        if (c < '0' || c > '9' || value > (MAX - (c - '0')) / 10) return std::nullopt;
        value = value * 10 + (c - '0');
    }
    for (std::size_t i = 0; i < 8; ++i) {
        const int digit = i < fraction.size() ? fraction[i] - '0' : 0;
        if (digit < 0 || digit > 9 || value > (MAX - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    return negative ? -value : value;
}

SampleFrames loadSampleFrames(const std::filesystem::path& dir) {
    if (!std::filesystem::is_directory(dir)) throw std::runtime_error("no sample directory " + dir.string());
    SampleFrames result;
    if (std::filesystem::exists(dir / "pools_sushiswap_v2.json")) loadPools(dir / "pools_sushiswap_v2.json", result);
    std::vector<Timed> market;
    if (std::filesystem::exists(dir / "trades.csv")) loadTrades(dir / "trades.csv", market, result);
    if (std::filesystem::exists(dir / "quotes.csv")) loadQuotes(dir / "quotes.csv", market, result);
    if (std::filesystem::exists(dir / "orderbooks.json")) loadBooks(dir / "orderbooks.json", market, result);
    std::stable_sort(market.begin(), market.end(), [](const Timed& a, const Timed& b) { return a.ts < b.ts; });
    for (auto& m : market) result.frames.push_back(std::move(m.frame));
    // Sequence numbers rise by one per source in the order frames go out.
    Sequencer seq;
    for (auto& frame : result.frames) {
        const auto source = static_cast<SourceType>(frame[header::SOURCE_OFFSET]);
        storeLe<std::uint64_t>(frame.data() + header::SEQUENCE_OFFSET, seq.next(source));
        sealFrame(frame.data(), frame.size());
    }
    return result;
}

} // namespace alphapulse::samples
