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

void Relay::Impl::readFrom(Client& client) {
    for (int i = 0; i < MAX_READS_PER_EVENT && !client.closing && !client.heldBack; ++i) {
        auto space = client.reader.writable();
        const ssize_t n = ::read(client.fd, space.data(), space.size());
        if (n == 0) {
            markClosing(client, NO_DROP, client.reader.pending() != 0
                                                        ? "peer closed mid-frame (partial frame discarded)"
                                                        : "peer closed");
            return;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            markClosing(client, NO_DROP, std::string("read: ") + std::strerror(errno));
            return;
        }
        client.reader.commit(static_cast<std::size_t>(n));
        client.stats.bytesIn += static_cast<std::uint64_t>(n);
        m_stats.bytesIn += static_cast<std::uint64_t>(n);
        processFrames(client);
        if (client.heldBack || m_producersPaused || static_cast<std::size_t>(n) < space.size()) return;
    }
}

std::uint64_t Relay::Impl::roomForFanOut(const Client& sender, std::size_t& roomBytes) const {
    std::uint64_t frames = m_config.maxQueueSize;
    roomBytes = m_config.maxQueueBytes;
    for (const Client* c : m_order) {
        if (c == &sender || c->closing || c->peerGone) continue;
        frames = std::min<std::uint64_t>(frames, m_config.maxQueueSize - std::min<std::uint64_t>(c->out.frames(), m_config.maxQueueSize));
        roomBytes = std::min<std::size_t>(roomBytes, m_config.maxQueueBytes - std::min<std::size_t>(c->out.bytes(), m_config.maxQueueBytes));
        roomBytes = std::min<std::size_t>(roomBytes, c->out.room()); // its share of the relay's budget
    }
    // A few frames are kept back for the relay's own Error reports.
    return frames > 4 ? frames - 4 : 0;
}

void Relay::Impl::processFrames(Client& client) {
    std::size_t roomBytesOut = 0;
    // Accepted frames are fanned out in runs of adjacent bytes, so a batch of
    // good frames costs one copy per consumer, not one per frame.
    const std::uint8_t* runStart = nullptr;
    std::size_t runBytes = 0;
    std::uint64_t runFrames = 0;
    const auto flushRun = [&] {
        if (runFrames != 0) fanOut(client, runStart, runBytes, runFrames);
        runStart = nullptr;
        runBytes = 0;
        runFrames = 0;
    };
    // Backpressure: take no more frames than every other client's queue has
    // room for; the rest stay in this client's buffer until they drain.
    const bool backpressure = m_config.overload == OverloadPolicy::Backpressure;
    std::uint64_t roomFrames = backpressure ? roomForFanOut(client, roomBytesOut) : 0;
    // A lossless domain promises that nothing is lost silently: a frame no
    // consumer receives (none connected yet, or none subscribed to its type)
    // is counted and its producer told, not fanned out to nobody.
    const std::bitset<256> wanted = backpressure ? consumersWant(client) : std::bitset<256>{};
    const std::uint64_t receivedNs = m_journal ? realtimeNs() : 0; // one clock read per batch
    for (;;) {
        const auto next = client.reader.peek();
        if (!next) {
            if (next.error() == WireError::Truncated) break;
            flushRun();
            if (m_journal) m_journal->commit(); // what it accepted before the garbage goes out: journaled first
            client.reader.clear();
            markClosing(client, DropReason::Desynchronised,
                        std::string("stream desynchronised: ") + std::string(wire::errorName(next.error())));
            return;
        }
        const FrameView frame = *next;
        if (backpressure && (roomFrames == 0 || roomBytesOut < frame.size())) {
            client.heldBack = true; // checkBackpressure() pauses producers, and resumes this once consumers drain
            break;
        }
        client.reader.skip(frame.size());
        if (backpressure) {
            --roomFrames;
            roomBytesOut -= frame.size();
        }
        ++client.stats.framesIn;
        ++m_stats.framesIn;
        const std::uint8_t type = frame.messageType();
        DropReason reject = NO_DROP;
        if (type == static_cast<std::uint8_t>(wire::MessageType::Subscribe)) {
            flushRun();
            handleSubscribe(client, frame);
            continue;
        }
        if (client.catchUp.state == detail::CatchUp::State::Held) activate(client, nullptr, false); // spoke without resuming
        // A producer that asked for acknowledgements continues its source's
        // sequence across connections and relay restarts: the journal's
        // last frame of that source is what it must follow.
        const std::uint8_t source = frame.source();
        const bool journalSequence = m_journal && client.wantsAcks && m_journal->hasSource(source);
        if (journalSequence) client.sequences.advance(source, m_journal->lastSequence(source));
        if (!client.mayProduce) {
            reject = DropReason::NotAllowed;
        } else if (const auto content = m_policy.checkContent(frame)) {
            reject = *content;
        } else if (journalSequence && frame.sequence() <= m_journal->lastSequence(source)) {
            // Resent after a reconnect, and already journaled: dropped
            // without a word (the producer expects it), counted.
            flushRun();
            ++m_stats.journalDuplicates;
            continue;
        } else if (!m_policy.sequenceFollows(frame, client.sequences)) {
            reject = DropReason::BadSequence;
        } else if (backpressure && !wanted.test(type)) {
            reject = DropReason::NoConsumer;
        }
        // A frame nobody received still advances its source's sequence: the
        // next one is not a sequence error too.
        if (reject == NO_DROP || reject == DropReason::NoConsumer) m_policy.accepted(frame, client.sequences);
        if (m_journal && (reject == NO_DROP || reject == DropReason::NoConsumer)) {
            // Journaled even when no consumer is connected: a consumer that
            // resumes gets it (its producer is still told no_consumer).
            m_journal->append(frame.data(), frame.size(), receivedNs);
            client.ackSources.set(frame.source());
        }
        if (m_snapshots && reject == NO_DROP) m_snapshots->update(frame.data(), frame.size());
        if (reject != NO_DROP) {
            flushRun();
            ++m_stats.drops[static_cast<std::size_t>(reject)];
            if (client.errorsReported++ < 10) {
                logWarn("dropped frame type=%u seq=%llu from fd=%d pid=%u: %s", type,
                        static_cast<unsigned long long>(frame.sequence()), client.fd, client.cred.pid,
                        std::string(dropReasonName(reject)).c_str());
            }
            reportRejection(client, reject, frame);
            continue;
        }
        if (runStart != nullptr && runStart + runBytes == frame.data()) {
            runBytes += frame.size();
            ++runFrames;
        } else {
            flushRun();
            runStart = frame.data();
            runBytes = frame.size();
            runFrames = 1;
        }
    }
    flushRun();
    // Written before anything of this batch reaches a consumer (sockets are
    // written later in the loop turn), then acknowledged to its producer.
    if (m_journal && m_journal->commit() && client.wantsAcks && client.ackSources.any()) sendAcks(client);
}

void Relay::Impl::fanOut(Client& sender, const std::uint8_t* data, std::size_t bytes, std::uint64_t frames) {
    for (Client* consumer : m_order) {
        if (consumer == &sender || consumer->closing || consumer->peerGone) continue;
        if (consumer->catchUp.state != detail::CatchUp::State::Live) continue; // gets it from the journal, in order
        if (consumer->subscription.all()) {
            enqueue(*consumer, data, bytes, frames);
            continue;
        }
        // Subscribed consumer: the sub-runs of types it asked for.
        const std::uint8_t* p = data;
        const std::uint8_t* end = data + bytes;
        const std::uint8_t* subStart = nullptr;
        std::uint64_t subFrames = 0;
        while (p < end) {
            const std::size_t size = wire::header::SIZE + wire::loadLe<std::uint32_t>(p + wire::header::PAYLOAD_SIZE_OFFSET);
            const bool wanted = consumer->subscription.test(p[wire::header::MESSAGE_TYPE_OFFSET]);
            if (wanted) {
                if (subStart == nullptr) subStart = p;
                ++subFrames;
            } else if (subStart != nullptr) {
                enqueue(*consumer, subStart, static_cast<std::size_t>(p - subStart), subFrames);
                subStart = nullptr;
                subFrames = 0;
            }
            p += size;
        }
        if (subStart != nullptr) enqueue(*consumer, subStart, static_cast<std::size_t>(end - subStart), subFrames);
    }
}

void Relay::Impl::enqueue(Client& consumer, const std::uint8_t* data, std::size_t bytes, std::uint64_t frames) {
    if (consumer.closing || consumer.peerGone) return;
    auto& out = consumer.out;
    if (m_config.overload == OverloadPolicy::Drop) {
        // Shedding stops once it has drained enough to take frames for a
        // while: below the breaker, or (shed for memory) to half its ring.
        if (consumer.dropping &&
            (consumer.droppingForMemory ? out.bytes() <= out.capacity() / 2
                                        : out.frames() < m_config.circuitBreaker &&
                                              out.bytes() < m_config.maxQueueBytes / 10 * 8)) {
            consumer.dropping = false;
        }
        if (!consumer.dropping && out.fits(frames, bytes) && out.push(data, bytes, frames)) return;
        if (consumer.dropping) {
            // Still above the breaker: the whole run is shed without walking it
            // (a consumer that never reads must not cost a loop per frame).
            consumer.stats.dropped += frames;
            m_stats.drops[static_cast<std::size_t>(consumer.droppingForMemory ? DropReason::MemoryLimit : DropReason::QueueFull)] += frames;
            return;
        }
        // Take the frames that still fit, one by one; shed the rest, counted
        // by why: the consumer's own bound, or the relay's memory budget.
        std::uint64_t shed[2] = {0, 0}; // queue_full, memory_limit
        const std::uint8_t* p = data;
        const std::uint8_t* end = data + bytes;
        while (p < end) {
            const std::size_t size = wire::header::SIZE + wire::loadLe<std::uint32_t>(p + wire::header::PAYLOAD_SIZE_OFFSET);
            const bool fits = !consumer.dropping && out.fits(1, size);
            if (consumer.dropping || !fits || !out.push(p, size, 1)) {
                if (!consumer.dropping) consumer.droppingForMemory = fits; // why shedding started
                consumer.dropping = true;
                ++shed[consumer.droppingForMemory ? 1 : 0];
            }
            p += size;
        }
        consumer.stats.dropped += shed[0] + shed[1];
        m_stats.drops[static_cast<std::size_t>(DropReason::QueueFull)] += shed[0];
        m_stats.drops[static_cast<std::size_t>(DropReason::MemoryLimit)] += shed[1];
        return;
    }
    if (!out.fits(frames, bytes) || !out.push(data, bytes, frames)) {
        markClosing(consumer, DropReason::SlowConsumer,
                    "slow consumer: queue reached max_queue_size=" + std::to_string(m_config.maxQueueSize) +
                        " frames (or max_total_queue_bytes); disconnected so that nothing is dropped silently");
    }
}

void Relay::Impl::handleSubscribe(Client& client, const FrameView& frame) {
    const auto view = wire::SubscribeView::parse(frame.data(), frame.size(), /*verifyChecksum=*/true);
    if (!view) {
        logWarn("ignored malformed subscription from fd=%d: %s", client.fd,
                std::string(wire::errorName(view.error())).c_str());
        return;
    }
    const std::bitset<256> subscription = wire::subscribe::types(*view);
    client.subscription = subscription;
    client.stats.subscribed = true;
    logInfo("fd=%d pid=%u subscribed to %zu message types%s", client.fd, client.cred.pid, subscription.count(),
            view->flags() != 0 ? " (recovery flags follow)" : "");
    applyRecoveryFlags(client, *view);
}

void Relay::Impl::sendError(Client& to, RelayError code, std::uint8_t relatedType, std::uint64_t relatedSequence,
                            std::string_view text) {
    std::uint8_t buffer[wire::ErrorLayout::SIZE];
    auto builder = *wire::ErrorBuilder::into(buffer, sizeof buffer);
    builder.source(relaySource(m_config.domain)).sequence(0).timestamp(realtimeNs());
    builder.error_code(static_cast<std::uint16_t>(code)).severity(static_cast<std::uint8_t>(wire::Severity::Error));
    builder.related_type(relatedType).related_sequence(relatedSequence);
    builder.message(text.substr(0, wire::ErrorLayout::SIZES[wire::ErrorLayout::Field::message]));
    builder.finish();
    if (!to.peerGone && to.out.fits(1, sizeof buffer) && to.out.push(buffer, sizeof buffer, 1)) countOwnFrame(to);
}

void Relay::Impl::sendErrorOnce(Client& to, RelayError code, std::uint8_t relatedType, std::uint64_t relatedSequence,
                                std::string_view text) {
    const std::uint32_t bit = 1U << static_cast<unsigned>(code);
    if ((to.errorCodesSent & bit) != 0) return;
    to.errorCodesSent |= bit;
    sendError(to, code, relatedType, relatedSequence, text);
}

void Relay::Impl::reportRejection(Client& client, DropReason reason, const FrameView& frame) {
    // Reported once per connection (all but bad sequences): a producer that
    // floods rejected frames must not cost a message built per frame.
    const auto once = [&](RelayError code) { return (client.errorCodesSent & (1U << static_cast<unsigned>(code))) != 0; };
    if ((reason == DropReason::NotAllowed && once(RelayError::NotAllowed)) ||
        (reason == DropReason::OutOfDomain && once(RelayError::OutOfDomain)) ||
        (reason == DropReason::BadChecksum && once(RelayError::BadChecksum)) ||
        (reason == DropReason::NoConsumer && once(RelayError::NoConsumer))) {
        return;
    }
    const std::uint8_t type = frame.messageType();
    const std::string typeName = std::to_string(type) + " (" + std::string(wire::messageTypeName(type)) + ")";
    const std::string domain(wire::domainName(m_config.domain));
    switch (reason) {
    case DropReason::BadSequence:
        sendError(client, RelayError::BadSequence, type, frame.sequence(),
                  "sequence must rise by one: expected " +
                      std::to_string(client.sequences.last(frame.source()).value_or(0) + 1));
        break;
    case DropReason::NotAllowed:
        sendErrorOnce(client, RelayError::NotAllowed, type, frame.sequence(), "not allowed to produce here");
        break;
    case DropReason::OutOfDomain:
        sendErrorOnce(client, RelayError::OutOfDomain, type, frame.sequence(),
                      "type " + typeName + " is not carried by the " + domain + " relay");
        break;
    case DropReason::BadChecksum:
        sendErrorOnce(client, RelayError::BadChecksum, type, frame.sequence(), "checksum does not match the frame");
        break;
    case DropReason::NoConsumer:
        sendErrorOnce(client, RelayError::NoConsumer, type, frame.sequence(),
                      "no consumer on " + domain + " receives type " + typeName + ": not delivered (counted as no_consumer)");
        break;
    default: break;
    }
}

std::bitset<256> Relay::Impl::consumersWant(const Client& sender) const {
    std::bitset<256> wanted;
    for (const Client* c : m_order) {
        if (c != &sender && !c->closing && !c->peerGone) wanted |= c->subscription;
    }
    return wanted;
}

ssize_t Relay::Impl::writeQueued(Client& client) {
    iovec parts[2];
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = static_cast<std::size_t>(client.out.pending(parts));
    const ssize_t n = ::sendmsg(client.fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
        const std::uint64_t completed = client.out.consume(static_cast<std::size_t>(n));
        client.stats.framesOut += completed;
        client.stats.bytesOut += static_cast<std::uint64_t>(n);
        m_stats.framesOut += completed;
        m_stats.bytesOut += static_cast<std::uint64_t>(n);
    }
    return n;
}

void Relay::Impl::flush(Client& client) {
    while (!client.out.empty() && !client.closing) {
        const ssize_t n = writeQueued(client);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                // A slow reader: no write per loop turn for it (a wasted
                // syscall each, per slow consumer) until its socket drains.
                client.writeBlocked = true;
                break;
            }
            if (errno == EPIPE || errno == ECONNRESET) {
                // The peer closed. Frames it wrote before closing are still in the socket:
                // closing now would lose them (a producer that writes and exits). Queue
                // nothing more for it; readFrom() reads the rest and closes at EOF.
                logInfo("fd=%d pid=%u: write: %s; reading what it sent before closing", client.fd,
                        client.cred.pid, std::strerror(errno));
                client.peerGone = true;
                client.out.clear();
                break;
            }
            markClosing(client, NO_DROP, std::string("write: ") + std::strerror(errno));
            return;
        }
    }
    updateInterest(client);
}

void Relay::Impl::updateInterest(Client& client) {
    if (client.closing || client.detached) return;
    const bool wantWrite = !client.out.empty();
    epoll_event ev{};
    ev.events = (m_producersPaused || m_stopping ? 0U : static_cast<std::uint32_t>(EPOLLIN)) | EPOLLRDHUP |
                (wantWrite ? static_cast<std::uint32_t>(EPOLLOUT) : 0U);
    ev.data.fd = client.fd;
    client.wantWrite = wantWrite;
    if (ev.events == client.events) return; // one syscall per loop turn saved: nothing to change
    ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, client.fd, &ev);
    client.events = ev.events;
}

void Relay::Impl::checkBackpressure() {
    if (m_config.overload != OverloadPolicy::Backpressure) return;
    const std::uint64_t now = monotonicNs();
    bool anyAbove = false;
    for (Client* c : m_order) {
        if (c->closing) continue;
        if (c->out.frames() >= m_config.circuitBreaker || c->out.bytes() >= m_config.maxQueueBytes / 10 * 8) {
            if (c->aboveBreakerSinceNs == 0) c->aboveBreakerSinceNs = now;
            if (now - c->aboveBreakerSinceNs >= std::uint64_t{m_config.slowConsumerTimeoutMs} * 1'000'000) {
                markClosing(*c, DropReason::SlowConsumer,
                            "slow consumer: above circuit_breaker=" + std::to_string(m_config.circuitBreaker) +
                                " frames for " + std::to_string(m_config.slowConsumerTimeoutMs) +
                                " ms while producers waited");
                continue;
            }
            anyAbove = true;
        } else {
            c->aboveBreakerSinceNs = 0;
        }
    }
    const bool anyHeld = std::any_of(m_order.begin(), m_order.end(), [](const Client* c) { return c->heldBack; });
    const bool pause = anyAbove || (anyHeld && !roomForAnyHeld());
    if (pause && !anyAbove) {
        enforceBudget(now);
    } else {
        m_budgetBlockedSinceNs = 0;
    }
    if (pause != m_producersPaused) {
        m_producersPaused = pause;
        if (pause) ++m_stats.producerPauses;
        for (Client* c : m_order) {
            if (!pause && c->detached) {
                // Peers that hung up while paused: their last frames are still to be read.
                epoll_event ev{};
                ev.events = EPOLLIN | EPOLLRDHUP;
                ev.data.fd = c->fd;
                ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, c->fd, &ev);
                c->events = ev.events;
                c->detached = false;
            }
            updateInterest(*c);
        }
    }
    if (!pause && anyHeld) {
        // Frames held back go on now (no read event would announce them).
        for (Client* c : m_order) {
            if (c->heldBack && !c->closing) {
                c->heldBack = false;
                processFrames(*c);
            }
        }
    }
}

void Relay::Impl::enforceBudget(std::uint64_t now) {
    // Producers wait, yet no consumer is above its breaker: the queues
    // together hold the relay's whole budget. Waiting longer than a single
    // slow consumer may make them wait would stall the domain for good.
    if (m_budgetBlockedSinceNs == 0) m_budgetBlockedSinceNs = now;
    if (now - m_budgetBlockedSinceNs < std::uint64_t{m_config.slowConsumerTimeoutMs} * 1'000'000) return;
    Client* largest = nullptr;
    for (Client* c : m_order) {
        if (!c->closing && !c->out.empty() && (largest == nullptr || c->out.bytes() > largest->out.bytes())) largest = c;
    }
    if (largest == nullptr) return;
    markClosing(*largest, DropReason::SlowConsumer,
                "slow consumer: the queues reached max_total_queue_bytes=" +
                    std::to_string(m_config.maxTotalQueueBytes) + " and this one held most (" +
                    std::to_string(largest->out.bytes()) + " bytes) for " +
                    std::to_string(m_config.slowConsumerTimeoutMs) + " ms while producers waited");
    m_budgetBlockedSinceNs = 0;
}

bool Relay::Impl::roomForAnyHeld() const {
    for (const Client* c : m_order) {
        if (!c->heldBack || c->closing) continue;
        std::size_t bytes = 0;
        const auto frames = roomForFanOut(*c, bytes);
        const auto next = c->reader.peek();
        if (frames > 0 && next && bytes >= next->size()) return true;
    }
    return false;
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
