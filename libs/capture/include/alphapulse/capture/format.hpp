#pragma once
// The capture file format of docs/PROTOCOL.md section 13, as constants and
// value types: the file header, the block header, the index entry and its
// source ranges, the file names of a recording, and the errors a reader or a
// writer reports. Every integer is little-endian.
//
//   file:   [file header, 128 B][block][block]...        every block 8-byte aligned
//   block:  [block header, 32 B][payload, stored_size B][zero padding to 8]
//   frames payload (raw): [u64 receive time x count][u32 offset x count][pad 0/4][frames, each padded to 8]
//   index payload:        [entry 48 B + 24 B x source ranges] x count
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace alphapulse::capture {

inline constexpr std::uint16_t FORMAT_VERSION = 1;

namespace file_header {
inline constexpr std::size_t SIZE = 128;
inline constexpr char MAGIC[8] = {'A', 'P', 'C', 'A', 'P', 'T', 'R', '1'};
inline constexpr std::size_t MAGIC_OFFSET = 0;
inline constexpr std::size_t VERSION_OFFSET = 8;
inline constexpr std::size_t DOMAIN_OFFSET = 10;
inline constexpr std::size_t FLAGS_OFFSET = 11;
inline constexpr std::size_t HEADER_SIZE_OFFSET = 12;
inline constexpr std::size_t START_TIME_OFFSET = 16;
inline constexpr std::size_t FILE_INDEX_OFFSET = 24;
inline constexpr std::size_t HOST_OFFSET = 32;
inline constexpr std::size_t HOST_SIZE = 64;
inline constexpr std::size_t CRC_OFFSET = 124;
inline constexpr std::uint8_t FLAG_ZSTD = 0x01;
static_assert(HOST_OFFSET + HOST_SIZE + 28 == CRC_OFFSET, "file header: host, then 28 reserved bytes, then the CRC");
static_assert(CRC_OFFSET + 4 == SIZE, "file header: the CRC is the last 4 bytes");
} // namespace file_header

namespace block_header {
inline constexpr std::size_t SIZE = 32;
inline constexpr char MAGIC[4] = {'A', 'P', 'B', 'K'};
inline constexpr std::size_t KIND_OFFSET = 4;
inline constexpr std::size_t COMPRESSION_OFFSET = 5;
inline constexpr std::size_t STORED_SIZE_OFFSET = 8;
inline constexpr std::size_t RAW_SIZE_OFFSET = 12;
inline constexpr std::size_t COUNT_OFFSET = 16;
inline constexpr std::size_t PAYLOAD_CRC_OFFSET = 20;
inline constexpr std::size_t CRC_OFFSET = 28;
static_assert(CRC_OFFSET + 4 == SIZE, "block header: the CRC is the last 4 bytes");
} // namespace block_header

namespace index_entry {
inline constexpr std::size_t SIZE = 48;
inline constexpr std::size_t SOURCE_RANGE_SIZE = 24;
} // namespace index_entry

/// Every block starts on this alignment; payloads are zero-padded up to it.
inline constexpr std::size_t ALIGNMENT = 8;
/// What a reader accepts at most for one block's raw (decompressed) payload.
inline constexpr std::uint32_t MAX_RAW_SIZE = 64u << 20;
/// Frames blocks a writer closes before it writes an index block.
inline constexpr std::uint32_t BLOCKS_PER_INDEX = 16;

[[nodiscard]] constexpr std::uint64_t alignUp(std::uint64_t n) noexcept {
    return (n + ALIGNMENT - 1) & ~static_cast<std::uint64_t>(ALIGNMENT - 1);
}

enum class BlockKind : std::uint8_t { Frames = 1, Index = 2 };
enum class Compression : std::uint8_t { None = 0, Zstd = 1 };

/// The file header's fields as values.
struct FileHeader {
    std::uint16_t version = FORMAT_VERSION;
    std::uint8_t domain = 0; ///< 1 market_data, 2 signals, 3 execution, 4 system, 0 mixed
    std::uint8_t flags = 0;  ///< file_header::FLAG_ZSTD
    std::uint32_t headerSize = file_header::SIZE;
    std::uint64_t startTimeNs = 0;
    std::uint64_t fileIndex = 0;
    std::string host; ///< at most 64 bytes

    /// Writes all 128 bytes, CRC included.
    void encode(std::uint8_t* out) const noexcept;
};

/// The block header's fields as values.
struct BlockHeader {
    BlockKind kind = BlockKind::Frames;
    Compression compression = Compression::None;
    std::uint32_t storedSize = 0;
    std::uint32_t rawSize = 0;
    std::uint32_t count = 0;
    std::uint32_t payloadCrc = 0;

    /// Writes all 32 bytes, CRC included.
    void encode(std::uint8_t* out) const noexcept;
    /// Bytes from this header to the next block: 32 + stored_size, rounded up to 8.
    [[nodiscard]] std::uint64_t span() const noexcept { return alignUp(block_header::SIZE + std::uint64_t{storedSize}); }
};

/// What went wrong, with a stable snake_case name (errorName) for tests and logs.
enum class ErrorCode : std::uint8_t {
    Ok = 0,
    Io,                ///< open, read, write, rename failed (message has strerror)
    NotCapture,        ///< the file does not begin with APCAPTR1
    UnsupportedVersion,
    BadFileHeader,     ///< header CRC or header_size wrong
    BadBlockHeader,    ///< block magic, kind, compression or header CRC wrong
    BadBlockCrc,       ///< the payload does not match payload_crc
    Truncated,         ///< the file ends inside a block
    BadSize,           ///< a size, count or offset that the block cannot hold
    BadFrame,          ///< a frame inside a block whose magic or payload_size does not fit its slot
    BadIndex,          ///< an index entry that does not point at a frames block of this file
    Compressed,        ///< a zstd block in a build without zstd
    BadCompression,    ///< zstd refused the payload, or it did not decompress to raw_size
    EmptyDirectory,    ///< a directory without .apcap files
    Unsupported,       ///< an option this build cannot honour (zstd)
};

[[nodiscard]] std::string_view errorName(ErrorCode code) noexcept;

/// An error with where it happened: the file and the byte offset of the
/// block (or header) that is at fault. message is one sentence for people.
struct Error {
    ErrorCode code = ErrorCode::Ok;
    std::filesystem::path path;
    std::uint64_t offset = 0;
    std::string message;

    [[nodiscard]] bool ok() const noexcept { return code == ErrorCode::Ok; }
    /// "<path>: <message> (<name> at byte <offset>)"
    [[nodiscard]] std::string describe() const;
};

/// A value or the Error why there is none (std::expected is C++23).
template <typename T>
class Result {
public:
    Result(T value) : m_value(std::move(value)) {} // NOLINT(google-explicit-constructor)
    Result(Error error) : m_error(std::move(error)) {} // NOLINT(google-explicit-constructor)
    [[nodiscard]] bool ok() const noexcept { return m_value.has_value(); }
    explicit operator bool() const noexcept { return ok(); }
    [[nodiscard]] T& value() & { return *m_value; }
    [[nodiscard]] T&& value() && { return std::move(*m_value); }
    [[nodiscard]] T& operator*() & { return *m_value; }
    [[nodiscard]] T* operator->() { return &*m_value; }
    [[nodiscard]] const Error& error() const noexcept { return m_error; }

private:
    std::optional<T> m_value;
    Error m_error;
};

/// `<domain>-<YYYYmmddTHHMMSS>-<file_index, 6 digits>.apcap`, the UTC start time.
[[nodiscard]] std::string recordingFileName(std::uint8_t domain, std::uint64_t startTimeNs, std::uint64_t fileIndex);
/// "market_data", "signals", "execution", "system", "mixed".
[[nodiscard]] std::string_view domainFileName(std::uint8_t domain) noexcept;
/// True when the first bytes are the file magic APCAPTR1 (what decode and cache test).
[[nodiscard]] bool hasCaptureMagic(const std::uint8_t* data, std::size_t size) noexcept;

} // namespace alphapulse::capture
