#pragma once
// A random-walk market over a universe of instruments, written straight
// into frames: each event picks an instrument (activity is skewed, as in a
// real market: the k-th instrument is picked in proportion to 1/(k+10)), and
// either moves its quote (the mid takes a normal step of `volatilityBps`,
// the spread is 1 to 3 ticks, sizes vary around the lot) or prints a trade
// at the bid or the ask. Prices stay on the tick grid and above one tick.
// Allocates nothing per event.
#include <cstdint>
#include <random>
#include <vector>

#include "universe.hpp"

namespace alphapulse::synthetic {

struct ModelOptions {
    double tradeShare = 0.1;     ///< fraction of events that are trades (the rest quotes)
    double volatilityBps = 2.0;  ///< standard deviation of a quote's mid step, basis points
    std::uint64_t seed = 1;
};

class MarketModel {
public:
    MarketModel(std::vector<Instrument> instruments, ModelOptions options);

    /// Writes the next event as a Quote (80 bytes) or Trade (64 bytes) frame
    /// at `out` (room for MAX_FRAME bytes), with `sequence` and `timestampNs`
    /// in its header and its checksum. Returns the frame's length.
    std::size_t next(std::uint8_t* out, std::uint64_t sequence, std::uint64_t timestampNs);

    static constexpr std::size_t MAX_FRAME = 80;

    [[nodiscard]] std::size_t size() const noexcept { return m_state.size(); }

private:
    struct State {
        Instrument instrument;
        double mid;
        std::int64_t bid = 0, ask = 0; ///< fixed point, x 1e8
    };

    std::size_t pick();
    void requote(State& s);

    std::vector<State> m_state;
    std::vector<double> m_cumulative; ///< pick() weights, running sum
    ModelOptions m_options;
    std::mt19937_64 m_rng;
    std::uniform_real_distribution<double> m_unit{0.0, 1.0};
    std::normal_distribution<double> m_step{0.0, 1.0};
};

} // namespace alphapulse::synthetic
