// nats: a NATS server (or cluster) is the bus (docs/design/nats.md). Its
// section parses straight into nats::NatsOptions, with the parser the
// bridge's `nats:` key uses too (nats_section.hpp).
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <climits>

#include "alphapulse/config/transports/nats.hpp"
#include "alphapulse/nats/nats_transport.hpp"
#include "alphapulse/nats/subjects.hpp"
#include "alphapulse/transport/tcp_socket.hpp"
#include "transports.hpp"

namespace alphapulse::config {
namespace {

constexpr std::string_view DEPLOYMENT_KEYS[] = {"servers",        "subject_prefix", "user", "password",  "token",
                                                "nkey_seed_file", "creds_file",     "tls",  "jetstream", "write_mode"};
constexpr std::string_view DEPLOYMENT_TLS_KEYS[] = {"ca_file", "cert_file", "key_file"};
constexpr std::string_view DEPLOYMENT_JETSTREAM_KEYS[] = {"enabled", "stream", "durable", "deliver", "max_bytes", "ack"};

constexpr std::string_view BRIDGE_KEYS[] = {"servers",        "subject_prefix",     "user",
                                            "password",       "token",              "nkey_seed_file",
                                            "creds_file",     "tls",                "jetstream",
                                            "connect_timeout_ms", "reconnect_wait_ms", "max_reconnect",
                                            "reconnect_buffer_bytes", "ping_interval_ms"};
constexpr std::string_view BRIDGE_TLS_KEYS[] = {"ca_file", "cert_file", "key_file", "skip_verify"};
constexpr std::string_view BRIDGE_JETSTREAM_KEYS[] = {"enabled",    "domains",        "durable",     "deliver",
                                                      "max_bytes",  "ack",            "replicas",    "storage",
                                                      "ack_timeout_ms", "ack_wait_ms", "max_inflight"};

bool allowed(std::span<const std::string_view> keys, const std::string& key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

int milliseconds(const SectionKey& k) { return static_cast<int>(k.reader.number(k.value, k.path, 0, INT_MAX)); }

void parseServers(const SectionKey& k, nats::NatsOptions& n) {
    n.servers = k.reader.textList(k.value, k.path);
    if (n.servers.empty()) k.reader.fail(k.value, k.path, "at least one server");
    for (const auto& url : n.servers) {
        const auto scheme = url.find("://");
        const std::string s = scheme == std::string::npos ? "" : url.substr(0, scheme);
        if (s != "nats" && s != "tls" && s != "ws" && s != "wss") {
            k.reader.fail(k.value, k.path, "'" + url + "': expected a URL like nats://host:4222");
        }
        // scheme://[user[:password]@]host:port[/...]
        std::string hostPort = url.substr(scheme + 3);
        hostPort = hostPort.substr(0, hostPort.find('/'));
        if (const auto at = hostPort.rfind('@'); at != std::string::npos) hostPort.erase(0, at + 1);
        std::string why;
        if (!transport::parseHostPort(hostPort, &why)) k.reader.fail(k.value, k.path, "'" + url + "': " + why);
    }
}

void parseTls(const SectionKey& k, nats::NatsOptions& n, const NatsKeys& keys) {
    if (k.value.IsScalar()) {
        n.tls = k.reader.flag(k.value, k.path);
        return;
    }
    if (!k.value.IsMap()) k.reader.fail(k.value, k.path, "expected true/false or a mapping {ca_file, cert_file, key_file}");
    k.reader.onlyKeys(k.value, k.path, keys.tls);
    n.tls = true;
    for (const auto& entry : k.value) {
        const auto key = entry.first.Scalar();
        const std::string p = k.path + "." + key;
        if (key == "skip_verify") n.tlsSkipVerify = k.reader.flag(entry.second, p);
        else (key == "ca_file" ? n.tlsCaFile : key == "cert_file" ? n.tlsCertFile : n.tlsKeyFile) = k.reader.text(entry.second, p);
    }
    if (n.tlsCertFile.empty() != n.tlsKeyFile.empty()) k.reader.fail(k.value, k.path, "cert_file and key_file go together");
}

/// A stream or consumer name: no spaces, '.', '*', '>', '/' or '\'.
std::string streamToken(const SectionKey& k, const char* what) {
    auto name = k.reader.text(k.value, k.path);
    if (name.find_first_of(" \t.*>/\\") != std::string::npos) {
        k.reader.fail(k.value, k.path, std::string("a ") + what + " name has no spaces, '.', '*', '>', '/' or '\\'");
    }
    return name;
}

void parseJetStreamKey(const SectionKey& k, nats::JetStreamOptions& js, const OtherNatsKey& other) {
    const auto& r = k.reader;
    if (k.key == "enabled") {
        js.enabled = r.flag(k.value, k.path);
    } else if (k.key == "stream") {
        js.stream = streamToken(k, "stream");
        if (js.stream.empty()) r.fail(k.value, k.path, "a stream name has no spaces, '.', '*', '>', '/' or '\\'");
    } else if (k.key == "durable") {
        js.durable = streamToken(k, "consumer");
    } else if (k.key == "deliver") {
        std::string why;
        const auto deliver = nats::parseDeliver(r.text(k.value, k.path), &why);
        if (!deliver) r.fail(k.value, k.path, why);
        js.deliver = *deliver;
    } else if (k.key == "max_bytes") {
        js.maxBytes = r.number(k.value, k.path, 0, ~std::uint64_t{0} >> 1);
    } else if (k.key == "ack") {
        js.ack = r.flag(k.value, k.path);
    } else if (k.key == "replicas") {
        js.replicas = static_cast<int>(r.number(k.value, k.path, 1, 5));
    } else if (k.key == "storage") {
        const auto storage = r.text(k.value, k.path);
        if (storage != "file" && storage != "memory") r.fail(k.value, k.path, "expected file or memory");
        js.memoryStorage = storage == "memory";
    } else if (k.key == "ack_timeout_ms") {
        js.ackTimeoutMs = milliseconds(k);
    } else if (k.key == "ack_wait_ms") {
        js.ackWaitMs = milliseconds(k);
    } else if (k.key == "max_inflight") {
        js.maxInflight = static_cast<std::uint32_t>(r.number(k.value, k.path, 1, UINT32_MAX));
    } else if (other) {
        other(k);
    }
}

void parseJetStream(const SectionKey& k, nats::NatsOptions& n, const NatsKeys& keys, const OtherNatsKey& other) {
    if (k.value.IsScalar()) {
        n.jetstream.enabled = k.reader.flag(k.value, k.path);
        return;
    }
    if (!k.value.IsMap()) k.reader.fail(k.value, k.path, "expected true/false or a mapping");
    k.reader.onlyKeys(k.value, k.path, keys.jetstream);
    n.jetstream.enabled = true;
    for (const auto& entry : k.value) {
        const auto key = entry.first.Scalar();
        const std::string p = k.path + "." + key;
        parseJetStreamKey(SectionKey{k.reader, key, entry.second, p}, n.jetstream, other);
    }
}

} // namespace

const NatsKeys& deploymentNatsKeys() noexcept {
    static const NatsKeys keys{DEPLOYMENT_KEYS, DEPLOYMENT_TLS_KEYS, DEPLOYMENT_JETSTREAM_KEYS};
    return keys;
}

const NatsKeys& bridgeNatsKeys() noexcept {
    static const NatsKeys keys{BRIDGE_KEYS, BRIDGE_TLS_KEYS, BRIDGE_JETSTREAM_KEYS};
    return keys;
}

void parseNatsKey(const SectionKey& k, nats::NatsOptions& n, const NatsKeys& keys, const OtherNatsKey& other) {
    const auto& r = k.reader;
    if (!allowed(keys.top, k.key)) r.fail(k.value, k.path, "unknown key; allowed: " + joinNames(keys.top));
    if (k.key == "servers") {
        parseServers(k, n);
    } else if (k.key == "subject_prefix") {
        n.subjectPrefix = r.text(k.value, k.path);
        if (auto why = nats::checkSubjectPrefix(n.subjectPrefix); !why.empty()) r.fail(k.value, k.path, why);
    } else if (k.key == "user") {
        n.user = r.text(k.value, k.path);
    } else if (k.key == "password") {
        n.password = r.text(k.value, k.path);
    } else if (k.key == "token") {
        n.token = r.text(k.value, k.path);
    } else if (k.key == "nkey_seed_file") {
        n.nkeySeedFile = r.text(k.value, k.path);
    } else if (k.key == "creds_file") {
        n.credsFile = r.text(k.value, k.path);
    } else if (k.key == "tls") {
        parseTls(k, n, keys);
    } else if (k.key == "jetstream") {
        parseJetStream(k, n, keys, other);
    } else if (k.key == "connect_timeout_ms") {
        n.connectTimeoutMs = milliseconds(k);
    } else if (k.key == "reconnect_wait_ms") {
        n.reconnectWaitMs = milliseconds(k);
    } else if (k.key == "max_reconnect") {
        n.maxReconnect = static_cast<int>(r.integer(k.value, k.path, -1, INT_MAX));
    } else if (k.key == "reconnect_buffer_bytes") {
        n.reconnectBufferBytes = static_cast<int>(r.number(k.value, k.path, 0, INT_MAX));
    } else if (k.key == "ping_interval_ms") {
        n.pingIntervalMs = milliseconds(k);
    } else if (other) {
        other(k);
    }
}

void checkNatsSection(const YamlReader& reader, const YAML::Node& section, const std::string& path,
                      const nats::NatsOptions& options) {
    if (auto why = nats::checkOptions(options); !why.empty()) reader.fail(section, path, why);
}

namespace rows {
namespace {

void defaults(DomainSettings& d, const std::string& /*runtimeDir*/) {
    nats::NatsOptions options;
    std::string upper(wire::domainName(d.domain));
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    options.jetstream.stream = "ALPHAPULSE_" + upper;
    // Orders are never lost silently: acknowledged unless the file says otherwise.
    options.jetstream.ack = d.domain == wire::Domain::Execution;
    d.transportSettings = std::move(options);
}

void parseKey(const SectionKey& k, DomainSettings& d) {
    parseNatsKey(k, d.settings<nats::NatsOptions>(), deploymentNatsKeys());
}

void finish(const Section& s, DomainSettings& d) {
    checkNatsSection(s.reader, s.node, s.path, d.settings<nats::NatsOptions>());
}

/// NATS subscribes in connect(), so it is told the client's subscription
/// (nullopt: the whole domain) before, not only by the Subscribe frame
/// BusClient sends next: a producer then never subscribes at all
/// (docs/design/nats.md, "Subscriptions").
std::unique_ptr<transport::Transport> make(const DomainSettings& d, std::string_view clientName,
                                           const std::optional<std::bitset<256>>& subscription) {
    nats::NatsOptions options = d.settings<nats::NatsOptions>();
    options.name = std::string(clientName);
    nats::applyPolicy(options, d.relay, d.relay.overload == relay::OverloadPolicy::Drop);
    options.sendAsap = d.writeMode == transport::WriteMode::Immediate;
    options.subscription = subscription;
    if (options.jetstream.durable.empty()) options.jetstream.durable = std::string(clientName);
    try {
        return std::make_unique<nats::NatsTransport>(std::move(options));
    } catch (const std::invalid_argument& e) {
        throw ConfigError(std::string(wire::domainName(d.domain)) + ": " + e.what());
    }
}

std::string endpoint(const DomainSettings& d) {
    const auto& servers = d.settings<nats::NatsOptions>().servers;
    return servers.empty() ? "" : servers.front();
}

std::string noRelayReason(const DomainSettings& d) {
    return std::string(wire::domainName(d.domain)) + " uses the nats transport: the NATS server is its relay (run " +
           "nats-server; `alphapulse bridge` connects relays and NATS), so there is no alphapulse relay process to run";
}

void isolate(DomainSettings& d, const PrivateBus& /*bus*/) {
    nats::NatsOptions options; // core NATS, no credentials, no JetStream
    // A prefix of its own: a live deployment on the same server never sees these frames.
    options.subjectPrefix = "alphapulse_bench_" + std::to_string(::getpid());
    d.transportSettings = std::move(options);
}

std::string endpointYaml(const DomainSettings& d, std::string_view indent) {
    const auto& options = d.settings<nats::NatsOptions>();
    std::string servers;
    for (const auto& s : options.servers) servers += (servers.empty() ? "" : ", ") + s;
    return std::string(indent) + "servers: [" + servers + "]\n" + std::string(indent) +
           "subject_prefix: " + options.subjectPrefix + "\n";
}

} // namespace

const TransportDescriptor NATS{"nats", {}, DEPLOYMENT_KEYS, RelayProcess::External, false, defaults, parseKey, finish,
                               make, noStats, noRelayAddress, endpoint, noRelayReason, isolate, endpointYaml};

} // namespace rows
} // namespace alphapulse::config
