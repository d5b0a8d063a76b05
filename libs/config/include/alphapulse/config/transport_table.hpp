#pragma once
// The transports, one row each: what a deployment file calls it, the keys of
// its section and how they are parsed, the Transport it makes, whether a
// relay process serves it and where its counters are read. Every command
// that treats transports differently (relay, stats, up, bench, bridge, the
// dashboard) asks its row instead of switching over transports.
//
// Each transport is a header in alphapulse/config/transports/ (its settings
// struct and its row) and a source in libs/config/src/transports/ (the row's
// functions); the table itself is libs/config/src/transport_table.cpp.
// Adding a transport: those two files and one row in the table
// (docs/design/deployment.md, "Adding a transport").
#include <bitset>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "alphapulse/config/deployment.hpp"
#include "alphapulse/config/yaml_reader.hpp"

namespace alphapulse::config {

/// One key of a domain's section, handed to its transport's parseKey.
struct SectionKey {
    const YamlReader& reader;
    const std::string& key;
    const YAML::Node& value;
    const std::string& path; ///< "alphapulse.<domain>.<key>"
};

/// A domain's whole section after its keys, handed to its transport's finish.
struct Section {
    const YamlReader& reader;
    const YAML::Node& node; ///< the section's mapping (null when empty)
    const std::string& path; ///< "alphapulse.<domain>"
    const std::string& runtimeDir;
};

/// Who serves a domain on this transport.
enum class RelayProcess : std::uint8_t {
    Alphapulse, ///< `alphapulse relay <domain>`, on its socket or address
    External,   ///< a server of its own (nats-server)
    None,       ///< nobody: every endpoint does the relay's work itself
};

/// Where a domain's counters are read (`alphapulse stats`, the dashboard).
struct StatsSource {
    enum class Kind : std::uint8_t {
        None,        ///< nowhere (the transport keeps none, or they are its server's)
        RelaySocket, ///< `path` is the relay's "<socket>.stats": one JSON line on connect
        Segment,     ///< `path` names the shared-memory segment, whose counters are read in place
    } kind = Kind::None;
    std::string path;
};

/// What a bus of its own for one run (a benchmark) may use.
struct PrivateBus {
    std::string dir;         ///< a fresh directory for sockets and files
    std::string tag;         ///< unique to this run, for names outside `dir` (segments, hubs, subjects)
    std::uint16_t port = 0;  ///< a free loopback port
};

/// Where a relay process accepts clients: a Unix socket, or a TCP address.
struct RelayAddress {
    std::string unixPath; ///< set for a Unix-socket relay
    std::string host;     ///< set with `port` for a TCP relay
    std::uint16_t port = 0;
};

struct TransportDescriptor {
    std::string_view name;                      ///< "unix_socket", as files and --transport spell it
    std::span<const std::string_view> synonyms; ///< other names files may use ("channels", "message_bus")
    std::span<const std::string_view> keys;     ///< its own keys in a domain's section (beside the policy keys)
    RelayProcess relayProcess;
    bool inProcess; ///< endpoints meet only inside one process (channel)

    /// Its settings with their defaults for `d.domain` into `d.transportSettings`
    /// (called through useTransport(), before the section's keys).
    void (*defaults)(DomainSettings& d, const std::string& runtimeDir);
    /// Parses one of `keys` into `d` ("write_mode" is parsed by the deployment for all).
    void (*parseKey)(const SectionKey& key, DomainSettings& d);
    /// After the section's keys: checks across keys, and what depends on keys given in any order.
    void (*finish)(const Section& section, DomainSettings& d);
    /// The transport a client named `clientName` uses. `subscription` is the
    /// client's (nullopt: the whole domain), for transports that subscribe
    /// when they connect. Throws ConfigError when the settings cannot work.
    std::unique_ptr<transport::Transport> (*make)(const DomainSettings& d, std::string_view clientName,
                                                  const std::optional<std::bitset<256>>& subscription);
    /// Where its counters are read.
    StatsSource (*stats)(const DomainSettings& d);
    /// Where its relay process listens; nullopt unless relayProcess is Alphapulse.
    std::optional<RelayAddress> (*relayAddress)(const DomainSettings& d);
    /// What clients connect to, for people: a path, host:port, /dev/shm/<name>, channel:<name>, a server URL.
    std::string (*endpoint)(const DomainSettings& d);
    /// Why `alphapulse relay` has no process to run for it ("" when relayProcess is Alphapulse).
    std::string (*noRelayReason)(const DomainSettings& d);
    /// Points `d` at a bus of its own for one run (a benchmark), nothing shared with a live deployment.
    void (*isolate)(DomainSettings& d, const PrivateBus& bus);
    /// The section's keys that say where the bus is ("path: ...", "address: ..."), as YAML
    /// lines indented by `indent`, for a generated deployment file.
    std::string (*endpointYaml)(const DomainSettings& d, std::string_view indent);
};

/// Every transport, in the order files and messages list them.
[[nodiscard]] std::span<const TransportDescriptor* const> transports() noexcept;
/// The row of a domain's transport; ConfigError when it has none (a DomainSettings{}).
[[nodiscard]] const TransportDescriptor& transportOf(const DomainSettings& d);
/// The row named `name` (or one of its synonyms), nullptr when none is.
[[nodiscard]] const TransportDescriptor* findTransport(std::string_view name) noexcept;
/// "unix_socket, tcp, shared_memory, channel or nats".
[[nodiscard]] std::string transportNames();

} // namespace alphapulse::config
