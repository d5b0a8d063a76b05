#pragma once
// Reads a capture file, or a recording directory, frame by frame.
//
// open() reads the file header(s) and walks the block headers (32 bytes each,
// no payloads) to build a table of the blocks and where each file's intact
// part ends. A block whose header does not check or that the file ends
// inside is where that file was cut: the reader stops before it and reports
// it in damage(), and everything before it is read. A payload is read and
// its CRC checked when the iteration reaches it; a block that fails then
// also ends its file (damage() again) and the iteration goes on with the
// next file of the directory. Nothing past a failed check is ever returned.
//
// Every size, count and offset in a file is checked against what holds it
// before it is used, so a hostile file gives an Error, never a misread or
// an out-of-bounds access. Frames inside a block are checked for framing
// (magic, payload_size fitting its slot) but not for their checksum: a
// capture holds frames as received, and a consumer verifies them as it would
// off the wire.
//
// Thread contract: one Reader is used by one thread at a time.
// Memory: the current block's payload is held in a buffer that grows to the
// largest block met (at most 64 MiB raw); FrameRecord::frame points into it
// and stays valid until the next call to next() or a seek.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "alphapulse/capture/format.hpp"

namespace alphapulse::capture {

/// One frame as the recorder received it.
struct FrameRecord {
    std::span<const std::uint8_t> frame; ///< the whole frame, header first (valid until next()/seek)
    std::uint64_t receiveTimeNs = 0;     ///< when the recorder received it, ns since the Unix epoch
    std::uint64_t fileIndex = 0;         ///< file_index of the file it came from
    std::uint64_t frameIndex = 0;        ///< its position in that file, counting frames from 0
};

/// One file of the recording and what open() found in it.
struct FileInfo {
    std::filesystem::path path;
    FileHeader header;
    std::uint64_t fileSize = 0;
    std::uint64_t intactEnd = 0;  ///< bytes up to the end of the last whole block (= fileSize when not cut)
    std::uint64_t frameBlocks = 0;
    std::uint64_t indexBlocks = 0;
    std::uint64_t frames = 0;     ///< sum of the frames blocks' counts
};

struct ReaderOptions {
    /// Largest raw block accepted (the format allows 64 MiB).
    std::uint32_t maxRawSize = MAX_RAW_SIZE;
};

class Reader {
public:
    /// A capture file (.apcap, any name), or a directory: its *.apcap files
    /// in file_index order. Errors: Io, NotCapture, UnsupportedVersion,
    /// BadFileHeader (a file header that does not check), EmptyDirectory.
    /// A cut or corrupt tail is not an error here: see damage().
    [[nodiscard]] static Result<std::unique_ptr<Reader>> open(const std::filesystem::path& path,
                                                              ReaderOptions options = {});

    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    /// The next frame, in file order then receive order. False at the end of
    /// the recording or on an error that stops reading (error() says which;
    /// it is ok() at a clean end). A damaged block ends its file only: the
    /// iteration continues with the next file, and damage() records it.
    [[nodiscard]] bool next(FrameRecord& record);

    /// Positions the iteration at the first frame received at or after
    /// `timeNs` (receive times do not decrease within a recording). Uses the
    /// index blocks, and reads the frames blocks the indexes do not cover.
    /// False (error() set) only on an I/O error; past the end, next() returns false.
    bool seekTime(std::uint64_t timeNs);

    /// Positions the iteration at the first frame of `source` whose sequence
    /// is at least `sequence` (frames of other sources follow it as they
    /// were received). Same index-then-scan search as seekTime. At the end
    /// when no such frame exists.
    bool seekSequence(std::uint8_t source, std::uint64_t sequence);

    /// Back to the first frame.
    void rewind();

    /// The error that stopped next() or a seek; ok() otherwise.
    [[nodiscard]] const Error& error() const noexcept;
    /// Every cut or corrupt block met so far (from open() on: cut tails are
    /// found there), one Error each with its file and byte offset.
    [[nodiscard]] const std::vector<Error>& damage() const noexcept;
    /// The files of the recording, in reading order (a snapshot, valid until the next call).
    [[nodiscard]] const std::vector<FileInfo>& files() const noexcept;
    /// The first file's header (domain, start time, host).
    [[nodiscard]] const FileHeader& header() const noexcept;
    /// Frames in every intact frames block (from the block headers; a
    /// payload that later fails its CRC is counted here but never returned).
    [[nodiscard]] std::uint64_t frameCount() const noexcept;

    class Impl;

private:
    explicit Reader(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

/// Opens `path` (a file) and checks every block it holds, payload CRCs and
/// frame slots included. Returns the offset where the intact part ends (the
/// file size when it is whole) and the error at that offset, if any; a file
/// header that does not check is an Error. What a writer uses before
/// appending, and `alphapulse record` before continuing a recording.
struct VerifyResult {
    std::uint64_t intactEnd = 0;
    std::uint64_t frames = 0;
    FileHeader header;
    Error damage; ///< ok() when the file is whole
};
[[nodiscard]] Result<VerifyResult> verifyFile(const std::filesystem::path& path, ReaderOptions options = {});

} // namespace alphapulse::capture
