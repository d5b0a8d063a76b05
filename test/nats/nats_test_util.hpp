#pragma once
// Helpers shared by the NATS integration tests.
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <thread>

#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/nats/nats_transport.hpp"

namespace alphapulse::natstest {

inline nats::NatsOptions busOptions(std::vector<std::string> servers, wire::Domain domain = wire::Domain::MarketData) {
    nats::NatsOptions options;
    options.servers = std::move(servers);
    options.domain = domain;
    options.subjectPrefix = "aptest";
    options.reconnectWaitMs = 50;
    options.pingIntervalMs = 500;
    options.connectTimeoutMs = 3000;
    return options;
}

/// A BusClient on a NatsTransport, the subscription in both as
/// config::makeClient does: the transport subscribes once, in connect().
inline std::unique_ptr<client::BusClient> natsClient(nats::NatsOptions options,
                                                       std::optional<std::bitset<256>> subscription = std::nullopt,
                                                       std::string name = "client") {
    client::ClientOptions clientOptions;
    clientOptions.name = std::move(name);
    clientOptions.subscription = subscription;
    options.subscription = std::move(subscription);
    return std::make_unique<client::BusClient>(std::make_unique<nats::NatsTransport>(std::move(options)), clientOptions);
}

inline nats::NatsTransport& natsOf(client::BusClient& client) {
    return static_cast<nats::NatsTransport&>(client.transport());
}

/// Polls until `done()` or `timeoutMs` passed; false on timeout.
inline bool pollUntil(client::BusClient& client, transport::FrameHandler handler, const std::function<bool()>& done,
                      int timeoutMs) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        client.poll(handler, 20);
    }
    return true;
}

/// Waits until `done()` (checking every 10 ms) or `timeoutMs`.
inline bool waitFor(const std::function<bool()>& done, int timeoutMs) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

} // namespace alphapulse::natstest
