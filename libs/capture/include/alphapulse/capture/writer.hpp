#pragma once
// Writes frames into capture files (docs/PROTOCOL.md section 13).
//
// Frames are appended to an open frames block held in memory: receive times
// and offsets in their own columns, frames back to back. The block is
// written (one writev, CRCs computed then, zstd when asked) when it holds
// blockFrames frames or blockBytes bytes, when flush() is called, or when
// tick() finds it older than flushInterval, so a crash loses at most that
// interval. After every blocksPerIndex frames blocks, and before a file is
// closed, an index block lists them.
//
// Two ways to open:
//   - openFile(path): one file; an existing file is appended to after its
//     torn tail (if any) is truncated, so a journal survives a crash.
//   - openDirectory(dir): a recording; files named
//     `<domain>-<YYYYmmddTHHMMSS>-<index>.apcap`, rotated by size or time.
//     An existing recording goes on with the next file_index (its last file's
//     torn tail, if any, truncated first).
//
// Memory: every buffer is allocated at open (block columns, frame area of
// blockBytes plus one maximum frame, zstd context and output); append()
// allocates nothing. A frame larger than the frame area grows it once.
// Thread contract: one thread at a time.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "alphapulse/capture/format.hpp"

namespace alphapulse::capture {

struct WriterOptions {
    std::uint8_t domain = 0;                  ///< the file header's domain (0 mixed)
    std::uint32_t blockFrames = 4096;         ///< a frames block closes at this many frames
    std::uint32_t blockBytes = 1u << 20;      ///< ... or when its raw payload reaches this size
    std::uint32_t blocksPerIndex = BLOCKS_PER_INDEX;
    std::uint64_t flushIntervalNs = 100'000'000; ///< tick() writes a block this old (0: only when full)
    std::uint64_t rotateBytes = 0;            ///< directory mode: a new file past this size (0: never)
    std::uint64_t rotateIntervalNs = 0;       ///< directory mode: a new file after this long (0: never)
    bool zstd = false;                        ///< compress frames blocks (Error Unsupported without libzstd)
    int zstdLevel = 1;
    bool syncOnFlush = false;                 ///< fdatasync after each flush() (a journal's durability)
    std::string host;                         ///< empty: this machine's host name
};

/// What a writer did so far (all files).
struct WriterStats {
    std::uint64_t frames = 0;
    std::uint64_t frameBytes = 0;   ///< bytes of frames appended
    std::uint64_t fileBytes = 0;    ///< bytes written to files, headers and padding included
    std::uint64_t frameBlocks = 0;
    std::uint64_t indexBlocks = 0;
    std::uint64_t files = 0;        ///< files opened (1 + rotations)
    std::uint64_t truncatedBytes = 0; ///< torn tail cut off when appending
};

class Writer {
public:
    /// One file. A missing file is created; an existing capture is checked
    /// (verifyFile) and truncated at the end of its last whole block, then
    /// appended to (its header must have the same domain). Errors: Io,
    /// NotCapture / BadFileHeader for an existing file that is not a capture,
    /// Unsupported (zstd asked in a build without it).
    [[nodiscard]] static Result<std::unique_ptr<Writer>> openFile(const std::filesystem::path& path,
                                                                  WriterOptions options);
    /// A recording directory (created if missing), rotating by size or time.
    [[nodiscard]] static Result<std::unique_ptr<Writer>> openDirectory(const std::filesystem::path& dir,
                                                                       WriterOptions options);

    /// Closes (see close()); errors are lost here: call close() to see them.
    ~Writer();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    /// Appends one whole frame (32-byte header, then payload_size bytes;
    /// `size` must be exactly that) received at `receiveTimeNs`. A receive
    /// time before the previous one is recorded as the previous one, so that
    /// receive times never decrease (seeking by time relies on it). May write
    /// a block (and rotate) when the open block is full. False on an error
    /// (error() says which): BadFrame for a frame that is not whole, Io.
    bool append(const std::uint8_t* frame, std::size_t size, std::uint64_t receiveTimeNs);

    /// Writes the open block if it is older than flushInterval, and rotates
    /// when rotateInterval has passed. Call it from the receive loop.
    bool tick(std::uint64_t nowNs);

    /// Writes the open block now (fdatasync too when syncOnFlush).
    bool flush();

    /// Writes the open block and an index block for the blocks not yet
    /// indexed, then closes the file. Idempotent. In directory mode a file
    /// that got no frame is removed.
    bool close();

    [[nodiscard]] const Error& error() const noexcept;
    [[nodiscard]] const WriterStats& stats() const noexcept;
    /// The file being written.
    [[nodiscard]] const std::filesystem::path& currentPath() const noexcept;
    /// Frames appended but not yet written (in the open block).
    [[nodiscard]] std::uint32_t pendingFrames() const noexcept;

    /// True when this build can write and read zstd blocks.
    [[nodiscard]] static bool zstdAvailable() noexcept;

    class Impl;

private:
    explicit Writer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

/// CLOCK_REALTIME in nanoseconds (receive times and file start times).
[[nodiscard]] std::uint64_t realtimeNs() noexcept;

} // namespace alphapulse::capture
