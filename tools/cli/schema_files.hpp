#pragma once
// `--schemas FILE` for the commands that read custom messages.
#include <string>
#include <string_view>
#include <vector>

#include "alphapulse/schema/registry.hpp"

namespace alphapulse::cli {

/// Loads each file into `registry`; on the first refusal prints
/// "alphapulse <command>: <reason>" on stderr and returns false.
bool loadSchemaFiles(schema::SchemaRegistry& registry, const std::vector<std::string>& files,
                     std::string_view command);

} // namespace alphapulse::cli
