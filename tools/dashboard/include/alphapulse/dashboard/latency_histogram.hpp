#pragma once
// A fixed-bucket latency histogram: recording is a few integer operations
// into an array, nothing allocated, so the dashboard can count every frame.
//
// Buckets are log-linear (HdrHistogram's idea at 3 bits of precision):
// values 0-7 ns exactly, then each power of two split into 8 equal buckets,
// so a reported percentile is at most 12.5 % above the true value. Values
// from 2^40 ns (about 18 minutes) up share the last bucket.
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

namespace alphapulse::dashboard {

class LatencyHistogram {
public:
    static constexpr unsigned SUB_BITS = 3;
    static constexpr unsigned SUB = 1U << SUB_BITS;
    static constexpr unsigned MAX_EXPONENT = 40;
    static constexpr std::size_t BUCKETS = (MAX_EXPONENT - SUB_BITS + 1) * SUB;

    [[nodiscard]] static constexpr std::size_t bucketOf(std::uint64_t ns) noexcept {
        if (ns < SUB) return static_cast<std::size_t>(ns);
        const unsigned exponent = static_cast<unsigned>(std::bit_width(ns)) - 1; // >= SUB_BITS
        if (exponent >= MAX_EXPONENT) return BUCKETS - 1;
        const auto sub = static_cast<std::size_t>((ns >> (exponent - SUB_BITS)) & (SUB - 1));
        return (exponent - SUB_BITS + 1) * SUB + sub;
    }
    /// The largest value that falls in `bucket` (what percentiles report).
    [[nodiscard]] static constexpr std::uint64_t upperBound(std::size_t bucket) noexcept {
        if (bucket < SUB) return bucket;
        const auto exponent = static_cast<unsigned>(bucket / SUB) + SUB_BITS - 1;
        const std::uint64_t width = std::uint64_t{1} << (exponent - SUB_BITS);
        const std::uint64_t lower = (SUB + bucket % SUB) * width;
        return lower + width - 1;
    }

    void record(std::uint64_t ns) noexcept {
        ++m_counts[bucketOf(ns)];
        ++m_count;
        if (ns > m_max) m_max = ns;
    }
    void add(const LatencyHistogram& other) noexcept {
        for (std::size_t i = 0; i < BUCKETS; ++i) m_counts[i] += other.m_counts[i];
        m_count += other.m_count;
        if (other.m_max > m_max) m_max = other.m_max;
    }
    void clear() noexcept {
        m_counts.fill(0);
        m_count = 0;
        m_max = 0;
    }

    [[nodiscard]] std::uint64_t count() const noexcept { return m_count; }
    [[nodiscard]] std::uint64_t max() const noexcept { return m_max; }
    /// The value at quantile q (0 < q <= 1): the upper bound of the bucket
    /// holding the ceil(q * count)-th smallest value, never above max().
    /// 0 when empty.
    [[nodiscard]] std::uint64_t percentile(double q) const noexcept {
        if (m_count == 0) return 0;
        auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(m_count)));
        if (rank < 1) rank = 1;
        if (rank > m_count) rank = m_count;
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < BUCKETS; ++i) {
            seen += m_counts[i];
            if (seen >= rank) return upperBound(i) < m_max ? upperBound(i) : m_max;
        }
        return m_max;
    }

private:
    std::array<std::uint32_t, BUCKETS> m_counts{};
    std::uint64_t m_count = 0;
    std::uint64_t m_max = 0;
};

} // namespace alphapulse::dashboard
