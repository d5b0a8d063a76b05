#pragma once
// One relay setting from a YAML node: shared by `alphapulse relay --config`
// (a file of settings) and the deployment file (a domain's section), so both
// accept the same keys with the same checks and messages.
#include <yaml-cpp/yaml.h>

#include <string>

#include "alphapulse/relay/relay_config.hpp"

namespace alphapulse::relay {

/// Applies `key: value` to `config`. False when `key` is not a relay setting
/// (the caller decides whether that is an error). Throws std::runtime_error
/// "key '<key>' at line <n>: <why>" for a bad value.
bool applyRelaySetting(const std::string& key, const YAML::Node& value, RelayConfig& config);

} // namespace alphapulse::relay
