#include <gtest/gtest.h>

#include "out_queue.hpp"
#include "test_frames.hpp"

#include <algorithm>

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
    ASSERT_TRUE(q.push(batch.data(), batch.size(), 4));
    EXPECT_EQ(q.frames(), 4u);
    EXPECT_EQ(q.consume(10), 0u);   // inside the first frame
    EXPECT_EQ(q.consume(54), 1u);   // finishes it
    EXPECT_EQ(q.consume(100), 1u);  // the second, and part of the third
    EXPECT_EQ(q.frames(), 2u);
    // Appending while a frame is half sent keeps the counting exact.
    const auto more = testing_::tradeFrame(1, 5);
    ASSERT_TRUE(q.push(more.data(), more.size(), 1));
    EXPECT_EQ(q.consume(q.bytes()), 3u);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.frames(), 0u);
}

namespace {

/// Bytes pending() offers, as one vector (the ring may hand out two pieces).
std::vector<std::uint8_t> pendingBytes(const OutQueue& q) {
    iovec parts[2];
    std::vector<std::uint8_t> out;
    for (int i = 0, n = q.pending(parts); i < n; ++i) {
        const auto* p = static_cast<const std::uint8_t*>(parts[i].iov_base);
        out.insert(out.end(), p, p + parts[i].iov_len);
    }
    return out;
}

/// Frames in a buffer of whole frames.
std::uint64_t framesQueued(const std::vector<std::uint8_t>& bytes) {
    std::uint64_t n = 0;
    for (std::size_t at = 0; at < bytes.size(); ++n) {
        at += alphapulse::wire::header::SIZE +
              alphapulse::wire::loadLe<std::uint32_t>(bytes.data() + at + alphapulse::wire::header::PAYLOAD_SIZE_OFFSET);
    }
    return n;
}

} // namespace

TEST(OutQueue, WrapsAroundWithoutLosingOrReorderingBytes) {
    // Frames of varied sizes pushed and sent in uneven pieces, so headers and
    // frames straddle the end of the ring many times; every byte that leaves is
    // checked, and every frame counted out exactly when its last byte goes.
    OutQueue q(1'000'000, 64u << 20);
    std::uint64_t nextIn = 1;
    std::uint64_t framesOut = 0;
    int wrapped = 0; // rounds that found the queue split across the ring's end
    std::vector<std::uint8_t> expected; // bytes queued, in order
    std::size_t expectedAt = 0;
    std::uint32_t rng = 12345;
    const auto random = [&](std::uint32_t n) {
        rng = rng * 1664525u + 1013904223u;
        return (rng >> 8) % n;
    };
    for (int round = 0; round < 4000; ++round) {
        const int pushes = static_cast<int>(random(40));
        for (int i = 0; i < pushes; ++i) {
            std::vector<std::uint8_t> frame = random(3) == 0 ? testing_::orderFrame(2, nextIn) : testing_::tradeFrame(1, nextIn);
            ++nextIn;
            ASSERT_TRUE(q.push(frame.data(), frame.size(), 1));
            expected.insert(expected.end(), frame.begin(), frame.end());
        }
        iovec parts[2];
        if (q.pending(parts) == 2) ++wrapped;
        const auto bytes = pendingBytes(q);
        ASSERT_EQ(bytes.size(), expected.size() - expectedAt);
        ASSERT_TRUE(std::equal(bytes.begin(), bytes.end(), expected.begin() + static_cast<std::ptrdiff_t>(expectedAt)));
        const std::size_t send = bytes.empty() ? 0 : random(static_cast<std::uint32_t>(bytes.size()) + 1);
        framesOut += q.consume(send);
        expectedAt += send;
        // Frames wholly sent so far, counted from the reference stream.
        std::size_t boundary = 0; // end of the last frame wholly sent
        std::uint64_t whole = 0;
        while (boundary < expected.size()) {
            const std::size_t end = boundary + alphapulse::wire::header::SIZE +
                                    alphapulse::wire::loadLe<std::uint32_t>(
                                        expected.data() + boundary + alphapulse::wire::header::PAYLOAD_SIZE_OFFSET);
            if (end > expectedAt) break;
            boundary = end;
            ++whole;
        }
        ASSERT_EQ(framesOut, whole);
        ASSERT_EQ(q.frames(), framesQueued(expected) - whole);
        // Forget what is wholly sent, so the reference stays small.
        expected.erase(expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(boundary));
        expectedAt -= boundary;
        framesOut = 0;
    }
    EXPECT_GT(wrapped, 100) << "the test must exercise the wrap";
}

TEST(OutQueue, TheRelayBudgetBoundsEveryQueueTogetherWithAFairShareEach) {
    alphapulse::relay::detail::QueueBudget budget(1u << 20);
    OutQueue idle(1'000'000, 64u << 20, &budget);
    OutQueue busy(1'000'000, 64u << 20, &budget);
    const auto f = testing_::tradeFrame(1, 1);
    // A consumer that never reads stops at its share (half, with two queues)...
    std::uint64_t queued = 0;
    while (idle.push(f.data(), f.size(), 1)) ++queued;
    EXPECT_EQ(queued * f.size(), budget.share());
    EXPECT_EQ(idle.room(), 0u);
    // ...so the other still has room for a burst of its own.
    std::uint64_t burst = 0;
    while (burst < 8000 && busy.push(f.data(), f.size(), 1)) ++burst;
    EXPECT_EQ(burst, 8000u);
    EXPECT_LE(budget.used(), budget.limit());
    // A third queue shrinks the share: a drained queue above it gives the excess back.
    OutQueue third(1'000'000, 64u << 20, &budget);
    const std::uint64_t before = budget.used();
    EXPECT_EQ(busy.consume(busy.bytes()), burst);
    EXPECT_LT(budget.used(), before);
    EXPECT_TRUE(third.push(f.data(), f.size(), 1));
}

TEST(OutQueue, GrowsAndCompactsWithoutLosingBytes) {
    OutQueue q(1'000'000, 64u << 20);
    std::uint64_t next = 1;
    std::uint64_t expected = 1;
    for (int round = 0; round < 50; ++round) {
        for (int i = 0; i < 3000; ++i) {
            const auto f = testing_::tradeFrame(1, next++);
            ASSERT_TRUE(q.push(f.data(), f.size(), 1));
        }
        // Send most of it, checking sequences of what leaves.
        const std::size_t send = q.bytes() - 100;
        const auto bytes = pendingBytes(q);
        for (std::size_t at = 0; at + 64 <= send; at += 64) {
            EXPECT_EQ(alphapulse::wire::loadLe<std::uint64_t>(bytes.data() + at + 12), expected++);
        }
        q.consume(send - send % 64);
    }
}

TEST(OutQueue, ASlowReaderCostsNoMoreCopyingThanItsFrames) {
    // The pattern that stalled producers: the relay appends reads of ~1 MiB
    // while the reader takes 64 KiB now and then, so the queue stays nearly
    // full. Appending must not move what is queued (the old buffer shifted
    // the whole queue to the front each time its tail reached the end).
    OutQueue q(1'000'000, 8u << 20);
    std::vector<std::uint8_t> run;
    for (std::uint64_t i = 1; i <= 640; ++i) testing_::append(run, testing_::bookFrame(1600 - 32, i));
    std::uint64_t pushed = 0;
    for (int round = 0; round < 2000; ++round) {
        if (q.fits(640, run.size()) && q.push(run.data(), run.size(), 640)) {
            pushed += run.size();
        } else {
            // Full: take frames one by one as the reader makes room (the drop path).
            for (std::size_t at = 0; at + 1600 <= run.size() && q.fits(1, 1600); at += 1600) {
                ASSERT_TRUE(q.push(run.data() + at, 1600, 1));
                pushed += 1600;
            }
        }
        q.consume(std::min<std::size_t>(q.bytes(), 64 << 10));
    }
    EXPECT_GT(pushed, 100u << 20) << "the queue kept taking frames";
    EXPECT_LE(q.bytesMoved(), 8u << 20) << "only growth moves queued bytes, and at most once per doubling";
}
