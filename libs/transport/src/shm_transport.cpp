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

namespace alphapulse::transport {

using namespace shm;

namespace {

constexpr std::uint64_t MAX_RING_BYTES = 1ULL << 30; // record sizes are u32
// Bytes copied out per receive() (whole records): small enough that a
// backpressured writer sees the reader's position move often.
constexpr std::size_t COPY_BUDGET = 32 * 1024;
constexpr std::uint64_t SLEEP_SLICE_NS = 100'000'000; // a lost wake-up (writer died) costs at most this
constexpr std::uint64_t LIVENESS_CHECK_NS = 1'000'000; // blocked writers look at /proc at most this often
constexpr std::uint8_t ACCEPT_DROP = 0, ACCEPT_KEEP = 1, ACCEPT_SUBSCRIBE = 2;

std::uint64_t roundRing(std::uint64_t bytes) {
    std::uint64_t cap = MIN_RING_BYTES;
    while (cap < bytes && cap < MAX_RING_BYTES) cap <<= 1;
    return cap;
}

inline void cpuRelax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

std::string errnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// GCC refuses std::atomic_thread_fence under -fsanitize=thread (TSan does not
// model fences); there each fence becomes a read-modify-write on a private
// word, which keeps the hardware ordering and compiles.
#if defined(__SANITIZE_THREAD__)
std::atomic<int> g_fenceWord{0};
inline void fence(std::memory_order) noexcept { g_fenceWord.fetch_add(0, std::memory_order_seq_cst); }
#else
inline void fence(std::memory_order order) noexcept { std::atomic_thread_fence(order); }
#endif

} // namespace

ShmTransport::Options ShmTransport::defaults(wire::Domain domain) {
    Options o;
    static_cast<DomainRules&>(o) = DomainPolicy::defaults(domain);
    o.backpressure = DomainPolicy::losslessByDefault(domain);
    return o;
}

std::string ShmTransport::defaultName(wire::Domain domain) {
    return "alphapulse-" + std::string(wire::domainName(domain));
}

ShmTransport::ShmTransport(Options options) : m_options(std::move(options)), m_policy(m_options) {
    m_name = m_options.name.empty() ? defaultName(m_options.domain) : m_options.name;
    while (!m_name.empty() && m_name.front() == '/') m_name.erase(0, 1);
    m_ringBytes = roundRing(m_options.sizeBytes);
    m_subscription.set();
}

ShmTransport::~ShmTransport() { close(); }

bool ShmTransport::fail(std::string why) {
    close();
    m_reason = std::move(why);
    return false;
}

// ------------------------------------------------------------ attach / detach

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

void ShmTransport::lockWriters() {
    const int rc = ::pthread_mutex_lock(&m_header->writeLock);
    if (rc == EOWNERDEAD) {
        // A writer died holding the lock: close its half-written record, then
        // mark the lock usable again.
        repairAfterDeadWriter();
        ::pthread_mutex_consistent(&m_header->writeLock);
        m_header->lockRecoveries.fetch_add(1, std::memory_order_relaxed);
        ++m_counters.lockRecoveries;
    }
    const std::uint64_t solo = m_header->soloWriter.load(std::memory_order_acquire);
    if (solo != 0 && solo != soloToken(static_cast<std::uint32_t>(m_slot), m_owner)) revokeSolo(solo);
}

[[gnu::always_inline]] inline bool ShmTransport::trySolo() noexcept {
    // The fast side of an asymmetric Dekker handshake with revokeSolo():
    // announce, then look; only a compiler barrier between (the revoker's
    // membarrier() stands in for our fence). No locked instruction here.
    auto* h = m_header;
    if (h->soloWriter.load(std::memory_order_relaxed) != m_soloToken || m_soloToken == 0) return false;
    m_slotPtr->inSend.store(1, std::memory_order_relaxed);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    if (h->soloWriter.load(std::memory_order_acquire) == m_soloToken) return true;
    m_slotPtr->inSend.store(0, std::memory_order_release);
    return false;
}

void ShmTransport::revokeSolo(std::uint64_t token) {
    // Under the write lock. After the store and the barrier on every CPU,
    // the solo writer either sees the revocation before its next send or is
    // seen inside one (inSend), which we wait out.
    auto* h = m_header;
    h->soloWriter.store(0, std::memory_order_seq_cst);
    globalMembarrier();
    const std::uint32_t index = soloSlot(token);
    if (index < SLOT_COUNT) {
        ReaderSlot& s = *reinterpret_cast<ReaderSlot*>(m_base + SLOTS_OFFSET + index * SLOT_BYTES);
        const std::uint32_t pid = ownerPid(token);
        std::uint64_t lastCheck = monotonicNs();
        for (std::uint32_t spins = 0; s.inSend.load(std::memory_order_acquire) != 0; ++spins) {
            if (spins < 1000) {
                cpuRelax();
                continue;
            }
            std::this_thread::yield();
            const std::uint64_t now = monotonicNs();
            if (now - lastCheck < LIVENESS_CHECK_NS) continue;
            lastCheck = now;
            const std::uint64_t start = ownerPid(s.owner.load(std::memory_order_relaxed)) == pid
                                            ? s.startTime.load(std::memory_order_relaxed)
                                            : 0;
            if (!processAlive(pid, start)) {
                s.inSend.store(0, std::memory_order_relaxed);
                break;
            }
        }
    }
    // A solo writer that died inside a send left its claim half written.
    if (h->reserved.load(std::memory_order_relaxed) != h->published.load(std::memory_order_relaxed)) {
        repairAfterDeadWriter();
        h->lockRecoveries.fetch_add(1, std::memory_order_relaxed);
        ++m_counters.lockRecoveries;
    }
    h->lastLockedWriter = 0;
    h->lockedRun = 0;
}

void ShmTransport::repairAfterDeadWriter() {
    auto* h = m_header;
    std::uint64_t from = h->published.load(std::memory_order_relaxed);
    const std::uint64_t to = h->reserved.load(std::memory_order_relaxed);
    // Readers never read past `published`, and the bytes the dead writer
    // touched are already counted in `reserved` (so readers that copied them
    // as old data discard the copy). Cover the reservation with skip records
    // (split at the ring's end) and commit it.
    while (from < to) {
        const std::uint64_t index = from & (m_ringBytes - 1);
        const std::uint64_t length = std::min(to - from, m_ringBytes - index);
        RecordHeader skip{static_cast<std::uint32_t>(length), 0xFFFF, KIND_SKIP, 0, 0,
                          static_cast<std::uint32_t>(h->framesWritten)};
        std::memcpy(m_ring + index, &skip, sizeof skip);
        from += length;
    }
    h->published.store(to, std::memory_order_release);
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

[[gnu::always_inline]] inline bool ShmTransport::stillOwner() const noexcept {
    return m_slotPtr != nullptr && m_slotPtr->owner.load(std::memory_order_relaxed) == m_owner;
}

std::uint64_t ShmTransport::backlogBytes() const noexcept {
    if (m_header == nullptr) return 0;
    return m_header->published.load(std::memory_order_acquire) - m_readPosition;
}

// --------------------------------------------------------------------- send

void ShmTransport::applySubscribe(const std::uint8_t* frame, std::size_t size) {
    const auto view = wire::SubscribeView::parse(frame, size, true);
    if (!view) return;
    const auto mask = view->message_types();
    const std::bitset<256> subscription = wire::subscribe::types(*view);
    const bool reading = subscription.any();
    m_subscription = subscription;
    std::memcpy(m_slotPtr->subscription, mask.data(), std::min<std::size_t>(mask.size(), 32));
    if (reading == m_reading) return;
    lockWriters();
    if (reading) {
        // Rejoin at the head: what was written while we read nothing is not ours.
        const std::uint64_t now = m_header->published.load(std::memory_order_relaxed);
        m_readPosition = now;
        m_nextFrameIndex = static_cast<std::uint32_t>(m_header->framesWritten);
        m_haveFrameIndex = true;
        m_slotPtr->position.store(now, std::memory_order_release);
        m_header->readerLimit = std::min(m_header->readerLimit, now + m_ringBytes);
    }
    m_slotPtr->reading.store(reading ? 1 : 0, std::memory_order_release);
    ::pthread_mutex_unlock(&m_header->writeLock);
    m_reading = reading;
}

SendStatus ShmTransport::send(std::span<const std::uint8_t> frames) {
    if (m_header == nullptr) return SendStatus::Closed;
    if (!stillOwner()) {
        fail("evicted: held the producers of /dev/shm/" + m_name + " back for more than " +
             std::to_string(m_options.slowConsumerTimeoutMs) + " ms (slow consumer)");
        return SendStatus::Closed;
    }
    // One whole frame and nothing to verify but its type (market data): straight to the ring.
    if (frames.size() >= wire::header::SIZE && !m_policy.validatesChecksums() && !m_policy.requiresSequence()) {
        const std::uint8_t* f = frames.data();
        const std::uint32_t payload = wire::loadLe<std::uint32_t>(f + wire::header::PAYLOAD_SIZE_OFFSET);
        if (wire::header::SIZE + payload == frames.size() && payload <= m_policy.maxPayload() &&
            wire::loadLe<std::uint32_t>(f + wire::header::MAGIC_OFFSET) == wire::header::MAGIC &&
            m_policy.carries(f[wire::header::MESSAGE_TYPE_OFFSET])) {
            const SendStatus status = writeRecord(frames, frames.size(), 1, true);
            if (status == SendStatus::Ok) ++m_counters.framesSent;
            return status;
        }
    }
    // Pass 1: the domain's checks, decided once per frame and remembered.
    m_accept.clear();
    m_sequenceUndo.clear();
    std::array<std::uint64_t, static_cast<std::size_t>(DropReason::COUNT_)> rejected{};
    std::uint64_t keptBytes = 0, keptFrames = 0, malformed = 0;
    bool subscribes = false;
    wire::FrameCursor cursor(frames, m_policy.maxPayload());
    while (const auto next = cursor.next()) {
        const wire::FrameView frame = *next;
        std::uint8_t decision = ACCEPT_KEEP;
        if (frame.messageType() == static_cast<std::uint8_t>(wire::MessageType::Subscribe)) {
            decision = ACCEPT_SUBSCRIBE;
            subscribes = true;
        } else if (const auto reason = m_policy.check(frame, m_sequences)) {
            decision = ACCEPT_DROP;
            ++rejected[static_cast<std::size_t>(*reason)];
            if (*reason == DropReason::BadSequence) {
                m_reason = "sequence must rise by one: expected " +
                           std::to_string(m_sequences.last(frame.source()).value_or(0) + 1) + ", got " +
                           std::to_string(frame.sequence());
            }
        } else if (m_policy.requiresSequence()) {
            m_sequenceUndo.emplace_back(frame.source(), m_sequences.last(frame.source()));
            m_policy.accepted(frame, m_sequences);
        }
        if (decision == ACCEPT_KEEP) {
            keptBytes += frame.size();
            ++keptFrames;
        }
        m_accept.push_back(decision);
    }
    if (cursor.error() != wire::WireError::Ok) {
        malformed = frames.size() - cursor.offset();
        m_reason = "send(): " + std::string(wire::errorName(cursor.error())) + " at byte " +
                   std::to_string(cursor.offset());
    }

    if (keptFrames > 0) {
        const SendStatus status = writeRecord(frames, keptBytes, keptFrames, keptFrames == m_accept.size());
        if (status != SendStatus::Ok) {
            // Not taken: the sources' sequences are what they were.
            for (auto it = m_sequenceUndo.rbegin(); it != m_sequenceUndo.rend(); ++it) {
                m_sequences.restore(it->first, it->second);
            }
            return status;
        }
    }
    // Taken: count what pass 1 refused.
    m_counters.framesSent += keptFrames;
    countRejected(rejected, malformed);
    if (subscribes) {
        std::size_t index = 0;
        for (wire::FrameCursor again(frames, m_policy.maxPayload()); const auto next = again.next(); ++index) {
            if (m_accept[index] == ACCEPT_SUBSCRIBE) applySubscribe(next->data(), next->size());
        }
    }
    return SendStatus::Ok;
}

void ShmTransport::countRejected(const std::array<std::uint64_t, static_cast<std::size_t>(DropReason::COUNT_)>& frames,
                                 std::uint64_t malformedBytes) noexcept {
    const std::uint64_t outOfDomain = frames[static_cast<std::size_t>(DropReason::OutOfDomain)];
    const std::uint64_t badChecksum = frames[static_cast<std::size_t>(DropReason::BadChecksum)];
    const std::uint64_t badSequence = frames[static_cast<std::size_t>(DropReason::BadSequence)];
    if (outOfDomain + badChecksum + badSequence + malformedBytes == 0) return;
    m_counters.dropsOutOfDomain += outOfDomain;
    m_counters.dropsBadChecksum += badChecksum;
    m_counters.dropsBadSequence += badSequence;
    m_counters.dropsMalformed += malformedBytes;
    // In the segment too: a producer's refusals are the domain's counters
    // (`alphapulse stats` reads them), as a relay counts its drops.
    auto* h = m_header;
    h->rejectedOutOfDomain.fetch_add(outOfDomain, std::memory_order_relaxed);
    h->rejectedBadChecksum.fetch_add(badChecksum, std::memory_order_relaxed);
    h->rejectedBadSequence.fetch_add(badSequence, std::memory_order_relaxed);
    h->rejectedMalformedBytes.fetch_add(malformedBytes, std::memory_order_relaxed);
}

SendStatus ShmTransport::writeRecord(std::span<const std::uint8_t> frames, std::uint64_t keptBytes,
                                     std::uint64_t keptFrames, bool allKept) {
    const std::uint64_t recordBytes = alignRecord(RECORD_HEADER + keptBytes);
    if (recordBytes > m_ringBytes / 2) {
        m_reason = "send(): " + std::to_string(keptBytes) + " bytes in one call exceed half the ring";
        ++m_counters.wouldBlock;
        return SendStatus::WouldBlock;
    }
    auto* h = m_header;
    if (m_options.backpressure && m_blockedSince != 0 && stillBlocked()) {
        ++m_counters.wouldBlock;
        return SendStatus::WouldBlock;
    }
    // The one active writer skips the lock (see trySolo); any other
    // writer takes it, which first revokes that privilege.
    const bool solo = trySolo();
    if (!solo) {
        lockWriters();
        if (!stillOwner()) {
            ::pthread_mutex_unlock(&h->writeLock);
            fail("evicted: held the producers of /dev/shm/" + m_name + " back (slow consumer)");
            return SendStatus::Closed;
        }
    }
    auto release = [&] {
        if (solo) m_slotPtr->inSend.store(0, std::memory_order_release);
        else ::pthread_mutex_unlock(&h->writeLock);
    };
    const std::uint64_t start = h->published.load(std::memory_order_relaxed);
    const std::uint64_t index = start & (m_ringBytes - 1);
    const std::uint64_t pad = m_ringBytes - index < recordBytes ? m_ringBytes - index : 0;
    const std::uint64_t end = start + pad + recordBytes;
    if (m_options.backpressure && end > h->readerLimit && !roomFor(end)) {
        release();
        ++m_counters.wouldBlock;
        return SendStatus::WouldBlock;
    }
    // Claim first: a reader copying old bytes here checks `reserved`
    // afterwards and discards its copy (the release fence keeps this
    // store ahead of the record's bytes).
    h->reserved.store(end, std::memory_order_relaxed);
    fence(std::memory_order_release);
    if (pad != 0) {
        const RecordHeader skip{static_cast<std::uint32_t>(pad), static_cast<std::uint16_t>(m_slot), KIND_SKIP, 0, 0,
                                static_cast<std::uint32_t>(h->framesWritten)};
        std::memcpy(m_ring + index, &skip, sizeof skip);
    }
    std::uint8_t* record = m_ring + ((start + pad) & (m_ringBytes - 1));
    const RecordHeader header{static_cast<std::uint32_t>(recordBytes), static_cast<std::uint16_t>(m_slot),
                              KIND_FRAMES, 0, static_cast<std::uint32_t>(keptFrames),
                              static_cast<std::uint32_t>(h->framesWritten)};
    std::memcpy(record, &header, sizeof header);
    std::uint8_t* out = record + RECORD_HEADER;
    if (allKept) {
        std::memcpy(out, frames.data(), keptBytes); // every frame kept: one copy
    } else {
        std::size_t at = 0;
        for (const std::uint8_t decision : m_accept) {
            const std::size_t size =
                wire::header::SIZE +
                wire::loadLe<std::uint32_t>(frames.data() + at + wire::header::PAYLOAD_SIZE_OFFSET);
            if (decision == ACCEPT_KEEP) {
                std::memcpy(out, frames.data() + at, size);
                out += size;
            }
            at += size;
        }
    }
    h->framesWritten += keptFrames;
    h->published.store(end, std::memory_order_release);
    if (!solo) {
        // A writer that keeps coming through the lock alone becomes solo.
        const std::uint64_t me = soloToken(static_cast<std::uint32_t>(m_slot), m_owner);
        if (h->lastLockedWriter == me) {
            if (++h->lockedRun >= SOLO_AFTER_SENDS && m_membarrier) {
                m_soloToken = me;
                h->soloWriter.store(me, std::memory_order_release);
            }
        } else {
            h->lastLockedWriter = me;
            h->lockedRun = 1;
        }
    }
    release();
    wakeReaders();
    // Only this endpoint writes its slot's statistics: no locked add needed.
    m_slotPtr->framesOut.store(m_slotPtr->framesOut.load(std::memory_order_relaxed) + keptFrames,
                               std::memory_order_relaxed);
    return SendStatus::Ok;
}

[[gnu::always_inline]] inline void ShmTransport::wakeReaders() noexcept {
    // Pairs with the reader's sleepers increment before its last look at
    // `published` (Dekker): either it sees our record or we see it sleeping.
    // The reader, about to sleep anyway, pays for the StoreLoad barrier with
    // a membarrier() on every CPU, so writers only fence the compiler here.
    // Without membarrier (old kernels) the writer fences.
    if (m_membarrier) {
        std::atomic_signal_fence(std::memory_order_seq_cst);
    } else {
        fence(std::memory_order_seq_cst);
    }
    if (m_header->sleepers.load(std::memory_order_relaxed) == 0) return;
    m_header->wakeSeq.fetch_add(1, std::memory_order_release);
    futexWakeAll(&m_header->wakeSeq);
}

bool ShmTransport::roomFor(std::uint64_t end) {
    // Under the write lock, backpressure only: the slowest live subscribed
    // reader bounds how far writers may go.
    auto* slots = reinterpret_cast<ReaderSlot*>(m_base + SLOTS_OFFSET);
    for (std::uint32_t round = 0; round < SLOT_COUNT + 2; ++round) {
        std::uint64_t minPosition = std::numeric_limits<std::uint64_t>::max();
        std::uint64_t minOwner = 0;
        std::uint32_t minSlot = SLOT_COUNT;
        for (std::uint32_t i = 0; i < SLOT_COUNT; ++i) {
            const std::uint64_t owner = slots[i].owner.load(std::memory_order_acquire);
            if (ownerState(owner) != STATE_LIVE || slots[i].reading.load(std::memory_order_acquire) == 0) continue;
            const std::uint64_t position = slots[i].position.load(std::memory_order_acquire);
            if (position < minPosition) {
                minPosition = position;
                minOwner = owner;
                minSlot = i;
            }
        }
        const std::uint64_t limit = minSlot == SLOT_COUNT ? std::numeric_limits<std::uint64_t>::max()
                                                          : minPosition + m_ringBytes;
        m_header->readerLimit = limit;
        if (end <= limit) {
            m_blockedSince = 0;
            return true;
        }
        if (static_cast<int>(minSlot) == m_slot) {
            // Held back by our own unread records: nothing of ours is ever
            // delivered to us, so step over them.
            const std::uint64_t before = m_readPosition;
            advanceOverOwnRecords();
            if (m_readPosition != before) continue;
        }
        const std::uint64_t now = monotonicNs();
        const bool sameBlocker = m_blockedSince != 0 && m_blockedOwner == minOwner && m_blockedPosition == minPosition;
        if (!sameBlocker) {
            m_blockedSince = now;
            m_blockedOwner = minOwner;
            m_blockedPosition = minPosition;
        }
        ReaderSlot& slow = slots[minSlot];
        m_blockedSlot = minSlot;
        m_blockedCheckedAt = now;
        const bool checkLiveness = !sameBlocker || now - m_lastLivenessCheck > LIVENESS_CHECK_NS;
        if (checkLiveness) m_lastLivenessCheck = now;
        if (checkLiveness && !processAlive(ownerPid(minOwner), slow.startTime.load(std::memory_order_relaxed))) {
            std::uint64_t expected = minOwner;
            if (slow.owner.compare_exchange_strong(expected, makeOwner(STATE_FREE, ownerGeneration(minOwner), 0))) {
                m_header->readersReaped.fetch_add(1, std::memory_order_relaxed);
                ++m_counters.readersReaped;
            }
            m_blockedSince = 0;
            continue;
        }
        if (static_cast<int>(minSlot) != m_slot &&
            now - m_blockedSince > static_cast<std::uint64_t>(m_options.slowConsumerTimeoutMs) * std::uint64_t{1'000'000}) {
            std::uint64_t expected = minOwner;
            if (slow.owner.compare_exchange_strong(expected,
                                                   makeOwner(STATE_EVICTED, ownerGeneration(minOwner), ownerPid(minOwner)))) {
                m_header->readersEvicted.fetch_add(1, std::memory_order_relaxed);
                ++m_counters.readersEvicted;
            }
            m_blockedSince = 0;
            continue;
        }
        return false;
    }
    return false;
}

bool ShmTransport::stillBlocked() noexcept {
    // Backpressure, blocked last time: until the reader that held us back has
    // freed 8 KiB (or a millisecond passed: liveness and
    // eviction are judged under the lock), answer without the lock, so a
    // writer retrying in a loop costs the reader nothing.
    const ReaderSlot& slow = *reinterpret_cast<const ReaderSlot*>(m_base + SLOTS_OFFSET + m_blockedSlot * SLOT_BYTES);
    return slow.owner.load(std::memory_order_relaxed) == m_blockedOwner &&
           slow.position.load(std::memory_order_acquire) - m_blockedPosition < std::min<std::uint64_t>(m_ringBytes / 16, 8192) &&
           monotonicNs() - m_blockedCheckedAt < LIVENESS_CHECK_NS;
}

void ShmTransport::advanceOverOwnRecords() {
    // Under the write lock: nobody writes here while we are the slowest reader.
    const std::uint64_t published = m_header->published.load(std::memory_order_relaxed);
    while (m_readPosition < published) {
        RecordHeader header{};
        std::memcpy(&header, m_ring + (m_readPosition & (m_ringBytes - 1)), sizeof header);
        if (header.kind == KIND_FRAMES && header.writer != static_cast<std::uint16_t>(m_slot)) break;
        if (header.kind == KIND_FRAMES) {
            m_nextFrameIndex = header.frameIndex + header.frames;
            m_haveFrameIndex = true;
        }
        m_readPosition += header.size;
    }
    m_slotPtr->position.store(m_readPosition, std::memory_order_release);
}

// ------------------------------------------------------------------ receive

bool ShmTransport::waitForData(std::uint64_t position, int timeoutMs) {
    auto* h = m_header;
    const std::uint64_t start = monotonicNs();
    const std::uint64_t deadline = timeoutMs < 0 ? std::numeric_limits<std::uint64_t>::max()
                                                 : start + static_cast<std::uint64_t>(timeoutMs) * std::uint64_t{1'000'000};
    const std::uint64_t spinEnd = m_options.wait == Wait::Spin
                                      ? deadline
                                      : std::min(deadline, start + static_cast<std::uint64_t>(m_options.spinUs) * std::uint64_t{1000});
    for (std::uint32_t i = 1;; ++i) {
        if (h->published.load(std::memory_order_acquire) != position) return true;
        cpuRelax();
        if ((i & 255U) == 0) {
            if (monotonicNs() >= spinEnd) break;
            if (!stillOwner()) return true; // receive() reports the eviction
        }
    }
    if (m_options.wait == Wait::Spin) return false;
    for (;;) {
        const std::uint64_t now = monotonicNs();
        if (now >= deadline) return false;
        h->sleepers.fetch_add(1, std::memory_order_seq_cst);
        if (m_membarrier) globalMembarrier(); // the writers' half of the barrier (see wakeReaders)
        const std::uint32_t seen = h->wakeSeq.load(std::memory_order_seq_cst);
        if (h->published.load(std::memory_order_seq_cst) != position) {
            h->sleepers.fetch_sub(1, std::memory_order_seq_cst);
            return true;
        }
        futexWait(&h->wakeSeq, seen, std::min(deadline - now, SLEEP_SLICE_NS));
        h->sleepers.fetch_sub(1, std::memory_order_seq_cst);
        if (h->published.load(std::memory_order_acquire) != position || !stillOwner()) return true;
    }
}

int ShmTransport::receive(FrameHandler handler, int timeoutMs) {
    if (m_header == nullptr) return -1;
    if (!stillOwner()) {
        fail("evicted: held the producers of /dev/shm/" + m_name + " back for more than " +
             std::to_string(m_options.slowConsumerTimeoutMs) + " ms (slow consumer)");
        return -1;
    }
    auto* h = m_header;
    if (!m_reading) {
        // Subscribed to nothing: there is never anything to deliver.
        if (timeoutMs != 0) waitForData(h->published.load(std::memory_order_acquire), timeoutMs);
        return 0;
    }
    const std::uint64_t from = m_readPosition;
    std::uint64_t upTo = h->published.load(std::memory_order_acquire);
    if (upTo == from) {
        if (timeoutMs == 0 || !waitForData(from, timeoutMs)) return 0;
        if (!stillOwner()) return receive(handler, 0);
        upTo = h->published.load(std::memory_order_acquire);
    }
    bool lapped = upTo - from > m_ringBytes;
    std::uint64_t at = from;
    std::size_t used = 0;
    while (!lapped && at < upTo && used < COPY_BUDGET) {
        const std::uint64_t index = at & (m_ringBytes - 1);
        RecordHeader header{};
        std::memcpy(&header, m_ring + index, sizeof header);
        if (header.size < RECORD_HEADER || header.size % RECORD_ALIGN != 0 || header.size > m_ringBytes - index ||
            header.size > upTo - at) {
            lapped = true; // overwritten under us (confirmed below) or never a record boundary
            break;
        }
        if (m_scratch.size() < used + header.size) m_scratch.resize(std::max<std::size_t>(used + header.size, COPY_BUDGET));
        std::memcpy(m_scratch.data() + used, m_ring + index, header.size);
        used += header.size;
        at += header.size;
    }
    // Seqlock check: if a writer claimed past from + ring size, what we
    // copied may mix old and new bytes. Discard it all and resume at the
    // newest record. With backpressure no writer goes past our unread bytes
    // unless it first evicted us, so our own slot (a line nobody else writes
    // while we are live) answers without touching the writers' cursor line.
    fence(std::memory_order_acquire);
    const bool overwritten = m_options.backpressure ? !stillOwner()
                                                    : h->reserved.load(std::memory_order_relaxed) - from > m_ringBytes;
    if (lapped || overwritten) {
        if (m_options.backpressure && !stillOwner()) return receive(handler, 0); // reports the eviction
        ++m_counters.laps;
        m_slotPtr->laps.fetch_add(1, std::memory_order_relaxed);
        m_readPosition = upTo;
        m_slotPtr->position.store(upTo, std::memory_order_release);
        return 0; // the frames missed are counted from the next record's frame index
    }
    m_readPosition = at;
    m_slotPtr->position.store(at, std::memory_order_release);
    return deliver(handler, used);
}

int ShmTransport::deliver(FrameHandler& handler, std::size_t bytes) {
    // Bookkeeping first, so a handler that calls send() sees a consistent state.
    for (std::size_t at = 0; at < bytes;) {
        RecordHeader header{};
        std::memcpy(&header, m_scratch.data() + at, sizeof header);
        if (header.kind == KIND_FRAMES) {
            if (m_haveFrameIndex && header.frameIndex != m_nextFrameIndex) {
                const std::uint32_t missed = header.frameIndex - m_nextFrameIndex;
                m_counters.framesMissed += missed;
                m_slotPtr->missed.fetch_add(missed, std::memory_order_relaxed);
            }
            m_nextFrameIndex = header.frameIndex + header.frames;
            m_haveFrameIndex = true;
        }
        at += header.size;
    }
    int delivered = 0;
    for (std::size_t at = 0; at < bytes;) {
        RecordHeader header{};
        std::memcpy(&header, m_scratch.data() + at, sizeof header);
        if (header.kind == KIND_FRAMES && header.writer != static_cast<std::uint16_t>(m_slot)) {
            const std::uint8_t* frame = m_scratch.data() + at + RECORD_HEADER;
            const std::uint8_t* end = m_scratch.data() + at + header.size;
            for (std::uint32_t k = 0; k < header.frames && end - frame >= static_cast<std::ptrdiff_t>(wire::header::SIZE); ++k) {
                const std::size_t size =
                    wire::header::SIZE + wire::loadLe<std::uint32_t>(frame + wire::header::PAYLOAD_SIZE_OFFSET);
                if (size > static_cast<std::size_t>(end - frame)) break;
                if (m_subscription.test(frame[wire::header::MESSAGE_TYPE_OFFSET])) {
                    handler(wire::FrameView{frame, size});
                    ++delivered;
                }
                frame += size;
            }
        }
        at += header.size;
    }
    m_counters.framesReceived += static_cast<std::uint64_t>(delivered);
    if (m_slotPtr != nullptr) {
        m_slotPtr->framesIn.store(m_slotPtr->framesIn.load(std::memory_order_relaxed) + static_cast<std::uint64_t>(delivered),
                                  std::memory_order_relaxed);
    }
    return delivered;
}

} // namespace alphapulse::transport
