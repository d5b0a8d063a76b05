#include "cli11.hpp"

#include <cstdio>

#include "commands.hpp"

namespace alphapulse::cli {

void addVersionCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand("version", "Print the version of alphapulse");
    cmd->callback([] { std::printf("alphapulse %s\n", ALPHAPULSE_VERSION); });
}

} // namespace alphapulse::cli
