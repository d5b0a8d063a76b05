// A capture cut at any byte opens, and returns exactly the frames of the
// blocks that end at or before the cut: every whole block, nothing else.
// Exhaustive over a small file, then random cuts of a larger one.
#include <gtest/gtest.h>

#include <random>

#include "alphapulse/capture/reader.hpp"
#include "alphapulse/capture/writer.hpp"
#include "capture_test_support.hpp"

namespace alphapulse::capture {
namespace {

using test::Bytes;
using test::TempDir;

struct Recording {
    Bytes bytes;
    std::vector<Bytes> frames;
    /// (end offset of a frames block, frames in the file up to it)
    std::vector<std::pair<std::uint64_t, std::uint64_t>> blockEnds;
};

Recording record(const TempDir& dir, std::size_t frames, WriterOptions options) {
    Recording rec;
    const auto path = dir / "whole.apcap";
    auto w = Writer::openFile(path, options);
    EXPECT_TRUE(w);
    std::mt19937 rng(7);
    for (std::size_t i = 0; i < frames; ++i) {
        rec.frames.push_back(test::makeFrame(static_cast<std::uint8_t>(1 + rng() % 4), i, 32 + 8 * (rng() % 20)));
        EXPECT_TRUE((*w)->append(rec.frames.back().data(), rec.frames.back().size(), 1000 + i));
    }
    EXPECT_TRUE((*w)->close());
    rec.bytes = test::readAll(path);
    // Where the blocks end, from a reader of the whole file.
    auto r = Reader::open(path);
    EXPECT_TRUE(r);
    FrameRecord fr;
    std::uint64_t n = 0;
    while ((*r)->next(fr)) ++n;
    EXPECT_EQ(n, frames);
    return rec;
}

/// Frames in whole frames blocks at or before `cut`, by walking the headers
/// of the uncut file independently of the reader under test.
std::uint64_t framesBefore(const Bytes& bytes, std::uint64_t cut) {
    std::uint64_t pos = file_header::SIZE;
    std::uint64_t frames = 0;
    while (pos + block_header::SIZE <= bytes.size()) {
        const std::uint32_t stored = wire::loadLe<std::uint32_t>(bytes.data() + pos + 8);
        const std::uint64_t end = alignUp(pos + block_header::SIZE + stored);
        if (end > cut) break;
        if (bytes[pos + 4] == 1) frames += wire::loadLe<std::uint32_t>(bytes.data() + pos + 16);
        pos = end;
    }
    return frames;
}

void checkCut(const TempDir& dir, const Recording& rec, std::size_t cut) {
    const auto path = dir / "cut.apcap";
    test::writeAll(path, Bytes(rec.bytes.begin(), rec.bytes.begin() + static_cast<std::ptrdiff_t>(cut)));
    auto r = Reader::open(path);
    if (cut < file_header::SIZE) {
        ASSERT_FALSE(r) << "cut " << cut;
        EXPECT_TRUE(r.error().code == ErrorCode::Truncated || r.error().code == ErrorCode::NotCapture) << cut;
        return;
    }
    ASSERT_TRUE(r) << "cut " << cut << ": " << r.error().describe();
    const std::uint64_t expected = framesBefore(rec.bytes, cut);
    FrameRecord fr;
    std::uint64_t n = 0;
    while ((*r)->next(fr)) {
        ASSERT_LT(n, rec.frames.size());
        ASSERT_TRUE(std::equal(fr.frame.begin(), fr.frame.end(), rec.frames[n].begin(), rec.frames[n].end()))
            << "cut " << cut << " frame " << n;
        ++n;
    }
    ASSERT_TRUE((*r)->error().ok()) << (*r)->error().describe();
    ASSERT_EQ(n, expected) << "cut " << cut;
    const bool whole = cut == rec.bytes.size();
    ASSERT_EQ((*r)->damage().empty(), whole || (*r)->files()[0].intactEnd == cut) << "cut " << cut;
    if (!(*r)->damage().empty()) {
        EXPECT_EQ((*r)->damage()[0].offset, (*r)->files()[0].intactEnd);
    }
    // A seek on a cut file never fails and never finds a frame past the cut.
    ASSERT_TRUE((*r)->seekSequence(1, 0));
    // The writer appends after exactly the same whole blocks.
    auto v = verifyFile(path);
    ASSERT_TRUE(v);
    EXPECT_EQ(v.value().frames, expected);
}

TEST(CaptureCut, EveryCutOfASmallFileOpensWithEveryWholeBlock) {
    TempDir dir;
    WriterOptions o;
    o.domain = 1;
    o.blockFrames = 3;
    o.blocksPerIndex = 2;
    const Recording rec = record(dir, 14, o);
    for (std::size_t cut = 0; cut <= rec.bytes.size(); ++cut) checkCut(dir, rec, cut);
}

TEST(CaptureCut, RandomCutsOfALargerZstdOrPlainFile) {
    for (const bool zstd : {false, true}) {
        if (zstd && !Writer::zstdAvailable()) continue;
        TempDir dir;
        WriterOptions o;
        o.domain = 1;
        o.blockFrames = 50;
        o.zstd = zstd;
        const Recording rec = record(dir, 5000, o);
        std::mt19937_64 rng(zstd ? 11 : 12);
        for (int i = 0; i < 300; ++i) checkCut(dir, rec, rng() % (rec.bytes.size() + 1));
    }
}

} // namespace
} // namespace alphapulse::capture
