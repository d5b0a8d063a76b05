#include "alphapulse/up/check.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <sstream>

#include "alphapulse/up/supervisor.hpp"

namespace alphapulse::up {
namespace {

bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

/// Options that take a TCP port in the commands `up` runs (dashboard, relays).
bool isPortOption(const std::string& arg) { return arg == "--port" || arg == "--http-port"; }

std::string portProblem(const std::string& value) {
    long port = -1;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), port);
    if (ec != std::errc() || end != value.data() + value.size()) return "'" + value + "' is not a port number";
    if (port < 0 || port > 65535) return "port " + value + " is outside 1..65535";
    return {};
}

} // namespace

std::string findProgram(const std::string& program) {
    const std::string resolved = resolveProgram(program);
    if (resolved.find('/') != std::string::npos) return executable(resolved) ? resolved : std::string();
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
        if (executable(candidate)) return candidate;
    }
    return {};
}

std::vector<std::string> checkServices(const std::vector<ServiceSpec>& services, const std::string& file) {
    std::vector<std::string> problems;
    for (const auto& service : services) {
        if (!service.enabled) continue;
        const std::string where = file + ":" + std::to_string(service.line) + ": service " + service.name + ": ";
        const auto& command = service.command;
        if (findProgram(command[0]).empty()) {
            problems.push_back(where + "program '" + command[0] +
                               "' not found (nor beside alphapulse, nor on PATH) or not executable; build or "
                               "install it, or fix `command:`");
        }
        for (std::size_t i = 0; i + 1 < command.size(); ++i) {
            if (!isPortOption(command[i])) continue;
            if (const auto problem = portProblem(command[i + 1]); !problem.empty()) {
                problems.push_back(where + command[i] + ": " + problem + " (0 picks a free one)");
            }
        }
    }
    return problems;
}

} // namespace alphapulse::up
