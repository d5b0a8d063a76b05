#pragma once
// What every pipeline service needs and nothing more (not a framework):
// its command line (--config FILE --name NAME), the deployment that file
// describes, clients for the domains it talks to (on whatever transport the
// deployment configures), a clean stop on SIGTERM/SIGINT, and a one-line
// summary of its counters on stderr now and then (`alphapulse up` keeps it in
// the service's log; the pipeline tests read the last one). Sequence gaps in
// what a service receives are never silent: each is a JSON line on stderr
// (client::GapReporter, rate-limited), the stats lines count them per domain
// (gaps_<domain>, missed_<domain>), and a summary line ends the run.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference" // CLI11's string helpers, once inlined (GCC 12)
#include <CLI/CLI.hpp>
#pragma GCC diagnostic pop

#include <bitset>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "alphapulse/client/multi_bus_consumer.hpp"
#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/config/deployment.hpp"
#include "alphapulse/wire/message_type.hpp"

namespace alphapulse::service {

struct CommonOptions {
    std::string config;            ///< deployment file; empty = the default deployment
    std::string name;              ///< this instance's name (logs, stats, consumer settings)
    double statsIntervalS = 5.0;   ///< seconds between stats lines; 0 = only the last one
};

/// Adds --config, --name and --stats-interval to a service's command line.
void addCommonOptions(CLI::App& app, CommonOptions& options);

/// The deployment --config names (or the default one). Throws config::ConfigError.
[[nodiscard]] config::Deployment loadDeployment(const CommonOptions& options);

/// A client of `domain` named after the service. `types` is what it wants to
/// receive (an empty list: nothing, a pure producer); a consumer section of
/// the deployment with the service's name overrides it. This is the one place
/// that decides how a service reaches a domain; it also reports the client's
/// gaps (see above).
[[nodiscard]] std::unique_ptr<client::BusClient> connect(const config::Deployment& deployment, wire::Domain domain,
                                                           const std::string& name,
                                                           std::initializer_list<wire::MessageType> types);

/// Installs SIGTERM/SIGINT handlers that only set a flag (and ignores SIGPIPE).
void installStopHandlers();
[[nodiscard]] bool stopRequested() noexcept;

/// Nanoseconds since the Unix epoch: the header timestamp is the send time.
[[nodiscard]] std::uint64_t nowNs() noexcept;

/// Sequence numbers that rise by one per frame on one connection (the
/// execution relay refuses anything else).
class Sequence {
public:
    std::uint64_t next() noexcept { return ++m_last; }

private:
    std::uint64_t m_last = 0;
};

/// Named counters, printed as one line: "stats <name> key=value ...", followed
/// by the gap counters of every domain connect() reached.
/// Counters are created while setting up; counting allocates nothing.
class Stats {
public:
    Stats(std::string name, double intervalS);
    /// A counter that keeps its address for the life of the Stats.
    std::uint64_t& counter(std::string_view key);
    /// Prints when the interval has passed since the last line.
    void tick();
    /// Prints now (the final line on the way out).
    void print();

private:
    std::string m_name;
    std::chrono::steady_clock::duration m_interval;
    std::chrono::steady_clock::time_point m_next;
    std::deque<std::pair<std::string, std::uint64_t>> m_counters;
};

/// Routes the Error frames a relay sends this service (no consumer for what it
/// produced, bad sequence, ... : wire/relay_errors.hpp) away from its domain
/// handlers to stderr, one JSON line each, and counts them ("relay_errors"
/// in the stats line). A relay sends them whatever the subscription says.
void reportRelayErrors(client::MultiBusConsumer& consumer, Stats& stats);

/// Publishes one whole frame, waiting out backpressure and a reconnect for
/// up to `timeout`. False (and a line on stderr) when it could not.
bool publish(client::BusClient& client, std::span<const std::uint8_t> frame,
             std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

/// Runs `main` with the service's command line parsed: returns the exit
/// status (2 for a usage or configuration error, with the reason on stderr).
/// Prints the gap summaries when `main` returns.
int run(CLI::App& app, int argc, char** argv, const std::function<int()>& main);

} // namespace alphapulse::service
