#include "alphapulse/config/yaml_reader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "alphapulse/config/deployment.hpp"

namespace alphapulse::config {

void YamlReader::fail(const YAML::Node& node, const std::string& path, const std::string& why) const {
    std::string where = m_name;
    if (node.Mark().line >= 0) where += ":" + std::to_string(node.Mark().line + 1);
    throw ConfigError(where + ": " + (path.empty() ? "" : path + ": ") + why);
}

std::string YamlReader::keyOf(const YAML::Node& key, const std::string& parent) const {
    if (!key.IsScalar()) fail(key, parent, "keys must be plain names");
    return key.Scalar();
}

void YamlReader::onlyKeys(const YAML::Node& map, const std::string& path,
                          std::span<const std::string_view> allowed) const {
    if (!map.IsMap()) fail(map, path, "expected a mapping");
    for (const auto& entry : map) {
        const auto key = keyOf(entry.first, path);
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            fail(entry.first, path + "." + key, "unknown key; allowed: " + joinNames(allowed));
        }
    }
}

std::string YamlReader::text(const YAML::Node& node, const std::string& path) const {
    if (!node.IsScalar()) fail(node, path, "expected a string");
    return node.Scalar();
}

std::uint64_t YamlReader::number(const YAML::Node& node, const std::string& path, std::uint64_t min,
                                 std::uint64_t max) const {
    if (!node.IsScalar()) fail(node, path, "expected a number");
    const std::string& s = node.Scalar();
    const bool digits = !s.empty() && s.size() <= 19 && s.find_first_not_of("0123456789") == std::string::npos;
    if (!digits) fail(node, path, "'" + s + "' is not a whole number");
    const std::uint64_t value = std::stoull(s);
    if (value < min || value > max) {
        fail(node, path,
             std::to_string(value) + " is out of range (" + std::to_string(min) + " to " + std::to_string(max) + ")");
    }
    return value;
}

std::int64_t YamlReader::integer(const YAML::Node& node, const std::string& path, std::int64_t min,
                                 std::int64_t max) const {
    if (!node.IsScalar()) fail(node, path, "expected a number");
    const std::string& s = node.Scalar();
    const bool negative = s.starts_with('-');
    const std::string magnitude = negative ? s.substr(1) : s;
    const bool digits = !magnitude.empty() && magnitude.size() <= 18 &&
                        magnitude.find_first_not_of("0123456789") == std::string::npos;
    if (!digits) fail(node, path, "'" + s + "' is not a whole number");
    const std::int64_t value = (negative ? -1 : 1) * std::stoll(magnitude);
    if (value < min || value > max) {
        fail(node, path,
             std::to_string(value) + " is out of range (" + std::to_string(min) + " to " + std::to_string(max) + ")");
    }
    return value;
}

bool YamlReader::flag(const YAML::Node& node, const std::string& path) const {
    if (!node.IsScalar()) fail(node, path, "expected true or false");
    bool value = false;
    if (!YAML::convert<bool>::decode(node, value)) fail(node, path, "'" + node.Scalar() + "' is not true or false");
    return value;
}

std::vector<std::string> YamlReader::textList(const YAML::Node& node, const std::string& path) const {
    if (node.IsScalar()) return {text(node, path)};
    if (!node.IsSequence()) fail(node, path, "expected a list of strings");
    std::vector<std::string> out;
    for (const auto& item : node) out.push_back(text(item, path));
    return out;
}

std::string joinNames(std::span<const std::string_view> names) {
    std::string out;
    for (const auto name : names) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

} // namespace alphapulse::config
