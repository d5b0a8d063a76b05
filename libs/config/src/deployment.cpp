// Parsing and validating a deployment file (docs/design/deployment.md).
//
// Strict on purpose: a key nobody reads is almost always a typo, and a typo
// in a deployment file silently picks a default (the wrong socket, no
// checksums). Every refusal names the file, the line, the key path and what
// is allowed instead.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "alphapulse/config/deployment.hpp"
#include "alphapulse/relay/relay_config_yaml.hpp"
#include "alphapulse/transport/tcp_socket.hpp"

namespace alphapulse::config {
namespace {

constexpr wire::Domain DOMAINS[] = {wire::Domain::MarketData, wire::Domain::Signals, wire::Domain::Execution,
                                    wire::Domain::System};

/// Keys `alphapulse up` and `alphapulse bridge` read from the same file.
const std::set<std::string> RESERVED_TOP_KEYS{"services", "dashboard", "bridge"};

const std::vector<std::string> TOP_KEYS{"runtime_dir", "transport",   "deployment", "market_data", "signals",
                                        "execution",   "system",      "consumers",  "services",    "dashboard",
                                        "bridge"};

const std::vector<std::string>& transportKeys(TransportKind kind) {
    static const std::vector<std::string> unixKeys{"path", "socket", "write_mode"};
    static const std::vector<std::string> tcpKeys{"address", "allowed_addresses", "write_mode"};
    static const std::vector<std::string> shmKeys{"size_mb", "name", "wait", "spin_us"};
    static const std::vector<std::string> channelKeys{"capacity", "name"};
    static const std::vector<std::string> natsKeys{"servers", "subject_prefix", "user",      "password", "token",
                                                   "nkey_seed_file", "creds_file", "tls", "jetstream", "write_mode"};
    switch (kind) {
    case TransportKind::UnixSocket: return unixKeys;
    case TransportKind::Tcp: return tcpKeys;
    case TransportKind::SharedMemory: return shmKeys;
    case TransportKind::Channel: return channelKeys;
    case TransportKind::Nats: return natsKeys;
    }
    return unixKeys;
}

/// Execution carries few frames, each one urgent: written at once by default.
transport::WriteMode defaultWriteMode(wire::Domain domain) {
    return domain == wire::Domain::Execution ? transport::WriteMode::Immediate : transport::WriteMode::Batched;
}

constexpr TransportKind ALL_KINDS[] = {TransportKind::UnixSocket, TransportKind::Tcp, TransportKind::SharedMemory,
                                       TransportKind::Channel, TransportKind::Nats};

std::optional<TransportKind> kindFromName(const std::string& name) {
    if (name == "unix_socket") return TransportKind::UnixSocket;
    if (name == "tcp") return TransportKind::Tcp;
    if (name == "shared_memory") return TransportKind::SharedMemory;
    // "channels" and "message_bus" are the design document's words for it.
    if (name == "channel" || name == "channels" || name == "message_bus") return TransportKind::Channel;
    if (name == "nats") return TransportKind::Nats;
    return std::nullopt;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

std::string defaultRuntimeDir() {
    const char* dir = std::getenv("ALPHAPULSE_RUNTIME_DIR");
    return (dir != nullptr && *dir != '\0') ? dir : "/tmp/alphapulse";
}

class Parser {
public:
    explicit Parser(std::string name) : m_name(std::move(name)) {}

    Deployment parse(const YAML::Node& root) {
        Deployment out;
        out.sourcePath = m_name;
        out.runtimeDir = defaultRuntimeDir();
        if (!root.IsMap() || !root["alphapulse"]) {
            fail(root, "", "expected a mapping with the top-level key 'alphapulse:'");
        }
        for (const auto& entry : root) {
            const auto key = keyOf(entry.first, "");
            if (key != "alphapulse") {
                fail(entry.first, key, "unknown top-level key; a deployment file holds only 'alphapulse:'");
            }
        }
        const YAML::Node top = root["alphapulse"];
        if (!top.IsMap()) fail(top, "alphapulse", "expected a mapping");

        // First what the domains depend on: the runtime directory and the default transport.
        std::optional<TransportKind> defaultKind;
        for (const auto& entry : top) {
            const auto key = keyOf(entry.first, "alphapulse");
            const std::string path = "alphapulse." + key;
            if (std::find(TOP_KEYS.begin(), TOP_KEYS.end(), key) == TOP_KEYS.end()) {
                fail(entry.first, path, "unknown key; allowed: " + join(TOP_KEYS));
            }
            if (key == "runtime_dir") {
                out.runtimeDir = text(entry.second, path);
                if (out.runtimeDir.empty()) fail(entry.second, path, "empty directory");
                while (out.runtimeDir.size() > 1 && out.runtimeDir.back() == '/') out.runtimeDir.pop_back();
            } else if (key == "transport") {
                const auto name = text(entry.second, path);
                if (name != "mixed") defaultKind = transportKind(entry.second, path, name, "mixed");
            } else if (key == "deployment") {
                static_cast<void>(text(entry.second, path)); // a label ("single-machine", "distributed")
            }
        }
        for (const auto domain : DOMAINS) {
            const std::string key(wire::domainName(domain));
            if (const YAML::Node node = top[key]) {
                out.domains.push_back(parseDomain(domain, node, "alphapulse." + key, defaultKind, out.runtimeDir));
            }
        }
        if (const YAML::Node consumers = top["consumers"]) out.consumers = parseConsumers(consumers);
        return out;
    }

private:
    [[noreturn]] void fail(const YAML::Node& node, const std::string& path, const std::string& why) const {
        std::string where = m_name;
        if (node.Mark().line >= 0) where += ":" + std::to_string(node.Mark().line + 1);
        throw ConfigError(where + ": " + (path.empty() ? "" : path + ": ") + why);
    }

    std::string keyOf(const YAML::Node& key, const std::string& parent) const {
        if (!key.IsScalar()) fail(key, parent, "keys must be plain names");
        return key.Scalar();
    }

    std::string text(const YAML::Node& node, const std::string& path) const {
        if (!node.IsScalar()) fail(node, path, "expected a string");
        return node.Scalar();
    }

    std::uint64_t number(const YAML::Node& node, const std::string& path, std::uint64_t min, std::uint64_t max) const {
        if (!node.IsScalar()) fail(node, path, "expected a number");
        const std::string& s = node.Scalar();
        std::uint64_t value = 0;
        const bool digits = !s.empty() && s.size() <= 19 && s.find_first_not_of("0123456789") == std::string::npos;
        if (!digits) fail(node, path, "'" + s + "' is not a whole number");
        value = std::stoull(s);
        if (value < min || value > max) {
            fail(node, path, std::to_string(value) + " is out of range (" + std::to_string(min) + " to " +
                                 std::to_string(max) + ")");
        }
        return value;
    }

    bool flag(const YAML::Node& node, const std::string& path) const {
        if (!node.IsScalar()) fail(node, path, "expected true or false");
        bool value = false;
        if (!YAML::convert<bool>::decode(node, value)) fail(node, path, "'" + node.Scalar() + "' is not true or false");
        return value;
    }

    std::vector<std::string> textList(const YAML::Node& node, const std::string& path) const {
        if (node.IsScalar()) return {text(node, path)};
        if (!node.IsSequence()) fail(node, path, "expected a list of strings");
        std::vector<std::string> out;
        for (const auto& item : node) out.push_back(text(item, path));
        return out;
    }

    TransportKind transportKind(const YAML::Node& node, const std::string& path, const std::string& name,
                                const std::string& extra = "") const {
        const auto kind = kindFromName(name);
        if (!kind) {
            fail(node, path,
                 "unknown transport '" + name + "'; expected unix_socket, tcp, shared_memory, channel or nats" +
                     (extra.empty() ? "" : " (or " + extra + ")"));
        }
        return *kind;
    }

    DomainSettings parseDomain(wire::Domain domain, const YAML::Node& node, const std::string& path,
                               std::optional<TransportKind> defaultKind, const std::string& runtimeDir) const {
        const std::string domainText(wire::domainName(domain));
        DomainSettings d;
        d.domain = domain;
        d.relay = relay::defaultConfig(domain);
        d.writeMode = defaultWriteMode(domain);
        d.relay.socketPath = runtimeDir + "/" + domainText + ".sock";
        if (node.IsNull()) {
            if (!defaultKind) fail(node, path, "no transport: give 'transport:' here or a top-level default");
            d.transport = *defaultKind;
            return finishDomain(d, node, path, runtimeDir, false, false);
        }
        if (!node.IsMap()) fail(node, path, "expected a mapping of settings");

        // The transport first: which other keys are allowed depends on it.
        std::optional<TransportKind> kind;
        std::string kindKey;
        for (const auto& entry : node) {
            const auto key = keyOf(entry.first, path);
            if (key != "transport" && key != "type") continue;
            if (kind) fail(entry.first, path + "." + key, "'transport' and 'type' (its synonym) both given");
            kind = transportKind(entry.second, path + "." + key, text(entry.second, path + "." + key));
            kindKey = key;
        }
        if (!kind && !defaultKind) {
            fail(node, path, "no transport: give 'transport:' here or a top-level 'transport:' default");
        }
        d.transport = kind ? *kind : *defaultKind;

        const auto& own = transportKeys(d.transport);
        const auto& policy = relay::relayPolicyKeys();
        bool capacityGiven = false;
        bool ackGiven = false;
        for (const auto& entry : node) {
            const auto key = keyOf(entry.first, path);
            const std::string keyPath = path + "." + key;
            const YAML::Node& value = entry.second;
            if (key == "transport" || key == "type") continue;
            const bool isOwn = std::find(own.begin(), own.end(), key) != own.end();
            const bool isPolicy = std::find(policy.begin(), policy.end(), key) != policy.end();
            if (!isOwn && !isPolicy) {
                for (const auto other : ALL_KINDS) {
                    const auto& keys = transportKeys(other);
                    if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
                        fail(entry.first, keyPath,
                             "'" + key + "' is a " + std::string(transportName(other)) + " setting, but this domain's " +
                                 "transport is " + std::string(transportName(d.transport)) + "; allowed here: " +
                                 join(own) + " and the relay policy keys (" + join(policy) + ")");
                    }
                }
                fail(entry.first, keyPath,
                     "unknown key; allowed for " + std::string(transportName(d.transport)) + ": transport, " +
                         join(own) + ", and the relay policy keys: " + join(policy));
            }
            if (isPolicy) {
                try {
                    static_cast<void>(relay::applyRelaySetting(key, value, d.relay));
                } catch (const relay::SettingError& e) {
                    // A nested key (journal.window_frames) at its own line.
                    std::string where = m_name + ":" + std::to_string(e.line);
                    throw ConfigError(where + ": " + path + "." + e.key + ": " + e.why);
                } catch (const std::runtime_error& e) {
                    // "key 'k' at line n: why": this file's messages name the line themselves.
                    const std::string message = e.what();
                    const auto colon = message.find(": ");
                    fail(value, keyPath, colon == std::string::npos ? message : message.substr(colon + 2));
                }
                continue;
            }
            if (key == "write_mode") { // a client's writes (docs/design/client-batching.md; NATS: SendAsap)
                const auto mode = transport::writeModeFromName(text(value, keyPath));
                if (!mode) fail(value, keyPath, "'" + value.Scalar() + "': expected batched or immediate");
                d.writeMode = *mode;
                continue;
            }
            switch (d.transport) {
            case TransportKind::UnixSocket:
                d.unixSocket.path = text(value, keyPath);
                if (d.unixSocket.path.empty()) fail(value, keyPath, "empty path");
                if (d.unixSocket.path.size() >= 108) fail(value, keyPath, "longer than a socket path may be (107)");
                break;
            case TransportKind::Tcp:
                if (key == "address") {
                    std::string why;
                    const auto hostPort = transport::parseHostPort(text(value, keyPath), &why);
                    if (!hostPort) fail(value, keyPath, why);
                    d.tcp.host = hostPort->host;
                    d.tcp.port = hostPort->port;
                    d.relay.tcpAddress = value.Scalar();
                } else {
                    d.tcp.allowedAddresses = textList(value, keyPath);
                    for (const auto& pattern : d.tcp.allowedAddresses) {
                        if (!transport::validAddressPattern(pattern)) {
                            fail(value, keyPath, "'" + pattern + "' is not an IP address or network like 10.0.0.0/8");
                        }
                    }
                    d.relay.allowedAddresses = d.tcp.allowedAddresses;
                }
                break;
            case TransportKind::SharedMemory:
                if (key == "size_mb") {
                    d.sharedMemory.sizeBytes = number(value, keyPath, 1, 65536) << 20;
                } else if (key == "name") {
                    d.sharedMemory.name = segmentName(value, keyPath);
                } else if (key == "wait") {
                    const auto wait = text(value, keyPath);
                    if (wait == "spin") d.sharedMemory.wait = SharedMemorySettings::Wait::Spin;
                    else if (wait == "block") d.sharedMemory.wait = SharedMemorySettings::Wait::Block;
                    else fail(value, keyPath, "'" + wait + "': expected spin or block");
                } else {
                    d.sharedMemory.spinUs = static_cast<std::uint32_t>(number(value, keyPath, 0, 1'000'000));
                }
                break;
            case TransportKind::Channel:
                if (key == "capacity") {
                    d.channel.capacity = number(value, keyPath, 1, 100'000'000);
                    capacityGiven = true;
                } else {
                    d.channel.name = text(value, keyPath);
                    if (d.channel.name.empty()) fail(value, keyPath, "empty name");
                }
                break;
            case TransportKind::Nats: parseNats(d.nats, key, value, keyPath, ackGiven); break;
            }
        }
        return finishDomain(d, node, path, runtimeDir, capacityGiven, ackGiven);
    }

    std::string segmentName(const YAML::Node& value, const std::string& path) const {
        auto name = text(value, path);
        if (!name.empty() && name.front() == '/') name.erase(0, 1);
        if (name.empty() || name.size() > 200 || name.find('/') != std::string::npos) {
            fail(value, path, "expected a segment name without '/' (it lives in /dev/shm)");
        }
        return name;
    }

    void parseNats(NatsSettings& n, const std::string& key, const YAML::Node& value, const std::string& path,
                   bool& ackGiven) const {
        if (key == "servers") {
            n.servers = textList(value, path);
            if (n.servers.empty()) fail(value, path, "at least one server");
            for (const auto& url : n.servers) {
                const auto scheme = url.find("://");
                const std::string s = scheme == std::string::npos ? "" : url.substr(0, scheme);
                if (s != "nats" && s != "tls" && s != "ws" && s != "wss") {
                    fail(value, path, "'" + url + "': expected a URL like nats://host:4222");
                }
                // scheme://[user[:password]@]host:port[/...]
                std::string hostPort = url.substr(scheme + 3);
                hostPort = hostPort.substr(0, hostPort.find('/'));
                if (const auto at = hostPort.rfind('@'); at != std::string::npos) hostPort.erase(0, at + 1);
                std::string why;
                if (!transport::parseHostPort(hostPort, &why)) fail(value, path, "'" + url + "': " + why);
            }
        } else if (key == "subject_prefix") {
            n.subjectPrefix = text(value, path);
            const bool bad = n.subjectPrefix.empty() || n.subjectPrefix.front() == '.' ||
                             n.subjectPrefix.back() == '.' || n.subjectPrefix.find("..") != std::string::npos ||
                             n.subjectPrefix.find_first_of(" \t*>") != std::string::npos;
            if (bad) fail(value, path, "'" + n.subjectPrefix + "' is not a NATS subject (no spaces, '*', '>', empty tokens)");
        } else if (key == "user") {
            n.user = text(value, path);
        } else if (key == "password") {
            n.password = text(value, path);
        } else if (key == "token") {
            n.token = text(value, path);
        } else if (key == "nkey_seed_file") {
            n.nkeySeedFile = text(value, path);
        } else if (key == "creds_file") {
            n.credsFile = text(value, path);
        } else if (key == "tls") {
            if (value.IsScalar()) {
                n.tls = flag(value, path);
                return;
            }
            if (!value.IsMap()) fail(value, path, "expected true/false or a mapping {ca_file, cert_file, key_file}");
            n.tls = true;
            for (const auto& entry : value) {
                const auto k = keyOf(entry.first, path);
                const std::string p = path + "." + k;
                if (k == "ca_file") n.tlsCaFile = text(entry.second, p);
                else if (k == "cert_file") n.tlsCertFile = text(entry.second, p);
                else if (k == "key_file") n.tlsKeyFile = text(entry.second, p);
                else fail(entry.first, p, "unknown key; allowed: ca_file, cert_file, key_file");
            }
            if (n.tlsCertFile.empty() != n.tlsKeyFile.empty()) {
                fail(value, path, "cert_file and key_file go together");
            }
        } else if (key == "jetstream") {
            if (value.IsScalar()) {
                n.jetstream.enabled = flag(value, path);
                return;
            }
            if (!value.IsMap()) fail(value, path, "expected true/false or a mapping");
            n.jetstream.enabled = true;
            for (const auto& entry : value) {
                const auto k = keyOf(entry.first, path);
                const std::string p = path + "." + k;
                if (k == "enabled") {
                    n.jetstream.enabled = flag(entry.second, p);
                } else if (k == "stream") {
                    n.jetstream.stream = text(entry.second, p);
                    if (n.jetstream.stream.empty() || n.jetstream.stream.find_first_of(" \t.*>/\\") != std::string::npos) {
                        fail(entry.second, p, "a stream name has no spaces, '.', '*', '>', '/' or '\\'");
                    }
                } else if (k == "durable") {
                    n.jetstream.durable = text(entry.second, p);
                    if (n.jetstream.durable.find_first_of(" \t.*>/\\") != std::string::npos) {
                        fail(entry.second, p, "a consumer name has no spaces, '.', '*', '>', '/' or '\\'");
                    }
                } else if (k == "deliver") {
                    n.jetstream.deliver = text(entry.second, p);
                    if (!validDeliver(n.jetstream.deliver)) {
                        fail(entry.second, p, "'" + n.jetstream.deliver +
                                                  "': expected all, new, last, sequence:<n> or time:<RFC 3339>");
                    }
                } else if (k == "max_bytes") {
                    n.jetstream.maxBytes = number(entry.second, p, 0, ~std::uint64_t{0} >> 1);
                } else if (k == "ack") {
                    n.jetstream.ack = flag(entry.second, p);
                    ackGiven = true;
                } else {
                    fail(entry.first, p, "unknown key; allowed: enabled, stream, durable, deliver, max_bytes, ack");
                }
            }
        }
    }

    static bool validDeliver(const std::string& d) {
        if (d == "all" || d == "new" || d == "last") return true;
        if (d.rfind("sequence:", 0) == 0) {
            const auto n = d.substr(9);
            return !n.empty() && n.size() <= 19 && n.find_first_not_of("0123456789") == std::string::npos;
        }
        if (d.rfind("time:", 0) == 0) {
            // 2026-11-26T12:00:00Z or with an offset / fraction.
            const auto t = d.substr(5);
            return t.size() >= 20 && t[4] == '-' && t[7] == '-' && t[10] == 'T' && t[13] == ':' && t[16] == ':';
        }
        return false;
    }

    DomainSettings& finishDomain(DomainSettings& d, const YAML::Node& node, const std::string& path,
                                 const std::string& runtimeDir, bool capacityGiven, bool ackGiven) const {
        const std::string domainText(wire::domainName(d.domain));
        switch (d.transport) {
        case TransportKind::UnixSocket:
            if (d.unixSocket.path.empty()) d.unixSocket.path = runtimeDir + "/" + domainText + ".sock";
            d.relay.socketPath = d.unixSocket.path;
            break;
        case TransportKind::Tcp:
            if (d.tcp.port == 0) fail(node, path, "tcp needs 'address: host:port'");
            break;
        case TransportKind::SharedMemory:
            if (d.sharedMemory.name.empty()) d.sharedMemory.name = "alphapulse-" + domainText;
            break;
        case TransportKind::Channel:
            if (d.channel.name.empty()) d.channel.name = domainText;
            // A hub's queue is the relay's: the domain's max_queue_size unless given.
            if (!capacityGiven) d.channel.capacity = d.relay.maxQueueSize;
            break;
        case TransportKind::Nats:
            if (d.nats.jetstream.stream.empty()) {
                std::string upper = domainText;
                std::transform(upper.begin(), upper.end(), upper.begin(),
                               [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
                d.nats.jetstream.stream = "ALPHAPULSE_" + upper;
            }
            // Orders are never lost silently: acknowledged unless the file says otherwise.
            if (!ackGiven && d.domain == wire::Domain::Execution) d.nats.jetstream.ack = true;
            if (!d.nats.password.empty() && d.nats.user.empty()) fail(node, path, "password without user");
            if (!d.nats.token.empty() && !d.nats.user.empty()) fail(node, path, "give either user/password or token");
            break;
        }
        try {
            relay::validateRelayConfig(d.relay);
        } catch (const std::runtime_error& e) {
            fail(node, path, e.what());
        }
        return d;
    }

    std::vector<ConsumerSettings> parseConsumers(const YAML::Node& node) const {
        const std::string path = "alphapulse.consumers";
        if (node.IsNull()) return {};
        if (!node.IsMap()) fail(node, path, "expected a mapping of consumer names");
        std::vector<ConsumerSettings> out;
        for (const auto& entry : node) {
            ConsumerSettings c;
            c.name = keyOf(entry.first, path);
            const std::string cPath = path + "." + c.name;
            if (!entry.second.IsMap()) fail(entry.second, cPath, "expected a mapping of domains");
            for (const auto& domainEntry : entry.second) {
                const auto domainKey = keyOf(domainEntry.first, cPath);
                const std::string dPath = cPath + "." + domainKey;
                const auto domain = wire::domainFromName(domainKey);
                if (!domain || std::find(std::begin(DOMAINS), std::end(DOMAINS), *domain) == std::end(DOMAINS)) {
                    fail(domainEntry.first, dPath, "unknown domain; expected market_data, signals, execution or system");
                }
                const YAML::Node& spec = domainEntry.second;
                if (!spec.IsMap()) fail(spec, dPath, "expected { message_types: [...] }");
                std::bitset<256> types;
                bool given = false;
                for (const auto& item : spec) {
                    const auto key = keyOf(item.first, dPath);
                    if (key != "message_types") fail(item.first, dPath + "." + key, "unknown key; allowed: message_types");
                    given = true;
                    types = messageTypes(item.second, dPath + ".message_types", *domain);
                }
                if (!given) fail(spec, dPath, "missing message_types");
                c.subscriptions[*domain] = types;
            }
            out.push_back(std::move(c));
        }
        return out;
    }

    std::bitset<256> messageTypes(const YAML::Node& node, const std::string& path, wire::Domain domain) const {
        if (!node.IsSequence()) fail(node, path, "expected a list of message type names, like [Trade, Quote]");
        std::bitset<256> types;
        for (const auto& item : node) {
            const auto name = text(item, path);
            std::optional<std::uint8_t> type;
            if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos && name.size() <= 3) {
                const auto n = std::stoul(name);
                if (n >= 200 && n <= 255) type = static_cast<std::uint8_t>(n);
                else fail(item, path, "a number names a custom type (200-255); give other types by name");
            } else {
                type = wire::messageTypeFromName(name);
                if (!type) fail(item, path, "unknown message type '" + name + "'");
                const auto typeDomain = wire::domainOf(*type);
                if (typeDomain != domain && typeDomain != wire::Domain::Custom) {
                    fail(item, path, "'" + name + "' is a message of " + std::string(wire::domainName(typeDomain)) +
                                         ", not of " + std::string(wire::domainName(domain)));
                }
            }
            types.set(*type);
        }
        return types;
    }

    std::string m_name;
};

} // namespace

std::string_view transportName(TransportKind kind) noexcept {
    switch (kind) {
    case TransportKind::UnixSocket: return "unix_socket";
    case TransportKind::Tcp: return "tcp";
    case TransportKind::SharedMemory: return "shared_memory";
    case TransportKind::Channel: return "channel";
    case TransportKind::Nats: return "nats";
    }
    return "unknown";
}

const DomainSettings* Deployment::domain(wire::Domain d) const noexcept {
    for (const auto& s : domains) {
        if (s.domain == d) return &s;
    }
    return nullptr;
}

const ConsumerSettings* Deployment::consumer(std::string_view name) const noexcept {
    for (const auto& c : consumers) {
        if (c.name == name) return &c;
    }
    return nullptr;
}

Deployment loadDeploymentOrDefault(const std::string& path) {
    return path.empty() ? defaultDeployment() : loadDeployment(path);
}

bool isDeploymentFile(const std::string& path) {
    try {
        const YAML::Node root = YAML::LoadFile(path);
        return root.IsMap() && root["alphapulse"];
    } catch (const YAML::Exception&) {
        return false;
    }
}

wire::Domain domainFromName(std::string_view name) {
    const auto domain = wire::domainFromName(name);
    if (!domain || std::find(std::begin(DOMAINS), std::end(DOMAINS), *domain) == std::end(DOMAINS)) {
        throw ConfigError("unknown domain '" + std::string(name) + "' (market_data, signals, execution or system)");
    }
    return *domain;
}

const DomainSettings& requireDomain(const Deployment& deployment, wire::Domain domain) {
    if (const auto* settings = deployment.domain(domain)) return *settings;
    std::vector<std::string> configured;
    for (const auto& d : deployment.domains) configured.emplace_back(wire::domainName(d.domain));
    throw ConfigError((deployment.sourcePath.empty() ? std::string("the deployment") : deployment.sourcePath) +
                      ": domain " + std::string(wire::domainName(domain)) + " is not configured (it configures: " +
                      (configured.empty() ? std::string("none") : join(configured)) + ")");
}

Deployment defaultDeployment() {
    Deployment out;
    out.runtimeDir = defaultRuntimeDir();
    for (const auto domain : DOMAINS) {
        DomainSettings d;
        d.domain = domain;
        d.transport = TransportKind::UnixSocket;
        d.relay = relay::defaultConfig(domain);
        d.writeMode = defaultWriteMode(domain);
        d.unixSocket.path = out.runtimeDir + "/" + std::string(wire::domainName(domain)) + ".sock";
        d.relay.socketPath = d.unixSocket.path;
        d.channel.name = std::string(wire::domainName(domain));
        d.channel.capacity = d.relay.maxQueueSize;
        d.sharedMemory.name = "alphapulse-" + std::string(wire::domainName(domain));
        out.domains.push_back(std::move(d));
    }
    return out;
}

Deployment parseDeployment(std::string_view yaml, const std::string& name) {
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::ParserException& e) {
        throw ConfigError(name + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
    } catch (const YAML::Exception& e) {
        throw ConfigError(name + ": not valid YAML: " + e.what());
    }
    try {
        return Parser(name).parse(root);
    } catch (const YAML::Exception& e) { // a node the checks above did not foresee
        throw ConfigError(name + ": " + e.what());
    }
}

Deployment loadDeployment(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ConfigError(path + ": cannot read the file");
    std::stringstream text;
    text << in.rdbuf();
    return parseDeployment(text.str(), path);
}

} // namespace alphapulse::config
