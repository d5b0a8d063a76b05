#include "market_model.hpp"

#include <algorithm>
#include <cmath>

#include "alphapulse/wire.hpp"

namespace alphapulse::synthetic {
namespace {

constexpr double SCALE = static_cast<double>(wire::PRICE_SCALE);

std::int64_t fixedPoint(double v) { return static_cast<std::int64_t>(std::llround(v * SCALE)); }

} // namespace

MarketModel::MarketModel(std::vector<Instrument> instruments, ModelOptions options)
    : m_options(options), m_rng(options.seed) {
    double sum = 0;
    for (std::size_t k = 0; k < instruments.size(); ++k) {
        sum += 1.0 / (static_cast<double>(k) + 10.0);
        m_cumulative.push_back(sum);
        State s{instruments[k], instruments[k].price};
        requote(s);
        m_state.push_back(std::move(s));
    }
}

std::size_t MarketModel::pick() {
    const double u = m_unit(m_rng) * m_cumulative.back();
    const auto it = std::upper_bound(m_cumulative.begin(), m_cumulative.end(), u);
    return std::min<std::size_t>(static_cast<std::size_t>(it - m_cumulative.begin()), m_state.size() - 1);
}

void MarketModel::requote(State& s) {
    const double tick = s.instrument.tick;
    s.mid *= 1.0 + m_step(m_rng) * m_options.volatilityBps / 10'000.0;
    s.mid = std::max(s.mid, 2 * tick);
    const double halfSpread = tick * static_cast<double>(1 + static_cast<int>(m_unit(m_rng) * 3)) / 2.0;
    const double bid = std::max(tick, std::floor((s.mid - halfSpread) / tick) * tick);
    const double ask = std::max(bid + tick, std::ceil((s.mid + halfSpread) / tick) * tick);
    s.bid = fixedPoint(bid);
    s.ask = fixedPoint(ask);
}

std::size_t MarketModel::next(std::uint8_t* out, std::uint64_t sequence, std::uint64_t timestampNs) {
    State& s = m_state[pick()];
    const double lot = s.instrument.lot;
    // Whole shares (lots of 1 or more); fractions of a coin below that.
    const auto size = [&] {
        const double raw = lot * (0.2 + 1.8 * m_unit(m_rng));
        return static_cast<std::uint64_t>(std::llround((lot >= 1 ? std::max(1.0, std::round(raw)) : raw) * SCALE));
    };
    if (m_unit(m_rng) < m_options.tradeShare) {
        const bool buy = m_unit(m_rng) < 0.5; // the aggressor lifts the ask or hits the bid
        auto b = *wire::TradeBuilder::into(out, MAX_FRAME);
        b.source(wire::SourceType::AlpacaCollector).sequence(sequence).timestamp(timestampNs);
        b.instrument_id(s.instrument.id)
            .price(buy ? s.ask : s.bid)
            .volume(size())
            .side(static_cast<std::uint8_t>(buy ? wire::Side::Buy : wire::Side::Sell));
        return b.finish();
    }
    requote(s);
    auto b = *wire::QuoteBuilder::into(out, MAX_FRAME);
    b.source(wire::SourceType::AlpacaCollector).sequence(sequence).timestamp(timestampNs);
    b.instrument_id(s.instrument.id).bid_price(s.bid).ask_price(s.ask).bid_size(size()).ask_size(size());
    return b.finish();
}

} // namespace alphapulse::synthetic
