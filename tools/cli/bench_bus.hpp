#pragma once
// The bus one `alphapulse bench` run measures: the market_data section of a
// deployment (a file, or the default), on the transport asked for, and
// whatever has to run for it. Unless told to use a running one it starts
// its own: a relay (`alphapulse relay`, a process of its own as in a
// deployment, logging into the temporary directory) on a socket there or on
// a free loopback port, a nats-server (from PATH) on a free port, a
// shared-memory segment of its own name. Nothing a live deployment uses is touched, and the destructor stops
// and removes everything it started.
#include <functional>
#include <optional>
#include <string>

#include "alphapulse/config/deployment.hpp"
#include "bench_child.hpp"

namespace alphapulse::cli::bench {

struct BusRequest {
    config::DomainSettings base;                       ///< the file's (or default) market_data section
    const config::TransportDescriptor* transport = nullptr; ///< null: the section's own
    bool useRunning = false;                           ///< connect to what the section names; start nothing
    std::string natsUrl;                               ///< a running nats-server to use ("" = start one)
    bool keepPolicy = false;                           ///< keep the section's overload policy (may drop)
};

class Bus {
public:
    /// Starts what the request needs. Throws std::runtime_error saying what
    /// could not be started (no nats-server on PATH, a relay that failed).
    explicit Bus(const BusRequest& request);
    ~Bus();
    Bus(const Bus&) = delete;
    Bus& operator=(const Bus&) = delete;

    /// A deployment with just this market_data section, for config::makeClient.
    [[nodiscard]] const config::Deployment& deployment() const noexcept { return m_deployment; }
    [[nodiscard]] std::string transportName() const;
    [[nodiscard]] std::string endpoint() const;
    /// "started by bench" or "running".
    [[nodiscard]] std::string owner() const { return m_started ? "started by bench" : "running"; }

private:
    void startRelay();
    void startNatsServer();
    /// Waits up to 10 s for `ready`; throws naming `what` and its log when the process exits or it times out.
    void awaitChild(const std::string& what, const std::string& log, const std::function<bool()>& ready);

    config::Deployment m_deployment;
    bool m_started = false;
    std::string m_dir;                     ///< temporary directory (sockets, nats-server's config and log)
    ChildProcess m_child;                  ///< the relay or nats-server
};

/// The nats-server binary: $ALPHAPULSE_NATS_SERVER, else `nats-server` on
/// PATH, else /usr/sbin/nats-server; "" when none exists.
[[nodiscard]] std::string findNatsServer();

} // namespace alphapulse::cli::bench
