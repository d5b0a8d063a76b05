#include "universe.hpp"

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "alphapulse/wire/venue.hpp"

namespace alphapulse::synthetic {
namespace {

/// The CSV's rows as fields (these files have no quoted commas).
std::vector<std::vector<std::string>> readCsv(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path + " (--symbols names the directory holding it)");
    std::vector<std::vector<std::string>> rows;
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::vector<std::string> fields;
        std::stringstream s(line);
        for (std::string f; std::getline(s, f, ',');) fields.push_back(f);
        rows.push_back(std::move(fields));
    }
    return rows;
}

/// A number in [0, 1) from the symbol (FNV-1a): the same every run.
double unitHash(const std::string& text) {
    std::uint64_t h = 1469598103934665603ULL;
    for (const char c : text) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return static_cast<double>(h >> 11) / 9007199254740992.0;
}

double logUniform(double low, double high, double u) { return std::exp(std::log(low) + u * (std::log(high) - std::log(low))); }

/// Four significant digits of price steps, as crypto venues quote; a cent for stocks above $1.
double tickFor(double price) { return std::pow(10.0, std::floor(std::log10(price)) - 4); }

std::vector<Instrument> stocks(const std::string& dir) {
    std::vector<Instrument> out;
    for (const auto& row : readCsv(dir + "/us_stocks.csv")) {
        if (row.size() < 2) continue;
        const auto venue = row[1] == "Q" ? wire::VenueId::NASDAQ : wire::VenueId::NYSE;
        const auto id = wire::InstrumentId::stock(venue, row[0]);
        if (!id) continue;
        Instrument i{*id, row[0], logUniform(5, 500, unitHash(row[0])), 0.01, 100};
        out.push_back(i);
    }
    return out;
}

std::vector<Instrument> crypto(const std::string& dir) {
    std::vector<Instrument> out;
    for (const auto& row : readCsv(dir + "/binance_spot.csv")) {
        if (row.size() < 3) continue;
        const auto id = wire::InstrumentId::symbol(wire::VenueId::Binance, wire::AssetType::Pair, row[0]);
        if (!id) continue;
        const double u = unitHash(row[0]);
        const std::string& quote = row[2];
        const double price = quote == "BTC" ? logUniform(1e-6, 0.08, u)
                             : quote == "ETH" ? logUniform(1e-5, 0.5, u)
                                              : logUniform(0.05, 50'000, u);
        // A lot worth roughly $1,000 at a dollar quote (less in BTC/ETH terms, which is fine for a model).
        const double lot = std::max(0.001, std::round(1000.0 / std::max(price, 1e-3) * 1000.0) / 1000.0);
        out.push_back(Instrument{*id, row[0], price, tickFor(price), lot});
    }
    return out;
}

} // namespace

std::vector<Instrument> loadUniverse(const std::string& symbolsDir, Universe universe, std::size_t count) {
    std::vector<Instrument> pool;
    if (universe == Universe::Stocks) pool = stocks(symbolsDir);
    if (universe == Universe::Crypto) pool = crypto(symbolsDir);
    if (universe == Universe::Both) {
        const auto s = stocks(symbolsDir);
        const auto c = crypto(symbolsDir);
        for (std::size_t k = 0; k < std::max(s.size(), c.size()); ++k) {
            if (k < s.size()) pool.push_back(s[k]);
            if (k < c.size()) pool.push_back(c[k]);
        }
    }
    if (pool.size() < count) {
        throw std::runtime_error("--instruments " + std::to_string(count) + ": " + symbolsDir + " holds only " +
                                 std::to_string(pool.size()) + " symbols for this --universe");
    }
    pool.resize(count);
    return pool;
}

} // namespace alphapulse::synthetic
