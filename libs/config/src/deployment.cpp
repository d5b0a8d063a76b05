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
#include "alphapulse/config/transport_table.hpp"
#include "alphapulse/config/transports/unix_socket.hpp"
#include "alphapulse/relay/relay_config_yaml.hpp"

namespace alphapulse::config {
namespace {

constexpr wire::Domain DOMAINS[] = {wire::Domain::MarketData, wire::Domain::Signals, wire::Domain::Execution,
                                    wire::Domain::System};

/// Keys `alphapulse up` and `alphapulse bridge` read from the same file.
const std::set<std::string> RESERVED_TOP_KEYS{"services", "dashboard", "bridge"};

const std::vector<std::string> TOP_KEYS{"runtime_dir", "transport",   "deployment", "market_data", "signals",
                                        "execution",   "system",      "consumers",  "services",    "dashboard",
                                        "bridge"};

/// Execution carries few frames, each one urgent: written at once by default.
transport::WriteMode defaultWriteMode(wire::Domain domain) {
    return domain == wire::Domain::Execution ? transport::WriteMode::Immediate : transport::WriteMode::Batched;
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

class Parser : YamlReader {
public:
    explicit Parser(std::string name) : YamlReader(std::move(name)) {}

    Deployment parse(const YAML::Node& root) {
        Deployment out;
        out.sourcePath = fileName();
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
        const TransportDescriptor* defaultTransport = nullptr;
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
                if (name != "mixed") defaultTransport = transportNamed(entry.second, path, name, "mixed");
            } else if (key == "deployment") {
                static_cast<void>(text(entry.second, path)); // a label ("single-machine", "distributed")
            }
        }
        for (const auto domain : DOMAINS) {
            const std::string key(wire::domainName(domain));
            if (const YAML::Node node = top[key]) {
                out.domains.push_back(parseDomain(domain, node, "alphapulse." + key, defaultTransport, out.runtimeDir));
            }
        }
        if (const YAML::Node consumers = top["consumers"]) out.consumers = parseConsumers(consumers);
        return out;
    }

private:
    const TransportDescriptor* transportNamed(const YAML::Node& node, const std::string& path, const std::string& name,
                                const std::string& extra = "") const {
        const auto* row = findTransport(name);
        if (row == nullptr) {
            fail(node, path,
                 "unknown transport '" + name + "'; expected " + transportNames() +
                     (extra.empty() ? "" : " (or " + extra + ")"));
        }
        return row;
    }

    DomainSettings parseDomain(wire::Domain domain, const YAML::Node& node, const std::string& path,
                               const TransportDescriptor* defaultTransport, const std::string& runtimeDir) const {
        DomainSettings d;
        d.domain = domain;
        d.relay = relay::defaultConfig(domain);
        d.writeMode = defaultWriteMode(domain);
        if (node.IsNull()) {
            if (!defaultTransport) fail(node, path, "no transport: give 'transport:' here or a top-level default");
            useTransport(d, *defaultTransport, runtimeDir);
            return finishDomain(d, node, path, runtimeDir);
        }
        if (!node.IsMap()) fail(node, path, "expected a mapping of settings");

        // The transport first: which other keys are allowed depends on it.
        const TransportDescriptor* given = nullptr;
        for (const auto& entry : node) {
            const auto key = keyOf(entry.first, path);
            if (key != "transport" && key != "type") continue;
            if (given) fail(entry.first, path + "." + key, "'transport' and 'type' (its synonym) both given");
            given = transportNamed(entry.second, path + "." + key, text(entry.second, path + "." + key));
        }
        if (!given && !defaultTransport) {
            fail(node, path, "no transport: give 'transport:' here or a top-level 'transport:' default");
        }
        const TransportDescriptor& row = given ? *given : *defaultTransport;
        useTransport(d, row, runtimeDir);
        const auto& policy = relay::relayPolicyKeys();
        for (const auto& entry : node) {
            const auto key = keyOf(entry.first, path);
            const std::string keyPath = path + "." + key;
            const YAML::Node& value = entry.second;
            if (key == "transport" || key == "type") continue;
            const bool isOwn = std::find(row.keys.begin(), row.keys.end(), key) != row.keys.end();
            const bool isPolicy = std::find(policy.begin(), policy.end(), key) != policy.end();
            if (!isOwn && !isPolicy) refuseKey(entry.first, keyPath, key, row);
            if (isPolicy) {
                applyPolicyKey(key, value, keyPath, path, d);
            } else if (key == "write_mode") { // a client's writes (docs/design/client-batching.md; NATS: SendAsap)
                const auto mode = transport::writeModeFromName(text(value, keyPath));
                if (!mode) fail(value, keyPath, "'" + value.Scalar() + "': expected batched or immediate");
                d.writeMode = *mode;
            } else {
                row.parseKey(SectionKey{*this, key, value, keyPath}, d);
            }
        }
        return finishDomain(d, node, path, runtimeDir);
    }

    /// A key neither the domain's transport nor the relay policies know.
    [[noreturn]] void refuseKey(const YAML::Node& keyNode, const std::string& keyPath, const std::string& key,
                                const TransportDescriptor& row) const {
        const auto& policy = relay::relayPolicyKeys();
        for (const auto* other : transports()) {
            if (std::find(other->keys.begin(), other->keys.end(), key) != other->keys.end()) {
                fail(keyNode, keyPath,
                     "'" + key + "' is a " + std::string(other->name) + " setting, but this domain's " +
                         "transport is " + std::string(row.name) + "; allowed here: " + joinNames(row.keys) +
                         " and the relay policy keys (" + join(policy) + ")");
            }
        }
        fail(keyNode, keyPath,
             "unknown key; allowed for " + std::string(row.name) + ": transport, " + joinNames(row.keys) +
                 ", and the relay policy keys: " + join(policy));
    }

    void applyPolicyKey(const std::string& key, const YAML::Node& value, const std::string& keyPath,
                        const std::string& path, DomainSettings& d) const {
        try {
            static_cast<void>(relay::applyRelaySetting(key, value, d.relay));
        } catch (const relay::SettingError& e) {
            // A nested key (journal.window_frames) at its own line.
            std::string where = fileName() + ":" + std::to_string(e.line);
            throw ConfigError(where + ": " + path + "." + e.key + ": " + e.why);
        } catch (const std::runtime_error& e) {
            // "key 'k' at line n: why": this file's messages name the line themselves.
            const std::string message = e.what();
            const auto colon = message.find(": ");
            fail(value, keyPath, colon == std::string::npos ? message : message.substr(colon + 2));
        }
    }

    DomainSettings& finishDomain(DomainSettings& d, const YAML::Node& node, const std::string& path,
                                 const std::string& runtimeDir) const {
        transportOf(d).finish(Section{*this, node, path, runtimeDir}, d);
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

};

} // namespace

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
        d.relay = relay::defaultConfig(domain);
        d.writeMode = defaultWriteMode(domain);
        useTransport(d, rows::UNIX_SOCKET, out.runtimeDir);
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
