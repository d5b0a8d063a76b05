// Reader: a table of block headers built at open, payloads read and checked
// one block at a time as the iteration or a seek reaches them.
#include "alphapulse/capture/reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "alphapulse/wire/crc32.hpp"
#include "alphapulse/wire/endian.hpp"
#include "block_codec.hpp"
#include "compression.hpp"
#include "file_io.hpp"
#include "header_codec.hpp"

namespace alphapulse::capture {

namespace fs = std::filesystem;
using detail::FramesBlockView;
using detail::IndexEntry;
using detail::SourceRange;

// Named, not anonymous: Reader::Impl holds these (and a unity build
// includes this file, where an anonymous type in a member is an error).
namespace reader_detail {

struct BlockRef {
    std::uint64_t offset = 0;
    BlockHeader header;
    std::uint64_t firstFrame = 0; ///< frames blocks: index of the first frame in the file
    bool indexed = false;         ///< an index entry gave the fields below
    std::uint64_t lastTimeNs = 0;
    std::uint32_t rangeBegin = 0;
    std::uint16_t rangeCount = 0;
};

struct FileState {
    FileInfo info;
    int fd = -1;
    std::vector<BlockRef> blocks; ///< every intact block, frames and index, in file order
    std::vector<SourceRange> ranges;
    bool indexesLoaded = false;

    FileState() = default;
    FileState(FileState&& other) noexcept
        : info(std::move(other.info)), fd(std::exchange(other.fd, -1)), blocks(std::move(other.blocks)),
          ranges(std::move(other.ranges)), indexesLoaded(other.indexesLoaded) {}
    FileState& operator=(FileState&& other) noexcept {
        std::swap(info, other.info);
        std::swap(fd, other.fd);
        std::swap(blocks, other.blocks);
        std::swap(ranges, other.ranges);
        std::swap(indexesLoaded, other.indexesLoaded);
        return *this;
    }
    ~FileState() {
        if (fd >= 0) ::close(fd);
    }
};

struct Cursor {
    std::size_t file = 0;
    std::size_t block = 0;
    std::uint32_t frame = 0;
};

std::uint8_t frameSource(std::span<const std::uint8_t> frame) { return frame[6]; }
std::uint64_t frameSequence(std::span<const std::uint8_t> frame) { return wire::loadLe<std::uint64_t>(frame.data() + 12); }

} // namespace reader_detail
using namespace reader_detail;

class Reader::Impl {
public:
    explicit Impl(ReaderOptions options) : m_options(options) {}

    Error openFile(const fs::path& path, bool inDirectory);
    void sortFiles() {
        std::stable_sort(m_files.begin(), m_files.end(), [](const FileState& a, const FileState& b) {
            return a.info.header.fileIndex < b.info.header.fileIndex;
        });
    }
    [[nodiscard]] bool empty() const { return m_files.empty(); }

    bool next(FrameRecord& record);
    bool seekTime(std::uint64_t timeNs);
    bool seekSequence(std::uint8_t source, std::uint64_t sequence);
    void rewind() {
        m_cursor = {};
        m_error = {};
    }
    /// Loads every block of every file (payload CRCs, frame slots, index entries).
    void verifyAll();

    const Error& error() const { return m_error; }
    const std::vector<Error>& damage() const { return m_damage; }
    std::vector<FileInfo>& infos() {
        m_infos.clear();
        for (const auto& f : m_files) m_infos.push_back(f.info);
        return m_infos;
    }
    const FileHeader& header() const { return m_files.front().info.header; }
    std::uint64_t frameCount() const {
        std::uint64_t n = 0;
        for (const auto& f : m_files) n += f.info.frames;
        return n;
    }
    const FileState& file(std::size_t i) const { return m_files[i]; }

private:
    void walkBlocks(FileState& f);
    /// Makes (file, block) the loaded frames block; false when it is damaged
    /// (the file is cut there, damage() says why) or on an I/O error (error()).
    bool ensureLoaded(std::size_t file, std::size_t block);
    /// Reads and checks a payload into m_raw; an Error with no path/offset yet.
    Error readPayload(const FileState& f, const BlockRef& b);
    void cutFile(FileState& f, std::size_t block, Error why);
    void loadIndexes(FileState& f);
    void recount(FileState& f);
    template <typename Match>
    bool seek(Match&& match);

    ReaderOptions m_options;
    std::vector<FileState> m_files;
    std::vector<FileInfo> m_infos;
    std::vector<Error> m_damage;
    Error m_error;
    Cursor m_cursor;
    std::vector<std::uint8_t> m_stored;
    std::vector<std::uint8_t> m_raw;
    detail::Decompressor m_decompressor;
    FramesBlockView m_view;
    bool m_loaded = false;
    std::size_t m_loadedFile = 0;
    std::size_t m_loadedBlock = 0;
};

Error Reader::Impl::openFile(const fs::path& path, bool inDirectory) {
    FileState f;
    f.info.path = path;
    f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fd < 0) return detail::ioError(path, "open", errno);
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) return detail::ioError(path, "stat", errno);
    if (!S_ISREG(st.st_mode)) return {ErrorCode::Io, path, 0, "not a regular file"};
    f.info.fileSize = static_cast<std::uint64_t>(st.st_size);
    std::uint8_t bytes[file_header::SIZE] = {};
    const std::size_t have = static_cast<std::size_t>(std::min<std::uint64_t>(f.info.fileSize, sizeof bytes));
    if (Error e = detail::readAt(f.fd, path, 0, bytes, have); !e.ok()) return e;
    Error e = detail::decodeFileHeader(bytes, have, f.info.header);
    if (!e.ok()) {
        e.path = path;
        // A recorder that died while creating its next file leaves a file
        // shorter than a header: in a recording that is a cut file, not a
        // reason to refuse the others.
        const bool cutAtBirth = have < file_header::SIZE &&
                                (have == 0 || std::equal(bytes, bytes + std::min(have, sizeof file_header::MAGIC),
                                                         file_header::MAGIC));
        if (inDirectory && cutAtBirth) {
            e.code = ErrorCode::Truncated;
            e.message = "the file ends inside its 128-byte header";
            m_damage.push_back(std::move(e));
            return {};
        }
        return e;
    }
    walkBlocks(f);
    m_files.push_back(std::move(f));
    return {};
}

void Reader::Impl::walkBlocks(FileState& f) {
    std::uint64_t pos = f.info.header.headerSize;
    std::uint64_t frames = 0;
    const std::uint64_t size = f.info.fileSize;
    Error why;
    while (pos < size) {
        if (size - pos < block_header::SIZE) {
            why = {ErrorCode::Truncated, f.info.path, pos, "the file ends inside a block header"};
            break;
        }
        std::uint8_t bytes[block_header::SIZE];
        if (Error e = detail::readAt(f.fd, f.info.path, pos, bytes, sizeof bytes); !e.ok()) {
            why = std::move(e);
            break;
        }
        BlockRef b;
        b.offset = pos;
        if (Error e = detail::decodeBlockHeader(bytes, b.header); !e.ok()) {
            why = {e.code, f.info.path, pos, e.message};
            break;
        }
        if (b.header.rawSize > m_options.maxRawSize) {
            why = {ErrorCode::BadSize, f.info.path, pos,
                   "raw_size " + std::to_string(b.header.rawSize) + " is over the limit of " +
                       std::to_string(m_options.maxRawSize)};
            break;
        }
        if (b.header.storedSize > size - pos - block_header::SIZE || b.header.span() > size - pos) {
            why = {ErrorCode::Truncated, f.info.path, pos,
                   "the file ends inside a block (stored_size " + std::to_string(b.header.storedSize) + ")"};
            break;
        }
        if (b.header.kind == BlockKind::Frames) {
            if (b.header.count == 0) {
                why = {ErrorCode::BadSize, f.info.path, pos, "a frames block with no frames"};
                break;
            }
            b.firstFrame = frames;
            frames += b.header.count;
            ++f.info.frameBlocks;
        } else {
            ++f.info.indexBlocks;
        }
        f.blocks.push_back(b);
        pos += b.header.span();
    }
    f.info.intactEnd = pos;
    f.info.frames = frames;
    if (!why.ok()) m_damage.push_back(std::move(why));
}

void Reader::Impl::recount(FileState& f) {
    f.info.frameBlocks = f.info.indexBlocks = f.info.frames = 0;
    for (const auto& b : f.blocks) {
        if (b.header.kind == BlockKind::Frames) {
            ++f.info.frameBlocks;
            f.info.frames += b.header.count;
        } else {
            ++f.info.indexBlocks;
        }
    }
}

void Reader::Impl::cutFile(FileState& f, std::size_t block, Error why) {
    why.path = f.info.path;
    why.offset = f.blocks[block].offset;
    m_damage.push_back(std::move(why));
    f.info.intactEnd = f.blocks[block].offset;
    f.blocks.resize(block);
    recount(f);
}

Error Reader::Impl::readPayload(const FileState& f, const BlockRef& b) {
    const BlockHeader& h = b.header;
    m_stored.resize(h.storedSize);
    if (Error e = detail::readAt(f.fd, f.info.path, b.offset + block_header::SIZE, m_stored.data(), h.storedSize);
        !e.ok()) {
        return e;
    }
    if (wire::crc32(m_stored.data(), m_stored.size()) != h.payloadCrc) {
        return {ErrorCode::BadBlockCrc, {}, 0, "the block's payload does not match its CRC"};
    }
    if (h.compression == Compression::None) {
        m_raw.swap(m_stored);
        return {};
    }
    m_raw.resize(h.rawSize);
    return m_decompressor.decompress(m_stored.data(), m_stored.size(), m_raw.data(), h.rawSize);
}

bool Reader::Impl::ensureLoaded(std::size_t file, std::size_t block) {
    if (m_loaded && m_loadedFile == file && m_loadedBlock == block) return true;
    m_loaded = false;
    FileState& f = m_files[file];
    const BlockRef& b = f.blocks[block];
    Error e = readPayload(f, b);
    if (e.ok()) e = detail::parseFramesBlock(m_raw.data(), m_raw.size(), b.header.count, m_view);
    if (!e.ok()) {
        if (e.code == ErrorCode::Io) {
            m_error = std::move(e);
            return false;
        }
        cutFile(f, block, std::move(e));
        return false;
    }
    m_loaded = true;
    m_loadedFile = file;
    m_loadedBlock = block;
    return true;
}

bool Reader::Impl::next(FrameRecord& record) {
    while (m_error.ok() && m_cursor.file < m_files.size()) {
        FileState& f = m_files[m_cursor.file];
        if (m_cursor.block >= f.blocks.size()) {
            m_cursor = {m_cursor.file + 1, 0, 0};
            continue;
        }
        const BlockRef& b = f.blocks[m_cursor.block];
        if (b.header.kind != BlockKind::Frames) {
            m_cursor = {m_cursor.file, m_cursor.block + 1, 0};
            continue;
        }
        // A damaged block cuts its file there: the loop then moves to the next file.
        if (!ensureLoaded(m_cursor.file, m_cursor.block)) continue;
        if (m_cursor.frame >= m_view.count()) {
            ++m_cursor.block;
            m_cursor.frame = 0;
            continue;
        }
        record.frame = m_view.frame(m_cursor.frame);
        record.receiveTimeNs = m_view.time(m_cursor.frame);
        record.fileIndex = f.info.header.fileIndex;
        record.frameIndex = b.firstFrame + m_cursor.frame;
        ++m_cursor.frame;
        return true;
    }
    return false;
}

void Reader::Impl::loadIndexes(FileState& f) {
    if (f.indexesLoaded) return;
    f.indexesLoaded = true;
    std::vector<IndexEntry> entries;
    for (std::size_t i = 0; i < f.blocks.size(); ++i) {
        const BlockRef ib = f.blocks[i];
        if (ib.header.kind != BlockKind::Index) continue;
        m_loaded = false; // m_raw is about to hold the index payload
        entries.clear();
        std::vector<SourceRange> ranges;
        Error e = readPayload(f, ib);
        if (e.ok()) e = detail::parseIndexBlock(m_raw.data(), m_raw.size(), ib.header.count, entries, ranges);
        // Check every entry before using any: an index is a hint, and a bad
        // one is reported and ignored (the frames blocks carry their own CRCs).
        for (const auto& entry : entries) {
            if (!e.ok()) break;
            auto it = std::lower_bound(f.blocks.begin(), f.blocks.end(), entry.blockOffset,
                                       [](const BlockRef& b, std::uint64_t off) { return b.offset < off; });
            if (it == f.blocks.end() || it->offset != entry.blockOffset || it->header.kind != BlockKind::Frames ||
                it->header.count != entry.frames || it->firstFrame != entry.firstFrame ||
                entry.firstTimeNs > entry.lastTimeNs) {
                e = {ErrorCode::BadIndex, {}, 0,
                     "an index entry points at byte " + std::to_string(entry.blockOffset) +
                         ", which is not the frames block it describes"};
            }
        }
        if (!e.ok()) {
            if (e.code == ErrorCode::Io) {
                m_error = std::move(e);
                return;
            }
            e.path = f.info.path;
            e.offset = ib.offset;
            m_damage.push_back(std::move(e));
            continue;
        }
        for (const auto& entry : entries) {
            auto it = std::lower_bound(f.blocks.begin(), f.blocks.end(), entry.blockOffset,
                                       [](const BlockRef& b, std::uint64_t off) { return b.offset < off; });
            it->indexed = true;
            it->lastTimeNs = entry.lastTimeNs;
            it->rangeBegin = static_cast<std::uint32_t>(f.ranges.size() + entry.rangeBegin);
            it->rangeCount = entry.rangeCount;
        }
        f.ranges.insert(f.ranges.end(), ranges.begin(), ranges.end());
    }
}

// Walks the frames blocks from the start. An indexed block is read only when
// `match.indexSays` it may hold the target; a block without an index entry
// is always read. `match.firstIn(view)` gives the first matching frame of a
// loaded block, or its count when none matches.
template <typename Match>
bool Reader::Impl::seek(Match&& match) {
    m_error = {};
    for (std::size_t fi = 0; fi < m_files.size(); ++fi) {
        loadIndexes(m_files[fi]);
        if (!m_error.ok()) return false;
        for (std::size_t bi = 0; bi < m_files[fi].blocks.size(); ++bi) {
            const BlockRef& b = m_files[fi].blocks[bi];
            if (b.header.kind != BlockKind::Frames) continue;
            if (b.indexed && !match.indexSays(m_files[fi], b)) continue;
            if (!ensureLoaded(fi, bi)) {
                if (!m_error.ok()) return false;
                break; // the file ends here now
            }
            const std::uint32_t i = match.firstIn(m_view);
            if (i < m_view.count()) {
                m_cursor = {fi, bi, i};
                return true;
            }
        }
    }
    m_cursor = {m_files.size(), 0, 0};
    return true;
}

bool Reader::Impl::seekTime(std::uint64_t timeNs) {
    struct {
        std::uint64_t t;
        bool indexSays(const FileState&, const BlockRef& b) const { return b.lastTimeNs >= t; }
        std::uint32_t firstIn(const FramesBlockView& v) const {
            std::uint32_t i = 0;
            while (i < v.count() && v.time(i) < t) ++i;
            return i;
        }
    } match{timeNs};
    return seek(match);
}

bool Reader::Impl::seekSequence(std::uint8_t source, std::uint64_t sequence) {
    struct {
        std::uint8_t source;
        std::uint64_t sequence;
        bool indexSays(const FileState& f, const BlockRef& b) const {
            for (std::uint32_t r = b.rangeBegin; r < b.rangeBegin + b.rangeCount; ++r) {
                if (f.ranges[r].source == source && f.ranges[r].high >= sequence) return true;
            }
            return false;
        }
        std::uint32_t firstIn(const FramesBlockView& v) const {
            std::uint32_t i = 0;
            for (; i < v.count(); ++i) {
                const auto frame = v.frame(i);
                if (frameSource(frame) == source && frameSequence(frame) >= sequence) break;
            }
            return i;
        }
    } match{source, sequence};
    return seek(match);
}

void Reader::Impl::verifyAll() {
    for (auto& f : m_files) {
        for (std::size_t bi = 0; bi < f.blocks.size(); ++bi) {
            const BlockRef& b = f.blocks[bi];
            m_loaded = false;
            Error e = readPayload(f, b);
            if (e.ok() && b.header.kind == BlockKind::Frames) {
                e = detail::parseFramesBlock(m_raw.data(), m_raw.size(), b.header.count, m_view);
            } else if (e.ok()) {
                std::vector<IndexEntry> entries;
                std::vector<SourceRange> ranges;
                e = detail::parseIndexBlock(m_raw.data(), m_raw.size(), b.header.count, entries, ranges);
            }
            if (!e.ok()) {
                if (e.code == ErrorCode::Io) {
                    m_error = std::move(e);
                    return;
                }
                cutFile(f, bi, std::move(e));
                break;
            }
        }
    }
}

Result<std::unique_ptr<Reader>> Reader::open(const fs::path& path, ReaderOptions options) {
    auto impl = std::make_unique<Impl>(options);
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        std::vector<fs::path> names;
        for (const auto& entry : fs::directory_iterator(path, ec)) {
            if (entry.path().extension() == ".apcap" && entry.is_regular_file(ec)) names.push_back(entry.path());
        }
        if (ec) return Error{ErrorCode::Io, path, 0, "cannot list the directory: " + ec.message()};
        std::sort(names.begin(), names.end());
        for (const auto& name : names) {
            if (Error e = impl->openFile(name, true); !e.ok()) return e;
        }
        if (impl->empty()) return Error{ErrorCode::EmptyDirectory, path, 0, "no .apcap capture file in the directory"};
        impl->sortFiles();
    } else if (Error e = impl->openFile(path, false); !e.ok()) {
        return e;
    }
    return std::unique_ptr<Reader>(new Reader(std::move(impl)));
}

Reader::Reader(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Reader::~Reader() = default;
bool Reader::next(FrameRecord& record) { return m_impl->next(record); }
bool Reader::seekTime(std::uint64_t timeNs) { return m_impl->seekTime(timeNs); }
bool Reader::seekSequence(std::uint8_t source, std::uint64_t sequence) {
    return m_impl->seekSequence(source, sequence);
}
void Reader::rewind() { m_impl->rewind(); }
const Error& Reader::error() const noexcept { return m_impl->error(); }
const std::vector<Error>& Reader::damage() const noexcept { return m_impl->damage(); }
const std::vector<FileInfo>& Reader::files() const noexcept { return m_impl->infos(); }
const FileHeader& Reader::header() const noexcept { return m_impl->header(); }
std::uint64_t Reader::frameCount() const noexcept { return m_impl->frameCount(); }

Result<VerifyResult> verifyFile(const fs::path& path, ReaderOptions options) {
    Reader::Impl impl(options);
    if (Error e = impl.openFile(path, false); !e.ok()) return e;
    impl.verifyAll();
    if (!impl.error().ok()) return impl.error();
    VerifyResult result;
    const FileState& f = impl.file(0);
    result.intactEnd = f.info.intactEnd;
    result.frames = f.info.frames;
    result.header = f.info.header;
    if (!impl.damage().empty()) result.damage = impl.damage().front();
    return result;
}

} // namespace alphapulse::capture
