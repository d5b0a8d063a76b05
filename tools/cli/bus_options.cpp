#include "bus_options.hpp"

namespace alphapulse::cli {

void addBusAddressOptions(CLI::App& cmd, std::string& socket, std::string& domain, std::string& config) {
    cmd.add_option("socket", socket, "The relay's socket path (or --domain)");
    cmd.add_option("--domain", domain, "market_data, signals, execution or system: that domain's bus");
    cmd.add_option("--config", config, "Deployment file saying where each domain's bus is (with --domain)");
}

void addRelayWaitOption(CLI::App& cmd, double& timeoutS) {
    cmd.add_option("--timeout", timeoutS,
                   "Seconds to wait for a relay that is not there or refuses (starting, restarting) before "
                   "failing; 0: forever")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
}

} // namespace alphapulse::cli
