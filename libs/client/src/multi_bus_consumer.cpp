#include "alphapulse/client/multi_bus_consumer.hpp"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace alphapulse::client {

void MultiBusConsumer::add(wire::Domain domain, std::unique_ptr<BusClient> client) {
    if (this->client(domain) != nullptr) {
        throw std::invalid_argument("MultiBusConsumer: a connection for this domain already exists");
    }
    m_clients.push_back(Entry{domain, std::move(client)});
}

void MultiBusConsumer::on(wire::MessageType type, Handler handler) {
    m_byType[static_cast<std::uint8_t>(type)].push_back(std::move(handler));
}

void MultiBusConsumer::onDomain(wire::Domain domain, Handler handler) {
    m_byDomain[static_cast<std::size_t>(domain)].push_back(std::move(handler));
}

void MultiBusConsumer::onOther(Handler handler) { m_other.push_back(std::move(handler)); }

BusClient* MultiBusConsumer::client(wire::Domain domain) noexcept {
    for (auto& entry : m_clients) {
        if (entry.domain == domain) return entry.client.get();
    }
    return nullptr;
}

void MultiBusConsumer::dispatch(wire::Domain domain, const wire::FrameView& frame) {
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

int MultiBusConsumer::drainAll() {
    int dispatched = 0;
    for (auto& entry : m_clients) {
        // Each connection is drained without waiting; disconnected ones retry.
        auto handler = [&](const wire::FrameView& frame) { dispatch(entry.domain, frame); };
        const int n = entry.client->poll(handler, 0);
        dispatched += n > 0 ? n : 0;
    }
    return dispatched;
}

int MultiBusConsumer::poll(int timeoutMs) {
    // Reused between calls: polling allocates nothing once warm.
    auto& fds = m_pollFds;
    fds.clear();
    int wait = timeoutMs;
    Entry* fdless = nullptr;
    int fdlessCount = 0;
    for (auto& entry : m_clients) {
        const int fd = entry.client->pollFd();
        if (fd >= 0) {
            fds.push_back(pollfd{fd, POLLIN, 0});
        } else if (entry.client->connected()) {
            // Connected without a descriptor (shared memory: readers wait on a
            // futex, which poll() cannot watch).
            if (fdless == nullptr) fdless = &entry;
            ++fdlessCount;
        } else {
            // Disconnected: wake up when its reconnect is due.
            const int due = entry.client->reconnectDelayMs();
            wait = wait < 0 ? due : std::min(wait, due);
        }
    }
    if (fdless != nullptr) return pollWithoutDescriptors(*fdless, fdlessCount, wait);
    if (fds.empty()) {
        if (wait > 0) std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    } else {
        ::poll(fds.data(), fds.size(), wait);
    }
    return drainAll();
}

int MultiBusConsumer::pollWithoutDescriptors(Entry& first, int fdlessCount, int timeoutMs) {
    // Only one connection and it has no descriptor: let it wait its own way
    // (spin or futex) for the whole time. Otherwise wait on the first one in
    // slices of at most 1 ms and look at every connection between slices, so
    // the others wait at most that long.
    const auto start = std::chrono::steady_clock::now();
    for (;;) {
        int dispatched = drainAll();
        if (dispatched > 0 || timeoutMs == 0) return dispatched;
        int remaining = timeoutMs;
        if (timeoutMs > 0) {
            const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
            remaining = timeoutMs - static_cast<int>(spent.count());
            if (remaining <= 0) return 0;
        }
        auto handler = [&](const wire::FrameView& frame) { dispatch(first.domain, frame); };
        const bool alone = m_clients.size() == 1 && fdlessCount == 1;
        const int slice = alone ? remaining : (remaining < 0 ? 1 : std::min(remaining, 1));
        const int n = first.client->poll(handler, slice);
        dispatched = n > 0 ? n : 0;
        if (dispatched > 0 || alone) return dispatched + (alone ? 0 : drainAll());
    }
}

} // namespace alphapulse::client
