#pragma once
// The relay's internals shared by its source files: relay.cpp (the event
// loop), relay_peers.cpp (accepting and authorising clients),
// relay_admission.cpp (reading frames, the domain's rules), relay_fanout.cpp
// (fan-out, overload) and relay_recovery.cpp (journal, resume, snapshot).
// Not installed; nothing outside libs/relay includes it.
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <bitset>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "alphapulse/transport/domain_policy.hpp"
#include "alphapulse/transport/frame_reader.hpp"
#include "alphapulse/transport/tcp_socket.hpp"
#include "alphapulse/transport/unix_socket.hpp"
#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/relay_errors.hpp"
#include "alphapulse/wire/subscribe.hpp"
#include "control_frames.hpp"
#include "journal.hpp"
#include "out_queue.hpp"
#include "relay_log.hpp"
#include "resume.hpp"
#include "snapshot_cache.hpp"
#include "alphapulse/relay/relay.hpp"

namespace alphapulse::relay {
namespace detail {

using wire::FrameView;
using wire::WireError;

constexpr std::size_t READ_BUFFER = 1 << 20;  // per client: many frames per read()
constexpr int MAX_READS_PER_EVENT = 4;        // fairness between producers
constexpr int MAX_EVENTS = 256;
/// markClosing() reason for closes that are not a drop (peer left, I/O error, shutdown).
constexpr DropReason NO_DROP = DropReason::COUNT_;
using wire::RelayError;
/// Out of file descriptors: the listener is not watched for this long, then
/// tried again (doubling up to the maximum), so the loop never spins on it.
constexpr std::uint64_t ACCEPT_RETRY_MIN_NS = 50'000'000;
constexpr std::uint64_t ACCEPT_RETRY_MAX_NS = 1'000'000'000;


inline std::uint64_t monotonicNs() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
}

inline std::uint64_t realtimeNs() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

inline wire::SourceType relaySource(wire::Domain domain) {
    switch (domain) {
    case wire::Domain::MarketData: return wire::SourceType::MarketDataRelay;
    case wire::Domain::Signals: return wire::SourceType::SignalRelay;
    case wire::Domain::Execution: return wire::SourceType::ExecutionRelay;
    default: return wire::SourceType::SystemRelay;
    }
}

/// Raises the soft descriptor limit towards the hard one, enough for
/// max_clients (a relay needs a descriptor per client; the usual soft limit
/// of 1024 would refuse clients long before max_clients otherwise).
inline void raiseDescriptorLimit(std::uint32_t maxClients) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    const rlim_t wanted = std::min<rlim_t>(limit.rlim_max, rlim_t{maxClients} + 64);
    if (limit.rlim_cur < wanted) {
        limit.rlim_cur = wanted;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < rlim_t{maxClients} + 16) {
        logWarn("descriptor limit %llu is below max_clients=%u: clients beyond it are refused (raise ulimit -n)",
                static_cast<unsigned long long>(limit.rlim_cur), maxClients);
    }
}

struct Client {
    Client(int descriptor, const transport::PeerCredentials& peer, const RelayConfig& config,
           detail::QueueBudget& budget)
        : fd(descriptor), cred(peer), reader(READ_BUFFER, config.maxPayload),
          out(config.maxQueueSize, config.maxQueueBytes, &budget) {
        stats.fd = fd;
        stats.pid = cred.pid;
        stats.uid = cred.uid;
        subscription.set();
    }
    int fd;
    transport::PeerCredentials cred;
    bool mayProduce = true;
    std::bitset<256> subscription; ///< message types it receives
    transport::FrameReader reader;
    detail::OutQueue out;
    transport::SequenceTracker sequences; ///< require_sequence: each source's last on this connection
    bool dropping = false;       ///< Drop policy: shed until drained below circuit_breaker
    bool droppingForMemory = false; ///< shedding because the relay's budget ran out (else its own queue)
    bool peerGone = false;       ///< a write found the peer closed: nothing more is queued for it, but
                                 ///< what it sent before closing is still read (the read side closes it)
    bool wantWrite = false;      ///< EPOLLOUT registered
    bool writeBlocked = false;   ///< its socket was full (EAGAIN): not written again until EPOLLOUT says it drained
    std::uint32_t events = 0;    ///< the epoll mask registered (updateInterest skips epoll_ctl when unchanged)
    bool detached = false;       ///< removed from epoll while producers are paused (peer hung up)
    bool heldBack = false;       ///< Backpressure: whole frames wait in `reader` for room downstream
    std::uint64_t aboveBreakerSinceNs = 0;
    std::uint64_t errorsReported = 0;
    std::uint32_t errorCodesSent = 0; ///< bit per RelayError: the first of each is reported, once
    bool closing = false;
    std::string closeReason;
    ClientStats stats;
    detail::CatchUp catchUp;     ///< journaled domains: held, catching up, or live
    bool wantsAcks = false;      ///< Subscribe flag ACKS: told what the journal holds of its frames
    std::bitset<256> ackSources; ///< sources it produced since its last ACKs
};


} // namespace detail

// The loop's files name these unqualified.
using namespace detail;

class Relay::Impl {
public:
    explicit Impl(RelayConfig config);
    ~Impl();
    void run(bool handleSignals);
    void stop() noexcept {
        m_stopRequested.store(true, std::memory_order_release);
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto n = ::write(m_wakeFd, &one, sizeof one);
    }
    RelayStats stats() const;
    const RelayConfig& config() const noexcept { return m_config; }

private:
    RelayStats snapshot() const; ///< caller holds m_mutex or is the loop thread
    void acceptClients(int listenFd);
    /// accept() failed for want of descriptors: serves one waiting peer with
    /// the spare descriptor (a client is refused, a stats reader answered) and
    /// returns true; without one, stops watching the listeners for a while.
    bool outOfDescriptors(int listenFd, int error);
    void writeStats(int fd); ///< one stats JSON line, then closes fd
    void rearmListeners();
    /// Sends `to` an Error frame and closes it (a client the relay will not serve).
    void refuse(int fd, RelayError code, std::string_view text);
    /// TCP: whether the peer's address is allowed (logs and counts a refusal).
    bool admitTcp(const sockaddr_storage& peer, std::string& peerText);
    void serveStats();
    void readFrom(Client& client);
    void processFrames(Client& client);
    /// Frames (and bytes) every client but `sender` can still queue.
    std::uint64_t roomForFanOut(const Client& sender, std::size_t& roomBytes) const;
    void fanOut(Client& sender, const std::uint8_t* data, std::size_t bytes, std::uint64_t frames);
    void enqueue(Client& consumer, const std::uint8_t* data, std::size_t bytes, std::uint64_t frames);
    void handleSubscribe(Client& client, const FrameView& frame);
    void sendError(Client& to, RelayError code, std::uint8_t relatedType, std::uint64_t relatedSequence,
                   std::string_view text);
    /// A frame of the relay's own was queued for `to` (stats: own_frames).
    void countOwnFrame(Client& to) noexcept {
        ++to.stats.ownFrames;
        ++m_stats.ownFrames;
    }
    /// The first Error of `code` on this connection only.
    void sendErrorOnce(Client& to, RelayError code, std::uint8_t relatedType, std::uint64_t relatedSequence,
                       std::string_view text);
    /// Tells a producer why its frame was dropped (Error frame; see relay_errors.hpp).
    void reportRejection(Client& client, DropReason reason, const FrameView& frame);
    /// Types some client other than `sender` receives (lossless domains count the rest).
    std::bitset<256> consumersWant(const Client& sender) const;
    void flush(Client& client);
    /// One sendmsg() of what is queued for `client`, counted; its result.
    ssize_t writeQueued(Client& client);
    void updateInterest(Client& client);
    void checkBackpressure();
    /// Backpressure held producers back for want of budget memory too long:
    /// the consumer holding most is disconnected.
    void enforceBudget(std::uint64_t now);
    bool roomForAnyHeld() const;
    void markClosing(Client& client, DropReason reason, std::string why);
    void closeMarked();
    void closeClient(Client& client, const std::string& why);
    int loopTimeoutMs() const;
    void shutdown();
    // Recovery (docs/design/recovery.md; the state machines are in resume.cpp).
    void openJournal();
    /// A held client starts catching up: from its resume points (tail), or from where it connected.
    void activate(Client& client, const wire::subscribe::ResumeTail* tail, bool snapshot);
    /// Subscribe's recovery flags (wire/subscribe.hpp) for `client`.
    void applyRecoveryFlags(Client& client, const wire::SubscribeView& view);
    /// Queues journal frames for clients catching up, as their queues have room; the caught-up turn live.
    void pumpCatchUps();
    void sendControl(Client& to, std::uint8_t phase, std::uint64_t id, std::uint64_t lastSequence, std::uint32_t items,
                     std::uint64_t timestampNs);
    /// Queues the snapshot cache's frames `to` subscribes to; returns how many.
    std::uint32_t sendSnapshot(Client& to);
    void sendAcks(Client& producer);

    RelayConfig m_config;
    transport::DomainPolicy m_policy; ///< m_config's admission rules, compiled
    std::string m_statsPath;
    int m_epoll = -1;
    int m_listen = -1;      ///< the Unix socket clients connect to (-1 when serving on TCP)
    int m_tcpListen = -1;   ///< the TCP listener (tcp_address)
    int m_statsListen = -1;
    int m_wakeFd = -1;
    int m_signalFd = -1;
    int m_spareFd = -1;     ///< kept open to refuse a client when descriptors run out
    std::uint64_t m_acceptRetryNs = 0;   ///< listeners unwatched until then (0: watched)
    std::uint64_t m_acceptBackoffNs = ACCEPT_RETRY_MIN_NS;
    std::uint64_t m_budgetBlockedSinceNs = 0;
    detail::QueueBudget m_budget; ///< declared before m_clients: queues give their memory back to it
    std::unordered_map<int, std::unique_ptr<Client>> m_clients;
    std::vector<Client*> m_order; ///< clients in connection order (fan-out iterates this)
    bool m_producersPaused = false;
    bool m_stopping = false;
    std::atomic<bool> m_stopRequested{false};
    std::uint64_t m_startNs = monotonicNs();
    std::uint64_t m_lastActivityNs = 0; ///< busy-poll window start
    std::uint32_t m_ownUid = ::getuid();
    mutable std::mutex m_mutex; ///< guards counters and clients against stats() from other threads
    RelayStats m_stats;
    std::unique_ptr<detail::Journal> m_journal;          ///< journaled domains (journal.enabled)
    std::unique_ptr<detail::SnapshotCache> m_snapshots;  ///< snapshot_instruments > 0
    bool m_anyCatchingUp = false;                        ///< some client is held or resending
    bool m_anyResending = false;                         ///< ... resending with room: the loop does not sleep
};


} // namespace alphapulse::relay
