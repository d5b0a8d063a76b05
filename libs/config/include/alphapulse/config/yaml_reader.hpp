#pragma once
// The value readers of the strict YAML parsers (the deployment file, its
// transports' sections, the bridge's `bridge:` key). Every refusal is a
// ConfigError "<file>:<line>: <key path>: <what is wrong>".
//
// yaml-cpp is not included here: callers that hold nodes include it.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace YAML {
class Node;
}

namespace alphapulse::config {

class YamlReader {
public:
    /// `fileName` starts every message.
    explicit YamlReader(std::string fileName) : m_name(std::move(fileName)) {}

    [[nodiscard]] const std::string& fileName() const noexcept { return m_name; }

    /// Throws ConfigError naming the file, `node`'s line and `path`.
    [[noreturn]] void fail(const YAML::Node& node, const std::string& path, const std::string& why) const;

    /// A mapping's key (plain names only).
    [[nodiscard]] std::string keyOf(const YAML::Node& key, const std::string& parent) const;
    /// Every key of the mapping `map` is one of `allowed` ("unknown key; allowed: ...").
    void onlyKeys(const YAML::Node& map, const std::string& path, std::span<const std::string_view> allowed) const;

    [[nodiscard]] std::string text(const YAML::Node& node, const std::string& path) const;
    /// A whole number from `min` to `max`.
    [[nodiscard]] std::uint64_t number(const YAML::Node& node, const std::string& path, std::uint64_t min,
                                       std::uint64_t max) const;
    /// A whole number, possibly negative, from `min` to `max`.
    [[nodiscard]] std::int64_t integer(const YAML::Node& node, const std::string& path, std::int64_t min,
                                       std::int64_t max) const;
    [[nodiscard]] bool flag(const YAML::Node& node, const std::string& path) const;
    /// One string or a list of them.
    [[nodiscard]] std::vector<std::string> textList(const YAML::Node& node, const std::string& path) const;

private:
    std::string m_name;
};

/// "a, b, c".
[[nodiscard]] std::string joinNames(std::span<const std::string_view> names);

} // namespace alphapulse::config
