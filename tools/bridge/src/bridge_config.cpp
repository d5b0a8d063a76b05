// The `bridge:` key of a deployment file, parsed strictly: every key known,
// every value of the right type, errors naming file, line and key. Its
// `nats:` goes through the parser of a deployment's nats section
// (config/nats_section.hpp), with the bridge's own keys allowed.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "alphapulse/bridge/bridge.hpp"
#include "alphapulse/config/transports/nats.hpp"
#include "alphapulse/relay/relay_config.hpp"

namespace alphapulse::bridge {
namespace {

constexpr std::string_view BRIDGE_KEYS[] = {"name", "domains", "nats"};

class Parser : config::YamlReader {
public:
    explicit Parser(std::string name) : YamlReader(std::move(name)) {}

    BridgeConfig bridge(const YAML::Node& node) const {
        BridgeConfig config;
        onlyKeys(node, "bridge", BRIDGE_KEYS);
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
        config::checkNatsSection(*this, node["nats"], "bridge.nats", config.nats);
        return config;
    }

private:
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

    void nats(const YAML::Node& node, BridgeConfig& config) const {
        const auto& keys = config::bridgeNatsKeys();
        onlyKeys(node, "bridge.nats", keys.top);
        // jetstream.domains is the bridge's: which of its domains go on JetStream.
        const config::OtherNatsKey jetstreamDomains = [&](const config::SectionKey& k) {
            config.jetstreamDomains = domains(k.value, k.path);
        };
        for (const auto& entry : node) {
            const auto key = entry.first.Scalar();
            const std::string path = "bridge.nats." + key;
            config::parseNatsKey(config::SectionKey{*this, key, entry.second, path}, config.nats, keys, jetstreamDomains);
        }
    }
};

} // namespace

BridgeConfig parseBridgeConfig(std::string_view yaml, const std::string& name) {
    const Parser parser(name);
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
        throw config::ConfigError(name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    YAML::Node node;
    if (root.IsMap() && root["bridge"]) {
        node = root["bridge"];
    } else if (root.IsMap() && root["alphapulse"] && root["alphapulse"].IsMap() && root["alphapulse"]["bridge"]) {
        node = root["alphapulse"]["bridge"];
    } else {
        throw config::ConfigError(name + ": no 'bridge:' key (the domains and NATS servers to bridge)");
    }
    return parser.bridge(node);
}

BridgeConfig loadBridgeConfig(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw config::ConfigError(path + ": cannot read");
    std::stringstream text;
    text << in.rdbuf();
    return parseBridgeConfig(text.str(), path);
}

NatsOptions bridgeNatsOptions(const BridgeConfig& config, wire::Domain domain, const relay::RelayConfig& policy) {
    NatsOptions options = config.nats;
    nats::applyPolicy(options, policy, policy.overload == relay::OverloadPolicy::Drop);
    options.domain = domain;
    options.name = config.name + "-" + std::string(wire::domainName(domain));
    options.subscription.reset(); // a bridge forwards everything the domain carries
    options.jetstream.enabled = std::find(config.jetstreamDomains.begin(), config.jetstreamDomains.end(), domain) !=
                                config.jetstreamDomains.end() && config.nats.jetstream.enabled;
    if (!options.jetstream.enabled) options.jetstream = nats::JetStreamOptions{};
    // The sequence was checked per producer by the local relay; on NATS the
    // bridge carries many producers, and checks them per source anyway.
    return options;
}

} // namespace alphapulse::bridge
