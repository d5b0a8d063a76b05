// ShmTransport's segment: opening or creating it, initialising, checking and
// attaching to it (a reader slot), detaching, removing, and reading it
// without attaching (inspect). docs/design/shared-memory.md, "Attach".
#include "alphapulse/transport/shm_transport.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <new>

#include "alphapulse/wire/frame.hpp"
#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/subscribe.hpp"
#include "shm_layout.hpp"
#include "shm_process.hpp"
#include "shm_internal.hpp"

namespace alphapulse::transport {

using namespace shm;

namespace {

// One mapping (and one descriptor, holding one attach lock) per segment per
// process, shared by its endpoints: cheaper, and ThreadSanitizer then sees
// the ring's synchronisation between threads at the same addresses.
struct SharedMapping {
    std::string name;
    int fd = -1;
    std::uint8_t* base = nullptr;
    std::size_t size = 0;
    int refs = 0;
};
std::mutex& registryMutex() {
    static std::mutex mutex;
    return mutex;
}
std::vector<std::unique_ptr<SharedMapping>>& registry() {
    static std::vector<std::unique_ptr<SharedMapping>> mappings;
    return mappings;
}
SharedMapping* findMapping(const std::string& name) {
    for (auto& m : registry()) {
        if (m->name == name) return m.get();
    }
    return nullptr;
}

} // namespace

bool ShmTransport::connect() {
    std::lock_guard guard(registryMutex());
    closeLocked();
    m_reason.clear();
    if (m_name.empty() || m_name.find('/') != std::string::npos) return failLocked("bad segment name '" + m_name + "'");
    return openSegment();
}

bool ShmTransport::failLocked(std::string why) {
    closeLocked();
    m_reason = std::move(why);
    return false;
}

std::string ShmTransport::checkHeader(std::size_t size) const {
    const auto* h = m_header;
    if (h->magic.load(std::memory_order_acquire) != SHM_MAGIC) return "not an alphapulse ring";
    if (h->layoutVersion != SHM_LAYOUT_VERSION || h->slotCount != SLOT_COUNT || h->slotBytes != SLOT_BYTES ||
        h->ringOffset != RING_OFFSET) {
        return "layout version " + std::to_string(h->layoutVersion) + ", this build uses " +
               std::to_string(SHM_LAYOUT_VERSION);
    }
    if (h->ringBytes != m_ringBytes || size < RING_OFFSET + h->ringBytes) {
        return "ring of " + std::to_string(h->ringBytes) + " bytes, configured " + std::to_string(m_ringBytes);
    }
    if (h->domain != static_cast<std::uint8_t>(m_options.domain)) {
        return "domain " + std::string(wire::domainName(static_cast<wire::Domain>(h->domain)));
    }
    if ((h->backpressure != 0) != m_options.backpressure) {
        return h->backpressure != 0 ? "backpressure policy" : "drop policy";
    }
    return {};
}

bool ShmTransport::openSegment() {
    const std::string shmName = "/" + m_name;
    const std::string path = "/dev/shm/" + m_name;
    if (SharedMapping* shared = findMapping(m_name)) {
        // This process is attached already: share its mapping.
        m_fd = shared->fd;
        m_base = shared->base;
        m_mappedBytes = shared->size;
        m_header = reinterpret_cast<SegmentHeader*>(m_base);
        ++shared->refs;
        rangeLock(m_fd, LOCK_INIT_BYTE, LockKind::Exclusive, true);
        if (const std::string mismatch = checkHeader(m_mappedBytes); !mismatch.empty()) {
            return failLocked("segment " + path + " is in use with a different setup (" + mismatch + ")");
        }
        m_ring = m_base + RING_OFFSET;
        const bool claimed = claimSlot();
        if (m_fd >= 0) rangeLock(m_fd, LOCK_INIT_BYTE, LockKind::Unlock, false);
        return claimed;
    }
    const std::size_t want = RING_OFFSET + m_ringBytes;
    for (int attempt = 0; attempt < 8; ++attempt) {
        bool created = false;
        const int fd = openOrCreate(shmName, created);
        if (fd == -2) continue; // created or removed by someone else meanwhile
        if (fd < 0) return failLocked(openFailure(path));
        if (!rangeLock(fd, LOCK_INIT_BYTE, LockKind::Exclusive, true)) {
            ::close(fd);
            return failLocked(errnoText("locking the segment"));
        }
        // The last endpoint to close unlinks the name; if that happened
        // between our shm_open and the lock, this file is orphaned: retry.
        struct stat opened{}, named{};
        if (::fstat(fd, &opened) != 0 || ::stat(path.c_str(), &named) != 0 || opened.st_ino != named.st_ino) {
            ::close(fd);
            continue;
        }
        m_fd = fd;
        const bool alone = rangeLock(fd, LOCK_ATTACH_BYTE, LockKind::Exclusive, false);
        std::size_t size = static_cast<std::size_t>(opened.st_size);
        if (alone) {
            // Nobody is attached: whatever is here was left by dead processes
            // (or is new). Start clean, with our size and our mode.
            if (size != want && ::ftruncate(fd, static_cast<off_t>(want)) != 0) return failLocked(errnoText("ftruncate"));
            if (!applyMode(fd, opened, created)) return failLocked(errnoText(("setting the mode of " + path).c_str()));
            size = want;
        } else if (size < RING_OFFSET + MIN_RING_BYTES) {
            return failLocked("segment " + path + " is in use but too small to be an alphapulse ring");
        }
        const int flags = MAP_SHARED | (m_options.prefault ? MAP_POPULATE : 0);
        void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, flags, fd, 0);
        if (base == MAP_FAILED) return failLocked(errnoText("mmap"));
        m_base = static_cast<std::uint8_t*>(base);
        m_mappedBytes = size;
        m_header = reinterpret_cast<SegmentHeader*>(m_base);
        auto mapping = std::make_unique<SharedMapping>();
        mapping->name = m_name;
        mapping->fd = fd;
        mapping->base = m_base;
        mapping->size = size;
        mapping->refs = 1;
        registry().push_back(std::move(mapping));
        if (alone) {
            initialise();
        } else if (const std::string mismatch = checkHeader(size); !mismatch.empty()) {
            return failLocked("segment " + path + " is in use by live processes with a different setup (" + mismatch +
                              "); stop them or pick another name");
        }
        m_ring = m_base + RING_OFFSET;
        // From here on we count as attached (the exclusive lock, if we had it,
        // becomes shared in one step).
        if (!rangeLock(fd, LOCK_ATTACH_BYTE, LockKind::Shared, true)) return failLocked(errnoText("attaching"));
        const bool claimed = claimSlot();
        if (m_fd >= 0) rangeLock(m_fd, LOCK_INIT_BYTE, LockKind::Unlock, false);
        return claimed;
    }
    return failLocked("segment " + path + " kept being removed while opening it");
}

int ShmTransport::openOrCreate(const std::string& shmName, bool& created) const {
    // Open first, create (exclusively) only when absent: with
    // fs.protected_regular, O_CREAT on another user's file in the sticky
    // /dev/shm is refused even when its mode lets us in.
    created = false;
    const int fd = ::shm_open(shmName.c_str(), O_RDWR | O_CLOEXEC, 0);
    if (fd >= 0 || errno != ENOENT) return fd;
    const int made = ::shm_open(shmName.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(m_options.mode));
    if (made >= 0) {
        created = true;
        return made;
    }
    return errno == EEXIST ? -2 : -1;
}

bool ShmTransport::applyMode(int fd, const struct stat& opened, bool created) const {
    // shm_open's mode is cut by the umask (0660 became 0640 under 022, and
    // the group could not attach): set exactly the configured one, as the
    // relay does for its socket. A segment we reinitialise gets it too when
    // it is ours to change.
    const auto want = static_cast<mode_t>(m_options.mode & 07777);
    const bool ours = opened.st_uid == ::geteuid();
    if (!created && (!ours || (opened.st_mode & 07777) == want)) return true;
    return ::fchmod(fd, want) == 0;
}

std::string ShmTransport::openFailure(const std::string& path) const {
    const int error = errno;
    std::string why = "shm_open " + path + ": " + std::strerror(error);
    struct stat st{};
    if (error != EACCES || ::stat(path.c_str(), &st) != 0) return why;
    // Say whose it is and who we are: the fix is a group or a mode.
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return "permission denied: " + path + " is owned by uid " + std::to_string(st.st_uid) + " gid " +
           std::to_string(st.st_gid) + " with mode " + mode + ", and this process runs as uid " +
           std::to_string(::geteuid()) + " gid " + std::to_string(::getegid()) +
           "; run it as a member of that group (with socket_mode giving the group rw, e.g. \"0660\") or as that user";
}

void ShmTransport::initialise() {
    std::memset(m_base, 0, RING_OFFSET);
    auto* h = new (m_base) SegmentHeader{}; // begins the lifetime of the atomics in the mapping
    h->layoutVersion = SHM_LAYOUT_VERSION;
    h->slotsOffset = static_cast<std::uint32_t>(SLOTS_OFFSET);
    h->ringBytes = m_ringBytes;
    h->ringOffset = RING_OFFSET;
    h->slotCount = SLOT_COUNT;
    h->slotBytes = static_cast<std::uint32_t>(SLOT_BYTES);
    h->domain = static_cast<std::uint8_t>(m_options.domain);
    h->backpressure = m_options.backpressure ? 1 : 0;
    pthread_mutexattr_t attr;
    ::pthread_mutexattr_init(&attr);
    ::pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    ::pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    ::pthread_mutex_init(&h->writeLock, &attr);
    ::pthread_mutexattr_destroy(&attr);
    for (std::uint32_t i = 0; i < SLOT_COUNT; ++i) new (m_base + SLOTS_OFFSET + i * SLOT_BYTES) ReaderSlot{};
    h->initialisations.store(1, std::memory_order_relaxed);
    h->magic.store(SHM_MAGIC, std::memory_order_release);
    m_header = h;
}

bool ShmTransport::claimSlot() {
    auto* slots = reinterpret_cast<ReaderSlot*>(m_base + SLOTS_OFFSET);
    const auto pid = static_cast<std::uint32_t>(::getpid());
    lockWriters(); // position and readerLimit change together with what writers see
    for (int pass = 0; pass < 2 && m_slot < 0; ++pass) {
        for (std::uint32_t i = 0; i < SLOT_COUNT && m_slot < 0; ++i) {
            ReaderSlot& s = slots[i];
            std::uint64_t owner = s.owner.load(std::memory_order_acquire);
            if (ownerState(owner) == STATE_LIVE) {
                // Second pass (table full): reap slots of dead processes.
                if (pass == 0 || processAlive(ownerPid(owner), s.startTime.load(std::memory_order_relaxed))) continue;
                const std::uint64_t freed = makeOwner(STATE_FREE, ownerGeneration(owner), 0);
                if (!s.owner.compare_exchange_strong(owner, freed)) continue;
                m_header->readersReaped.fetch_add(1, std::memory_order_relaxed);
                ++m_counters.readersReaped;
                owner = freed;
            }
            const std::uint64_t mine = makeOwner(STATE_LIVE, ownerGeneration(owner) + 1, pid);
            if (!s.owner.compare_exchange_strong(owner, mine)) continue;
            const std::uint64_t now = m_header->published.load(std::memory_order_relaxed);
            s.startTime.store(ownStartTime(), std::memory_order_relaxed);
            s.position.store(now, std::memory_order_release);
            s.reading.store(1, std::memory_order_release);
            s.inSend.store(0, std::memory_order_relaxed);
            std::memset(s.subscription, 0xFF, sizeof s.subscription);
            s.framesOut.store(0, std::memory_order_relaxed);
            s.framesIn.store(0, std::memory_order_relaxed);
            s.missed.store(0, std::memory_order_relaxed);
            s.laps.store(0, std::memory_order_relaxed);
            std::memset(s.name, 0, sizeof s.name);
            std::memcpy(s.name, m_options.clientName.data(), std::min(m_options.clientName.size(), sizeof s.name - 1));
            m_header->readerLimit = std::min(m_header->readerLimit, now + m_ringBytes);
            m_slot = static_cast<int>(i);
            m_slotPtr = &s;
            m_owner = mine;
            m_readPosition = now;
            m_nextFrameIndex = static_cast<std::uint32_t>(m_header->framesWritten); // exact: we hold the lock
        }
    }
    ::pthread_mutex_unlock(&m_header->writeLock);
    if (m_slot < 0) return failLocked("all " + std::to_string(SLOT_COUNT) + " endpoint slots of /dev/shm/" + m_name + " are in use");
    m_haveFrameIndex = true;
    m_reading = true;
    m_subscription.set();
    m_sequences.reset();
    m_blockedSince = 0;
    m_soloToken = 0;
    m_membarrier = registerMembarrier(); // every process on the ring takes part in the barriers (see trySolo)
    return true;
}

void ShmTransport::close() noexcept {
    if (m_fd < 0 && m_base == nullptr) return;
    std::lock_guard guard(registryMutex());
    closeLocked();
}

void ShmTransport::closeLocked() noexcept {
    if (m_fd < 0 && m_base == nullptr) return;
    if (m_fd >= 0) rangeLock(m_fd, LOCK_INIT_BYTE, LockKind::Exclusive, true);
    if (m_slotPtr != nullptr && m_soloToken != 0 &&
        m_header->soloWriter.load(std::memory_order_relaxed) == m_soloToken) {
        std::uint64_t expected = m_soloToken;
        m_header->soloWriter.compare_exchange_strong(expected, 0);
    }
    m_soloToken = 0;
    if (m_slotPtr != nullptr) {
        m_slotPtr->reading.store(0, std::memory_order_release);
        std::uint64_t owner = m_owner;
        // Evicted already: the slot may be someone else's now; leave it.
        m_slotPtr->owner.compare_exchange_strong(owner, makeOwner(STATE_FREE, ownerGeneration(m_owner), 0));
    }
    auto& mappings = registry();
    auto it = std::find_if(mappings.begin(), mappings.end(), [&](const auto& m) { return m->fd == m_fd && m_fd >= 0; });
    const bool last = it == mappings.end() || --(*it)->refs == 0;
    if (last) {
        if (m_base != nullptr) ::munmap(m_base, m_mappedBytes);
        if (m_fd >= 0) {
            // Detach, then remove the name if nobody else is attached.
            rangeLock(m_fd, LOCK_ATTACH_BYTE, LockKind::Unlock, false);
            if (rangeLock(m_fd, LOCK_ATTACH_BYTE, LockKind::Exclusive, false)) removeOrEmpty(m_fd, m_name);
            ::close(m_fd); // releases every lock of this descriptor
        }
        if (it != mappings.end()) mappings.erase(it);
    } else {
        rangeLock(m_fd, LOCK_INIT_BYTE, LockKind::Unlock, false);
    }
    m_fd = -1;
    m_base = nullptr;
    m_header = nullptr;
    m_slotPtr = nullptr;
    m_ring = nullptr;
    m_slot = -1;
    m_reason = "closed";
}

bool ShmTransport::removeOrEmpty(int fd, const std::string& name) noexcept {
    // Nobody is attached (we hold the attach byte exclusively). In the sticky
    // /dev/shm only the file's owner may remove it: a member of its group
    // that detaches last empties it instead, so it holds no memory; the next
    // endpoint to attach resizes and reinitialises it.
    if (::shm_unlink(("/" + name).c_str()) == 0) return true;
    if (errno == EPERM || errno == EACCES) static_cast<void>(::ftruncate(fd, 0));
    return false;
}

bool ShmTransport::removeAbandoned(const std::string& name) {
    const std::string shmName = "/" + name;
    const int fd = ::shm_open(shmName.c_str(), O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) return false;
    bool removed = false;
    if (rangeLock(fd, LOCK_INIT_BYTE, LockKind::Exclusive, true)) {
        struct stat opened{}, named{};
        const bool same = ::fstat(fd, &opened) == 0 && ::stat(("/dev/shm/" + name).c_str(), &named) == 0 &&
                          opened.st_ino == named.st_ino;
        if (same && rangeLock(fd, LOCK_ATTACH_BYTE, LockKind::Exclusive, false)) removed = removeOrEmpty(fd, name);
    }
    ::close(fd);
    return removed;
}

namespace {

ShmTransport::Snapshot::Endpoint endpointOf(const ReaderSlot& s, std::uint32_t index, std::uint64_t published) {
    ShmTransport::Snapshot::Endpoint e;
    const std::uint64_t owner = s.owner.load(std::memory_order_acquire);
    e.slot = index;
    e.pid = ownerPid(owner);
    e.alive = processAlive(e.pid, s.startTime.load(std::memory_order_relaxed));
    e.reading = s.reading.load(std::memory_order_acquire) != 0;
    e.position = s.position.load(std::memory_order_acquire);
    e.lagBytes = e.reading && published > e.position ? published - e.position : 0;
    e.subscribedAll = std::all_of(std::begin(s.subscription), std::end(s.subscription),
                                  [](std::uint8_t b) { return b == 0xFF; });
    e.framesOut = s.framesOut.load(std::memory_order_relaxed);
    e.framesIn = s.framesIn.load(std::memory_order_relaxed);
    e.missed = s.missed.load(std::memory_order_relaxed);
    e.laps = s.laps.load(std::memory_order_relaxed);
    e.name.assign(s.name, ::strnlen(s.name, sizeof s.name));
    return e;
}

ShmTransport::Snapshot snapshotOf(const SegmentHeader& h, const std::uint8_t* base) {
    ShmTransport::Snapshot out;
    out.domain = static_cast<wire::Domain>(h.domain);
    out.backpressure = h.backpressure != 0;
    out.ringBytes = h.ringBytes;
    out.published = h.published.load(std::memory_order_acquire);
    out.framesWritten = h.framesWritten; // written under the lock: a statistic, read as it is
    out.lockRecoveries = h.lockRecoveries.load(std::memory_order_relaxed);
    out.readersReaped = h.readersReaped.load(std::memory_order_relaxed);
    out.readersEvicted = h.readersEvicted.load(std::memory_order_relaxed);
    out.rejectedOutOfDomain = h.rejectedOutOfDomain.load(std::memory_order_relaxed);
    out.rejectedBadChecksum = h.rejectedBadChecksum.load(std::memory_order_relaxed);
    out.rejectedBadSequence = h.rejectedBadSequence.load(std::memory_order_relaxed);
    out.rejectedMalformedBytes = h.rejectedMalformedBytes.load(std::memory_order_relaxed);
    for (std::uint32_t i = 0; i < SLOT_COUNT; ++i) {
        const auto& s = *reinterpret_cast<const ReaderSlot*>(base + SLOTS_OFFSET + i * SLOT_BYTES);
        const std::uint64_t owner = s.owner.load(std::memory_order_acquire);
        // Each claim raises the slot's generation by one: their sum counts attaches.
        out.attaches += ownerGeneration(owner);
        if (ownerState(owner) == STATE_LIVE) out.endpoints.push_back(endpointOf(s, i, out.published));
    }
    return out;
}

} // namespace

std::optional<ShmTransport::Snapshot> ShmTransport::inspect(const std::string& name, std::string* why) {
    // Read-only and without the attach lock: a reader of counters must
    // neither count as attached nor keep the segment from being removed.
    const std::string path = "/dev/shm/" + name;
    auto failed = [&](std::string text) -> std::optional<Snapshot> {
        if (why != nullptr) *why = std::move(text);
        return std::nullopt;
    };
    const int fd = ::shm_open(("/" + name).c_str(), O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) {
        return failed(errno == ENOENT ? "no segment " + path + " (nothing attached to the domain)"
                                      : errnoText(("shm_open " + path).c_str()));
    }
    struct stat st{};
    void* base = MAP_FAILED;
    if (::fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) >= RING_OFFSET) {
        base = ::mmap(nullptr, RING_OFFSET, PROT_READ, MAP_SHARED, fd, 0);
    }
    ::close(fd);
    if (base == MAP_FAILED) return failed(path + " is empty or too small to be an alphapulse ring (left by a detached group member?)");
    const auto* bytes = static_cast<const std::uint8_t*>(base);
    const auto& h = *reinterpret_cast<const SegmentHeader*>(bytes);
    std::optional<Snapshot> out;
    if (h.magic.load(std::memory_order_acquire) != SHM_MAGIC || h.layoutVersion != SHM_LAYOUT_VERSION ||
        h.slotCount != SLOT_COUNT || h.slotBytes != SLOT_BYTES) {
        ::munmap(base, RING_OFFSET);
        return failed(path + " is not an alphapulse ring of layout version " + std::to_string(SHM_LAYOUT_VERSION));
    }
    out = snapshotOf(h, bytes);
    ::munmap(base, RING_OFFSET);
    return out;
}

} // namespace alphapulse::transport
