#include "alphapulse/client/multi_relay_consumer.hpp"

#include <poll.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace alphapulse::client {

void MultiRelayConsumer::add(wire::Domain domain, std::unique_ptr<RelayClient> client) {
    if (this->client(domain) != nullptr) {
        throw std::invalid_argument("MultiRelayConsumer: a connection for this domain already exists");
    }
    m_clients.push_back(Entry{domain, std::move(client)});
}

void MultiRelayConsumer::on(wire::MessageType type, Handler handler) {
    m_byType[static_cast<std::uint8_t>(type)].push_back(std::move(handler));
}

void MultiRelayConsumer::onDomain(wire::Domain domain, Handler handler) {
    m_byDomain[static_cast<std::size_t>(domain)].push_back(std::move(handler));
}

void MultiRelayConsumer::onOther(Handler handler) { m_other.push_back(std::move(handler)); }

RelayClient* MultiRelayConsumer::client(wire::Domain domain) noexcept {
    for (auto& entry : m_clients) {
        if (entry.domain == domain) return entry.client.get();
    }
    return nullptr;
}

void MultiRelayConsumer::dispatch(wire::Domain domain, const wire::FrameView& frame) {
    if (const auto& handlers = m_byType[frame.messageType()]; !handlers.empty()) {
        for (const auto& h : handlers) h(frame);
        return;
    }
    if (const auto& handlers = m_byDomain[static_cast<std::size_t>(domain)]; !handlers.empty()) {
        for (const auto& h : handlers) h(frame);
        return;
    }
    for (const auto& h : m_other) h(frame);
}

int MultiRelayConsumer::poll(int timeoutMs) {
    // Reused between calls: polling allocates nothing once warm.
    auto& fds = m_pollFds;
    fds.clear();
    int wait = timeoutMs;
    for (std::size_t i = 0; i < m_clients.size(); ++i) {
        const int fd = m_clients[i].client->pollFd();
        if (fd >= 0) {
            fds.push_back(pollfd{fd, POLLIN, 0});
        } else {
            // Disconnected: wake up when its reconnect is due.
            const int due = m_clients[i].client->reconnectDelayMs();
            wait = wait < 0 ? due : std::min(wait, due);
        }
    }
    if (fds.empty()) {
        if (wait > 0) std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    } else {
        ::poll(fds.data(), fds.size(), wait);
    }
    int dispatched = 0;
    for (auto& entry : m_clients) {
        // Each connection is drained without waiting; disconnected ones retry.
        auto handler = [&](const wire::FrameView& frame) { dispatch(entry.domain, frame); };
        const int n = entry.client->poll(handler, 0);
        dispatched += n > 0 ? n : 0;
    }
    return dispatched;
}

} // namespace alphapulse::client
