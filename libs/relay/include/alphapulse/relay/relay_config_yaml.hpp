#pragma once
// One relay setting from a YAML node: shared by `alphapulse relay --config`
// (a file of settings) and the deployment file (a domain's section), so both
// accept the same keys with the same checks and messages.
#include <yaml-cpp/yaml.h>

#include <stdexcept>
#include <string>

#include "alphapulse/relay/relay_config.hpp"

namespace alphapulse::relay {

/// A bad setting: which key (a nested one as "journal.window_frames") and
/// the line of the node at fault, so a deployment file can say file:line:key.
struct SettingError : std::runtime_error {
    SettingError(const std::string& message, std::string settingKey, int settingLine, std::string reason)
        : std::runtime_error(message), key(std::move(settingKey)), line(settingLine), why(std::move(reason)) {}
    std::string key;
    int line = 0; ///< 1-based
    std::string why;
};

/// Applies `key: value` to `config`. False when `key` is not a relay setting
/// (the caller decides whether that is an error). Throws SettingError
/// "key '<key>' at line <n>: <why>" for a bad value.
bool applyRelaySetting(const std::string& key, const YAML::Node& value, RelayConfig& config);

} // namespace alphapulse::relay
