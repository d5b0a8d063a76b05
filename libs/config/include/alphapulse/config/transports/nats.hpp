#pragma once
// nats: a domain on NATS subjects (a real nats-server), no alphapulse relay.
// Its settings are nats::NatsOptions, as files give them, parsed in one place straight into
// nats::NatsOptions: a deployment's `transport: nats` domain section and the
// bridge's `bridge.nats:` key take the same keys the same way (each file
// allows its own set: see deploymentNatsKeys and bridgeNatsKeys).
#include <functional>
#include <span>
#include <string_view>

#include "alphapulse/config/transport_table.hpp"
#include "alphapulse/nats/nats_options.hpp"

namespace alphapulse::config {

namespace rows {
/// Settings: nats::NatsOptions (the client's name, the domain's policies and
/// write_mode are added when a transport is made).
extern const TransportDescriptor NATS;
} // namespace rows

/// The keys a file's NATS settings may have, per level.
struct NatsKeys {
    std::span<const std::string_view> top;       ///< servers, subject_prefix, ...
    std::span<const std::string_view> tls;       ///< under `tls:`
    std::span<const std::string_view> jetstream; ///< under `jetstream:`
};

/// A deployment's nats domain: connection, credentials, TLS files, JetStream
/// (stream, durable, deliver, max_bytes, ack) and write_mode.
[[nodiscard]] const NatsKeys& deploymentNatsKeys() noexcept;
/// `bridge.nats:`: also the connection timings, tls.skip_verify and
/// JetStream's domains, replicas, storage and acknowledgement timings.
[[nodiscard]] const NatsKeys& bridgeNatsKeys() noexcept;

/// An allowed key the NATS parser leaves to its caller (write_mode,
/// jetstream.domains): `key.path` says where it is.
using OtherNatsKey = std::function<void(const SectionKey& key)>;

/// Parses one key of a NATS mapping into `options`, checking its value
/// (server URLs, the subject prefix, stream and consumer names, deliver).
/// A key not in `keys.top` (or a nested one not in its level's list) is a
/// ConfigError "unknown key; allowed: ...".
void parseNatsKey(const SectionKey& key, nats::NatsOptions& options, const NatsKeys& keys,
                  const OtherNatsKey& other = {});

/// The checks across keys (nats::checkOptions: credentials, TLS files,
/// JetStream), failing at `section`.
void checkNatsSection(const YamlReader& reader, const YAML::Node& section, const std::string& path,
                      const nats::NatsOptions& options);

} // namespace alphapulse::config
