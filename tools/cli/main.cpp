// alphapulse: the command-line tool. Only wiring here; each command lives
// in its own cmd_<name>.cpp and registers itself through commands.hpp.
//
// Exit codes every command shares: 0 success, 1 the command failed (its
// message says why), 2 a usage error (unknown command or option, bad value).
#include "cli11.hpp"

#include <csignal>
#include <cstring>
#include <iostream>

#include "commands.hpp"

namespace {

/// `alphapulse help [command]`: what `--help` prints, as CLI11 users expect.
void addHelpCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand("help", "Print this help, or a command's (alphapulse help tap), and exit");
    auto topic = std::make_shared<std::string>();
    cmd->add_option("command", *topic, "The command to explain");
    cmd->callback([&app, topic] {
        if (topic->empty()) {
            // app.help() here would describe the selected subcommand: `help` itself.
            std::cout << app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal);
            return;
        }
        CLI::App* sub = nullptr;
        try {
            sub = app.get_subcommand(*topic);
        } catch (const CLI::OptionNotFound&) {
            std::cerr << "alphapulse help: unknown command '" << *topic << "' (alphapulse help lists them)\n";
            throw CLI::RuntimeError(2);
        }
        std::cout << sub->help();
    });
}

/// A first argument that is neither an option nor a command is a typo: say
/// so (CLI11 alone would answer "A subcommand is required").
bool unknownCommand(const CLI::App& app, int argc, char** argv) {
    if (argc < 2 || argv[1][0] == '-') return false;
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        if (sub->check_name(argv[1])) return false;
    }
    std::cerr << "alphapulse: unknown command '" << argv[1] << "' (alphapulse help lists the commands)\n";
    return true;
}

} // namespace

int main(int argc, char** argv) {
    // A reader that goes away (`alphapulse decode | head`) must show up as a
    // failed write the commands can handle, not kill the process mid-frame.
    std::signal(SIGPIPE, SIG_IGN);

    CLI::App app{"alphapulse: frames of the alphapulse protocol, as JSON and back"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("alphapulse ") + ALPHAPULSE_VERSION);
    alphapulse::cli::addDecodeCommand(app);
    alphapulse::cli::addEncodeCommand(app);
    alphapulse::cli::addExportPcapCommand(app);
    alphapulse::cli::addIdCommand(app);
    alphapulse::cli::addVersionCommand(app);
    alphapulse::cli::addReplayCommand(app);
    alphapulse::cli::addRecordCommand(app);
    alphapulse::cli::addRelayCommand(app);
    alphapulse::cli::addStatsCommand(app);
    alphapulse::cli::addTapCommand(app);
    alphapulse::cli::addPublishCommand(app);
    alphapulse::cli::addCacheCommand(app);
    alphapulse::cli::addDashboardCommand(app);
    alphapulse::cli::addTopCommand(app);
    alphapulse::cli::addUpCommand(app);
    alphapulse::cli::addBridgeCommand(app);
    alphapulse::cli::addBenchCommand(app);
    addHelpCommand(app);
    if (unknownCommand(app, argc, argv)) return 2;
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int status = app.exit(e);
        // Commands report their own status through RuntimeError; any other
        // parse failure is a usage error.
        const bool fromCommand = dynamic_cast<const CLI::RuntimeError*>(&e) != nullptr;
        return (status == 0 || fromCommand) ? status : 2;
    }
    return 0;
}
