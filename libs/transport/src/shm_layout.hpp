#pragma once
// The shared-memory segment's layout (docs/design/shared-memory.md is the
// normative description; every offset here is asserted so a change that
// moves a field fails to compile and says "bump SHM_LAYOUT_VERSION").
//
//   0            SegmentHeader   (4096 bytes: identity, write lock, cursors, wake word, statistics)
//   4096         64 ReaderSlot   (128 bytes each: one per attached endpoint)
//   12288        ring            (ringBytes, a power of two; byte position p lives at p & (ringBytes - 1))
//
// Positions are absolute byte counts that only grow (u64: no wrap in
// practice). Records are 16-byte aligned and never wrap: a writer pads to
// the end of the ring with a Skip record first.
//
//   record:  0       4      6    7    8          12          16
//            | size  |writer|kind| 0  | frames   | frameIndex |  frames...  (padding to 16)
//            size: whole record incl. this header, multiple of 16
//            writer: slot index of the endpoint that wrote it (no echo)
//            kind: 1 frames, 2 skip (end-of-ring padding or a dead writer's reservation)
//            frames: whole frames in the record; frameIndex: low 32 bits of the ring-wide
//            index of its first frame (readers count missed frames from it)
#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace alphapulse::transport::shm {

inline constexpr std::uint64_t SHM_MAGIC = 0x31474e4952504141ULL; // "AAPRING1" little-endian
inline constexpr std::uint32_t SHM_LAYOUT_VERSION = 1;
inline constexpr std::uint32_t SLOT_COUNT = 64;
inline constexpr std::size_t HEADER_BYTES = 4096;
inline constexpr std::size_t SLOT_BYTES = 128;
inline constexpr std::size_t SLOTS_OFFSET = HEADER_BYTES;
inline constexpr std::size_t RING_OFFSET = SLOTS_OFFSET + SLOT_COUNT * SLOT_BYTES; // 12288
inline constexpr std::size_t RECORD_HEADER = 16;
inline constexpr std::size_t RECORD_ALIGN = 16;
inline constexpr std::uint64_t MIN_RING_BYTES = 64 * 1024;

inline constexpr std::uint8_t KIND_FRAMES = 1;
inline constexpr std::uint8_t KIND_SKIP = 2;

// Slot owner word: state (bits 56-63) | generation (bits 32-55) | pid (bits 0-31).
inline constexpr std::uint64_t STATE_FREE = 0;
inline constexpr std::uint64_t STATE_LIVE = 1;
inline constexpr std::uint64_t STATE_EVICTED = 2;
[[nodiscard]] constexpr std::uint64_t ownerState(std::uint64_t owner) noexcept { return owner >> 56; }
[[nodiscard]] constexpr std::uint32_t ownerGeneration(std::uint64_t owner) noexcept {
    return static_cast<std::uint32_t>((owner >> 32) & 0xFFFFFFU);
}
[[nodiscard]] constexpr std::uint32_t ownerPid(std::uint64_t owner) noexcept {
    return static_cast<std::uint32_t>(owner & 0xFFFFFFFFU);
}
/// The solo writer's token: its slot index + 1 in the top byte (where the
/// owner word has its state), the rest of its owner word below.
[[nodiscard]] constexpr std::uint64_t soloToken(std::uint32_t slot, std::uint64_t owner) noexcept {
    return (static_cast<std::uint64_t>(slot + 1) << 56) | (owner & 0x00FFFFFFFFFFFFFFULL);
}
[[nodiscard]] constexpr std::uint32_t soloSlot(std::uint64_t token) noexcept {
    return static_cast<std::uint32_t>(token >> 56) - 1;
}
inline constexpr std::uint64_t SOLO_AFTER_SENDS = 64; ///< consecutive sends through the lock that make a writer solo

[[nodiscard]] constexpr std::uint64_t makeOwner(std::uint64_t state, std::uint32_t generation, std::uint32_t pid) noexcept {
    return (state << 56) | (static_cast<std::uint64_t>(generation & 0xFFFFFFU) << 32) | pid;
}

struct SegmentHeader {
    // Line 0: identity, written once at initialisation (magic last, release).
    std::atomic<std::uint64_t> magic;   // 0
    std::uint32_t layoutVersion;        // 8
    std::uint32_t slotsOffset;          // 12
    std::uint64_t ringBytes;            // 16
    std::uint64_t ringOffset;           // 24
    std::uint32_t slotCount;            // 32
    std::uint32_t slotBytes;            // 36
    std::uint8_t domain;                // 40  wire::Domain
    std::uint8_t backpressure;          // 41  1: writers never overwrite what a live reader has not read
    std::uint8_t reserved0[6];          // 42
    std::atomic<std::uint64_t> soloWriter; // 48  0, or the token of the one writer allowed to skip the lock
    std::uint64_t reserved0b;           // 56
    // Line 1: the writers' lock (process-shared, robust), and state only the
    // writer that owns the ring changes: the lock holder, or the solo writer
    // (soloWriter), which skips the lock while no other writer is about.
    // Statistics read framesWritten without either, as a counter that may lag.
    alignas(64) pthread_mutex_t writeLock; // 64 (40 bytes with glibc x86-64)
    alignas(8) std::uint64_t framesWritten; // 104  frames committed so far (the owning writer writes it)
    std::uint64_t readerLimit;              // 112  backpressure: writers rescan slots past this position
    std::uint64_t lastLockedWriter;         // 120  owner word of the last writer through the lock
    // Line 2: cursors (writers store, readers load).
    alignas(64) std::atomic<std::uint64_t> published; // 128  end of the last committed record
    std::atomic<std::uint64_t> reserved;              // 136  end of the last claimed record (>= published)
    std::uint64_t lockedRun;                          // 144  consecutive sends through the lock by lastLockedWriter
    std::uint8_t reserved2[40];
    // Line 3: blocking readers.
    alignas(64) std::atomic<std::uint32_t> wakeSeq;  // 192  futex word, bumped by a writer that saw sleepers
    std::atomic<std::uint32_t> sleepers;             // 196  readers inside (or about to enter) FUTEX_WAIT
    std::uint8_t reserved3[56];
    // Line 4: statistics.
    alignas(64) std::atomic<std::uint64_t> lockRecoveries; // 256  a writer died holding the lock; repaired
    std::atomic<std::uint64_t> readersReaped;              // 264  slots of dead processes freed
    std::atomic<std::uint64_t> readersEvicted;             // 272  slow readers evicted (backpressure)
    std::atomic<std::uint64_t> initialisations;            // 280  reserved (always 1 after init)
    // Frames producers' send() refused (the relay's drop reasons), so that
    // anyone can read them from the segment (alphapulse stats). Added in
    // space that was zero: layout version 1 readers ignore them.
    std::atomic<std::uint64_t> rejectedOutOfDomain;        // 288
    std::atomic<std::uint64_t> rejectedBadChecksum;        // 296
    std::atomic<std::uint64_t> rejectedBadSequence;        // 304
    std::atomic<std::uint64_t> rejectedMalformedBytes;     // 312  bytes after a bad magic / impossible size
};

struct ReaderSlot {
    std::atomic<std::uint64_t> owner;     // 0   see makeOwner()
    std::atomic<std::uint64_t> startTime; // 8   /proc/<pid>/stat field 22 (pid reuse check); 0 = unknown
    std::atomic<std::uint64_t> position;  // 16  next byte position this endpoint reads
    std::atomic<std::uint32_t> reading;   // 24  1: counts for backpressure (subscribed to something)
    std::atomic<std::uint32_t> inSend;    // 28  the solo writer is inside a lock-free send
    std::uint8_t subscription[32];        // 32  message types received (bit t of byte t/8); informational
    std::atomic<std::uint64_t> framesOut; // 64  frames this endpoint wrote
    std::atomic<std::uint64_t> framesIn;  // 72  frames delivered to it
    std::atomic<std::uint64_t> missed;    // 80  frames it missed (lapped)
    std::atomic<std::uint64_t> laps;      // 88  times it was lapped
    char name[32];                        // 96  the endpoint's client name, NUL-terminated (informational;
                                          //     space that was zero in layout version 1)
};

static_assert(sizeof(std::atomic<std::uint64_t>) == 8 && std::atomic<std::uint64_t>::is_always_lock_free,
              "shared-memory cursors must be lock-free 8-byte atomics");
static_assert(sizeof(std::atomic<std::uint32_t>) == 4 && std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(sizeof(pthread_mutex_t) <= 40, "the write lock must fit 64..104: bump SHM_LAYOUT_VERSION");
static_assert(offsetof(SegmentHeader, layoutVersion) == 8 && offsetof(SegmentHeader, ringBytes) == 16 &&
                  offsetof(SegmentHeader, slotCount) == 32 && offsetof(SegmentHeader, domain) == 40 &&
                  offsetof(SegmentHeader, writeLock) == 64 && offsetof(SegmentHeader, framesWritten) == 104 &&
                  offsetof(SegmentHeader, readerLimit) == 112 && offsetof(SegmentHeader, published) == 128 &&
                  offsetof(SegmentHeader, reserved) == 136 && offsetof(SegmentHeader, wakeSeq) == 192 &&
                  offsetof(SegmentHeader, sleepers) == 196 && offsetof(SegmentHeader, lockRecoveries) == 256 &&
                  offsetof(SegmentHeader, soloWriter) == 48 && offsetof(SegmentHeader, lastLockedWriter) == 120 &&
                  offsetof(SegmentHeader, lockedRun) == 144 && offsetof(SegmentHeader, rejectedOutOfDomain) == 288 &&
                  offsetof(SegmentHeader, rejectedMalformedBytes) == 312,
              "a segment header field moved: bump SHM_LAYOUT_VERSION and update docs/design/shared-memory.md");
static_assert(sizeof(SegmentHeader) <= HEADER_BYTES);
static_assert(offsetof(ReaderSlot, startTime) == 8 && offsetof(ReaderSlot, position) == 16 &&
                  offsetof(ReaderSlot, reading) == 24 && offsetof(ReaderSlot, inSend) == 28 &&
                  offsetof(ReaderSlot, subscription) == 32 &&
                  offsetof(ReaderSlot, framesOut) == 64 && offsetof(ReaderSlot, laps) == 88 &&
                  offsetof(ReaderSlot, name) == 96 &&
                  sizeof(ReaderSlot) == SLOT_BYTES,
              "a reader slot field moved: bump SHM_LAYOUT_VERSION and update docs/design/shared-memory.md");

/// The 16-byte header at the start of every record (copied in and out with memcpy).
struct RecordHeader {
    std::uint32_t size;
    std::uint16_t writer;
    std::uint8_t kind;
    std::uint8_t zero;
    std::uint32_t frames;
    std::uint32_t frameIndex;
};
static_assert(sizeof(RecordHeader) == RECORD_HEADER);

[[nodiscard]] constexpr std::uint64_t alignRecord(std::uint64_t bytes) noexcept {
    return (bytes + RECORD_ALIGN - 1) & ~static_cast<std::uint64_t>(RECORD_ALIGN - 1);
}

} // namespace alphapulse::transport::shm
