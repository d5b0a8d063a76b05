// alphapulse dashboard [--config FILE] [--port N] [--bind ADDR]: a web page
// of everything flowing through the relays (tools/dashboard), served on
// http://ADDR:N/ until SIGINT or SIGTERM.
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "alphapulse/config/deployment.hpp"
#include "alphapulse/dashboard/live_view.hpp"
#include "alphapulse/dashboard/server.hpp"
#include "cli11.hpp"
#include "commands.hpp"

namespace alphapulse::cli {
namespace {

struct DashboardOptions {
    std::string config;
    std::string bind = "127.0.0.1";
    int port = 8080;
};

int runDashboard(const DashboardOptions& options) {
    // Block the stop signals before any thread starts (threads inherit the
    // mask), then wait for them here: no handler, no async-signal rules.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    std::unique_ptr<dashboard::LiveView> view;
    try {
        auto deployment = options.config.empty() ? config::defaultDeployment() : config::loadDeployment(options.config);
        view = std::make_unique<dashboard::LiveView>(std::move(deployment));
    } catch (const std::exception& e) {
        std::cerr << "alphapulse dashboard: " << e.what() << '\n';
        return 2;
    }
    // Text from frames was validated as UTF-8 by the codec; replace rather
    // than throw should anything else slip through.
    dashboard::Server server(
        [&view] { return view->snapshot().dump(-1, ' ', false, codec::Json::error_handler_t::replace); },
        {options.bind, options.port});
    try {
        server.bind();
    } catch (const std::exception& e) {
        std::cerr << "alphapulse dashboard: " << e.what() << '\n';
        return 1;
    }
    view->start();
    std::atomic<bool> served{false};
    std::thread http([&server, &served] {
        server.serve();
        served = true;
    });
    // The line scripts wait for (with --port 0 it is the only way to learn the port).
    std::cout << "alphapulse dashboard: http://" << options.bind << ':' << server.port() << "/" << std::endl;

    int signal = 0;
    sigwait(&stopSignals, &signal);
    std::cerr << "alphapulse dashboard: stopping (" << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ")\n";
    // A stop() that comes before serve() started listening is lost
    // (httplib): repeat it until serve() has returned.
    while (!served) {
        server.stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    http.join();
    view->stop();
    return 0;
}

} // namespace

void addDashboardCommand(CLI::App& app) {
    auto options = std::make_shared<DashboardOptions>();
    auto* cmd = app.add_subcommand("dashboard", "Serve a live web dashboard of the relays (rates, quotes, signals, "
                                                "orders, fills, latency, relay counters)");
    cmd->add_option("--config", options->config, "Deployment file (docs/design/deployment.md); default: every "
                                                  "domain on a Unix socket under the runtime directory");
    // A port outside 1..65535 would be cut to 16 bits by the socket layer:
    // the page would be served on a port other than the one asked for.
    cmd->add_option("--port", options->port, "TCP port, 1-65535 (0: any free port; the line printed names it)")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    cmd->add_option("--bind", options->bind, "Address to listen on")->capture_default_str();
    cmd->callback([options] {
        const int status = runDashboard(*options);
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
