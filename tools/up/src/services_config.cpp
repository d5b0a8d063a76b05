#include "alphapulse/up/services_config.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace alphapulse::up {
namespace {

[[noreturn]] void fail(const std::string& file, const YAML::Node& node, const std::string& what) {
    const int line = node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
    throw ServicesError(file + ":" + std::to_string(line) + ": " + what);
}

std::chrono::milliseconds milliseconds(const std::string& file, const YAML::Node& node, const std::string& key) {
    long long value = -1;
    try {
        value = node.as<long long>();
    } catch (const YAML::Exception&) {
        fail(file, node, "services." + key + ": expected a number of milliseconds");
    }
    if (value < 0) fail(file, node, "services." + key + ": must not be negative");
    return std::chrono::milliseconds(value);
}

ServiceSpec parseOne(const std::string& file, const YAML::Node& node) {
    if (!node.IsMap()) fail(file, node, "services: each entry is a map with name and command");
    ServiceSpec spec;
    spec.line = node.Mark().line + 1;
    for (const auto& entry : node) {
        const auto key = entry.first.as<std::string>();
        const YAML::Node& value = entry.second;
        if (key == "name") {
            spec.name = value.as<std::string>();
            const bool valid = !spec.name.empty() && spec.name.find_first_not_of(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == std::string::npos;
            if (!valid) fail(file, value, "services.name: letters, digits, '_' and '-' only (it names files)");
        } else if (key == "command") {
            if (!value.IsSequence() || value.size() == 0) {
                fail(file, value, "services.command: expected a non-empty list (program and arguments)");
            }
            for (const auto& arg : value) {
                if (!arg.IsScalar()) fail(file, arg, "services.command: every argument is a string");
                spec.command.push_back(arg.as<std::string>());
            }
        } else if (key == "restart") {
            const auto policy = value.as<std::string>();
            if (policy == "always") spec.restart = RestartPolicy::Always;
            else if (policy == "on-failure") spec.restart = RestartPolicy::OnFailure;
            else if (policy == "never") spec.restart = RestartPolicy::Never;
            else fail(file, value, "services.restart: expected always, on-failure or never, not '" + policy + "'");
        } else if (key == "backoff_ms") {
            spec.backoff = milliseconds(file, value, key);
        } else if (key == "max_backoff_ms") {
            spec.maxBackoff = milliseconds(file, value, key);
        } else if (key == "stop_timeout_ms") {
            spec.stopTimeout = milliseconds(file, value, key);
        } else if (key == "enabled") {
            try {
                spec.enabled = value.as<bool>();
            } catch (const YAML::Exception&) {
                fail(file, value, "services.enabled: expected true or false");
            }
        } else {
            fail(file, entry.first, "services: unknown key '" + key +
                                        "' (name, command, restart, backoff_ms, max_backoff_ms, stop_timeout_ms, enabled)");
        }
    }
    if (spec.name.empty()) fail(file, node, "services: an entry without a name");
    if (spec.command.empty()) fail(file, node, "services." + spec.name + ": no command");
    if (spec.maxBackoff < spec.backoff) spec.maxBackoff = spec.backoff;
    return spec;
}

} // namespace

std::vector<ServiceSpec> parseServices(const std::string& yaml, const std::string& name) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml);
    } catch (const YAML::Exception& e) {
        throw ServicesError(name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    std::vector<ServiceSpec> services;
    if (!root.IsMap() || !root["alphapulse"] || !root["alphapulse"].IsMap()) return services;
    const YAML::Node section = root["alphapulse"]["services"];
    if (!section || section.IsNull()) return services;
    if (!section.IsSequence()) fail(name, section, "services: expected a list");
    std::set<std::string> names;
    for (const auto& node : section) {
        auto spec = parseOne(name, node);
        if (!names.insert(spec.name).second) fail(name, node, "services: the name '" + spec.name + "' is used twice");
        services.push_back(std::move(spec));
    }
    return services;
}

std::vector<ServiceSpec> loadServices(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ServicesError(path + ": cannot read");
    std::stringstream text;
    text << in.rdbuf();
    return parseServices(text.str(), path);
}

} // namespace alphapulse::up
