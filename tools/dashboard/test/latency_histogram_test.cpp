#include "alphapulse/dashboard/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <vector>
#include <algorithm>

namespace alphapulse::dashboard {
namespace {

TEST(LatencyHistogram, BucketsCoverEveryValueInOrder) {
    // Each value's bucket holds it: at most its upper bound, above the previous bucket's.
    for (std::uint64_t v : {0ULL, 1ULL, 7ULL, 8ULL, 15ULL, 16ULL, 17ULL, 1000ULL, 123456789ULL, (1ULL << 39) + 5}) {
        const auto b = LatencyHistogram::bucketOf(v);
        EXPECT_LE(v, LatencyHistogram::upperBound(b)) << v;
        if (b > 0) {
            EXPECT_GT(v, LatencyHistogram::upperBound(b - 1)) << v;
        }
    }
    EXPECT_EQ(LatencyHistogram::bucketOf(1ULL << 45), LatencyHistogram::BUCKETS - 1);
    for (std::size_t b = 1; b < LatencyHistogram::BUCKETS; ++b) {
        ASSERT_LT(LatencyHistogram::upperBound(b - 1), LatencyHistogram::upperBound(b));
        ASSERT_EQ(LatencyHistogram::bucketOf(LatencyHistogram::upperBound(b)), b);
    }
}

TEST(LatencyHistogram, PercentilesWithinOneBucketOfTheTruth) {
    auto h = std::make_unique<LatencyHistogram>();
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> dist(10.0, 1.5); // ~20 us median, long tail
    std::vector<std::uint64_t> values;
    for (int i = 0; i < 100'000; ++i) values.push_back(static_cast<std::uint64_t>(dist(rng)));
    for (auto v : values) h->record(v);
    std::sort(values.begin(), values.end());
    for (double q : {0.5, 0.9, 0.99, 0.999}) {
        const auto truth = values[static_cast<std::size_t>(q * static_cast<double>(values.size())) - 1];
        const auto got = h->percentile(q);
        EXPECT_GE(got, truth) << q;                                      // the bucket's upper bound
        EXPECT_LE(static_cast<double>(got), 1.125 * static_cast<double>(truth) + 1) << q; // 3 bits of precision
    }
    EXPECT_EQ(h->percentile(1.0), values.back());
    EXPECT_EQ(h->max(), values.back());
    EXPECT_EQ(h->count(), values.size());
}

TEST(LatencyHistogram, EmptyAndMerged) {
    LatencyHistogram a, b;
    EXPECT_EQ(a.percentile(0.99), 0U);
    for (int i = 0; i < 99; ++i) a.record(1000);
    b.record(1'000'000);
    a.add(b);
    EXPECT_EQ(a.count(), 100U);
    EXPECT_LE(a.percentile(0.5), 1000U * 9 / 8);
    EXPECT_EQ(a.percentile(1.0), 1'000'000U);
    a.clear();
    EXPECT_EQ(a.count(), 0U);
}

} // namespace
} // namespace alphapulse::dashboard
