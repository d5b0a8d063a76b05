#include "alphapulse/bridge/bridge.hpp"

#include <poll.h>

#include <array>
#include <chrono>
#include <thread>

#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/nats/recent_frames.hpp"

namespace alphapulse::bridge {

using nats::NatsTransport;
using nats::RecentFrames;

struct Bridge::Link {
    Domain settings;
    std::unique_ptr<client::BusClient> local;  ///< reads the relay (and injects, without requireSequence)
    std::unique_ptr<client::BusClient> remote; ///< NATS
    NatsTransport* natsTransport = nullptr;
    /// requireSequence: one producer connection per source, made when first needed.
    std::array<std::unique_ptr<client::BusClient>, 256> injectors;
    RecentFrames recent;
    BridgeCounters counters;

    client::BusClient& injector(std::uint8_t source) {
        if (!settings.requireSequence) return *local;
        auto& slot = injectors[source];
        if (!slot) {
            client::ClientOptions options;
            options.name = "bridge-inject";
            options.subscription = std::bitset<256>{}; // produces only
            slot = std::make_unique<client::BusClient>(settings.local(), options);
        }
        return *slot;
    }
};

namespace {

/// Publishes, waiting out backpressure up to `blockMs` where the domain
/// never drops; false when the frame was not taken.
bool forward(client::BusClient& to, const wire::FrameView& frame, bool dropWhenFull, int blockMs) {
    const std::span<const std::uint8_t> bytes(frame.data(), frame.size());
    if (to.publish(bytes) == transport::SendStatus::Ok) return true;
    if (dropWhenFull) return false;
    return to.publishBlocking(bytes, std::chrono::milliseconds(blockMs));
}

} // namespace

Bridge::Bridge(std::vector<Domain> domains, int blockMs) : m_blockMs(blockMs) {
    for (auto& settings : domains) {
        auto link = std::make_unique<Link>();
        link->settings = std::move(settings);
        client::ClientOptions localOptions;
        localOptions.name = "bridge";
        link->local = std::make_unique<client::BusClient>(link->settings.local(), localOptions);
        auto nats = std::make_unique<NatsTransport>(link->settings.nats);
        link->natsTransport = nats.get();
        client::ClientOptions remoteOptions;
        remoteOptions.name = link->settings.nats.name;
        link->remote = std::make_unique<client::BusClient>(std::move(nats), remoteOptions);
        m_links.push_back(std::move(link));
    }
}

Bridge::~Bridge() = default;

int Bridge::pollOnce(int timeoutMs) {
    std::vector<pollfd> fds;
    fds.reserve(m_links.size() * 2);
    int wait = timeoutMs;
    for (const auto& link : m_links) {
        for (auto* side : {link->local.get(), link->remote.get()}) {
            const int fd = side->connected() ? side->pollFd() : -1;
            if (fd >= 0) fds.push_back(pollfd{fd, POLLIN, 0});
            else wait = std::min(wait < 0 ? 100 : wait, std::max(side->reconnectDelayMs(), 10));
        }
    }
    if (!fds.empty()) ::poll(fds.data(), fds.size(), wait);
    else if (wait > 0) std::this_thread::sleep_for(std::chrono::milliseconds(wait));

    int moved = 0;
    for (const auto& link : m_links) {
        Link& l = *link;
        auto fromLocal = [&](const wire::FrameView& frame) {
            // Remembered both ways: a frame this bridge brought in must not go
            // back out, and a frame it sent out must not come back in (from
            // another bridge on the same relays).
            if (!l.recent.insert(RecentFrames::keyOf(frame))) {
                ++l.counters.loopsStopped;
                return;
            }
            if (forward(*l.remote, frame, l.settings.dropWhenFull, m_blockMs)) {
                ++l.counters.toNats;
                ++moved;
            } else {
                ++l.counters.dropped;
            }
        };
        auto fromNats = [&](const wire::FrameView& frame) {
            if (!l.recent.insert(RecentFrames::keyOf(frame))) {
                ++l.counters.duplicates;
                return;
            }
            if (forward(l.injector(frame.source()), frame, l.settings.dropWhenFull, m_blockMs)) {
                ++l.counters.toLocal;
                ++moved;
            } else {
                ++l.counters.dropped;
            }
        };
        l.local->poll(fromLocal, 0);
        l.remote->poll(fromNats, 0);
        l.remote->flush();
        l.local->flush();
        for (auto& injector : l.injectors) {
            if (injector) injector->flush();
        }
    }
    return moved;
}

void Bridge::run(const std::atomic<bool>& stop) {
    while (!stop.load()) pollOnce(100);
    for (const auto& link : m_links) {
        link->remote->flush();
        link->natsTransport->waitAcknowledged(2000);
        link->local->flush();
    }
}

BridgeCounters Bridge::counters(wire::Domain domain) const {
    for (const auto& link : m_links) {
        if (link->settings.domain == domain) return link->counters;
    }
    return {};
}

bool Bridge::connected() const {
    for (const auto& link : m_links) {
        if (!link->local->connected() || !link->remote->connected()) return false;
    }
    return true;
}

std::string Bridge::describe() const {
    std::string out;
    for (const auto& link : m_links) {
        if (!out.empty()) out += ", ";
        out += link->local->transport().describe() + " <-> " + link->remote->transport().describe();
    }
    return out;
}

} // namespace alphapulse::bridge
