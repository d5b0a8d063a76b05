#include <gtest/gtest.h>

#include "out_queue.hpp"
#include "test_frames.hpp"

using alphapulse::relay::detail::OutQueue;
namespace testing_ = alphapulse::fixtures;

TEST(OutQueue, BoundsByFramesAndBytes) {
    OutQueue q(3, 1 << 20);
    const auto f = testing_::tradeFrame(1, 1);
    EXPECT_TRUE(q.fits(3, 3 * f.size()));
    EXPECT_FALSE(q.fits(4, 4 * f.size()));
    OutQueue small(100, 100);
    EXPECT_TRUE(small.fits(1, 64));
    EXPECT_FALSE(small.fits(2, 128));
}

TEST(OutQueue, CountsWholeFramesOutAcrossPartialWrites) {
    OutQueue q(100, 1 << 20);
    std::vector<std::uint8_t> batch;
    for (std::uint64_t i = 1; i <= 4; ++i) testing_::append(batch, testing_::tradeFrame(1, i));
    q.push(batch.data(), batch.size(), 4);
    EXPECT_EQ(q.frames(), 4u);
    EXPECT_EQ(q.consume(10), 0u);   // inside the first frame
    EXPECT_EQ(q.consume(54), 1u);   // finishes it
    EXPECT_EQ(q.consume(100), 1u);  // the second, and part of the third
    EXPECT_EQ(q.frames(), 2u);
    // Appending while a frame is half sent keeps the counting exact.
    const auto more = testing_::tradeFrame(1, 5);
    q.push(more.data(), more.size(), 1);
    EXPECT_EQ(q.consume(q.bytes()), 3u);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.frames(), 0u);
}

TEST(OutQueue, GrowsAndCompactsWithoutLosingBytes) {
    OutQueue q(1'000'000, 64u << 20);
    std::uint64_t next = 1;
    std::uint64_t expected = 1;
    for (int round = 0; round < 50; ++round) {
        for (int i = 0; i < 3000; ++i) {
            const auto f = testing_::tradeFrame(1, next++);
            q.push(f.data(), f.size(), 1);
        }
        // Send most of it, checking sequences of what leaves.
        std::size_t send = q.bytes() - 100;
        const std::uint8_t* p = q.head();
        for (std::size_t at = 0; at + 64 <= send; at += 64) {
            EXPECT_EQ(alphapulse::wire::loadLe<std::uint64_t>(p + at + 12), expected++);
        }
        q.consume(send - send % 64);
    }
}
