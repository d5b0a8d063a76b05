#include "alphapulse/dashboard/live_view.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "alphapulse/client/multi_bus_consumer.hpp"
#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/config/transport_table.hpp"

namespace alphapulse::dashboard {

std::uint64_t wallClockNs() noexcept {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

LiveView::LiveView(config::Deployment deployment, LiveViewOptions options)
    : m_deployment(std::move(deployment)),
      m_options(std::move(options)),
      m_aggregator(std::make_unique<Aggregator>(m_options.aggregator)),
      m_consumer(std::make_unique<client::MultiBusConsumer>()) {
    client::ClientOptions clientOptions;
    clientOptions.name = m_options.clientName;
    for (const auto& settings : m_deployment.domains) {
        const wire::Domain domain = settings.domain;
        m_consumer->add(domain, config::makeClient(m_deployment, domain, clientOptions));
        // Frames are counted under the connection they came on: that is what
        // the relay's own counters for that domain can be compared with.
        m_consumer->onDomain(domain, [this, domain](const wire::FrameView& frame) {
            m_aggregator->onFrame(domain, frame, wallClockNs());
        });
        m_domains.push_back(domain);
        // Counters come from the relay's stats socket, or from the segment of a
        // shared-memory domain (no relay process; the same shape).
        const auto stats = config::transportOf(settings).stats(settings);
        if (stats.kind == config::StatsSource::Kind::RelaySocket) {
            m_relays.push_back({domain, stats.path, {}, 0, {}});
        } else if (stats.kind == config::StatsSource::Kind::Segment) {
            m_relays.push_back({domain, "shm:/dev/shm/" + stats.path, {}, 0, stats.path});
        }
    }
    // Frames whose type belongs to no domain handler still count, under the
    // domain their type names.
    m_consumer->onOther([this](const wire::FrameView& frame) {
        m_aggregator->onFrame(frame.domain(), frame, wallClockNs());
    });
}

LiveView::~LiveView() { stop(); }

void LiveView::start() {
    if (m_running.exchange(true)) return;
    m_aggregator->start(wallClockNs());
    publishConnections();
    m_consumerThread = std::thread([this] { consume(); });
    m_statsThread = std::thread([this] { readStats(); });
}

void LiveView::stop() {
    if (!m_running.exchange(false)) return;
    {
        const std::lock_guard lock(m_wakeMutex);
        m_wake.notify_all();
    }
    if (m_consumerThread.joinable()) m_consumerThread.join();
    if (m_statsThread.joinable()) m_statsThread.join();
}

void LiveView::publishConnections() {
    std::vector<ConnectionState> states;
    for (const wire::Domain domain : m_domains) {
        const auto* settings = m_deployment.domain(domain);
        auto* relayClient = m_consumer->client(domain);
        if (settings == nullptr || relayClient == nullptr) continue;
        states.push_back({domain, std::string(config::transportOf(*settings).name),
                          relayClient->transport().describe(), relayClient->connected(), relayClient->counters()});
    }
    m_aggregator->setConnections(states);
}

void LiveView::consume() {
    // poll() wakes at least every 50 ms so that stop() is quick and the
    // connection states on the page are at most a quarter second old.
    auto nextPublish = std::chrono::steady_clock::now();
    while (m_running.load(std::memory_order_relaxed)) {
        m_consumer->poll(50);
        if (const auto now = std::chrono::steady_clock::now(); now >= nextPublish) {
            publishConnections();
            nextPublish = now + std::chrono::milliseconds(250);
        }
    }
}

void LiveView::readStats() {
    while (m_running.load(std::memory_order_relaxed)) {
        for (std::size_t i = 0;; ++i) {
            std::string path, segment;
            {
                const std::lock_guard lock(m_relaysMutex);
                if (i >= m_relays.size()) break;
                path = m_relays[i].statsPath;
                segment = m_relays[i].segment;
            }
            // Read outside the lock: a slow relay must not hold up snapshots.
            auto reading = segment.empty() ? readRelayStats(path, 500) : readShmStats(segment);
            const std::lock_guard lock(m_relaysMutex);
            m_relays[i].last = std::move(reading);
            m_relays[i].readAtNs = wallClockNs();
        }
        std::unique_lock lock(m_wakeMutex);
        m_wake.wait_for(lock, std::chrono::milliseconds(m_options.statsIntervalMs),
                        [this] { return !m_running.load(std::memory_order_relaxed); });
    }
}

codec::Json LiveView::snapshot() const {
    const std::uint64_t now = wallClockNs();
    codec::Json j = m_aggregator->snapshot(now);
    const auto pid = static_cast<std::uint32_t>(::getpid());
    j["dashboard"] = {{"pid", pid}, {"client_name", m_options.clientName}, {"config", m_deployment.sourcePath}};
    codec::Json relays = codec::Json::array();
    const std::lock_guard lock(m_relaysMutex);
    for (const auto& r : m_relays) {
        codec::Json entry{{"domain", std::string(wire::domainName(r.domain))},
                          {"stats_path", r.statsPath},
                          {"ok", r.last.ok}};
        if (r.readAtNs != 0) entry["age_ms"] = static_cast<double>(now - std::min(now, r.readAtNs)) / 1e6;
        if (!r.last.ok) {
            entry["error"] = r.last.error.empty() ? std::string("not read yet") : r.last.error;
        } else {
            const auto& s = r.last.stats;
            std::uint64_t drops = 0;
            for (auto n : s.drops) drops += n;
            entry["stats"] = codec::Json::parse(r.last.json, nullptr, /*allow_exceptions=*/false);
            entry["drops_total"] = drops;
            // The relay's view of our own connection (matched by pid, which
            // it learns from SO_PEERCRED): what it sent us, what it dropped.
            for (const auto& c : s.clients) {
                if (c.pid != pid) continue;
                entry["to_dashboard"] = {{"frames_out", c.framesOut},
                                         {"dropped", c.dropped},
                                         {"queued_frames", c.queuedFrames}};
            }
        }
        relays.push_back(std::move(entry));
    }
    j["relays"] = std::move(relays);
    return j;
}

} // namespace alphapulse::dashboard
