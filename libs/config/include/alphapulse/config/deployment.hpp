#pragma once
// One YAML file describes a whole deployment: for each domain, the transport
// its services use (and the relay's policies), and for each named consumer
// the message types it subscribes to. Services never name a socket: they ask
// for a domain's transport and get whatever the file says, so the same
// service runs on every transport (the design document's "Migration to
// Message Bus": only the configuration changes).
//
//   alphapulse:
//     runtime_dir: /tmp/alphapulse          # default sockets and segments live here
//     market_data:
//       transport: shared_memory            # unix_socket | tcp | shared_memory | channel | nats
//       size_mb: 64
//     signals:
//       transport: unix_socket
//       path: /tmp/alphapulse/signals.sock
//     execution:
//       transport: tcp
//       address: 127.0.0.1:7403
//       allowed_addresses: [127.0.0.1]
//     consumers:
//       strategy:
//         market_data: { message_types: [Trade, Quote] }
//
// docs/design/deployment.md lists every key. `services:` and `dashboard:`
// belong to `alphapulse up`, `bridge:` to `alphapulse bridge`; they are parsed
// there and skipped here. A domain's `transport:` may also be spelled `type:`,
// and the top level may give a default `transport:` (the design document's
// Stage 1-3 shapes); `mixed` means no default.
#include <any>
#include <bitset>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "alphapulse/relay/relay_config.hpp"
#include "alphapulse/transport/write_mode.hpp"
#include "alphapulse/wire/message_type.hpp"

namespace alphapulse::transport {
class Transport;
}
namespace alphapulse::client {
class BusClient;
struct ClientOptions;
} // namespace alphapulse::client

namespace alphapulse::config {

/// A configuration error; what() names the file, line, key and what is wrong.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct TransportDescriptor; // alphapulse/config/transport_table.hpp: one row per transport

struct DomainSettings {
    wire::Domain domain = wire::Domain::MarketData;
    /// Its row in the transport table; set with its settings by useTransport()
    /// (the parser and defaultDeployment() do). Null in a DomainSettings{}.
    const TransportDescriptor* transport = nullptr;
    /// The transport's own keys: the struct its header in
    /// alphapulse/config/transports/ declares (UnixSocketSettings,
    /// TcpSettings, SharedMemorySettings, ChannelSettings, nats::NatsOptions).
    /// Read them with settings<T>().
    std::any transportSettings;
    /// `write_mode` (unix_socket, tcp, nats): how clients hand frames to the socket.
    /// Default batched, immediate on execution (few frames, each one urgent).
    transport::WriteMode writeMode = transport::WriteMode::Batched;
    /// The relay's (or the ring's / hub's) policies: the domain's defaults
    /// with any relay keys of docs/design/relay.md given in this section.
    relay::RelayConfig relay;

    /// The transport's settings as `Settings`; ConfigError when the domain is
    /// on another transport (its settings are another struct).
    template <class Settings> [[nodiscard]] Settings& settings() {
        if (auto* s = std::any_cast<Settings>(&transportSettings)) return *s;
        wrongSettings();
    }
    template <class Settings> [[nodiscard]] const Settings& settings() const {
        if (const auto* s = std::any_cast<Settings>(&transportSettings)) return *s;
        wrongSettings();
    }

private:
    [[noreturn]] void wrongSettings() const;
};

/// Puts `d` on `row` with that transport's default settings for its domain
/// (sockets and segments named after it, under `runtimeDir`).
void useTransport(DomainSettings& d, const TransportDescriptor& row, const std::string& runtimeDir);

struct ConsumerSettings {
    std::string name;
    std::map<wire::Domain, std::bitset<256>> subscriptions; ///< domain -> message types
};

struct Deployment {
    std::string sourcePath;  ///< the file it came from ("" for the default)
    std::string runtimeDir;  ///< `runtime_dir`, default $ALPHAPULSE_RUNTIME_DIR or /tmp/alphapulse
    std::vector<DomainSettings> domains;
    std::vector<ConsumerSettings> consumers;

    [[nodiscard]] const DomainSettings* domain(wire::Domain domain) const noexcept;
    [[nodiscard]] const ConsumerSettings* consumer(std::string_view name) const noexcept;
};

/// Every domain on a Unix-socket relay under the runtime directory.
[[nodiscard]] Deployment defaultDeployment();
/// Parses and validates a file. Throws ConfigError naming the key and line.
[[nodiscard]] Deployment loadDeployment(const std::string& path);
/// Same, from text (tests); `name` is used in messages.
[[nodiscard]] Deployment parseDeployment(std::string_view yaml, const std::string& name = "<string>");

/// For command-line tools: the file `--config` names, or defaultDeployment() when "".
[[nodiscard]] Deployment loadDeploymentOrDefault(const std::string& path);

/// Whether `path` is a deployment file (a mapping whose top key is
/// `alphapulse:`) rather than an older file of relay settings. False when
/// it cannot be read or parsed (the caller's own loader then reports why).
[[nodiscard]] bool isDeploymentFile(const std::string& path);

/// "market_data", "signals", "execution" or "system"; ConfigError otherwise.
[[nodiscard]] wire::Domain domainFromName(std::string_view name);

/// The settings of `domain`, or ConfigError naming the file and the domains it configures.
[[nodiscard]] const DomainSettings& requireDomain(const Deployment& deployment, wire::Domain domain);

/// The transport a client of `domain` uses, as the deployment says.
/// Throws ConfigError when the domain is not configured.
[[nodiscard]] std::unique_ptr<transport::Transport> makeTransport(const Deployment& deployment, wire::Domain domain,
                                                                  std::string_view clientName);

/// Whose subscription a client made by makeClient() gets.
enum class SubscriptionSource : std::uint8_t {
    File,    ///< the consumers: entry named options.name, else options.subscription
    Options, ///< options.subscription when it has one (a command's --types, a pure producer), else the file's
};

/// A BusClient on that transport, subscribed as `source` says. Transports
/// that subscribe when they connect (NATS) get that subscription up front,
/// so they subscribe once, to the right subjects.
[[nodiscard]] std::unique_ptr<client::BusClient> makeClient(const Deployment& deployment, wire::Domain domain,
                                                              const client::ClientOptions& options,
                                                              SubscriptionSource source = SubscriptionSource::File);

} // namespace alphapulse::config
