// alphapulse up [--config FILE] [--duration S] [--run-dir DIR]
//
// Runs a whole deployment from one YAML file: a relay for every domain whose
// transport has one (Unix socket or TCP), started first and waited for, then
// the `services:` in the order listed (tools/up/services_config.hpp). Keeps
// them running (restart with back-off after a crash), and on Ctrl-C, SIGTERM
// or the end of --duration stops them in reverse order: producers listed last
// stop first, so what they sent is consumed before the consumers go.
//
// Nothing fails silently: the deployment and its services are checked
// before anything starts (`--check` does only that), a service's first
// failure is shown with the last line of its log, and a service that ends
// MAX_RAPID_FAILURES times in a row within RAPID_FAILURE_WINDOW of starting
// stops the run. Exit codes: 0 stopped as asked; 1 a process could not be
// started or was given up on; 2 the file or a service in it is wrong.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>

#include "alphapulse/config/deployment.hpp"
#include "alphapulse/config/installed_file.hpp"
#include "alphapulse/config/transport_table.hpp"
#include "alphapulse/up/check.hpp"
#include "alphapulse/up/services_config.hpp"
#include "alphapulse/up/supervisor.hpp"
#include "cli11.hpp"
#include "commands.hpp"

namespace alphapulse::cli {
namespace {

struct UpOptions {
    std::string config = alphapulse::config::installedFile("config/alphapulse.yaml", ALPHAPULSE_DEFAULT_CONFIG);
    double duration = 0; ///< seconds; 0 = until stopped
    std::string runDir;
    bool check = false; ///< validate only; start nothing
};

volatile std::sig_atomic_t g_stop = 0;
extern "C" void onUpSignal(int /*signal*/) { g_stop = 1; }

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

/// The relay `up` runs for a domain, or nullopt when its transport has none.
std::optional<up::ProcessSpec> relayFor(const config::DomainSettings& domain, const std::string& configPath) {
    const std::string name(wire::domainName(domain.domain));
    up::ProcessSpec spec;
    spec.service.name = "relay-" + name;
    spec.service.command = {"alphapulse", "relay", name, "--config", configPath};
    spec.service.restart = up::RestartPolicy::Always;
    const auto address = config::transportOf(domain).relayAddress(domain);
    if (!address) return std::nullopt;
    up::ReadyCheck ready;
    ready.unixPath = address->unixPath;
    ready.tcpHost = address->host;
    ready.tcpPort = address->port;
    spec.ready = ready;
    return spec;
}

/// The Unix socket of the domain's relay, "" when it has none there.
std::string unixRelayPath(const config::DomainSettings& domain) {
    const auto address = config::transportOf(domain).relayAddress(domain);
    return address ? address->unixPath : std::string();
}

/// The last "stats ..." line a service wrote to its log (its final counters).
std::string lastStatsLine(const std::filesystem::path& log) {
    std::ifstream in(log);
    std::string line;
    std::string last;
    while (std::getline(in, line)) {
        if (line.rfind("stats ", 0) == 0) last = line;
    }
    return last;
}

/// Checks the services (up::checkServices); prints the problems, or with
/// --check a line saying what would run. 2 when there are problems.
int reportCheck(const std::string& configPath, const config::Deployment& deployment,
                const std::vector<up::ServiceSpec>& services, bool verbose) {
    const auto problems = up::checkServices(services, configPath);
    for (const auto& problem : problems) std::cerr << "alphapulse up: " << problem << '\n';
    if (!problems.empty()) {
        std::cerr << "alphapulse up: " << problems.size() << " problem(s) in " << configPath << "; nothing started\n";
        return 2;
    }
    if (verbose) {
        std::size_t relays = 0;
        for (const auto& domain : deployment.domains) {
            if (relayFor(domain, configPath)) ++relays;
        }
        const auto enabled = std::count_if(services.begin(), services.end(), [](const auto& s) { return s.enabled; });
        std::cout << "alphapulse up --check: " << configPath << ": ok (" << relays << " relays, " << enabled
                  << " services; nothing started)\n";
    }
    return 0;
}

int runUp(const UpOptions& options) {
    std::error_code ec;
    const auto configPath = std::filesystem::absolute(options.config, ec).lexically_normal().string();
    config::Deployment deployment;
    std::vector<up::ServiceSpec> services;
    try {
        deployment = config::loadDeployment(configPath);
        services = up::loadServices(configPath);
    } catch (const std::exception& e) {
        std::cerr << "alphapulse up: " << e.what() << '\n';
        return 2;
    }
    const std::filesystem::path runDir =
        options.runDir.empty() ? std::filesystem::path(deployment.runtimeDir) / "up" : std::filesystem::path(options.runDir);
    for (auto& service : services) {
        for (auto& arg : service.command) {
            arg = replaceAll(arg, "{config}", configPath);
            arg = replaceAll(arg, "{run_dir}", runDir.string());
            arg = replaceAll(arg, "{runtime_dir}", deployment.runtimeDir);
        }
    }
    if (const int status = reportCheck(configPath, deployment, services, options.check); status != 0 || options.check) {
        return status;
    }
    std::filesystem::create_directories(deployment.runtimeDir, ec);

    // A relay already answering on one of our sockets belongs to another run.
    for (const auto& domain : deployment.domains) {
        const auto path = unixRelayPath(domain);
        if (!path.empty() && std::filesystem::exists(path)) {
            const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_un address{};
            address.sun_family = AF_UNIX;
            std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
            const bool live = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
            if (fd >= 0) ::close(fd);
            if (live) {
                std::cerr << "alphapulse up: a relay is already running on " << path
                          << " (another `alphapulse up`?); stop it or use another runtime_dir\n";
                return 1;
            }
        }
    }

    up::Supervisor supervisor(runDir, std::cout);
    std::cout << "alphapulse up: " << configPath << "\n";
    for (const auto& domain : deployment.domains) {
        if (auto relay = relayFor(domain, configPath)) {
            supervisor.add(std::move(*relay));
        } else {
            std::cout << "up: " << wire::domainName(domain.domain) << " uses "
                      << config::transportOf(domain).name << ": no relay process to start\n";
        }
    }
    std::string dashboard;
    for (auto& service : services) {
        const auto& cmd = service.command;
        const bool isDashboard = std::find(cmd.begin(), cmd.end(), "dashboard") != cmd.end();
        for (std::size_t i = 0; isDashboard && service.enabled && i + 1 < cmd.size(); ++i) {
            if (cmd[i] == "--port") dashboard = "http://127.0.0.1:" + cmd[i + 1] + "/";
        }
        supervisor.add(up::ProcessSpec{service, std::nullopt});
    }

    struct sigaction action {};
    action.sa_handler = onUpSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);

    try {
        supervisor.start();
    } catch (const std::exception& e) {
        std::cerr << "alphapulse up: " << e.what() << '\n';
        return 1;
    }

    std::cout << "\nup: running. Run directory: " << runDir.string() << "\n";
    std::cout << "up: logs (one per process):\n";
    for (const auto& state : supervisor.states()) std::cout << "      " << state.log.string() << "\n";
    if (!dashboard.empty()) std::cout << "up: dashboard: " << dashboard << "\n";
    for (const auto& domain : deployment.domains) {
        if (const auto path = unixRelayPath(domain); !path.empty()) {
            std::cout << "up: " << wire::domainName(domain.domain) << ": alphapulse tap " << path
                      << "   (counters: alphapulse stats " << path << ")\n";
        }
    }
    if (options.duration > 0) {
        std::cout << "up: stopping after " << options.duration << " s, or on Ctrl-C\n\n" << std::flush;
    } else {
        std::cout << "up: stop with Ctrl-C\n\n" << std::flush;
    }

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                                 std::chrono::duration<double>(options.duration));
    const bool asked = supervisor.supervise([&] {
        return g_stop != 0 || (options.duration > 0 && std::chrono::steady_clock::now() >= deadline);
    });
    std::cout << "\nup: stopping (services in reverse order, then the relays)"
              << (asked ? "" : ": a service keeps failing") << "\n"
              << std::flush;
    supervisor.stopAll();

    std::cout << "\nup: summary\n";
    for (const auto& state : supervisor.states()) {
        std::cout << "  " << state.name << ": started " << state.starts << "x, restarts " << state.restarts
                  << ", last " << (state.lastExit.empty() ? "-" : state.lastExit)
                  << (state.gaveUp ? ", GAVE UP (see its log)" : "") << "\n";
        const auto stats = lastStatsLine(state.log);
        if (!stats.empty()) std::cout << "    " << stats << "\n";
    }
    std::cout << "up: logs in " << (runDir / "logs").string() << "\n" << std::flush;
    if (!asked) {
        std::cerr << "alphapulse up: stopped because a service kept failing (ended " << up::MAX_RAPID_FAILURES
                  << " times in a row within " << up::RAPID_FAILURE_WINDOW.count() << " s of starting); see above\n";
        return 1;
    }
    return 0;
}

} // namespace

void addUpCommand(CLI::App& app) {
    auto options = std::make_shared<UpOptions>();
    auto* cmd = app.add_subcommand("up", "Run the relays and services a deployment file describes, supervised");
    cmd->add_option("--config", options->config, "Deployment file (relays and `services:`)")->capture_default_str();
    cmd->add_option("--duration", options->duration, "Stop after this many seconds (default: run until stopped)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--run-dir", options->runDir, "Logs and pid files (default: <runtime_dir>/up)");
    cmd->add_flag("--check", options->check,
                  "Only check the file and its services (programs found, ports in range); start nothing");
    cmd->callback([options] { throw CLI::RuntimeError(runUp(*options)); });
}

} // namespace alphapulse::cli
