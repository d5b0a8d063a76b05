#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "alphapulse/transport/frame_reader.hpp"
#include "test_frames.hpp"

using namespace alphapulse;
using transport::FrameReader;

namespace {

void feed(FrameReader& reader, const std::uint8_t* data, std::size_t len) {
    auto space = reader.writable();
    ASSERT_GE(space.size(), len);
    std::memcpy(space.data(), data, len);
    reader.commit(len);
}

} // namespace

TEST(FrameReader, CutsBackToBackFramesWhateverTheChunking) {
    std::vector<std::uint8_t> stream;
    for (std::uint64_t i = 1; i <= 50; ++i) fixtures::append(stream, fixtures::tradeFrame(1, i));
    for (std::size_t chunk : {1u, 7u, 31u, 64u, 65u, 1000u}) {
        FrameReader reader(4096, wire::header::DEFAULT_MAX_PAYLOAD);
        std::uint64_t expected = 1;
        for (std::size_t at = 0; at < stream.size(); at += chunk) {
            feed(reader, stream.data() + at, std::min(chunk, stream.size() - at));
            for (auto frame = reader.next(); frame; frame = reader.next()) {
                EXPECT_EQ(frame->sequence(), expected++);
            }
        }
        EXPECT_EQ(expected, 51u) << "chunk " << chunk;
        EXPECT_EQ(reader.pending(), 0u);
    }
}

TEST(FrameReader, ReportsBadMagicAndHugePayload) {
    auto frame = fixtures::tradeFrame(1, 1);
    frame[0] ^= 0xFF;
    FrameReader reader(4096, wire::header::DEFAULT_MAX_PAYLOAD);
    feed(reader, frame.data(), frame.size());
    EXPECT_EQ(reader.next().error(), wire::WireError::BadMagic);

    auto huge = fixtures::tradeFrame(1, 1);
    wire::storeLe<std::uint32_t>(huge.data() + wire::header::PAYLOAD_SIZE_OFFSET, 0xFFFFFFF0u);
    FrameReader reader2(4096, wire::header::DEFAULT_MAX_PAYLOAD);
    feed(reader2, huge.data(), huge.size());
    EXPECT_EQ(reader2.next().error(), wire::WireError::PayloadTooLarge);
}

TEST(FrameReader, HoldsAPartialFrameUntilTheRestArrives) {
    const auto frame = fixtures::tradeFrame(3, 9);
    FrameReader reader(4096, wire::header::DEFAULT_MAX_PAYLOAD);
    feed(reader, frame.data(), 40);
    EXPECT_EQ(reader.next().error(), wire::WireError::Truncated);
    EXPECT_EQ(reader.pending(), 40u);
    feed(reader, frame.data() + 40, frame.size() - 40);
    const auto view = reader.next();
    ASSERT_TRUE(view);
    EXPECT_EQ(view->sequence(), 9u);
}

TEST(FrameReader, BufferAlwaysHoldsOneMaximalFrame) {
    FrameReader reader(16, 1000); // asked for less than a frame
    EXPECT_GE(reader.writable().size(), 1032u);
}
