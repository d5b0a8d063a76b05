// alphapulse: the command-line tool. Only wiring here; each command lives
// in its own cmd_<name>.cpp and registers itself through commands.hpp.
#include "cli11.hpp"

#include <csignal>

#include "commands.hpp"

int main(int argc, char** argv) {
    // A reader that goes away (`alphapulse decode | head`) must show up as a
    // failed write the commands can handle, not kill the process mid-frame.
    std::signal(SIGPIPE, SIG_IGN);

    CLI::App app{"alphapulse: frames of the alphapulse protocol, as JSON and back"};
    app.require_subcommand(1);
    alphapulse::cli::addDecodeCommand(app);
    alphapulse::cli::addEncodeCommand(app);
    alphapulse::cli::addIdCommand(app);
    alphapulse::cli::addVersionCommand(app);
    alphapulse::cli::addReplayCommand(app);
    alphapulse::cli::addRelayCommand(app);
    alphapulse::cli::addStatsCommand(app);
    alphapulse::cli::addTapCommand(app);
    alphapulse::cli::addPublishCommand(app);
    alphapulse::cli::addCacheCommand(app);
    alphapulse::cli::addDashboardCommand(app);
    alphapulse::cli::addTopCommand(app);
    alphapulse::cli::addUpCommand(app);
    alphapulse::cli::addBridgeCommand(app);
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
