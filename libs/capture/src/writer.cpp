// Writer: one open frames block in preallocated columns, written with one
// writev when it closes; index entries collected as blocks close.
#include "alphapulse/capture/writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>
#include <vector>

#include "alphapulse/capture/reader.hpp"
#include "alphapulse/wire/crc32.hpp"
#include "alphapulse/wire/endian.hpp"
#include "alphapulse/wire/header.hpp"
#include "block_codec.hpp"
#include "compression.hpp"
#include "file_io.hpp"

namespace alphapulse::capture {

namespace fs = std::filesystem;
using detail::IndexEntry;
using detail::SourceRange;
using wire::storeLe;

namespace {

/// The largest frame the frame area always has room for beside a full block.
constexpr std::size_t MAX_WIRE_FRAME = wire::header::SIZE + wire::header::DEFAULT_MAX_PAYLOAD;
constexpr std::size_t MAX_SOURCES = 256;

std::string thisHost() {
    char name[file_header::HOST_SIZE + 1] = {};
    if (::gethostname(name, file_header::HOST_SIZE) != 0) return {};
    return name;
}

} // namespace

std::uint64_t realtimeNs() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

class Writer::Impl {
public:
    explicit Impl(WriterOptions options);
    ~Impl() { closeFile(); }

    Error openFile(const fs::path& path);
    Error openDirectory(const fs::path& dir);

    bool append(const std::uint8_t* frame, std::size_t size, std::uint64_t receiveTimeNs);
    bool tick(std::uint64_t nowNs);
    bool flush();
    bool close();

    const Error& error() const { return m_error; }
    const WriterStats& stats() const { return m_stats; }
    const fs::path& path() const { return m_path; }
    std::uint32_t pending() const { return m_count; }

private:
    [[nodiscard]] std::uint64_t rawSize() const { return detail::framesPartOffset(m_count) + m_framesSize; }
    bool fail(Error e) {
        if (e.path.empty()) e.path = m_path;
        m_error = std::move(e);
        return false;
    }
    bool writeBlock();
    bool writeIndex();
    bool write(iovec* iov, int count, std::uint64_t bytes);
    bool rotate(std::uint64_t nowNs);
    Error createFile(std::uint64_t fileIndex, std::uint64_t startNs);
    void closeFile();
    void noteSource(const std::uint8_t* frame);

    WriterOptions m_options;
    Error m_error;
    WriterStats m_stats;
    bool m_directoryMode = false;
    fs::path m_dir;
    fs::path m_path;
    int m_fd = -1;
    std::uint64_t m_fileSize = 0;
    std::uint64_t m_fileIndex = 0;
    std::uint64_t m_fileStartNs = 0;
    std::uint64_t m_fileFrames = 0; ///< frames in the current file before the open block
    std::uint64_t m_lastTimeNs = 0;

    // The open frames block.
    std::vector<std::uint8_t> m_times;   ///< 8 x blockFrames
    std::vector<std::uint8_t> m_offsets; ///< 4 x blockFrames
    std::vector<std::uint8_t> m_frames;  ///< blockBytes + one maximum frame
    std::uint32_t m_count = 0;
    std::uint64_t m_framesSize = 0;
    std::uint64_t m_blockFirstNs = 0;
    std::array<SourceRange, MAX_SOURCES> m_sources{};
    std::array<bool, MAX_SOURCES> m_sourceSeen{};
    std::vector<std::uint8_t> m_sourceOrder; ///< the sources of the open block, first seen first

    // Closed frames blocks not yet listed by an index block.
    std::vector<IndexEntry> m_entries;
    std::vector<SourceRange> m_entryRanges;
    std::vector<std::uint8_t> m_indexScratch;

    // zstd: the raw payload made contiguous, and the compressed output.
    std::unique_ptr<detail::Compressor> m_compressor;
    std::vector<std::uint8_t> m_zstdIn;
    std::vector<std::uint8_t> m_zstdOut;
};

Writer::Impl::Impl(WriterOptions options) : m_options(std::move(options)) {
    m_options.blockFrames = std::max<std::uint32_t>(1, m_options.blockFrames);
    m_options.blocksPerIndex = std::max<std::uint32_t>(1, m_options.blocksPerIndex);
    m_options.blockBytes = std::clamp<std::uint32_t>(m_options.blockBytes, 64, MAX_RAW_SIZE / 2);
    if (m_options.host.empty()) m_options.host = thisHost();
    m_times.resize(8 * std::size_t{m_options.blockFrames});
    m_offsets.resize(4 * std::size_t{m_options.blockFrames});
    m_frames.resize(m_options.blockBytes + MAX_WIRE_FRAME);
    m_sourceOrder.reserve(MAX_SOURCES);
    m_entries.reserve(m_options.blocksPerIndex);
    m_entryRanges.reserve(std::size_t{m_options.blocksPerIndex} * MAX_SOURCES);
    m_indexScratch.resize(std::size_t{m_options.blocksPerIndex} *
                          (index_entry::SIZE + MAX_SOURCES * index_entry::SOURCE_RANGE_SIZE));
    if (m_options.zstd && detail::zstdBuiltIn()) {
        m_compressor = std::make_unique<detail::Compressor>(m_options.zstdLevel);
        const std::size_t raw = detail::framesPartOffset(m_options.blockFrames) + m_frames.size();
        m_zstdIn.resize(raw);
        m_zstdOut.resize(detail::Compressor::bound(raw));
    }
}

Error Writer::Impl::createFile(std::uint64_t fileIndex, std::uint64_t startNs) {
    m_path = m_dir / recordingFileName(m_options.domain, startNs, fileIndex);
    m_fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (m_fd < 0) return detail::ioError(m_path, "create", errno);
    FileHeader header;
    header.domain = m_options.domain;
    header.flags = m_options.zstd ? file_header::FLAG_ZSTD : 0;
    header.startTimeNs = startNs;
    header.fileIndex = fileIndex;
    header.host = m_options.host;
    std::uint8_t bytes[file_header::SIZE];
    header.encode(bytes);
    iovec iov{bytes, sizeof bytes};
    if (Error e = detail::writeAll(m_fd, m_path, &iov, 1); !e.ok()) return e;
    m_fileIndex = fileIndex;
    m_fileStartNs = startNs;
    m_fileSize = file_header::SIZE;
    m_fileFrames = 0;
    m_stats.fileBytes += file_header::SIZE;
    ++m_stats.files;
    return {};
}

void Writer::Impl::closeFile() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
}

Error Writer::Impl::openFile(const fs::path& path) {
    m_path = path;
    std::error_code ec;
    const bool exists = fs::exists(path, ec) && fs::file_size(path, ec) > 0;
    if (!exists) {
        m_dir = path.parent_path();
        m_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (m_fd < 0) return detail::ioError(path, "create", errno);
        ::close(m_fd);
        m_fd = -1;
        // createFile names files for a recording; a single file keeps its name.
        const std::uint64_t start = realtimeNs();
        FileHeader header;
        header.domain = m_options.domain;
        header.flags = m_options.zstd ? file_header::FLAG_ZSTD : 0;
        header.startTimeNs = start;
        header.host = m_options.host;
        std::uint8_t bytes[file_header::SIZE];
        header.encode(bytes);
        m_fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (m_fd < 0) return detail::ioError(path, "open", errno);
        iovec iov{bytes, sizeof bytes};
        if (Error e = detail::writeAll(m_fd, path, &iov, 1); !e.ok()) return e;
        m_fileStartNs = start;
        m_fileSize = file_header::SIZE;
        m_stats.fileBytes += file_header::SIZE;
        ++m_stats.files;
        return {};
    }
    auto verified = verifyFile(path);
    if (!verified) return verified.error();
    const VerifyResult& v = verified.value();
    if (v.header.domain != m_options.domain) {
        return {ErrorCode::BadFileHeader, path, 0,
                "the file records domain " + std::string(domainFileName(v.header.domain)) + ", not " +
                    std::string(domainFileName(m_options.domain))};
    }
    m_fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (m_fd < 0) return detail::ioError(path, "open", errno);
    const std::uint64_t size = fs::file_size(path, ec);
    if (v.intactEnd < size) {
        // A torn tail: cut it, so that what we append follows whole blocks.
        if (::ftruncate(m_fd, static_cast<off_t>(v.intactEnd)) != 0) return detail::ioError(path, "truncate", errno);
        m_stats.truncatedBytes = size - v.intactEnd;
    }
    if (m_options.zstd && (v.header.flags & file_header::FLAG_ZSTD) == 0) {
        FileHeader header = v.header;
        header.flags |= file_header::FLAG_ZSTD;
        std::uint8_t bytes[file_header::SIZE];
        header.encode(bytes);
        if (::pwrite(m_fd, bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
            return detail::ioError(path, "write", errno);
        }
    }
    if (::lseek(m_fd, static_cast<off_t>(v.intactEnd), SEEK_SET) < 0) return detail::ioError(path, "seek", errno);
    m_fileIndex = v.header.fileIndex;
    m_fileStartNs = v.header.startTimeNs;
    m_fileSize = v.intactEnd;
    m_fileFrames = v.frames;
    return {};
}

Error Writer::Impl::openDirectory(const fs::path& dir) {
    m_directoryMode = true;
    m_dir = dir;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return {ErrorCode::Io, dir, 0, "cannot create the directory: " + ec.message()};
    // Go on after the recording already there: the last file's torn tail is
    // cut, and the next file takes the next index.
    std::uint64_t nextIndex = 0;
    fs::path last;
    std::uint64_t lastIndex = 0;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (entry.path().extension() != ".apcap") continue;
        std::uint8_t bytes[file_header::SIZE] = {};
        const int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return detail::ioError(entry.path(), "open", errno);
        const ssize_t n = ::pread(fd, bytes, sizeof bytes, 0);
        ::close(fd);
        if (n < static_cast<ssize_t>(sizeof bytes)) {
            // Died while creating it: it holds no frame.
            fs::remove(entry.path(), ec);
            continue;
        }
        const std::uint64_t index = wire::loadLe<std::uint64_t>(bytes + file_header::FILE_INDEX_OFFSET);
        if (last.empty() || index >= lastIndex) {
            last = entry.path();
            lastIndex = index;
        }
    }
    if (!last.empty()) {
        auto verified = verifyFile(last);
        if (!verified) return verified.error();
        const std::uint64_t size = fs::file_size(last, ec);
        if (verified.value().intactEnd < size) {
            fs::resize_file(last, verified.value().intactEnd, ec);
            if (ec) return {ErrorCode::Io, last, 0, "cannot truncate its torn tail: " + ec.message()};
            m_stats.truncatedBytes = size - verified.value().intactEnd;
        }
        nextIndex = lastIndex + 1;
    }
    return createFile(nextIndex, realtimeNs());
}

void Writer::Impl::noteSource(const std::uint8_t* frame) {
    const std::uint8_t source = frame[wire::header::SOURCE_OFFSET];
    const std::uint64_t sequence = wire::loadLe<std::uint64_t>(frame + wire::header::SEQUENCE_OFFSET);
    SourceRange& range = m_sources[source];
    if (!m_sourceSeen[source]) {
        m_sourceSeen[source] = true;
        m_sourceOrder.push_back(source);
        range = {source, sequence, sequence};
        return;
    }
    range.low = std::min(range.low, sequence);
    range.high = std::max(range.high, sequence);
}

bool Writer::Impl::append(const std::uint8_t* frame, std::size_t size, std::uint64_t receiveTimeNs) {
    if (m_fd < 0) return fail({ErrorCode::Io, m_path, 0, "the writer is closed"});
    if (size < wire::header::SIZE || wire::header::frameSize(frame) != size ||
        wire::loadLe<std::uint32_t>(frame) != wire::header::MAGIC) {
        return fail({ErrorCode::BadFrame, m_path, m_fileSize, "not a whole frame (magic, then 32 + payload_size bytes)"});
    }
    const std::uint64_t padded = alignUp(size);
    if (m_count > 0 && (m_count == m_options.blockFrames ||
                        detail::framesPartOffset(m_count + 1) + m_framesSize + padded > m_options.blockBytes)) {
        if (!writeBlock()) return false;
    }
    if (padded > m_frames.size() - m_framesSize) {
        m_frames.resize(m_framesSize + padded); // a frame over the wire's default maximum: rare, allocates
        if (m_compressor) {
            m_zstdIn.resize(detail::framesPartOffset(m_options.blockFrames) + m_frames.size());
            m_zstdOut.resize(detail::Compressor::bound(m_zstdIn.size()));
        }
    }
    std::uint8_t* out = m_frames.data() + m_framesSize;
    std::memcpy(out, frame, size);
    std::memset(out + size, 0, padded - size);
    receiveTimeNs = std::max(receiveTimeNs, m_lastTimeNs);
    m_lastTimeNs = receiveTimeNs;
    if (m_count == 0) m_blockFirstNs = receiveTimeNs;
    storeLe<std::uint64_t>(m_times.data() + 8 * std::size_t{m_count}, receiveTimeNs);
    storeLe<std::uint32_t>(m_offsets.data() + 4 * std::size_t{m_count}, static_cast<std::uint32_t>(m_framesSize));
    noteSource(frame);
    ++m_count;
    m_framesSize += padded;
    ++m_stats.frames;
    m_stats.frameBytes += size;
    return true;
}

bool Writer::Impl::write(iovec* iov, int count, std::uint64_t bytes) {
    if (Error e = detail::writeAll(m_fd, m_path, iov, count); !e.ok()) return fail(std::move(e));
    m_fileSize += bytes;
    m_stats.fileBytes += bytes;
    return true;
}

bool Writer::Impl::writeBlock() {
    if (m_count == 0) return true;
    static constexpr std::uint8_t zeros[ALIGNMENT] = {};
    const std::size_t timesBytes = 8 * std::size_t{m_count};
    const std::size_t offsetsBytes = 4 * std::size_t{m_count};
    const std::size_t columnPad = detail::framesPartOffset(m_count) - timesBytes - offsetsBytes;
    const std::size_t framesBytes = static_cast<std::size_t>(m_framesSize);

    BlockHeader header;
    header.kind = BlockKind::Frames;
    header.count = m_count;
    header.rawSize = static_cast<std::uint32_t>(rawSize());
    std::uint8_t headerBytes[block_header::SIZE];
    iovec iov[6];
    int parts = 0;
    iov[parts++] = {headerBytes, block_header::SIZE};
    std::size_t compressed = 0;
    if (m_compressor) {
        std::uint8_t* in = m_zstdIn.data();
        std::memcpy(in, m_times.data(), timesBytes);
        std::memcpy(in + timesBytes, m_offsets.data(), offsetsBytes);
        std::memset(in + timesBytes + offsetsBytes, 0, columnPad);
        std::memcpy(in + timesBytes + offsetsBytes + columnPad, m_frames.data(), framesBytes);
        if (!m_compressor->compress(in, header.rawSize, m_zstdOut.data(), m_zstdOut.size(), compressed)) {
            return fail({ErrorCode::BadCompression, m_path, m_fileSize, "zstd could not compress a block"});
        }
    }
    if (m_compressor && compressed < header.rawSize) {
        header.compression = Compression::Zstd;
        header.storedSize = static_cast<std::uint32_t>(compressed);
        header.payloadCrc = wire::crc32(m_zstdOut.data(), compressed);
        iov[parts++] = {m_zstdOut.data(), compressed};
    } else {
        // Stored as is (also when zstd would not make it smaller).
        header.storedSize = header.rawSize;
        std::uint32_t crc = wire::crc32(m_times.data(), timesBytes);
        crc = wire::crc32(m_offsets.data(), offsetsBytes, crc);
        crc = wire::crc32(zeros, columnPad, crc);
        header.payloadCrc = wire::crc32(m_frames.data(), framesBytes, crc);
        iov[parts++] = {m_times.data(), timesBytes};
        iov[parts++] = {m_offsets.data(), offsetsBytes};
        if (columnPad != 0) iov[parts++] = {const_cast<std::uint8_t*>(zeros), columnPad};
        iov[parts++] = {m_frames.data(), framesBytes};
    }
    const std::size_t tailPad = header.span() - block_header::SIZE - header.storedSize;
    if (tailPad != 0) iov[parts++] = {const_cast<std::uint8_t*>(zeros), tailPad};
    header.encode(headerBytes);

    IndexEntry entry;
    entry.blockOffset = m_fileSize;
    entry.firstTimeNs = m_blockFirstNs;
    entry.lastTimeNs = m_lastTimeNs;
    entry.firstFrame = m_fileFrames;
    entry.frames = m_count;
    entry.rangeBegin = static_cast<std::uint32_t>(m_entryRanges.size());
    entry.rangeCount = static_cast<std::uint16_t>(m_sourceOrder.size());
    if (!write(iov, parts, header.span())) return false;

    for (const std::uint8_t source : m_sourceOrder) {
        m_entryRanges.push_back(m_sources[source]);
        m_sourceSeen[source] = false;
    }
    m_sourceOrder.clear();
    m_entries.push_back(entry);
    m_fileFrames += m_count;
    m_count = 0;
    m_framesSize = 0;
    ++m_stats.frameBlocks;
    if (m_entries.size() >= m_options.blocksPerIndex && !writeIndex()) return false;
    if (m_directoryMode && m_options.rotateBytes != 0 && m_fileSize >= m_options.rotateBytes) {
        return rotate(realtimeNs());
    }
    return true;
}

bool Writer::Impl::writeIndex() {
    if (m_entries.empty()) return true;
    std::size_t size = 0;
    for (const auto& entry : m_entries) {
        size += detail::encodeIndexEntry(m_indexScratch.data() + size, entry,
                                         {m_entryRanges.data() + entry.rangeBegin, entry.rangeCount});
    }
    BlockHeader header;
    header.kind = BlockKind::Index;
    header.storedSize = header.rawSize = static_cast<std::uint32_t>(size);
    header.count = static_cast<std::uint32_t>(m_entries.size());
    header.payloadCrc = wire::crc32(m_indexScratch.data(), size);
    std::uint8_t headerBytes[block_header::SIZE];
    header.encode(headerBytes);
    static constexpr std::uint8_t zeros[ALIGNMENT] = {};
    iovec iov[3] = {{headerBytes, block_header::SIZE}, {m_indexScratch.data(), size}, {const_cast<std::uint8_t*>(zeros), 0}};
    iov[2].iov_len = header.span() - block_header::SIZE - size;
    if (!write(iov, iov[2].iov_len != 0 ? 3 : 2, header.span())) return false;
    m_entries.clear();
    m_entryRanges.clear();
    ++m_stats.indexBlocks;
    return true;
}

bool Writer::Impl::rotate(std::uint64_t nowNs) {
    if (!writeIndex()) return false;
    if (m_options.syncOnFlush && ::fdatasync(m_fd) != 0) return fail(detail::ioError(m_path, "fdatasync", errno));
    closeFile();
    if (Error e = createFile(m_fileIndex + 1, nowNs); !e.ok()) return fail(std::move(e));
    return true;
}

bool Writer::Impl::tick(std::uint64_t nowNs) {
    if (m_fd < 0) return m_error.ok();
    if (m_count > 0 && m_options.flushIntervalNs != 0 && nowNs - std::min(nowNs, m_blockFirstNs) >= m_options.flushIntervalNs) {
        if (!flush()) return false;
    }
    if (m_directoryMode && m_options.rotateIntervalNs != 0 &&
        nowNs - std::min(nowNs, m_fileStartNs) >= m_options.rotateIntervalNs && m_fileSize > file_header::SIZE) {
        if (!writeBlock() || !rotate(nowNs)) return false;
    }
    return true;
}

bool Writer::Impl::flush() {
    if (m_fd < 0) return m_error.ok();
    if (!writeBlock()) return false;
    if (m_options.syncOnFlush && ::fdatasync(m_fd) != 0) return fail(detail::ioError(m_path, "fdatasync", errno));
    return true;
}

bool Writer::Impl::close() {
    if (m_fd < 0) return m_error.ok();
    const bool ok = writeBlock() && writeIndex() &&
                    (!m_options.syncOnFlush || ::fdatasync(m_fd) == 0 || fail(detail::ioError(m_path, "fdatasync", errno)));
    closeFile();
    // A recording's file that got no frame (stopped before the first one)
    // would only make the next run skip an index: it goes.
    if (ok && m_directoryMode && m_fileSize == file_header::SIZE) {
        std::error_code ec;
        fs::remove(m_path, ec);
    }
    return ok;
}

Result<std::unique_ptr<Writer>> Writer::openFile(const fs::path& path, WriterOptions options) {
    if (options.zstd && !detail::zstdBuiltIn()) {
        return Error{ErrorCode::Unsupported, path, 0, "zstd asked, and this build has no zstd (install libzstd-dev)"};
    }
    auto impl = std::make_unique<Impl>(std::move(options));
    if (Error e = impl->openFile(path); !e.ok()) return e;
    return std::unique_ptr<Writer>(new Writer(std::move(impl)));
}

Result<std::unique_ptr<Writer>> Writer::openDirectory(const fs::path& dir, WriterOptions options) {
    if (options.zstd && !detail::zstdBuiltIn()) {
        return Error{ErrorCode::Unsupported, dir, 0, "zstd asked, and this build has no zstd (install libzstd-dev)"};
    }
    auto impl = std::make_unique<Impl>(std::move(options));
    if (Error e = impl->openDirectory(dir); !e.ok()) return e;
    return std::unique_ptr<Writer>(new Writer(std::move(impl)));
}

Writer::Writer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Writer::~Writer() {
    if (m_impl) m_impl->close();
}
bool Writer::append(const std::uint8_t* frame, std::size_t size, std::uint64_t receiveTimeNs) {
    return m_impl->append(frame, size, receiveTimeNs);
}
bool Writer::tick(std::uint64_t nowNs) { return m_impl->tick(nowNs); }
bool Writer::flush() { return m_impl->flush(); }
bool Writer::close() { return m_impl->close(); }
const Error& Writer::error() const noexcept { return m_impl->error(); }
const WriterStats& Writer::stats() const noexcept { return m_impl->stats(); }
const fs::path& Writer::currentPath() const noexcept { return m_impl->path(); }
std::uint32_t Writer::pendingFrames() const noexcept { return m_impl->pending(); }
bool Writer::zstdAvailable() noexcept { return detail::zstdBuiltIn(); }

} // namespace alphapulse::capture
