// The byte layout of PROTOCOL.md section 13: if a field moves, these fail
// (and the format version must change with it).
#include <gtest/gtest.h>

#include <cstring>

#include "alphapulse/capture/format.hpp"
#include "alphapulse/wire/crc32.hpp"
#include "alphapulse/wire/endian.hpp"
#include "block_codec.hpp"
#include "header_codec.hpp"

namespace alphapulse::capture {
namespace {

using wire::loadLe;

TEST(CaptureFormat, FileHeaderFieldsSitWhereSection13SaysBumpTheVersionIfThisFails) {
    FileHeader h;
    h.domain = 3;
    h.flags = file_header::FLAG_ZSTD;
    h.startTimeNs = 0x0102030405060708ULL;
    h.fileIndex = 42;
    h.host = "trading-box-1";
    std::uint8_t b[128];
    h.encode(b);
    EXPECT_EQ(std::memcmp(b, "APCAPTR1", 8), 0);
    EXPECT_EQ(loadLe<std::uint16_t>(b + 8), 1);
    EXPECT_EQ(b[10], 3);
    EXPECT_EQ(b[11], 1);
    EXPECT_EQ(loadLe<std::uint32_t>(b + 12), 128u);
    EXPECT_EQ(loadLe<std::uint64_t>(b + 16), 0x0102030405060708ULL);
    EXPECT_EQ(loadLe<std::uint64_t>(b + 24), 42u);
    EXPECT_EQ(std::memcmp(b + 32, "trading-box-1", 13), 0);
    for (int i = 32 + 13; i < 124; ++i) EXPECT_EQ(b[i], 0) << "byte " << i;
    EXPECT_EQ(loadLe<std::uint32_t>(b + 124), wire::crc32(b, 124));

    FileHeader back;
    ASSERT_TRUE(detail::decodeFileHeader(b, sizeof b, back).ok());
    EXPECT_EQ(back.domain, 3);
    EXPECT_EQ(back.fileIndex, 42u);
    EXPECT_EQ(back.startTimeNs, h.startTimeNs);
    EXPECT_EQ(back.host, "trading-box-1");
}

TEST(CaptureFormat, BlockHeaderFieldsSitWhereSection13Says) {
    BlockHeader h;
    h.kind = BlockKind::Frames;
    h.compression = Compression::Zstd;
    h.storedSize = 1001;
    h.rawSize = 4000;
    h.count = 7;
    h.payloadCrc = 0xA1B2C3D4;
    std::uint8_t b[32];
    h.encode(b);
    EXPECT_EQ(std::memcmp(b, "APBK", 4), 0);
    EXPECT_EQ(b[4], 1);
    EXPECT_EQ(b[5], 1);
    EXPECT_EQ(loadLe<std::uint16_t>(b + 6), 0);
    EXPECT_EQ(loadLe<std::uint32_t>(b + 8), 1001u);
    EXPECT_EQ(loadLe<std::uint32_t>(b + 12), 4000u);
    EXPECT_EQ(loadLe<std::uint32_t>(b + 16), 7u);
    EXPECT_EQ(loadLe<std::uint32_t>(b + 20), 0xA1B2C3D4u);
    EXPECT_EQ(loadLe<std::uint32_t>(b + 24), 0u);
    EXPECT_EQ(loadLe<std::uint32_t>(b + 28), wire::crc32(b, 28));
    EXPECT_EQ(h.span(), 32u + 1008u) << "the next block starts 8-byte aligned";
}

TEST(CaptureFormat, IndexEntryIs48BytesThen24PerSourceRange) {
    detail::IndexEntry e{0x1111, 0x2222, 0x3333, 0x4444, 99, 0, 0};
    const detail::SourceRange ranges[2] = {{5, 10, 20}, {9, 1, 2}};
    std::uint8_t b[48 + 48];
    ASSERT_EQ(detail::encodeIndexEntry(b, e, ranges), 96u);
    EXPECT_EQ(loadLe<std::uint64_t>(b), 0x1111u);
    EXPECT_EQ(loadLe<std::uint64_t>(b + 8), 0x2222u);
    EXPECT_EQ(loadLe<std::uint64_t>(b + 16), 0x3333u);
    EXPECT_EQ(loadLe<std::uint64_t>(b + 24), 0x4444u);
    EXPECT_EQ(loadLe<std::uint32_t>(b + 32), 99u);
    EXPECT_EQ(loadLe<std::uint16_t>(b + 36), 2u);
    EXPECT_EQ(b[48], 5);
    for (int i = 49; i < 56; ++i) EXPECT_EQ(b[i], 0);
    EXPECT_EQ(loadLe<std::uint64_t>(b + 56), 10u);
    EXPECT_EQ(loadLe<std::uint64_t>(b + 64), 20u);
    EXPECT_EQ(b[72], 9);
}

TEST(CaptureFormat, RecordingFilesAreNamedByDomainUtcStartAndIndex) {
    // 2021-04-17T16:43:30Z
    EXPECT_EQ(recordingFileName(1, 1618677810244075000ULL, 7), "market_data-20210417T164330-000007.apcap");
    EXPECT_EQ(recordingFileName(3, 0, 123456), "execution-19700101T000000-123456.apcap");
    EXPECT_EQ(recordingFileName(0, 0, 0), "mixed-19700101T000000-000000.apcap");
}

TEST(CaptureFormat, MagicIsRecognisedOnlyWhole) {
    const std::uint8_t good[] = {'A', 'P', 'C', 'A', 'P', 'T', 'R', '1', 0};
    EXPECT_TRUE(hasCaptureMagic(good, sizeof good));
    EXPECT_FALSE(hasCaptureMagic(good, 7));
    const std::uint8_t frame[] = {0xEF, 0xBE, 0xAD, 0xDE, 1, 1, 5, 0};
    EXPECT_FALSE(hasCaptureMagic(frame, sizeof frame));
}

} // namespace
} // namespace alphapulse::capture
