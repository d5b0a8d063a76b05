#pragma once
// The options every command that reaches one domain's bus shares (tap,
// publish, stats): where the bus is, and how long to wait for a relay that
// is not there yet. One wording for all of them.
#include <string>

#include "cli11.hpp"

namespace alphapulse::cli {

/// `socket` (positional), `--domain`, `--config`.
void addBusAddressOptions(CLI::App& cmd, std::string& socket, std::string& domain, std::string& config);

/// `--timeout SECONDS` (0: forever), its default shown in --help.
void addRelayWaitOption(CLI::App& cmd, double& timeoutS);

} // namespace alphapulse::cli
