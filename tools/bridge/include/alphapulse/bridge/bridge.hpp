#pragma once
// The bridge: a tool built on the client library and the NATS transport,
// used by `alphapulse bridge` (tools/cli/cmd_bridge.cpp); not installed.
// Chosen domains forwarded between a local relay (Unix socket,
// shared memory, ... whatever the deployment says) and NATS, both ways, so
// one machine's services and another machine's services talk.
//
// Per domain, the bridge is a client of the local relay and a client of
// NATS. What it reads from the relay goes to NATS, what it reads from NATS
// goes to the relay. Neither bus gives a client its own frames back (the
// relay never echoes, NATS connections are no-echo), so a frame crosses
// NATS once and enters every other bridged relay once. A bridge also
// remembers the frames it moved either way (RecentFrames): it never sends
// one it brought in back out, never brings in one it sent out, nor the same
// frame twice, so two bridges on one relay cannot loop either, nor deliver
// a frame twice (docs/design/nats.md).
//
// Where the local relay checks sequences per connection (execution), frames
// from NATS are injected through one local connection per source, so
// several remote producers do not break each other's sequence.
//
// `bridge:` in the deployment file:
// `nats:` takes the keys of a deployment's nats section, parsed by the same
// parser (config/nats_section.hpp), and the connection timings:
//   bridge:
//     name: machine-a                 # NATS connection names, default durable
//     domains: [market_data, execution]
//     nats:
//       servers: [nats://10.0.0.1:4222, nats://10.0.0.2:4222]
//       subject_prefix: alphapulse
//       user: u          password: p  # or token: t, nkey_seed_file: f, creds_file: f
//       tls: { ca_file: ca.pem, cert_file: c.pem, key_file: k.pem }   # or tls: true
//       jetstream: { enabled: true, domains: [execution], ack: true, deliver: new,
//                    durable: machine-a, replicas: 1, storage: file, max_bytes: 0 }
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "alphapulse/nats/nats_options.hpp"
#include "alphapulse/nats/nats_transport.hpp"
#include "alphapulse/transport/transport.hpp"

namespace alphapulse::relay {
struct RelayConfig;
}

namespace alphapulse::bridge {

using nats::NatsOptions;

struct BridgeConfig {
    std::string name = "bridge";
    std::vector<wire::Domain> domains;
    NatsOptions nats;                        ///< common NATS settings (domain and policy set per domain)
    std::vector<wire::Domain> jetstreamDomains; ///< domains on JetStream (nats.jetstream.enabled)
};

/// Parses the `bridge:` key (top level, or under `alphapulse:`) of a YAML
/// document. Strict: an unknown key, a wrong type or a missing `domains`
/// throws config::ConfigError (a std::runtime_error) "<name>:<line>: bridge.<key>: <what>".
[[nodiscard]] BridgeConfig parseBridgeConfig(std::string_view yaml, const std::string& name = "<string>");
[[nodiscard]] BridgeConfig loadBridgeConfig(const std::string& path);

/// The complete NATS options for one bridged domain: the common settings,
/// the domain's relay policy, JetStream when the domain is listed.
[[nodiscard]] NatsOptions bridgeNatsOptions(const BridgeConfig& config, wire::Domain domain,
                                            const relay::RelayConfig& policy);

struct BridgeCounters {
    std::uint64_t toNats = 0;        ///< frames read from the local relay and published
    std::uint64_t toLocal = 0;       ///< frames read from NATS and injected locally
    std::uint64_t loopsStopped = 0;  ///< frames from the relay this bridge had moved already (brought in, or sent out)
    std::uint64_t duplicates = 0;    ///< frames from NATS this bridge had moved already
    std::uint64_t dropped = 0;       ///< not taken within the backpressure timeout
};

class Bridge {
public:
    struct Domain {
        wire::Domain domain = wire::Domain::MarketData;
        NatsOptions nats;
        /// Makes a new connection to the local relay of the domain (called
        /// once for reading, and once per source where requireSequence).
        std::function<std::unique_ptr<transport::Transport>()> local;
        bool requireSequence = false; ///< the local relay checks sequences per connection
        bool dropWhenFull = true;     ///< false: wait (up to blockMs) when a side pushes back
    };

    explicit Bridge(std::vector<Domain> domains, int blockMs = 5000);
    ~Bridge();
    Bridge(const Bridge&) = delete;
    Bridge& operator=(const Bridge&) = delete;

    /// Forwards what is there, waiting up to `timeoutMs` for something. Returns frames moved.
    int pollOnce(int timeoutMs);
    /// pollOnce until `stop` is set, then pushes out what is pending.
    void run(const std::atomic<bool>& stop);

    [[nodiscard]] BridgeCounters counters(wire::Domain domain) const;
    /// Every side connected (local relays and NATS).
    [[nodiscard]] bool connected() const;
    [[nodiscard]] std::string describe() const;

    struct Link;

private:
    std::vector<std::unique_ptr<Link>> m_links;
    int m_blockMs;
};

} // namespace alphapulse::bridge
