// Fan-out and overload (docs/design/relay.md, "Fan-out", "Overload"):
// accepted frames queued for every other client in runs, the drop and
// backpressure policies, writing the queues to the sockets.
#include "relay_impl.hpp"

namespace alphapulse::relay {

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

void Relay::Impl::fanOut(Client& sender, const std::uint8_t* data, std::size_t bytes, std::uint64_t frames) {
    for (Client* consumer : m_order) {
        if (consumer == &sender || consumer->closing || consumer->peerGone) continue;
        if (consumer->catchUp.state != detail::CatchUp::State::Live) continue; // gets it from the journal, in order
        if (consumer->subscription.all()) {
            enqueue(*consumer, data, bytes, frames);
            continue;
        }
        // Subscribed consumer: the sub-runs of types it asked for.
        const std::uint8_t* end = data + bytes;
        const std::uint8_t* subStart = nullptr;
        std::uint64_t subFrames = 0;
        wire::FrameCursor cursor({data, bytes}, m_policy.maxPayload()); // frames admitted: whole, within the bound
        while (const auto frame = cursor.next()) {
            const bool wanted = consumer->subscription.test(frame->messageType());
            if (wanted) {
                if (subStart == nullptr) subStart = frame->data();
                ++subFrames;
            } else if (subStart != nullptr) {
                enqueue(*consumer, subStart, static_cast<std::size_t>(frame->data() - subStart), subFrames);
                subStart = nullptr;
                subFrames = 0;
            }
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
        wire::FrameCursor cursor({data, bytes}, m_policy.maxPayload());
        while (const auto frame = cursor.next()) {
            const bool fits = !consumer.dropping && out.fits(1, frame->size());
            if (consumer.dropping || !fits || !out.push(frame->data(), frame->size(), 1)) {
                if (!consumer.dropping) consumer.droppingForMemory = fits; // why shedding started
                consumer.dropping = true;
                ++shed[consumer.droppingForMemory ? 1 : 0];
            }
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

} // namespace alphapulse::relay
