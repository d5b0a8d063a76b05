// Hostile and damaged files: each gives a named error or a named damage
// entry at the right offset, and never a frame that was not written.
#include <gtest/gtest.h>

#include <cstring>

#include "alphapulse/capture/reader.hpp"
#include "alphapulse/capture/writer.hpp"
#include "alphapulse/wire/crc32.hpp"
#include "block_codec.hpp"
#include "capture_test_support.hpp"

#if ALPHAPULSE_TEST_ZSTD
#include <zstd.h>
#endif

namespace alphapulse::capture {
namespace {

using test::Bytes;
using test::makeFrame;
using test::TempDir;

Bytes fileHeader(std::uint16_t version = 1) {
    FileHeader h;
    h.domain = 1;
    h.version = version;
    h.startTimeNs = 1;
    Bytes b(file_header::SIZE);
    h.encode(b.data());
    return b;
}

/// The raw payload of a frames block holding `frames`, receive times 1, 2, ...
Bytes framesPayload(const std::vector<Bytes>& frames) {
    const std::size_t n = frames.size();
    Bytes raw(detail::framesPartOffset(n));
    std::uint32_t offset = 0;
    for (std::size_t i = 0; i < n; ++i) {
        wire::storeLe<std::uint64_t>(raw.data() + 8 * i, i + 1);
        wire::storeLe<std::uint32_t>(raw.data() + 8 * n + 4 * i, offset);
        Bytes padded = frames[i];
        padded.resize(alignUp(padded.size()), 0);
        offset += static_cast<std::uint32_t>(padded.size());
        raw.insert(raw.end(), padded.begin(), padded.end());
    }
    return raw;
}

/// Appends a block with correct CRCs for whatever `h` and `payload` say.
void appendBlock(Bytes& file, BlockHeader h, const Bytes& payload) {
    h.payloadCrc = wire::crc32(payload.data(), payload.size());
    Bytes header(block_header::SIZE);
    h.encode(header.data());
    file.insert(file.end(), header.begin(), header.end());
    file.insert(file.end(), payload.begin(), payload.end());
    file.resize(alignUp(file.size()), 0);
}

void appendFrames(Bytes& file, const std::vector<Bytes>& frames) {
    const Bytes raw = framesPayload(frames);
    BlockHeader h;
    h.count = static_cast<std::uint32_t>(frames.size());
    h.storedSize = h.rawSize = static_cast<std::uint32_t>(raw.size());
    appendBlock(file, h, raw);
}

std::vector<Bytes> someFrames(std::uint64_t first, std::size_t n) {
    std::vector<Bytes> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(makeFrame(1, first + i, 64 + 8 * (i % 3)));
    return out;
}

struct Opened {
    std::unique_ptr<Reader> reader;
    std::vector<Bytes> frames;
};

Opened openAndRead(const std::filesystem::path& path) {
    Opened o;
    auto r = Reader::open(path);
    EXPECT_TRUE(r) << r.error().describe();
    if (!r) return o;
    o.reader = std::move(r).value();
    FrameRecord rec;
    while (o.reader->next(rec)) o.frames.emplace_back(rec.frame.begin(), rec.frame.end());
    EXPECT_TRUE(o.reader->error().ok()) << o.reader->error().describe();
    return o;
}

class CaptureMalformed : public ::testing::Test {
protected:
    TempDir dir;
    std::filesystem::path path = dir / "m.apcap";
    std::vector<Bytes> first = someFrames(1, 3);
    std::vector<Bytes> second = someFrames(4, 2);
    std::size_t secondBlockAt = 0;

    /// Header, one good frames block, then whatever the test appends.
    Bytes goodStart() {
        Bytes file = fileHeader();
        appendFrames(file, first);
        secondBlockAt = file.size();
        return file;
    }
    void expectOnlyFirstBlock(ErrorCode damage) {
        auto o = openAndRead(path);
        ASSERT_TRUE(o.reader);
        EXPECT_EQ(o.frames, first);
        ASSERT_EQ(o.reader->damage().size(), 1u);
        EXPECT_EQ(o.reader->damage()[0].code, damage) << o.reader->damage()[0].describe();
        EXPECT_EQ(o.reader->damage()[0].offset, secondBlockAt);
        EXPECT_EQ(o.reader->damage()[0].path, path);
    }
    /// A second, uncompressed frames block of `raw` claiming `count` frames.
    void expectSecondBlockRefused(const Bytes& raw, std::uint32_t count, ErrorCode damage) {
        Bytes file = goodStart();
        BlockHeader h;
        h.count = count;
        h.storedSize = h.rawSize = static_cast<std::uint32_t>(raw.size());
        appendBlock(file, h, raw);
        test::writeAll(path, file);
        expectOnlyFirstBlock(damage);
    }
};

TEST_F(CaptureMalformed, BadMagicIsNotACapture) {
    Bytes file = goodStart();
    file[0] = 'X';
    test::writeAll(path, file);
    auto r = Reader::open(path);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::NotCapture);
}

TEST_F(CaptureMalformed, FileHeaderCrcMismatchIsRefused) {
    Bytes file = goodStart();
    file[40] ^= 1; // the host
    test::writeAll(path, file);
    auto r = Reader::open(path);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::BadFileHeader);
    EXPECT_NE(r.error().describe().find("CRC"), std::string::npos);
}

TEST_F(CaptureMalformed, ALaterVersionIsRefusedByName) {
    Bytes file = fileHeader(2);
    test::writeAll(path, file);
    auto r = Reader::open(path);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::UnsupportedVersion);
}

TEST_F(CaptureMalformed, PayloadCrcMismatchEndsTheFileAtThatBlock) {
    Bytes file = goodStart();
    appendFrames(file, second);
    file[secondBlockAt + block_header::SIZE + 40] ^= 0x10;
    test::writeAll(path, file);
    expectOnlyFirstBlock(ErrorCode::BadBlockCrc);
}

TEST_F(CaptureMalformed, BlockHeaderCrcMismatchEndsTheFileAtThatBlock) {
    Bytes file = goodStart();
    appendFrames(file, second);
    file[secondBlockAt + 16] ^= 1; // count
    test::writeAll(path, file);
    expectOnlyFirstBlock(ErrorCode::BadBlockHeader);
}

TEST_F(CaptureMalformed, UnknownBlockKindOrCompressionIsABadHeader) {
    for (const std::size_t byte : {std::size_t{4}, std::size_t{5}}) {
        Bytes file = goodStart();
        appendFrames(file, second);
        file[secondBlockAt + byte] = 7;
        wire::storeLe<std::uint32_t>(file.data() + secondBlockAt + 28, wire::crc32(file.data() + secondBlockAt, 28));
        test::writeAll(path, file);
        expectOnlyFirstBlock(ErrorCode::BadBlockHeader);
    }
}

TEST_F(CaptureMalformed, RawSizeOverTheLimitIsRefusedBeforeAnyAllocation) {
    Bytes file = goodStart();
    BlockHeader h;
    h.compression = Compression::Zstd;
    h.count = 1;
    h.storedSize = 16;
    h.rawSize = MAX_RAW_SIZE + 1;
    appendBlock(file, h, Bytes(16, 0));
    test::writeAll(path, file);
    expectOnlyFirstBlock(ErrorCode::BadSize);
}

TEST_F(CaptureMalformed, StoredSizePastTheEndOfTheFileIsATruncation) {
    Bytes file = goodStart();
    appendFrames(file, second);
    wire::storeLe<std::uint32_t>(file.data() + secondBlockAt + 8, 0xFFFFFFF0u);
    wire::storeLe<std::uint32_t>(file.data() + secondBlockAt + 12, 0xFFFFFFF0u);
    wire::storeLe<std::uint32_t>(file.data() + secondBlockAt + 28, wire::crc32(file.data() + secondBlockAt, 28));
    test::writeAll(path, file);
    ReaderOptions huge;
    huge.maxRawSize = 0xFFFFFFFFu;
    auto r = Reader::open(path, huge);
    ASSERT_TRUE(r);
    ASSERT_EQ((*r)->damage().size(), 1u);
    EXPECT_EQ((*r)->damage()[0].code, ErrorCode::Truncated);
    EXPECT_EQ((*r)->frameCount(), first.size());
}

TEST_F(CaptureMalformed, ACountTheColumnsCannotHoldIsABadSize) {
    expectSecondBlockRefused(framesPayload(second), 1'000'000, ErrorCode::BadSize);
}

TEST_F(CaptureMalformed, AFrameOffsetOutOfPlaceIsABadSize) {
    Bytes raw = framesPayload(second);
    wire::storeLe<std::uint32_t>(raw.data() + 8 * 2 + 4, 0x7FFFFFF8u); // the second frame's offset
    expectSecondBlockRefused(raw, 2, ErrorCode::BadSize);
}

TEST_F(CaptureMalformed, AFramePayloadSizeRunningPastTheBlockIsABadFrame) {
    std::vector<Bytes> frames = second;
    wire::storeLe<std::uint32_t>(frames[1].data() + 8, 0x10000000u);
    expectSecondBlockRefused(framesPayload(frames), 2, ErrorCode::BadFrame);
}

TEST_F(CaptureMalformed, AnIndexEntryPointingElsewhereIsReportedAndIgnored) {
    Bytes file = goodStart();
    appendFrames(file, second);
    for (const std::uint64_t bad : {std::uint64_t{3}, std::uint64_t{secondBlockAt + 8}, std::uint64_t{1} << 60}) {
        Bytes withIndex = file;
        Bytes entry(index_entry::SIZE);
        detail::encodeIndexEntry(entry.data(), {bad, 1, 3, 0, 3, 0, 0}, {});
        BlockHeader h;
        h.kind = BlockKind::Index;
        h.count = 1;
        h.storedSize = h.rawSize = index_entry::SIZE;
        const std::size_t indexAt = withIndex.size();
        appendBlock(withIndex, h, entry);
        test::writeAll(path, withIndex);
        auto r = Reader::open(path);
        ASSERT_TRUE(r);
        FrameRecord rec;
        ASSERT_TRUE((*r)->seekSequence(1, 5)); // falls back to reading the blocks
        ASSERT_TRUE((*r)->next(rec));
        EXPECT_EQ(Bytes(rec.frame.begin(), rec.frame.end()), second[1]);
        ASSERT_EQ((*r)->damage().size(), 1u);
        EXPECT_EQ((*r)->damage()[0].code, ErrorCode::BadIndex);
        EXPECT_EQ((*r)->damage()[0].offset, indexAt);
    }
}

TEST_F(CaptureMalformed, IndexEntriesThatDoNotFillTheirBlockAreABadSize) {
    Bytes file = goodStart();
    Bytes entry(index_entry::SIZE);
    detail::encodeIndexEntry(entry.data(), {file_header::SIZE, 1, 3, 0, 3, 0, 0}, {});
    wire::storeLe<std::uint16_t>(entry.data() + 36, 500); // 500 source ranges that are not there
    BlockHeader h;
    h.kind = BlockKind::Index;
    h.count = 1;
    h.storedSize = h.rawSize = index_entry::SIZE;
    appendBlock(file, h, entry);
    test::writeAll(path, file);
    auto r = Reader::open(path);
    ASSERT_TRUE(r);
    ASSERT_TRUE((*r)->seekTime(2));
    ASSERT_EQ((*r)->damage().size(), 1u);
    EXPECT_EQ((*r)->damage()[0].code, ErrorCode::BadSize);
    FrameRecord rec;
    ASSERT_TRUE((*r)->next(rec));
    EXPECT_EQ(Bytes(rec.frame.begin(), rec.frame.end()), first[1]);
}

TEST_F(CaptureMalformed, GarbageWhereAZstdFrameShouldBeIsRefused) {
    Bytes file = goodStart();
    BlockHeader h;
    h.compression = Compression::Zstd;
    h.count = 2;
    h.storedSize = 40;
    h.rawSize = static_cast<std::uint32_t>(framesPayload(second).size());
    appendBlock(file, h, Bytes(40, 0xAB));
    test::writeAll(path, file);
    expectOnlyFirstBlock(Writer::zstdAvailable() ? ErrorCode::BadCompression : ErrorCode::Compressed);
}

#if ALPHAPULSE_TEST_ZSTD
TEST_F(CaptureMalformed, AZstdFrameOfAnotherSizeOrWithTrailingBytesIsRefused) {
    const Bytes raw = framesPayload(second);
    Bytes z(ZSTD_compressBound(raw.size()));
    z.resize(ZSTD_compress(z.data(), z.size(), raw.data(), raw.size(), 1));
    for (int variant = 0; variant < 3; ++variant) {
        Bytes file = goodStart();
        BlockHeader h;
        h.compression = Compression::Zstd;
        h.count = 2;
        h.rawSize = static_cast<std::uint32_t>(raw.size()) + (variant == 0 ? 8 : 0);
        Bytes stored = z;
        if (variant == 1) stored.push_back(0);
        if (variant == 2) stored.resize(stored.size() - 1);
        h.storedSize = static_cast<std::uint32_t>(stored.size());
        appendBlock(file, h, stored);
        test::writeAll(path, file);
        expectOnlyFirstBlock(ErrorCode::BadCompression);
    }
    // ... and the same frame with the right size reads.
    Bytes file = goodStart();
    BlockHeader h;
    h.compression = Compression::Zstd;
    h.count = 2;
    h.rawSize = static_cast<std::uint32_t>(raw.size());
    h.storedSize = static_cast<std::uint32_t>(z.size());
    appendBlock(file, h, z);
    test::writeAll(path, file);
    auto o = openAndRead(path);
    EXPECT_EQ(o.frames.size(), 5u);
    EXPECT_TRUE(o.reader->damage().empty());
}
#endif

TEST_F(CaptureMalformed, AFileShorterThanItsHeaderIsRefusedAloneAndSkippedInADirectory) {
    Bytes file = goodStart();
    file.resize(60);
    test::writeAll(path, file);
    auto r = Reader::open(path);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::Truncated);
}

TEST_F(CaptureMalformed, VerifyFileFindsTheFirstBadPayloadWhereOpenOnlyReadsHeaders) {
    Bytes file = goodStart();
    appendFrames(file, second);
    appendFrames(file, first);
    file[secondBlockAt + block_header::SIZE + 50] ^= 1;
    test::writeAll(path, file);
    auto v = verifyFile(path);
    ASSERT_TRUE(v);
    EXPECT_EQ(v.value().intactEnd, secondBlockAt);
    EXPECT_EQ(v.value().damage.code, ErrorCode::BadBlockCrc);
    EXPECT_EQ(v.value().frames, first.size());
}

} // namespace
} // namespace alphapulse::capture
