// The relay's event loop: set-up and teardown, the epoll loop, closing
// clients, shutdown, stats. What it calls: relay_peers.cpp (accepting and
// authorising clients), relay_admission.cpp (reading frames and the domain's
// rules), relay_fanout.cpp (fan-out, overload, writing), relay_recovery.cpp
// (journal, resume, snapshots).
#include "relay_impl.hpp"

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

namespace alphapulse::relay {

Relay::Impl::Impl(RelayConfig config) : m_config(std::move(config)), m_policy(m_config) {
    if (m_config.socketPath.empty()) m_config.socketPath = defaultSocketPath(m_config.domain);
    if (m_config.circuitBreaker > m_config.maxQueueSize) m_config.circuitBreaker = m_config.maxQueueSize;
    m_statsPath = m_config.socketPath + ".stats";
    std::string where = m_config.socketPath;
    if (!m_config.tcpAddress.empty()) {
        // Clients on TCP; the stats socket stays a local Unix socket (it is
        // not for remote peers, and `alphapulse stats` finds it under the runtime dir).
        std::string why;
        const auto address = transport::parseHostPort(m_config.tcpAddress, &why);
        if (!address) throw std::runtime_error("tcp address " + why);
        m_tcpListen = transport::listenTcp(*address);
        where = "tcp:" + m_config.tcpAddress;
    } else {
        m_listen = transport::listenUnix(m_config.socketPath, m_config.socketMode);
    }
    m_statsListen = transport::listenUnix(m_statsPath, m_config.socketMode);
    m_budget = detail::QueueBudget(m_config.maxTotalQueueBytes);
    raiseDescriptorLimit(m_config.maxClients);
    m_spareFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    m_wakeFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (m_epoll < 0 || m_wakeFd < 0) throw std::runtime_error(std::string("epoll: ") + std::strerror(errno));
    for (int fd : {m_listen, m_tcpListen, m_statsListen, m_wakeFd}) {
        if (fd < 0) continue;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev);
    }
    m_stats.domain = std::string(wire::domainName(m_config.domain));
    m_stats.socketPath = where;
    std::string allowed;
    for (const auto& a : m_config.allowedAddresses) allowed += (allowed.empty() ? "" : ",") + a;
    m_stats.queueMemoryLimit = m_config.maxTotalQueueBytes;
    openJournal();
    if (m_config.snapshotInstruments != 0) {
        m_snapshots = std::make_unique<detail::SnapshotCache>(m_config.snapshotInstruments, m_config.domain);
    }
    logInfo("relay %s listening on %s (stats %s): max_queue_size=%u circuit_breaker=%u max_clients=%u "
            "max_total_queue_bytes=%llu validate_checksums=%s require_sequence=%s overload=%s%s%s",
            m_stats.domain.c_str(), where.c_str(), m_statsPath.c_str(), m_config.maxQueueSize,
            m_config.circuitBreaker, m_config.maxClients,
            static_cast<unsigned long long>(m_config.maxTotalQueueBytes), m_config.validateChecksums ? "on" : "off",
            m_config.requireSequence ? "on" : "off",
            m_config.overload == OverloadPolicy::Drop ? "drop" : "backpressure",
            m_tcpListen >= 0 ? " allowed_addresses=" : "",
            m_tcpListen >= 0 ? (allowed.empty() ? "loopback" : allowed.c_str()) : "");
}

Relay::Impl::~Impl() {
    for (auto& [fd, client] : m_clients) ::close(fd);
    for (int fd : {m_listen, m_tcpListen, m_statsListen, m_wakeFd, m_signalFd, m_epoll, m_spareFd}) {
        if (fd >= 0) ::close(fd);
    }
    if (m_listen >= 0) ::unlink(m_config.socketPath.c_str());
    if (m_statsListen >= 0) ::unlink(m_statsPath.c_str());
}

void Relay::Impl::serveStats() {
    for (;;) {
        const int fd = ::accept4(m_statsListen, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            const bool noDescriptor = errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM;
            if (noDescriptor && outOfDescriptors(m_statsListen, errno)) continue;
            return;
        }
        writeStats(fd);
    }
}

void Relay::Impl::writeStats(int fd) {
    const std::string json = snapshot().toJson() + "\n";
    timeval timeout{0, 200'000}; // a stats reader that stalls must not stall the relay for long
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    transport::writeAll(fd, json.data(), json.size());
    ::close(fd);
}

void Relay::Impl::markClosing(Client& client, DropReason reason, std::string why) {
    if (client.closing) return;
    if (reason == DropReason::SlowConsumer) {
        // Tell it why before it goes (best effort: its queue may be full).
        std::uint8_t buffer[wire::ErrorLayout::SIZE];
        auto builder = *wire::ErrorBuilder::into(buffer, sizeof buffer);
        builder.source(relaySource(m_config.domain)).timestamp(realtimeNs());
        builder.error_code(static_cast<std::uint16_t>(RelayError::SlowConsumer))
            .severity(static_cast<std::uint8_t>(wire::Severity::Critical));
        builder.message("slow consumer: disconnected");
        builder.finish();
        [[maybe_unused]] const auto n = ::send(client.fd, buffer, sizeof buffer, MSG_NOSIGNAL | MSG_DONTWAIT);
        client.stats.dropped += client.out.frames();
    }
    if (reason != NO_DROP) ++m_stats.drops[static_cast<std::size_t>(reason)];
    client.closing = true;
    client.closeReason = std::move(why);
}

void Relay::Impl::closeMarked() {
    for (auto it = m_order.begin(); it != m_order.end();) {
        Client* c = *it;
        if (!c->closing) {
            ++it;
            continue;
        }
        closeClient(*c, c->closeReason);
        it = m_order.erase(it);
        m_clients.erase(c->fd);
    }
}

void Relay::Impl::closeClient(Client& client, const std::string& why) {
    if (!client.detached) ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, client.fd, nullptr);
    if (!client.peerGone && !client.out.empty() && client.closeReason.rfind("peer closed", 0) == 0) {
        // A producer that half-closed (publish does, to learn the outcome)
        // still reads: what is queued for it, its Error frames above all, goes
        // out before the close (best effort, never waiting).
        while (!client.out.empty()) {
            const ssize_t n = writeQueued(client);
            if (n <= 0 && !(n < 0 && errno == EINTR)) break;
        }
    }
    ::close(client.fd);
    const bool problem = why != "peer closed";
    const std::string who = client.stats.peer.empty()
                                ? "pid=" + std::to_string(client.cred.pid) + " uid=" + std::to_string(client.cred.uid)
                                : "tcp peer " + client.stats.peer;
    (problem ? logWarn : logInfo)("closed fd=%d %s: %s (in %llu frames, out %llu frames, dropped %llu)", client.fd,
                                  who.c_str(), why.c_str(), static_cast<unsigned long long>(client.stats.framesIn),
                                  static_cast<unsigned long long>(client.stats.framesOut),
                                  static_cast<unsigned long long>(client.stats.dropped));
}

int Relay::Impl::loopTimeoutMs() const {
    if (m_config.busyPollUs != 0 && monotonicNs() - m_lastActivityNs < std::uint64_t{m_config.busyPollUs} * 1000) {
        return 0; // busy-poll window after traffic
    }
    if (m_anyResending) return 0;     // catching up from the journal: go on at once
    if (m_producersPaused || m_anyCatchingUp) return 10; // re-check slow consumers' deadlines, held clients'

    if (m_acceptRetryNs != 0) return 20; // listeners unwatched after running out of descriptors
    return 1000;
}

void Relay::Impl::run(bool handleSignals) {
    if (handleSignals) {
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        ::pthread_sigmask(SIG_BLOCK, &mask, nullptr);
        m_signalFd = ::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = m_signalFd;
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_signalFd, &ev);
    }
    std::vector<epoll_event> events(MAX_EVENTS);
    while (!m_stopRequested.load(std::memory_order_acquire)) {
        const int n = ::epoll_wait(m_epoll, events.data(), MAX_EVENTS, loopTimeoutMs());
        if (n < 0 && errno != EINTR) throw std::runtime_error(std::string("epoll_wait: ") + std::strerror(errno));
        if (n > 0 && m_config.busyPollUs != 0) m_lastActivityNs = monotonicNs();
        std::lock_guard lock(m_mutex);
        for (int i = 0; i < n; ++i) {
            const int fd = events[static_cast<std::size_t>(i)].data.fd;
            const std::uint32_t what = events[static_cast<std::size_t>(i)].events;
            if (fd == m_listen || fd == m_tcpListen) {
                acceptClients(fd);
            } else if (fd == m_statsListen) {
                serveStats();
            } else if (fd == m_wakeFd) {
                m_stopRequested.store(true);
            } else if (fd == m_signalFd) {
                signalfd_siginfo info{};
                if (::read(m_signalFd, &info, sizeof info) == sizeof info) {
                    logInfo("signal %u: shutting down", info.ssi_signo);
                }
                m_stopRequested.store(true);
            } else if (auto it = m_clients.find(fd); it != m_clients.end()) {
                Client& client = *it->second;
                if (client.closing) continue;
                if (m_producersPaused && (what & (EPOLLHUP | EPOLLRDHUP | EPOLLERR)) != 0 && (what & EPOLLIN) == 0) {
                    // Hung up while we are not reading: park it until producers resume,
                    // so the frames still in its socket are not lost.
                    ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
                    client.detached = true;
                    continue;
                }
                if ((what & (EPOLLIN | EPOLLHUP | EPOLLRDHUP | EPOLLERR)) != 0) readFrom(client);
                if ((what & EPOLLOUT) != 0) {
                    client.writeBlocked = false;
                    flush(client);
                }
            }
        }
        pumpCatchUps();
        for (Client* c : m_order) {
            if (!c->writeBlocked && (!c->out.empty() || c->wantWrite)) flush(*c);
        }
        checkBackpressure();
        closeMarked();
        rearmListeners();
    }
    std::lock_guard lock(m_mutex);
    shutdown();
}

void Relay::Impl::shutdown() {
    m_stopping = true;
    for (int fd : {m_listen, m_tcpListen}) {
        if (fd < 0) continue;
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
    }
    if (m_listen >= 0) ::unlink(m_config.socketPath.c_str());
    ::close(m_statsListen);
    ::unlink(m_statsPath.c_str());
    m_listen = m_tcpListen = m_statsListen = -1;
    // Frames already read go out; nothing new is read.
    const std::uint64_t deadline = monotonicNs() + std::uint64_t{m_config.shutdownFlushMs} * 1'000'000;
    std::vector<epoll_event> events(MAX_EVENTS);
    for (Client* c : m_order) updateInterest(*c);
    for (;;) {
        bool pending = false;
        for (Client* c : m_order) {
            if (!c->closing && !c->out.empty()) {
                flush(*c);
                pending |= !c->out.empty() && !c->closing;
            }
        }
        if (!pending || monotonicNs() >= deadline) break;
        ::epoll_wait(m_epoll, events.data(), MAX_EVENTS, 10);
    }
    std::uint64_t unsent = 0;
    for (Client* c : m_order) {
        unsent += c->closing ? 0 : c->out.frames();
        if (!c->closing) markClosing(*c, NO_DROP, "relay shutting down");
    }
    closeMarked();
    logInfo("relay %s stopped (%llu frames in, %llu out, %llu left unsent)", m_stats.domain.c_str(),
            static_cast<unsigned long long>(m_stats.framesIn), static_cast<unsigned long long>(m_stats.framesOut),
            static_cast<unsigned long long>(unsent));
}

RelayStats Relay::Impl::stats() const {
    std::lock_guard lock(m_mutex);
    return snapshot();
}

RelayStats Relay::Impl::snapshot() const {
    RelayStats snapshot = m_stats;
    snapshot.uptimeNs = monotonicNs() - m_startNs;
    snapshot.queueMemory = m_budget.used();
    for (const Client* c : m_order) {
        ClientStats s = c->stats;
        s.queuedFrames = c->out.frames();
        s.queuedBytes = c->out.bytes();
        snapshot.clients.push_back(s);
    }
    return snapshot;
}

Relay::Relay(RelayConfig config) : m_impl(std::make_unique<Impl>(std::move(config))) {}
Relay::~Relay() = default;
void Relay::run(bool handleSignals) { m_impl->run(handleSignals); }
void Relay::stop() noexcept { m_impl->stop(); }
RelayStats Relay::stats() const { return m_impl->stats(); }
const RelayConfig& Relay::config() const noexcept { return m_impl->config(); }

} // namespace alphapulse::relay
