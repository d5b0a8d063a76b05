#include "journal.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "alphapulse/capture/reader.hpp"
#include "alphapulse/wire/header.hpp"
#include "alphapulse/wire/endian.hpp"
#include "relay_log.hpp"

namespace alphapulse::relay::detail {
namespace fs = std::filesystem;

namespace {

/// The recording's files, oldest first (names end in the 6-digit file_index).
std::vector<fs::path> journalFiles(const std::string& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (entry.path().extension() == ".apcap") files.push_back(entry.path());
    }
    const auto index = [](const fs::path& p) {
        const std::string stem = p.stem().string();
        const auto dash = stem.rfind('-');
        return dash == std::string::npos ? 0ULL : std::strtoull(stem.c_str() + dash + 1, nullptr, 10);
    };
    std::sort(files.begin(), files.end(), [&](const fs::path& a, const fs::path& b) { return index(a) < index(b); });
    return files;
}

} // namespace

Journal::Journal(const JournalConfig& config, wire::Domain domain)
    : m_config(config), m_dir(config.dir),
      // Allocated, not touched: the kernel gives pages as the window fills.
      m_bytes(new std::uint8_t[config.windowBytes]), m_entries(new Entry[config.windowFrames]),
      m_byteCapacity(config.windowBytes), m_entryCapacity(config.windowFrames) {
    std::error_code ec;
    fs::create_directories(m_dir, ec);
    if (ec) throw std::runtime_error("journal directory " + m_dir + ": " + ec.message());
    recover(domain);
    capture::WriterOptions options;
    options.domain = static_cast<std::uint8_t>(domain);
    options.rotateBytes = m_config.fileBytes;
    options.flushIntervalNs = 0; // commit() writes; no timer-driven partial blocks
    options.syncOnFlush = m_config.fsync;
    auto writer = capture::Writer::openDirectory(m_dir, options);
    if (!writer) throw std::runtime_error("journal " + m_dir + ": " + writer.error().describe());
    m_writer = std::move(*writer);
    m_filesOpened = m_writer->stats().files;
    removeOldFiles();
}

Journal::~Journal() {
    if (m_writer && !m_writer->close()) logWarn("journal %s: %s", m_dir.c_str(), m_writer->error().describe().c_str());
}

void Journal::recover(wire::Domain domain) {
    if (journalFiles(m_dir).empty()) return;
    auto reader = capture::Reader::open(m_dir);
    if (!reader) throw std::runtime_error("journal " + m_dir + ": " + reader.error().describe());
    capture::FrameRecord record;
    while ((*reader)->next(record)) {
        if (record.frame.size() < wire::header::SIZE) continue;
        remember(record.frame.data(), record.frame.size(), record.receiveTimeNs);
    }
    if (!(*reader)->error().ok()) {
        throw std::runtime_error("journal " + m_dir + ": " + (*reader)->error().describe());
    }
    for (const auto& damage : (*reader)->damage()) {
        // What a crash cut: those frames were never acknowledged.
        logWarn("journal: %s (the tail after it was never acknowledged)", damage.describe().c_str());
    }
    m_recovered = m_head;
    m_committed = m_head;
    m_acked = m_last;
    logInfo("journal %s (%s): recovered %llu frames, %llu in the window", m_dir.c_str(),
            std::string(wire::domainName(domain)).c_str(), static_cast<unsigned long long>(m_recovered),
            static_cast<unsigned long long>(m_head - m_first));
}

void Journal::remember(const std::uint8_t* frame, std::size_t size, std::uint64_t receivedNs) {
    // A frame never wraps: when it does not fit before the ring's end it goes
    // to the start, and the tail is left unused.
    if (size > m_byteCapacity) { // larger than the whole window (window_bytes >= 1 MiB): on disk only
        m_last[frame[wire::header::SOURCE_OFFSET]] = wire::loadLe<std::uint64_t>(frame + wire::header::SEQUENCE_OFFSET);
        m_have[frame[wire::header::SOURCE_OFFSET]] = true;
        return;
    }
    std::uint64_t at = m_nextBytePos;
    if (at % m_byteCapacity + size > m_byteCapacity) at += m_byteCapacity - at % m_byteCapacity;
    while (m_first < m_head &&
           (m_head - m_first >= m_entryCapacity || at + size - entry(m_first).bytePos > m_byteCapacity)) {
        ++m_first;
    }
    std::memcpy(m_bytes.get() + at % m_byteCapacity, frame, size);
    Entry& e = m_entries[m_head % m_entryCapacity];
    e.bytePos = at;
    e.receivedNs = receivedNs;
    e.size = static_cast<std::uint32_t>(size);
    e.source = frame[wire::header::SOURCE_OFFSET];
    e.type = frame[wire::header::MESSAGE_TYPE_OFFSET];
    e.sequence = wire::loadLe<std::uint64_t>(frame + wire::header::SEQUENCE_OFFSET);
    m_last[e.source] = e.sequence;
    m_have[e.source] = true;
    m_nextBytePos = at + size;
    ++m_head;
}

std::uint64_t Journal::append(const std::uint8_t* frame, std::size_t size, std::uint64_t receivedNs) {
    const std::uint64_t position = m_head;
    remember(frame, size, receivedNs);
    if (!m_writer->append(frame, size, receivedNs)) {
        if (m_writeErrors++ == 0) logWarn("journal %s: %s", m_dir.c_str(), m_writer->error().describe().c_str());
    }
    return position;
}

bool Journal::commit() {
    if (m_committed == m_head) return true;
    if (!m_writer->flush()) {
        if (m_writeErrors++ == 0) {
            logWarn("journal %s: %s: frames are not acknowledged", m_dir.c_str(), m_writer->error().describe().c_str());
        }
        return false;
    }
    for (std::uint64_t p = std::max(m_committed, m_first); p < m_head; ++p) {
        const Entry& e = entry(p);
        m_acked[e.source] = e.sequence;
    }
    m_committed = m_head;
    if (m_writer->stats().files != m_filesOpened) {
        m_filesOpened = m_writer->stats().files;
        removeOldFiles();
    }
    return true;
}

std::uint64_t Journal::firstAtOrAfter(std::uint64_t timeNs) const noexcept {
    std::uint64_t lo = m_first;
    std::uint64_t hi = m_head;
    while (lo < hi) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        if (entry(mid).receivedNs < timeNs) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

void Journal::removeOldFiles() {
    auto files = journalFiles(m_dir);
    if (files.size() <= m_config.keepFiles) return;
    files.resize(files.size() - m_config.keepFiles);
    for (const auto& f : files) {
        std::error_code ec;
        fs::remove(f, ec);
        if (ec) logWarn("journal: could not remove %s: %s", f.c_str(), ec.message().c_str());
    }
}

} // namespace alphapulse::relay::detail
