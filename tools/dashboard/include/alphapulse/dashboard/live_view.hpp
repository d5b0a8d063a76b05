#pragma once
// The dashboard's engine, shared by `alphapulse dashboard` (web page) and
// `alphapulse top` (terminal): one MultiBusConsumer with a client per
// configured domain, built by config::makeClient so that every transport
// works, feeding an Aggregator on its own thread; and a second thread
// reading each relay's counters from its stats socket (a shared-memory
// domain's from its segment, in the same shape).
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alphapulse/codec/json.hpp"
#include "alphapulse/config/deployment.hpp"
#include "alphapulse/dashboard/aggregator.hpp"
#include "alphapulse/dashboard/relay_stats_reader.hpp"

namespace alphapulse::client {
class MultiBusConsumer;
}

namespace alphapulse::dashboard {

struct LiveViewOptions {
    /// The client name: a `consumers:` entry of this name in the deployment
    /// sets what it subscribes to; without one it receives everything.
    std::string clientName = "dashboard";
    int statsIntervalMs = 500; ///< how often relay counters are read (as often as the page polls)
    AggregatorOptions aggregator;
};

class LiveView {
public:
    /// Connects to every domain of `deployment` (clients keep retrying the
    /// ones whose relay is not up yet). Throws config::ConfigError when a
    /// domain's transport cannot be made.
    explicit LiveView(config::Deployment deployment, LiveViewOptions options = {});
    ~LiveView();
    LiveView(const LiveView&) = delete;
    LiveView& operator=(const LiveView&) = delete;

    void start(); ///< starts both threads
    void stop();  ///< stops and joins them (also done by the destructor)

    /// The aggregator's snapshot plus "relays" (each relay's counters and
    /// what it says about our own connection) and "dashboard" (who we are).
    [[nodiscard]] codec::Json snapshot() const;
    [[nodiscard]] const Aggregator& aggregator() const noexcept { return *m_aggregator; }

private:
    struct RelayEndpoint {
        wire::Domain domain;
        std::string statsPath;
        RelayStatsReading last;
        std::uint64_t readAtNs = 0;
        std::string segment; ///< shared memory: read from this segment instead of a stats socket
    };

    void consume();
    void readStats();
    void publishConnections();

    config::Deployment m_deployment;
    LiveViewOptions m_options;
    std::unique_ptr<Aggregator> m_aggregator;
    std::unique_ptr<client::MultiBusConsumer> m_consumer;
    std::vector<wire::Domain> m_domains;

    mutable std::mutex m_relaysMutex;
    std::vector<RelayEndpoint> m_relays;

    std::atomic<bool> m_running{false};
    std::mutex m_wakeMutex;
    std::condition_variable m_wake;
    std::thread m_consumerThread;
    std::thread m_statsThread;
};

/// Nanoseconds since the Unix epoch (the clock of header timestamps).
[[nodiscard]] std::uint64_t wallClockNs() noexcept;

} // namespace alphapulse::dashboard
