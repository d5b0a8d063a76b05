#pragma once
// The relay's journal (docs/design/recovery.md): every frame the relay
// accepts on a journaled domain, in acceptance order, in a bounded window in
// memory and in capture files (docs/PROTOCOL.md section 13) on disk.
//
// Positions: the n-th frame journaled in this relay's life (frames recovered
// from disk at start included) is at position n. They are local to the
// process: nothing on the wire carries them (consumers resume by source and
// sequence, and by the relay's receive time).
//
// Acknowledgement: commit() writes what was appended since the last commit
// to the current file (one write per call). Once it returns true the frames
// are in the kernel's page cache, which survives the relay being killed
// (kill -9); with `fsync` it also fdatasyncs, which survives the machine.
//
// Memory: the window's byte ring and entry ring are allocated once, at open,
// untouched until used; append() and the lookups allocate nothing. A frame is
// stored whole and never wraps (the ring's tail is skipped instead).
// Thread contract: the relay's loop thread only.
#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "alphapulse/capture/writer.hpp"
#include "alphapulse/relay/relay_config.hpp"

namespace alphapulse::relay::detail {

class Journal {
public:
    /// No initialisers: the entry ring is allocated without being touched
    /// (remember() writes every field before an entry is read).
    struct Entry {
        std::uint64_t bytePos;   ///< logical offset in the byte ring (physical: % capacity)
        std::uint64_t receivedNs;
        std::uint64_t sequence;
        std::uint32_t size;
        std::uint8_t source;
        std::uint8_t type;
    };

    /// Opens (creating) the journal directory, reads what a previous relay
    /// left there (a torn tail after a crash ends its file: the reader stops
    /// before it), fills the window with the newest frames and the highest
    /// sequence per source with all of them, then starts a new file.
    /// Throws std::runtime_error saying what failed.
    Journal(const JournalConfig& config, wire::Domain domain);
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    /// Appends one accepted frame (window and open block). Returns its position.
    std::uint64_t append(const std::uint8_t* frame, std::size_t size, std::uint64_t receivedNs);
    /// Writes what was appended since the last commit (see Acknowledgement).
    /// False when the write failed (logged; the frames are not acknowledged).
    bool commit();

    /// The highest sequence of `source` journaled (0: none), and whether any.
    [[nodiscard]] std::uint64_t lastSequence(std::uint8_t source) const noexcept { return m_last[source]; }
    [[nodiscard]] bool hasSource(std::uint8_t source) const noexcept { return m_have[source]; }
    /// The highest sequence of `source` written by a successful commit.
    [[nodiscard]] std::uint64_t acknowledged(std::uint8_t source) const noexcept { return m_acked[source]; }

    /// The window: positions [first(), head()).
    [[nodiscard]] std::uint64_t first() const noexcept { return m_first; }
    [[nodiscard]] std::uint64_t head() const noexcept { return m_head; }
    [[nodiscard]] const Entry& entry(std::uint64_t position) const noexcept { return m_entries[position % m_entryCapacity]; }
    [[nodiscard]] const std::uint8_t* frame(const Entry& e) const noexcept { return m_bytes.get() + e.bytePos % m_byteCapacity; }
    /// First position in the window received at or after `timeNs` (head() if none). O(log window).
    [[nodiscard]] std::uint64_t firstAtOrAfter(std::uint64_t timeNs) const noexcept;

    [[nodiscard]] std::uint64_t recovered() const noexcept { return m_recovered; }
    [[nodiscard]] std::uint64_t writeErrors() const noexcept { return m_writeErrors; }
    [[nodiscard]] const std::string& directory() const noexcept { return m_dir; }

private:
    void remember(const std::uint8_t* frame, std::size_t size, std::uint64_t receivedNs);
    void recover(wire::Domain domain);
    void removeOldFiles();

    JournalConfig m_config;
    std::string m_dir;
    std::unique_ptr<capture::Writer> m_writer;
    std::unique_ptr<std::uint8_t[]> m_bytes;
    std::unique_ptr<Entry[]> m_entries;
    std::uint64_t m_byteCapacity = 0;
    std::uint64_t m_entryCapacity = 0;
    std::uint64_t m_first = 0;
    std::uint64_t m_head = 0;
    std::uint64_t m_nextBytePos = 0;
    std::uint64_t m_committed = 0;   ///< positions below this are written
    std::uint64_t m_filesOpened = 0; ///< the writer's file count last seen (rotation)
    std::uint64_t m_recovered = 0;
    std::uint64_t m_writeErrors = 0;
    std::array<std::uint64_t, 256> m_last{};
    std::array<std::uint64_t, 256> m_acked{};
    std::array<bool, 256> m_have{};
};

} // namespace alphapulse::relay::detail
