// What a writer writes, a reader returns: frames, receive times, order;
// seeking by time and by (source, sequence), with and without an index;
// rotation; appending; zstd.
#include <gtest/gtest.h>

#include "alphapulse/capture/reader.hpp"
#include "alphapulse/capture/writer.hpp"
#include "capture_test_support.hpp"

namespace alphapulse::capture {
namespace {

using test::Bytes;
using test::makeFrame;
using test::TempDir;

struct Written {
    Bytes frame;
    std::uint64_t time;
};

/// Frames of varying size from three sources, times 1000 ns apart from `t0`.
std::vector<Written> sampleFrames(std::size_t n, std::uint64_t t0 = 1'000'000) {
    std::vector<Written> out;
    for (std::size_t i = 0; i < n; ++i) {
        const auto source = static_cast<std::uint8_t>(1 + i % 3);
        const std::size_t size = 32 + (i * 37) % 300;
        out.push_back({makeFrame(source, 100 + i / 3, size), t0 + 1000 * i});
    }
    return out;
}

void writeAll(Writer& w, const std::vector<Written>& frames) {
    for (const auto& f : frames) ASSERT_TRUE(w.append(f.frame.data(), f.frame.size(), f.time)) << w.error().describe();
}

std::vector<Written> readAll(Reader& r) {
    std::vector<Written> out;
    FrameRecord rec;
    while (r.next(rec)) out.push_back({Bytes(rec.frame.begin(), rec.frame.end()), rec.receiveTimeNs});
    EXPECT_TRUE(r.error().ok()) << r.error().describe();
    return out;
}

void expectSame(const std::vector<Written>& a, const std::vector<Written>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(a[i].frame, b[i].frame) << "frame " << i;
        ASSERT_EQ(a[i].time, b[i].time) << "frame " << i;
    }
}

WriterOptions smallBlocks() {
    WriterOptions o;
    o.domain = 1;
    o.blockFrames = 10;
    o.blocksPerIndex = 4;
    o.host = "test-host";
    return o;
}

TEST(CaptureRoundTrip, EveryFrameComesBackWithItsReceiveTimeAcrossBlocksAndIndexes) {
    TempDir dir;
    const auto frames = sampleFrames(1000);
    {
        auto w = Writer::openFile(dir / "a.apcap", smallBlocks());
        ASSERT_TRUE(w) << w.error().describe();
        writeAll(**w, frames);
        ASSERT_TRUE((*w)->close());
        EXPECT_EQ((*w)->stats().frameBlocks, 100u);
        EXPECT_EQ((*w)->stats().indexBlocks, 25u);
    }
    auto r = Reader::open(dir / "a.apcap");
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ((*r)->header().domain, 1);
    EXPECT_EQ((*r)->header().host, "test-host");
    EXPECT_EQ((*r)->frameCount(), 1000u);
    EXPECT_TRUE((*r)->damage().empty());
    expectSame(readAll(**r), frames);
}

TEST(CaptureRoundTrip, BlocksCloseAtTheByteLimitToo) {
    TempDir dir;
    WriterOptions o = smallBlocks();
    o.blockFrames = 4096;
    o.blockBytes = 4096;
    const auto frames = sampleFrames(500);
    auto w = Writer::openFile(dir / "b.apcap", o);
    ASSERT_TRUE(w);
    writeAll(**w, frames);
    ASSERT_TRUE((*w)->close());
    EXPECT_GT((*w)->stats().frameBlocks, 500u * 150 / 4096);
    auto r = Reader::open(dir / "b.apcap");
    ASSERT_TRUE(r);
    expectSame(readAll(**r), frames);
}

TEST(CaptureRoundTrip, ReceiveTimesNeverDecrease) {
    TempDir dir;
    auto w = Writer::openFile(dir / "t.apcap", smallBlocks());
    ASSERT_TRUE(w);
    const auto f = makeFrame(1, 1);
    ASSERT_TRUE((*w)->append(f.data(), f.size(), 5000));
    ASSERT_TRUE((*w)->append(f.data(), f.size(), 4000)); // a clock stepped back
    ASSERT_TRUE((*w)->close());
    auto r = Reader::open(dir / "t.apcap");
    ASSERT_TRUE(r);
    const auto back = readAll(**r);
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(back[1].time, 5000u);
}

TEST(CaptureRoundTrip, AppendRefusesWhatIsNotAWholeFrame) {
    TempDir dir;
    auto w = Writer::openFile(dir / "x.apcap", smallBlocks());
    ASSERT_TRUE(w);
    auto f = makeFrame(1, 1, 64);
    EXPECT_FALSE((*w)->append(f.data(), 63, 1));
    EXPECT_EQ((*w)->error().code, ErrorCode::BadFrame);
    f[0] = 0;
    EXPECT_FALSE((*w)->append(f.data(), 64, 1));
}

class CaptureSeek : public ::testing::TestWithParam<bool> {};

// With the index (closed file) and without (a file whose writer never wrote
// an index: blocksPerIndex above the block count, never closed cleanly).
TEST_P(CaptureSeek, ByTimeAndBySourceSequenceFindTheFirstMatchingFrame) {
    const bool indexed = GetParam();
    TempDir dir;
    const auto frames = sampleFrames(600);
    WriterOptions o = smallBlocks();
    if (!indexed) o.blocksPerIndex = 1000;
    {
        auto w = Writer::openFile(dir / "s.apcap", o);
        ASSERT_TRUE(w);
        writeAll(**w, frames);
        ASSERT_TRUE((*w)->flush());
        if (indexed) ASSERT_TRUE((*w)->close());
        else std::filesystem::copy_file(dir / "s.apcap", dir / "s2.apcap");
    }
    auto r = Reader::open(dir / (indexed ? "s.apcap" : "s2.apcap"));
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)->files().front().indexBlocks, indexed ? 15u : 0u);
    FrameRecord rec;
    for (std::size_t target : {0u, 1u, 9u, 10u, 11u, 333u, 599u}) {
        ASSERT_TRUE((*r)->seekTime(frames[target].time - (target % 2 == 0 ? 0 : 1)));
        ASSERT_TRUE((*r)->next(rec)) << target;
        EXPECT_EQ(rec.frameIndex, target);
        EXPECT_EQ(Bytes(rec.frame.begin(), rec.frame.end()), frames[target].frame);
    }
    ASSERT_TRUE((*r)->seekTime(frames.back().time + 1));
    EXPECT_FALSE((*r)->next(rec));
    // Source 2 has frames 1, 4, 7, ... with sequences 100, 101, ...
    ASSERT_TRUE((*r)->seekSequence(2, 150));
    ASSERT_TRUE((*r)->next(rec));
    EXPECT_EQ(rec.frameIndex, 1u + 3 * 50);
    ASSERT_TRUE((*r)->seekSequence(3, 0));
    ASSERT_TRUE((*r)->next(rec));
    EXPECT_EQ(rec.frameIndex, 2u);
    ASSERT_TRUE((*r)->seekSequence(2, 100000));
    EXPECT_FALSE((*r)->next(rec));
    ASSERT_TRUE((*r)->seekSequence(77, 0));
    EXPECT_FALSE((*r)->next(rec));
    (*r)->rewind();
    ASSERT_TRUE((*r)->next(rec));
    EXPECT_EQ(rec.frameIndex, 0u);
    EXPECT_TRUE((*r)->damage().empty());
}

INSTANTIATE_TEST_SUITE_P(IndexedOrScanned, CaptureSeek, ::testing::Bool());

TEST(CaptureRoundTrip, DirectoryRotatesBySizeAndReadsBackInFileIndexOrder) {
    TempDir dir;
    WriterOptions o = smallBlocks();
    o.rotateBytes = 8192;
    const auto frames = sampleFrames(2000);
    {
        auto w = Writer::openDirectory(dir.path(), o);
        ASSERT_TRUE(w) << w.error().describe();
        writeAll(**w, frames);
        ASSERT_TRUE((*w)->close());
        EXPECT_GT((*w)->stats().files, 10u);
    }
    std::size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
        ++files;
        const auto name = e.path().filename().string();
        EXPECT_EQ(name.rfind("market_data-", 0), 0u) << name;
        EXPECT_EQ(name.substr(name.size() - 6), ".apcap");
        EXPECT_LE(std::filesystem::file_size(e.path()), 8192u + 10 * 400 + 4096) << name;
    }
    auto r = Reader::open(dir.path());
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ((*r)->files().size(), files);
    for (std::size_t i = 0; i < files; ++i) EXPECT_EQ((*r)->files()[i].header.fileIndex, i);
    expectSame(readAll(**r), frames);
    // A seek crosses files.
    FrameRecord rec;
    ASSERT_TRUE((*r)->seekTime(frames[1500].time));
    ASSERT_TRUE((*r)->next(rec));
    EXPECT_EQ(Bytes(rec.frame.begin(), rec.frame.end()), frames[1500].frame);
}

TEST(CaptureRoundTrip, DirectoryRotatesByTimeOnTick) {
    TempDir dir;
    WriterOptions o = smallBlocks();
    o.rotateIntervalNs = 1'000'000'000;
    auto w = Writer::openDirectory(dir.path(), o);
    ASSERT_TRUE(w);
    const auto f = makeFrame(1, 1);
    const std::uint64_t start = realtimeNs();
    ASSERT_TRUE((*w)->append(f.data(), f.size(), start));
    ASSERT_TRUE((*w)->tick(start + 10));
    EXPECT_EQ((*w)->stats().files, 1u);
    ASSERT_TRUE((*w)->tick(start + 2'000'000'000));
    EXPECT_EQ((*w)->stats().files, 2u);
    ASSERT_TRUE((*w)->tick(start + 4'000'000'000)); // nothing written since: no empty file
    EXPECT_EQ((*w)->stats().files, 2u);
    ASSERT_TRUE((*w)->close());
    auto r = Reader::open(dir.path());
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)->frameCount(), 1u);
}

TEST(CaptureRoundTrip, TickWritesABlockOlderThanTheFlushInterval) {
    TempDir dir;
    WriterOptions o = smallBlocks();
    o.flushIntervalNs = 1000;
    auto w = Writer::openFile(dir / "f.apcap", o);
    ASSERT_TRUE(w);
    const auto f = makeFrame(1, 1);
    ASSERT_TRUE((*w)->append(f.data(), f.size(), 5000));
    ASSERT_TRUE((*w)->tick(5999));
    EXPECT_EQ((*w)->pendingFrames(), 1u);
    ASSERT_TRUE((*w)->tick(6000));
    EXPECT_EQ((*w)->pendingFrames(), 0u);
    // Readable while the writer is still open.
    auto r = Reader::open(dir / "f.apcap");
    ASSERT_TRUE(r);
    EXPECT_EQ(readAll(**r).size(), 1u);
}

TEST(CaptureRoundTrip, AppendingCutsATornTailAndContinues) {
    TempDir dir;
    const auto frames = sampleFrames(100);
    {
        auto w = Writer::openFile(dir / "j.apcap", smallBlocks());
        ASSERT_TRUE(w);
        writeAll(**w, std::vector<Written>(frames.begin(), frames.begin() + 50));
        ASSERT_TRUE((*w)->close());
    }
    // A crash in the middle of the next block.
    auto bytes = test::readAll(dir / "j.apcap");
    const std::size_t whole = bytes.size();
    bytes.resize(whole + 100, 0x5A);
    test::writeAll(dir / "j.apcap", bytes);
    {
        auto w = Writer::openFile(dir / "j.apcap", smallBlocks());
        ASSERT_TRUE(w) << w.error().describe();
        EXPECT_EQ((*w)->stats().truncatedBytes, 100u);
        writeAll(**w, std::vector<Written>(frames.begin() + 50, frames.end()));
        ASSERT_TRUE((*w)->close());
    }
    auto r = Reader::open(dir / "j.apcap");
    ASSERT_TRUE(r);
    EXPECT_TRUE((*r)->damage().empty());
    expectSame(readAll(**r), frames);
    FrameRecord rec;
    ASSERT_TRUE((*r)->seekTime(frames[75].time));
    ASSERT_TRUE((*r)->next(rec));
    EXPECT_EQ(rec.frameIndex, 75u);
}

TEST(CaptureRoundTrip, AppendingRefusesAnotherDomainOrAFileThatIsNoCapture) {
    TempDir dir;
    {
        auto w = Writer::openFile(dir / "d.apcap", smallBlocks());
        ASSERT_TRUE(w);
    }
    WriterOptions other = smallBlocks();
    other.domain = 3;
    auto w = Writer::openFile(dir / "d.apcap", other);
    ASSERT_FALSE(w);
    EXPECT_EQ(w.error().code, ErrorCode::BadFileHeader);
    test::writeAll(dir / "n.apcap", Bytes(200, 'x'));
    auto n = Writer::openFile(dir / "n.apcap", smallBlocks());
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error().code, ErrorCode::NotCapture);
}

TEST(CaptureRoundTrip, ADirectoryRecordingGoesOnWithTheNextFileIndex) {
    TempDir dir;
    const auto frames = sampleFrames(40);
    for (int run = 0; run < 2; ++run) {
        auto w = Writer::openDirectory(dir.path(), smallBlocks());
        ASSERT_TRUE(w);
        writeAll(**w, std::vector<Written>(frames.begin() + 20 * run, frames.begin() + 20 * (run + 1)));
    }
    auto r = Reader::open(dir.path());
    ASSERT_TRUE(r);
    ASSERT_EQ((*r)->files().size(), 2u);
    EXPECT_EQ((*r)->files()[1].header.fileIndex, 1u);
    expectSame(readAll(**r), frames);
}

TEST(CaptureRoundTrip, ZstdBlocksReadBackTheSameAndAreSmaller) {
    if (!Writer::zstdAvailable()) {
        TempDir dir;
        WriterOptions o = smallBlocks();
        o.zstd = true;
        auto w = Writer::openFile(dir / "z.apcap", o);
        ASSERT_FALSE(w);
        EXPECT_EQ(w.error().code, ErrorCode::Unsupported);
        return;
    }
    TempDir dir;
    const auto frames = sampleFrames(3000);
    WriterOptions o = smallBlocks();
    o.blockFrames = 500;
    o.zstd = true;
    std::uint64_t zstdBytes = 0;
    {
        auto w = Writer::openFile(dir / "z.apcap", o);
        ASSERT_TRUE(w);
        writeAll(**w, frames);
        ASSERT_TRUE((*w)->close());
        zstdBytes = (*w)->stats().fileBytes;
        EXPECT_LT(zstdBytes, (*w)->stats().frameBytes);
    }
    auto r = Reader::open(dir / "z.apcap");
    ASSERT_TRUE(r);
    EXPECT_TRUE((*r)->header().flags & file_header::FLAG_ZSTD);
    expectSame(readAll(**r), frames);
}

TEST(CaptureRoundTrip, ARecordingStoppedBeforeItsFirstFrameLeavesNoFile) {
    TempDir dir;
    {
        auto w = Writer::openDirectory(dir.path(), smallBlocks());
        ASSERT_TRUE(w);
        ASSERT_TRUE((*w)->close());
    }
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(CaptureRoundTrip, OpenRefusesAnEmptyDirectoryAndAMissingFile) {
    TempDir dir;
    auto r = Reader::open(dir.path());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::EmptyDirectory);
    auto m = Reader::open(dir / "missing.apcap");
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, ErrorCode::Io);
}

} // namespace
} // namespace alphapulse::capture
