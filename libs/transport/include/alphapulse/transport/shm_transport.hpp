#pragma once
// Transport over a shared-memory broadcast ring: one segment per domain
// (shm_open + mmap, "/dev/shm/alphapulse-<domain>" by default), for
// process-isolated services on one machine. There is no relay process: each
// endpoint applies the domain's policies itself.
//
//  - send() validates like the relay (the domain's DomainPolicy: domain and
//    custom types, checksums, and each source's sequence on this endpoint
//    where configured), then appends the accepted frames
//    as one record under a process-shared robust mutex (several producers;
//    a producer that dies holding it leaves a half-written record that the
//    next one turns into a skip record: never a torn frame, never a wedge).
//  - receive() copies committed records out, then checks the ring was not
//    overwritten meanwhile (a seqlock on the reservation cursor): frames are
//    whole or not delivered. No echo (records carry the writer's slot), and
//    the subscription (a Subscribe frame given to send()) filters locally.
//  - Drop policy (market data): writers never look at readers; a reader that
//    fell a whole ring behind is lapped, jumps to the newest record and
//    counts what it missed (counters().framesMissed, and a sequence gap).
//  - Backpressure (execution, signals): a writer never overwrites what a live
//    subscribed reader has not read; it gets WouldBlock. Readers of dead
//    processes are reaped; a live reader that holds writers back longer than
//    slowConsumerTimeoutMs is evicted (its receive() returns -1, like the
//    relay disconnecting a slow consumer).
//  - Readers spin, or (wait = Block) spin spinUs then sleep on a futex in the
//    segment; writers only call FUTEX_WAKE when a reader says it sleeps.
//    A futex has no descriptor: pollFd() is -1.
//  - The segment is reinitialised by the first process that opens it while
//    nobody is attached (kernel-held OFD locks say who is attached, so a
//    kill -9 never leaves a false "in use"), and unlinked by the last one to
//    close. removeAbandoned() cleans one up without attaching.
// One endpoint is used by one thread at a time (send and receive included).
// Layout: docs/design/shared-memory.md.
#include <sys/stat.h>

#include <array>
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alphapulse/transport/domain_policy.hpp"
#include "alphapulse/transport/transport.hpp"
#include "alphapulse/wire/header.hpp"
#include "alphapulse/wire/message_type.hpp"

namespace alphapulse::transport {

namespace shm {
struct SegmentHeader;
struct ReaderSlot;
} // namespace shm

class ShmTransport final : public Transport {
public:
    enum class Wait : std::uint8_t {
        Spin,  ///< readers spin for the whole receive() timeout (lowest latency, a core each)
        Block, ///< spin spinUs, then sleep on the segment's futex
    };
    /// The domain's admission rules (DomainRules: domain, customTypes,
    /// validateChecksums, requireSequence, maxPayload, as RelayConfig has
    /// them), and the ring's own settings.
    struct Options : DomainRules {
        std::string name;                     ///< segment name under /dev/shm; "" = "alphapulse-<domain>"
        std::uint64_t sizeBytes = 64ull << 20; ///< ring bytes; rounded up to a power of two, at least 64 KiB
        Wait wait = Wait::Block;
        std::uint32_t spinUs = 50;            ///< Block: spin this long before sleeping
        bool backpressure = false;                  ///< false: Drop (lapped readers see a gap)
        std::uint32_t slowConsumerTimeoutMs = 2000; ///< Backpressure: longest a reader may hold writers back
        std::uint32_t mode = 0660;                  ///< exact file mode of a segment this endpoint creates (umask ignored)
        bool prefault = true;                       ///< MAP_POPULATE: no page faults on the hot path
        std::string clientName;                     ///< shown in the segment's endpoint table (stats), up to 31 bytes
    };
    /// The relay's defaults for `domain` (DomainPolicy::defaults, backpressure
    /// where the domain is lossless): market data drops without checksums;
    /// signals and system validate checksums with backpressure; execution also
    /// requires sequences.
    [[nodiscard]] static Options defaults(wire::Domain domain);

    struct Counters {
        std::uint64_t framesSent = 0;
        std::uint64_t framesReceived = 0;
        std::uint64_t dropsOutOfDomain = 0;
        std::uint64_t dropsBadChecksum = 0;
        std::uint64_t dropsBadSequence = 0;
        std::uint64_t dropsMalformed = 0;  ///< bytes after a bad magic / impossible size in a send()
        std::uint64_t laps = 0;            ///< times this reader was lapped (market data)
        std::uint64_t framesMissed = 0;    ///< frames written to the ring that it never saw
        std::uint64_t wouldBlock = 0;      ///< sends refused for backpressure
        std::uint64_t lockRecoveries = 0;  ///< dead writers' half-written records this endpoint repaired
        std::uint64_t readersReaped = 0;   ///< dead readers' slots this endpoint freed
        std::uint64_t readersEvicted = 0;  ///< slow readers this endpoint evicted
    };

    /// A segment's counters and endpoint table, read without attaching.
    struct Snapshot {
        struct Endpoint {
            std::uint32_t slot = 0;
            std::uint32_t pid = 0;
            std::string name;           ///< Options::clientName of the endpoint
            bool alive = false;         ///< its process still runs (else a dead process's slot, not yet reaped)
            bool reading = false;       ///< subscribed to something (counts for backpressure)
            bool subscribedAll = true;  ///< every type
            std::uint64_t position = 0; ///< next byte position it reads
            std::uint64_t lagBytes = 0; ///< published - position: what it still has to read (reading only)
            std::uint64_t framesOut = 0, framesIn = 0, missed = 0, laps = 0;
        };
        wire::Domain domain = wire::Domain::MarketData;
        bool backpressure = false;
        std::uint64_t ringBytes = 0;
        std::uint64_t published = 0;     ///< bytes committed to the ring so far
        std::uint64_t framesWritten = 0; ///< frames committed so far
        std::uint64_t attaches = 0;      ///< endpoints attached since the segment was initialised
        std::uint64_t lockRecoveries = 0, readersReaped = 0, readersEvicted = 0;
        std::uint64_t rejectedOutOfDomain = 0, rejectedBadChecksum = 0, rejectedBadSequence = 0,
                      rejectedMalformedBytes = 0;
        std::vector<Endpoint> endpoints; ///< live (and dead, not yet reaped) ones, by slot
    };
    /// Reads segment `name` read-only (its mode must let us read it); nullopt
    /// with `why` when absent, unreadable or not an alphapulse ring.
    [[nodiscard]] static std::optional<Snapshot> inspect(const std::string& name, std::string* why);

    explicit ShmTransport(Options options);
    ~ShmTransport() override;
    ShmTransport(const ShmTransport&) = delete;
    ShmTransport& operator=(const ShmTransport&) = delete;

    bool connect() override;
    [[nodiscard]] bool connected() const noexcept override { return m_header != nullptr; }
    SendStatus send(std::span<const std::uint8_t> frames) override;
    bool flush() override { return connected(); }
    [[nodiscard]] std::size_t pendingBytes() const noexcept override { return 0; }
    int receive(FrameHandler handler, int timeoutMs) override;
    [[nodiscard]] int pollFd() const noexcept override { return -1; }
    void close() noexcept override;
    [[nodiscard]] const std::string& reason() const noexcept override { return m_reason; }
    [[nodiscard]] std::string describe() const override { return "shm:/dev/shm/" + m_name; }

    [[nodiscard]] const Counters& counters() const noexcept { return m_counters; }
    [[nodiscard]] const std::string& segmentName() const noexcept { return m_name; }
    [[nodiscard]] std::uint64_t ringBytes() const noexcept { return m_ringBytes; }
    /// This endpoint's slot (0-63) while connected, else -1.
    [[nodiscard]] int slot() const noexcept { return m_slot; }
    /// Frames sent to the ring are visible to readers at once; a reader blocked
    /// in receive() wakes. Bytes readers still have to read (for tests and stats).
    [[nodiscard]] std::uint64_t backlogBytes() const noexcept;

    /// "alphapulse-<domain>".
    [[nodiscard]] static std::string defaultName(wire::Domain domain);
    /// Unlinks segment `name` if no live process is attached. True when it was
    /// removed, false when in use or absent.
    static bool removeAbandoned(const std::string& name);
    /// Unlinks `name` (nobody attached, `fd` open on it); when that is not
    /// ours to do (another user's file in the sticky /dev/shm), truncates it
    /// to 0 bytes instead. True when removed.
    static bool removeOrEmpty(int fd, const std::string& name) noexcept;

private:
    bool fail(std::string why);
    bool failLocked(std::string why);
    void closeLocked() noexcept;
    bool openSegment();
    /// A descriptor; -1 on error (errno), -2 when the name appeared or went meanwhile (retry).
    int openOrCreate(const std::string& shmName, bool& created) const;
    bool applyMode(int fd, const struct stat& opened, bool created) const;
    [[nodiscard]] std::string openFailure(const std::string& path) const;
    void initialise();
    [[nodiscard]] std::string checkHeader(std::size_t size) const;
    bool claimSlot();
    void lockWriters();
    bool trySolo() noexcept;
    SendStatus writeRecord(std::span<const std::uint8_t> frames, std::uint64_t keptBytes, std::uint64_t keptFrames,
                           bool allKept);
    void revokeSolo(std::uint64_t token);
    bool stillBlocked() noexcept;
    void repairAfterDeadWriter();
    bool waitForData(std::uint64_t position, int timeoutMs);
    void wakeReaders() noexcept;
    bool stillOwner() const noexcept;
    bool roomFor(std::uint64_t end);
    void advanceOverOwnRecords();
    void applySubscribe(const std::uint8_t* frame, std::size_t size);
    /// Counts `frames` refused for `reason` (and `malformedBytes` of broken
    /// framing) in this endpoint's counters and the segment's.
    void countRejected(const std::array<std::uint64_t, static_cast<std::size_t>(DropReason::COUNT_)>& frames,
                       std::uint64_t malformedBytes) noexcept;
    int deliver(FrameHandler& handler, std::size_t bytes);

    Options m_options;
    std::string m_name;
    std::uint64_t m_ringBytes = 0;
    int m_fd = -1;
    std::uint8_t* m_base = nullptr;
    std::size_t m_mappedBytes = 0;
    shm::SegmentHeader* m_header = nullptr;
    shm::ReaderSlot* m_slotPtr = nullptr;
    std::uint8_t* m_ring = nullptr;
    int m_slot = -1;
    std::uint64_t m_owner = 0;          ///< our slot's owner word (eviction changes it)
    std::uint64_t m_readPosition = 0;   ///< next byte position to read
    std::uint32_t m_nextFrameIndex = 0; ///< the frame index expected next (gap detection)
    bool m_haveFrameIndex = false;
    std::bitset<256> m_subscription;
    bool m_reading = true;
    DomainPolicy m_policy;               ///< m_options' admission rules, compiled
    SequenceTracker m_sequences;         ///< each source's last sequence sent through this endpoint
    /// Sources' sequences before the current send() (restored when it does not go through).
    std::vector<std::pair<std::uint8_t, std::optional<std::uint64_t>>> m_sequenceUndo;
    std::vector<std::uint8_t> m_accept;  ///< per frame of the current send(): 0 dropped, 1 kept, 2 subscribe
    std::vector<std::uint8_t> m_scratch; ///< records copied out of the ring before delivery
    std::uint64_t m_blockedSince = 0;    ///< backpressure: when the slowest reader started holding us
    std::uint64_t m_blockedOwner = 0;
    std::uint64_t m_blockedPosition = 0;
    std::uint64_t m_lastLivenessCheck = 0;
    std::uint32_t m_blockedSlot = 0;
    std::uint64_t m_blockedCheckedAt = 0;
    bool m_membarrier = false;           ///< this process takes part in membarrier() (see trySolo)
    std::uint64_t m_soloToken = 0;       ///< ours while we are the solo writer (see trySolo)
    Counters m_counters;
    std::string m_reason;
};

} // namespace alphapulse::transport
