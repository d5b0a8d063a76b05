// The `bridge:` key of a deployment file, parsed strictly: every key known,
// every value of the right type, errors naming file, line and key.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>

#include "alphapulse/nats/bridge.hpp"
#include "alphapulse/nats/subjects.hpp"
#include "alphapulse/relay/relay_config.hpp"

namespace alphapulse::nats {
namespace {

class Parser {
public:
    explicit Parser(std::string name) : m_name(std::move(name)) {}

    [[noreturn]] void fail(const YAML::Node& node, const std::string& key, const std::string& what) const {
        std::ostringstream out;
        out << m_name;
        if (node.Mark().line >= 0) out << ':' << node.Mark().line + 1;
        out << ": " << key << ": " << what;
        throw std::runtime_error(out.str());
    }

    void onlyKeys(const YAML::Node& map, const std::string& where, std::initializer_list<std::string_view> known) const {
        if (!map.IsMap()) fail(map, where, "expected a mapping");
        for (const auto& entry : map) {
            const auto key = entry.first.as<std::string>();
            if (std::find(known.begin(), known.end(), key) == known.end()) {
                std::string list;
                for (const auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
                fail(entry.first, where + "." + key, "unknown key (known: " + list + ")");
            }
        }
    }

    template <typename T>
    T scalar(const YAML::Node& node, const std::string& key, const char* expected) const {
        if (!node.IsScalar()) fail(node, key, std::string("expected ") + expected);
        try {
            return node.as<T>();
        } catch (const YAML::Exception&) {
            fail(node, key, std::string("expected ") + expected + ", got '" + node.Scalar() + "'");
        }
    }

    std::string text(const YAML::Node& node, const std::string& key) const {
        return scalar<std::string>(node, key, "a string");
    }

    std::vector<std::string> texts(const YAML::Node& node, const std::string& key) const {
        if (node.IsScalar()) return {text(node, key)};
        if (!node.IsSequence()) fail(node, key, "expected a list of strings");
        std::vector<std::string> out;
        for (const auto& item : node) out.push_back(text(item, key));
        return out;
    }

    std::vector<wire::Domain> domains(const YAML::Node& node, const std::string& key) const {
        std::vector<wire::Domain> out;
        if (!node.IsSequence()) fail(node, key, "expected a list of domains");
        for (const auto& item : node) {
            const auto name = text(item, key);
            const auto domain = wire::domainFromName(name);
            if (!domain || *domain == wire::Domain::None) {
                fail(item, key, "unknown domain '" + name + "' (market_data, signals, execution, system, custom)");
            }
            if (std::find(out.begin(), out.end(), *domain) != out.end()) fail(item, key, "'" + name + "' is listed twice");
            out.push_back(*domain);
        }
        return out;
    }

    void tls(const YAML::Node& node, NatsOptions& nats) const {
        if (node.IsScalar()) {
            nats.tls = scalar<bool>(node, "bridge.nats.tls", "true, false or a mapping");
            return;
        }
        onlyKeys(node, "bridge.nats.tls", {"ca_file", "cert_file", "key_file", "skip_verify"});
        nats.tls = true;
        if (node["ca_file"]) nats.tlsCaFile = text(node["ca_file"], "bridge.nats.tls.ca_file");
        if (node["cert_file"]) nats.tlsCertFile = text(node["cert_file"], "bridge.nats.tls.cert_file");
        if (node["key_file"]) nats.tlsKeyFile = text(node["key_file"], "bridge.nats.tls.key_file");
        if (node["skip_verify"]) nats.tlsSkipVerify = scalar<bool>(node["skip_verify"], "bridge.nats.tls.skip_verify", "true or false");
    }

    void jetstream(const YAML::Node& node, BridgeConfig& config) const {
        const std::string where = "bridge.nats.jetstream";
        onlyKeys(node, where,
                 {"enabled", "domains", "durable", "deliver", "max_bytes", "ack", "replicas", "storage", "ack_timeout_ms",
                  "ack_wait_ms", "max_inflight"});
        auto& js = config.nats.jetstream;
        js.enabled = true;
        if (node["enabled"]) js.enabled = scalar<bool>(node["enabled"], where + ".enabled", "true or false");
        if (node["domains"]) config.jetstreamDomains = domains(node["domains"], where + ".domains");
        if (node["durable"]) js.durable = text(node["durable"], where + ".durable");
        if (node["deliver"]) {
            std::string why;
            const auto policy = parseDeliver(text(node["deliver"], where + ".deliver"), &why);
            if (!policy) fail(node["deliver"], where + ".deliver", why);
            js.deliver = *policy;
        }
        if (node["max_bytes"]) js.maxBytes = scalar<std::uint64_t>(node["max_bytes"], where + ".max_bytes", "a byte count");
        if (node["ack"]) js.ack = scalar<bool>(node["ack"], where + ".ack", "true or false");
        if (node["replicas"]) js.replicas = scalar<int>(node["replicas"], where + ".replicas", "1-5");
        if (node["ack_timeout_ms"]) js.ackTimeoutMs = scalar<int>(node["ack_timeout_ms"], where + ".ack_timeout_ms", "milliseconds");
        if (node["ack_wait_ms"]) js.ackWaitMs = scalar<int>(node["ack_wait_ms"], where + ".ack_wait_ms", "milliseconds");
        if (node["max_inflight"]) {
            js.maxInflight = scalar<std::uint32_t>(node["max_inflight"], where + ".max_inflight", "a count");
        }
        if (node["storage"]) {
            const auto storage = text(node["storage"], where + ".storage");
            if (storage != "file" && storage != "memory") fail(node["storage"], where + ".storage", "expected file or memory");
            js.memoryStorage = storage == "memory";
        }
    }

    void nats(const YAML::Node& node, BridgeConfig& config) const {
        const std::string where = "bridge.nats";
        onlyKeys(node, where,
                 {"servers", "subject_prefix", "user", "password", "token", "nkey_seed_file", "creds_file", "tls",
                  "jetstream", "connect_timeout_ms", "reconnect_wait_ms", "max_reconnect", "reconnect_buffer_bytes",
                  "ping_interval_ms"});
        auto& n = config.nats;
        if (node["servers"]) n.servers = texts(node["servers"], where + ".servers");
        if (node["subject_prefix"]) {
            n.subjectPrefix = text(node["subject_prefix"], where + ".subject_prefix");
            if (auto why = checkSubjectPrefix(n.subjectPrefix); !why.empty()) fail(node["subject_prefix"], where + ".subject_prefix", why);
        }
        if (node["user"]) n.user = text(node["user"], where + ".user");
        if (node["password"]) n.password = text(node["password"], where + ".password");
        if (node["token"]) n.token = text(node["token"], where + ".token");
        if (node["nkey_seed_file"]) n.nkeySeedFile = text(node["nkey_seed_file"], where + ".nkey_seed_file");
        if (node["creds_file"]) n.credsFile = text(node["creds_file"], where + ".creds_file");
        if (node["tls"]) tls(node["tls"], n);
        if (node["jetstream"]) jetstream(node["jetstream"], config);
        if (node["connect_timeout_ms"]) n.connectTimeoutMs = scalar<int>(node["connect_timeout_ms"], where + ".connect_timeout_ms", "milliseconds");
        if (node["reconnect_wait_ms"]) n.reconnectWaitMs = scalar<int>(node["reconnect_wait_ms"], where + ".reconnect_wait_ms", "milliseconds");
        if (node["max_reconnect"]) n.maxReconnect = scalar<int>(node["max_reconnect"], where + ".max_reconnect", "a count (-1: forever)");
        if (node["reconnect_buffer_bytes"]) {
            n.reconnectBufferBytes = scalar<int>(node["reconnect_buffer_bytes"], where + ".reconnect_buffer_bytes", "a byte count");
        }
        if (node["ping_interval_ms"]) n.pingIntervalMs = scalar<int>(node["ping_interval_ms"], where + ".ping_interval_ms", "milliseconds");
    }

    BridgeConfig bridge(const YAML::Node& node) const {
        BridgeConfig config;
        onlyKeys(node, "bridge", {"name", "domains", "nats"});
        if (node["name"]) config.name = text(node["name"], "bridge.name");
        if (!node["domains"]) fail(node, "bridge.domains", "required: the domains to forward");
        config.domains = domains(node["domains"], "bridge.domains");
        if (config.domains.empty()) fail(node["domains"], "bridge.domains", "lists no domain");
        if (!node["nats"]) fail(node, "bridge.nats", "required: the NATS servers to forward to");
        nats(node["nats"], config);
        config.nats.name = config.name;
        if (config.nats.jetstream.enabled) {
            if (config.jetstreamDomains.empty()) config.jetstreamDomains = config.domains;
            for (const auto d : config.jetstreamDomains) {
                if (std::find(config.domains.begin(), config.domains.end(), d) == config.domains.end()) {
                    fail(node["nats"]["jetstream"]["domains"], "bridge.nats.jetstream.domains",
                         "'" + std::string(wire::domainName(d)) + "' is not in bridge.domains");
                }
            }
            if (config.nats.jetstream.durable.empty()) config.nats.jetstream.durable = config.name;
        }
        if (auto why = checkOptions(config.nats); !why.empty()) fail(node["nats"], "bridge.nats", why);
        return config;
    }

private:
    std::string m_name;
};

} // namespace

BridgeConfig parseBridgeConfig(std::string_view yaml, const std::string& name) {
    const Parser parser(name);
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
        throw std::runtime_error(name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    YAML::Node node;
    if (root.IsMap() && root["bridge"]) {
        node = root["bridge"];
    } else if (root.IsMap() && root["alphapulse"] && root["alphapulse"].IsMap() && root["alphapulse"]["bridge"]) {
        node = root["alphapulse"]["bridge"];
    } else {
        throw std::runtime_error(name + ": no 'bridge:' key (the domains and NATS servers to bridge)");
    }
    return parser.bridge(node);
}

BridgeConfig loadBridgeConfig(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot read");
    std::stringstream text;
    text << in.rdbuf();
    return parseBridgeConfig(text.str(), path);
}

NatsOptions bridgeNatsOptions(const BridgeConfig& config, wire::Domain domain, const relay::RelayConfig& policy) {
    NatsOptions options = config.nats;
    applyPolicy(options, policy);
    options.domain = domain;
    options.name = config.name + "-" + std::string(wire::domainName(domain));
    options.subscription.reset(); // a bridge forwards everything the domain carries
    options.jetstream.enabled = std::find(config.jetstreamDomains.begin(), config.jetstreamDomains.end(), domain) !=
                                config.jetstreamDomains.end() && config.nats.jetstream.enabled;
    if (!options.jetstream.enabled) options.jetstream = JetStreamOptions{};
    // The sequence was checked per producer by the local relay; on NATS the
    // bridge carries many producers, and checks them per source anyway.
    return options;
}

} // namespace alphapulse::nats
