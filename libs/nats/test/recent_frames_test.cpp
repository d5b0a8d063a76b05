#include <gtest/gtest.h>

#include "alphapulse/nats/recent_frames.hpp"
#include "nats_test_frames.hpp"

using namespace alphapulse;

TEST(NatsRecentFrames, RemembersAndForgetsOldest) {
    nats::RecentFrames recent(1024);
    const auto a = natstest::trade(1, 1);
    const auto b = natstest::trade(1, 2);
    const auto keyA = nats::RecentFrames::keyOf({a.data(), a.size()});
    const auto keyB = nats::RecentFrames::keyOf({b.data(), b.size()});
    EXPECT_NE(keyA, keyB);
    EXPECT_TRUE(recent.insert(keyA));
    EXPECT_FALSE(recent.insert(keyA));
    EXPECT_TRUE(recent.contains(keyA));
    EXPECT_FALSE(recent.contains(keyB));
    // Another source with the same sequence is another frame.
    const auto c = natstest::trade(2, 1);
    EXPECT_FALSE(recent.contains(nats::RecentFrames::keyOf({c.data(), c.size()})));
    // At least capacity/2 newer keys are remembered; far older ones are forgotten.
    for (std::uint64_t i = 0; i < 4096; ++i) recent.insert(i * 0x9E3779B97F4A7C15ULL + 7);
    EXPECT_FALSE(recent.contains(keyA));
    for (std::uint64_t i = 4096 - 512; i < 4096; ++i) EXPECT_TRUE(recent.contains(i * 0x9E3779B97F4A7C15ULL + 7));
}
