#include "alphapulse/relay/relay_config.hpp"

#include "alphapulse/relay/relay_config_yaml.hpp"
#include "alphapulse/transport/tcp_socket.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <stdexcept>

namespace alphapulse::relay {

RelayConfig defaultConfig(wire::Domain domain) {
    RelayConfig c;
    static_cast<transport::DomainRules&>(c) = transport::DomainPolicy::defaults(domain);
    c.overload = transport::DomainPolicy::losslessByDefault(domain) ? OverloadPolicy::Backpressure : OverloadPolicy::Drop;
    c.socketPath = defaultSocketPath(domain);
    switch (domain) {
    case wire::Domain::MarketData:
        c.maxQueueSize = 1'000'000;
        c.circuitBreaker = 800'000;
        c.snapshotInstruments = 100'000;
        break;
    case wire::Domain::Signals:
    case wire::Domain::System:
    case wire::Domain::Custom:
    case wire::Domain::None:
        c.maxQueueSize = 100'000;
        c.circuitBreaker = 80'000;
        c.maxQueueBytes = 64ull << 20;
        break;
    case wire::Domain::Execution:
        c.maxQueueSize = 10'000;
        c.circuitBreaker = 8'000;
        c.maxQueueBytes = 16ull << 20;
        c.producersAnyone = false; // only the relay's own user produces orders
        c.journal.enabled = true;  // an order is never lost across a relay restart
        break;
    }
    return c;
}

std::string defaultSocketPath(wire::Domain domain) {
    const char* dir = std::getenv("ALPHAPULSE_RUNTIME_DIR");
    const std::string base = (dir != nullptr && *dir != '\0') ? dir : "/tmp/alphapulse";
    return base + "/" + std::string(wire::domainName(domain)) + ".sock";
}

namespace {

[[noreturn]] void bad(const YAML::Node& node, const std::string& key, const std::string& why) {
    throw SettingError("key '" + key + "' at line " + std::to_string(node.Mark().line + 1) + ": " + why, key,
                       node.Mark().line + 1, why);
}

template <typename T>
T scalar(const YAML::Node& node, const std::string& key) {
    if (!node.IsScalar()) bad(node, key, "expected a single value");
    try {
        return node.as<T>();
    } catch (const YAML::Exception&) {
        bad(node, key, "not a valid value");
    }
}

std::vector<std::uint32_t> idList(const YAML::Node& node, const std::string& key) {
    if (!node.IsSequence()) bad(node, key, "expected a list of numbers");
    std::vector<std::uint32_t> out;
    for (const auto& item : node) out.push_back(scalar<std::uint32_t>(item, key));
    return out;
}

std::vector<std::string> stringList(const YAML::Node& node, const std::string& key) {
    if (!node.IsSequence()) bad(node, key, "expected a list");
    std::vector<std::string> out;
    for (const auto& item : node) out.push_back(scalar<std::string>(item, key));
    return out;
}

/// `journal: true|false`, or a mapping of its settings.
void applyJournalSetting(const YAML::Node& value, JournalConfig& journal) {
    if (value.IsScalar()) {
        journal.enabled = scalar<bool>(value, "journal");
        return;
    }
    if (!value.IsMap()) bad(value, "journal", "expected true, false or a mapping (enabled, dir, window_frames, ...)");
    journal.enabled = true;
    for (const auto& entry : value) {
        const auto key = entry.first.as<std::string>();
        const std::string path = "journal." + key;
        const YAML::Node& v = entry.second;
        if (key == "enabled") {
            journal.enabled = scalar<bool>(v, path);
        } else if (key == "dir") {
            journal.dir = scalar<std::string>(v, path);
            if (journal.dir.empty()) bad(v, path, "empty directory");
        } else if (key == "window_frames") {
            journal.windowFrames = scalar<std::uint32_t>(v, path);
            if (journal.windowFrames < 16 || journal.windowFrames > 100'000'000) bad(v, path, "expected 16 to 100000000");
        } else if (key == "window_bytes") {
            journal.windowBytes = scalar<std::uint64_t>(v, path);
            if (journal.windowBytes < (1u << 20) || journal.windowBytes > (64ull << 30)) {
                bad(v, path, "expected 1048576 (1 MiB) to 68719476736 (64 GiB)");
            }
        } else if (key == "file_bytes") {
            journal.fileBytes = scalar<std::uint64_t>(v, path);
            if (journal.fileBytes < (1u << 20)) bad(v, path, "must be at least 1048576 (1 MiB)");
        } else if (key == "keep_files") {
            journal.keepFiles = scalar<std::uint32_t>(v, path);
            if (journal.keepFiles < 1 || journal.keepFiles > 100'000) bad(v, path, "expected 1 to 100000");
        } else if (key == "fsync") {
            journal.fsync = scalar<bool>(v, path);
        } else {
            bad(entry.first, path, "unknown setting; allowed: enabled, dir, window_frames, window_bytes, file_bytes, "
                                   "keep_files, fsync");
        }
    }
}

} // namespace

const std::vector<std::string>& relayPolicyKeys() {
    static const std::vector<std::string> keys{
        "max_queue_size", "circuit_breaker", "max_queue_bytes", "validate_checksums", "require_sequence",
        "overload", "max_frame_size", "max_payload", "slow_consumer_timeout_ms", "shutdown_flush_ms",
        "socket_mode", "socket_buffer_bytes", "busy_poll_us", "allowed_uids", "allowed_gids", "producer_uids",
        "producer_gids", "producers_anyone", "custom_types", "max_total_queue_bytes", "max_clients", "journal",
        "snapshot_instruments"};
    return keys;
}

bool applyRelaySetting(const std::string& key, const YAML::Node& value, RelayConfig& config) {
    if (key == "path" || key == "socket") {
        config.socketPath = scalar<std::string>(value, key);
        if (config.socketPath.empty()) bad(value, key, "empty path");
    } else if (key == "tcp" || key == "address") {
        config.tcpAddress = scalar<std::string>(value, key);
    } else if (key == "allowed_addresses") {
        config.allowedAddresses = stringList(value, key);
        for (const auto& pattern : config.allowedAddresses) {
            if (!transport::validAddressPattern(pattern)) {
                bad(value, key, "'" + pattern + "' is not an IP address or network (like 10.0.0.0/8)");
            }
        }
    } else if (key == "max_queue_size") {
        config.maxQueueSize = scalar<std::uint32_t>(value, key);
        if (config.maxQueueSize == 0) bad(value, key, "must be at least 1");
    } else if (key == "circuit_breaker") {
        config.circuitBreaker = scalar<std::uint32_t>(value, key);
    } else if (key == "max_queue_bytes") {
        config.maxQueueBytes = scalar<std::uint64_t>(value, key);
        if (config.maxQueueBytes < 65536) bad(value, key, "must be at least 65536");
    } else if (key == "max_total_queue_bytes") {
        config.maxTotalQueueBytes = scalar<std::uint64_t>(value, key);
        if (config.maxTotalQueueBytes < (1u << 20)) bad(value, key, "must be at least 1048576 (1 MiB)");
    } else if (key == "max_clients") {
        config.maxClients = scalar<std::uint32_t>(value, key);
        if (config.maxClients == 0 || config.maxClients > 1'000'000) bad(value, key, "expected 1 to 1000000");
    } else if (key == "validate_checksums") {
        config.validateChecksums = scalar<bool>(value, key);
    } else if (key == "require_sequence") {
        config.requireSequence = scalar<bool>(value, key);
    } else if (key == "overload") {
        const auto policy = scalar<std::string>(value, key);
        if (policy == "drop") {
            config.overload = OverloadPolicy::Drop;
        } else if (policy == "backpressure") {
            config.overload = OverloadPolicy::Backpressure;
        } else {
            bad(value, key, "expected drop or backpressure");
        }
    } else if (key == "max_frame_size" || key == "max_payload") {
        const auto size = scalar<std::uint32_t>(value, key);
        config.maxPayload = key == "max_payload" ? size : (size > 32 ? size - 32 : 0);
        if (config.maxPayload == 0 || config.maxPayload > (64u << 20)) bad(value, key, "out of range");
    } else if (key == "slow_consumer_timeout_ms") {
        config.slowConsumerTimeoutMs = scalar<std::uint32_t>(value, key);
    } else if (key == "shutdown_flush_ms") {
        config.shutdownFlushMs = scalar<std::uint32_t>(value, key);
    } else if (key == "socket_mode") {
        const auto text = scalar<std::string>(value, key);
        char* end = nullptr;
        const unsigned long mode = std::strtoul(text.c_str(), &end, 8);
        if (end == text.c_str() || *end != '\0' || mode > 0777) bad(value, key, "expected an octal mode like 0660");
        config.socketMode = static_cast<std::uint32_t>(mode);
    } else if (key == "socket_buffer_bytes") {
        const auto bytes = scalar<std::uint32_t>(value, key);
        if (bytes < 4096 || bytes > (256u << 20)) bad(value, key, "expected 4096 to 268435456");
        config.socketBufferBytes = static_cast<int>(bytes);
    } else if (key == "busy_poll_us") {
        config.busyPollUs = scalar<std::uint32_t>(value, key);
        if (config.busyPollUs > 1'000'000) bad(value, key, "at most 1000000 (1 s)");
    } else if (key == "allowed_uids") {
        config.allowedUids = idList(value, key);
    } else if (key == "allowed_gids") {
        config.allowedGids = idList(value, key);
    } else if (key == "producer_uids") {
        config.producerUids = idList(value, key);
        config.producersAnyone = false;
    } else if (key == "producer_gids") {
        config.producerGids = idList(value, key);
        config.producersAnyone = false;
    } else if (key == "producers_anyone") {
        config.producersAnyone = scalar<bool>(value, key);
    } else if (key == "custom_types") {
        config.customTypes.clear();
        for (auto t : idList(value, key)) {
            if (t < 200 || t > 255) bad(value, key, "custom types are 200-255");
            config.customTypes.push_back(static_cast<std::uint8_t>(t));
        }
    } else if (key == "journal") {
        applyJournalSetting(value, config.journal);
    } else if (key == "snapshot_instruments") {
        config.snapshotInstruments = scalar<std::uint32_t>(value, key);
        if (config.snapshotInstruments > 10'000'000) bad(value, key, "at most 10000000");
    } else {
        return false;
    }
    return true;
}

void validateRelayConfig(const RelayConfig& config) {
    if (config.circuitBreaker > config.maxQueueSize) {
        throw std::runtime_error("circuit_breaker (" + std::to_string(config.circuitBreaker) +
                                 ") exceeds max_queue_size (" + std::to_string(config.maxQueueSize) + ")");
    }
    if (!config.tcpAddress.empty()) {
        std::string why;
        if (!transport::parseHostPort(config.tcpAddress, &why)) throw std::runtime_error("tcp address: " + why);
    }
}

void loadRelayConfig(const std::string& path, RelayConfig& config) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::Exception& e) {
        throw std::runtime_error("relay config " + path + ": " + e.what());
    }
    if (!root.IsMap()) throw std::runtime_error("relay config " + path + ": expected a mapping of settings");
    try {
        for (const auto& entry : root) {
            const auto key = entry.first.as<std::string>();
            if (!applyRelaySetting(key, entry.second, config)) bad(entry.first, key, "unknown setting");
        }
        validateRelayConfig(config);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error("relay config " + path + ": " + e.what());
    }
}

} // namespace alphapulse::relay
