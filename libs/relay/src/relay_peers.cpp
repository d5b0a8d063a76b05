// The relay's doors (docs/design/relay.md): accepting clients on the Unix
// socket or TCP, who may connect (allowed_uids/gids, allowed_addresses) and
// who may produce (producer_uids/gids), max_clients, running out of
// descriptors.
#include "relay_impl.hpp"

namespace alphapulse::relay {

bool Relay::Impl::admitTcp(const sockaddr_storage& peer, std::string& peerText) {
    peerText = transport::addressText(peer);
    if (transport::addressAllowed(peer, m_config.allowedAddresses)) return true;
    ++m_stats.connectionsRefused;
    std::string allowed;
    for (const auto& a : m_config.allowedAddresses) allowed += (allowed.empty() ? "" : ", ") + a;
    logWarn("refused tcp peer %s: not in allowed_addresses (%s)", peerText.c_str(),
            allowed.empty() ? "loopback only" : allowed.c_str());
    return false;
}

void Relay::Impl::acceptClients(int listenFd) {
    const bool tcp = listenFd == m_tcpListen;
    for (;;) {
        sockaddr_storage peer{};
        socklen_t peerLen = sizeof peer;
        const int fd = ::accept4(listenFd, reinterpret_cast<sockaddr*>(&peer), &peerLen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            const bool noDescriptor = errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM;
            if (noDescriptor && outOfDescriptors(listenFd, errno)) continue;
            return; // EAGAIN, or a transient error (ECONNABORTED...): the next event retries
        }
        if (m_clients.size() >= m_config.maxClients) {
            ++m_stats.connectionsRefused;
            if (m_stats.connectionsRefused % 1000 == 1) {
                logWarn("refused a client: max_clients=%u reached (%llu refused so far)", m_config.maxClients,
                        static_cast<unsigned long long>(m_stats.connectionsRefused));
            }
            refuse(fd, RelayError::RelayFull,
                   "relay full: max_clients=" + std::to_string(m_config.maxClients) + " reached");
            continue;
        }
        m_acceptBackoffNs = ACCEPT_RETRY_MIN_NS;
        transport::PeerCredentials cred;
        std::string peerText;
        if (tcp) {
            if (!admitTcp(peer, peerText)) {
                ::close(fd);
                continue;
            }
            // No credentials cross TCP: the address is the identity. A peer
            // from an allowed address counts as the relay's own user (uid
            // lists apply to the Unix socket only).
            cred = transport::PeerCredentials{0, m_ownUid, static_cast<std::uint32_t>(::getgid())};
            transport::setNoDelay(fd);
        } else {
            cred = transport::peerCredentials(fd);
            const bool allowed = cred.uid == m_ownUid ||
                                 (m_config.allowedUids.empty() && m_config.allowedGids.empty()) ||
                                 std::count(m_config.allowedUids.begin(), m_config.allowedUids.end(), cred.uid) > 0 ||
                                 std::count(m_config.allowedGids.begin(), m_config.allowedGids.end(), cred.gid) > 0;
            if (!allowed) {
                ++m_stats.connectionsRefused;
                logWarn("refused pid=%u uid=%u gid=%u: not in allowed_uids/allowed_gids", cred.pid, cred.uid,
                        cred.gid);
                ::close(fd);
                continue;
            }
        }
        auto client = std::make_unique<Client>(fd, cred, m_config, m_budget);
        client->stats.peer = peerText;
        client->mayProduce = m_config.producersAnyone || cred.uid == m_ownUid ||
                             std::count(m_config.producerUids.begin(), m_config.producerUids.end(), cred.uid) > 0 ||
                             std::count(m_config.producerGids.begin(), m_config.producerGids.end(), cred.gid) > 0;
        transport::setSocketBuffers(fd, m_config.socketBufferBytes);
        epoll_event ev{};
        ev.events = m_producersPaused ? EPOLLRDHUP : (EPOLLIN | EPOLLRDHUP);
        ev.data.fd = fd;
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev);
        client->events = ev.events;
        ++m_stats.connectionsAccepted;
        if (tcp) {
            logInfo("connected fd=%d tcp peer %s", fd, peerText.c_str());
        } else {
            logInfo("connected fd=%d pid=%u uid=%u gid=%u%s", fd, cred.pid, cred.uid, cred.gid,
                    client->mayProduce ? "" : " (consumer only: not allowed to produce)");
        }
        Client& added = *client;
        if (m_journal) {
            // Held until it says where to resume (its Subscribe) or HOLD_NS passes: resume.hpp.
            added.catchUp.state = detail::CatchUp::State::Held;
            added.catchUp.connectedNs = monotonicNs();
            added.catchUp.connectedRealNs = realtimeNs();
            added.catchUp.joinPosition = m_journal->head();
            m_anyCatchingUp = true;
        }
        m_order.push_back(client.get());
        m_clients.emplace(fd, std::move(client));
        // Read at once: a client's Subscribe usually arrives with its connection,
        // and applying it before the next fan-out spares a producer frames it
        // never asked for.
        if (!m_producersPaused) readFrom(added);
    }
}

void Relay::Impl::refuse(int fd, RelayError code, std::string_view text) {
    std::uint8_t buffer[wire::ErrorLayout::SIZE];
    auto builder = *wire::ErrorBuilder::into(buffer, sizeof buffer);
    builder.source(relaySource(m_config.domain)).timestamp(realtimeNs());
    builder.error_code(static_cast<std::uint16_t>(code)).severity(static_cast<std::uint8_t>(wire::Severity::Critical));
    builder.message(text.substr(0, wire::ErrorLayout::SIZES[wire::ErrorLayout::Field::message]));
    builder.finish();
    [[maybe_unused]] const auto n = ::send(fd, buffer, sizeof buffer, MSG_NOSIGNAL | MSG_DONTWAIT);
    ::close(fd);
}

bool Relay::Impl::outOfDescriptors(int listenFd, int error) {
    ++m_stats.acceptErrors;
    // The classic EMFILE reserve: with the spare descriptor, take the waiting
    // peer, so a client hears why instead of hanging in the backlog, and an
    // operator's `alphapulse stats` still answers.
    int fd = -1;
    if (m_spareFd >= 0) {
        ::close(m_spareFd);
        m_spareFd = -1;
        fd = ::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
    }
    if (fd >= 0) {
        if (listenFd == m_statsListen) {
            writeStats(fd);
        } else {
            ++m_stats.connectionsRefused;
            refuse(fd, RelayError::RelayFull, "relay out of file descriptors: raise its ulimit -n or lower max_clients");
        }
    }
    m_spareFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (m_stats.acceptErrors == 1 || m_stats.acceptErrors % 1000 == 0) {
        logWarn("accept on %s: %s (%zu clients connected; %llu accept errors): %s",
                listenFd == m_statsListen ? "the stats socket" : "the client socket", std::strerror(error),
                m_clients.size(), static_cast<unsigned long long>(m_stats.acceptErrors),
                fd >= 0 ? "refusing new clients; raise ulimit -n or lower max_clients" : "not accepting for a while");
    }
    if (fd >= 0) return true; // the backlog shrank: go on with the next
    // Level-triggered epoll would report the listener again at once and spin:
    // stop watching the listeners for a while, serve the connected clients.
    if (m_acceptRetryNs == 0) {
        for (int listener : {m_listen, m_tcpListen, m_statsListen}) {
            if (listener < 0) continue;
            epoll_event ev{};
            ev.data.fd = listener;
            ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, listener, &ev);
        }
    }
    m_acceptRetryNs = monotonicNs() + m_acceptBackoffNs;
    m_acceptBackoffNs = std::min(m_acceptBackoffNs * 2, ACCEPT_RETRY_MAX_NS);
    return false;
}

void Relay::Impl::rearmListeners() {
    if (m_acceptRetryNs == 0 || monotonicNs() < m_acceptRetryNs) return;
    m_acceptRetryNs = 0;
    for (int fd : {m_listen, m_tcpListen, m_statsListen}) {
        if (fd < 0) continue;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &ev);
    }
}

} // namespace alphapulse::relay
