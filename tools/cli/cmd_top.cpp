// alphapulse top [--config FILE] [--interval MS] [--once | --iterations N]:
// the dashboard's essentials in a terminal, redrawn in place every interval.
// When stdout is not a terminal it prints plain text screens one after the
// other (no escape codes), so scripts and tests can read it.
#include <unistd.h>

#include <csignal>
#include <ctime>
#include <iostream>

#include "alphapulse/config/deployment.hpp"
#include "alphapulse/dashboard/live_view.hpp"
#include "alphapulse/dashboard/top_text.hpp"
#include "cli11.hpp"
#include "commands.hpp"

namespace alphapulse::cli {
namespace {

struct TopOptions {
    std::string config;
    int intervalMs = 1000;
    bool once = false;
    std::uint64_t iterations = 0; ///< 0: until SIGINT / SIGTERM
    std::size_t rows = 10;
};

int runTop(const TopOptions& options) {
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr); // before the view's threads start

    std::unique_ptr<dashboard::LiveView> view;
    try {
        auto deployment = options.config.empty() ? config::defaultDeployment() : config::loadDeployment(options.config);
        dashboard::LiveViewOptions viewOptions;
        viewOptions.clientName = "top";
        view = std::make_unique<dashboard::LiveView>(std::move(deployment), viewOptions);
    } catch (const std::exception& e) {
        std::cerr << "alphapulse top: " << e.what() << '\n';
        return 2;
    }
    view->start();
    const bool terminal = isatty(STDOUT_FILENO) != 0;
    const std::uint64_t screens = options.once ? 1 : options.iterations;
    if (terminal) std::cout << "\x1b[?25l\x1b[2J"; // hide the cursor, clear once
    bool interrupted = false;
    for (std::uint64_t n = 0; screens == 0 || n < screens; ++n) {
        // Wait one interval, or less when a stop signal comes first.
        const timespec wait{options.intervalMs / 1000, static_cast<long>(options.intervalMs % 1000) * 1'000'000L};
        if (sigtimedwait(&stopSignals, nullptr, &wait) > 0) {
            interrupted = true;
            break;
        }
        const std::string text = dashboard::renderTopText(view->snapshot(), {terminal, options.rows});
        if (terminal) {
            // Home, then each line cleared to its end, then the rest of the
            // screen: redraws in place without flicker.
            std::string screen = "\x1b[H";
            for (std::size_t begin = 0; begin < text.size();) {
                std::size_t end = text.find('\n', begin);
                if (end == std::string::npos) end = text.size();
                screen.append(text, begin, end - begin).append("\x1b[K\n");
                begin = end + 1;
            }
            std::cout << screen << "\x1b[J" << std::flush;
        } else {
            std::cout << text << '\n' << std::flush;
        }
        if (!std::cout) break;
    }
    if (terminal) std::cout << "\x1b[?25h" << std::flush;
    view->stop();
    return interrupted || std::cout ? 0 : 1;
}

} // namespace

void addTopCommand(CLI::App& app) {
    auto options = std::make_shared<TopOptions>();
    auto* cmd = app.add_subcommand("top", "The dashboard in a terminal: rates, latency, relay counters, quotes, "
                                          "signals, orders, fills");
    cmd->add_option("--config", options->config, "Deployment file (docs/design/deployment.md)");
    cmd->add_option("--interval", options->intervalMs, "Milliseconds between screens")
        ->capture_default_str()
        ->check(CLI::Range(50, 3'600'000));
    auto* once = cmd->add_flag("--once", options->once, "Print one screen after one interval, then exit");
    cmd->add_option("--iterations", options->iterations, "Print this many screens, then exit")->excludes(once);
    cmd->add_option("--rows", options->rows, "Rows per table")->capture_default_str();
    cmd->callback([options] {
        const int status = runTop(*options);
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
