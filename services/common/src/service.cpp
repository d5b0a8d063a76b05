#include "alphapulse/service/service.hpp"

#include <csignal>
#include <cstdio>
#include <deque>
#include <iostream>

#include "alphapulse/client/gap_reporter.hpp"
#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/relay_errors.hpp"

namespace alphapulse::service {

namespace {
volatile std::sig_atomic_t g_stop = 0;
extern "C" void onStopSignal(int /*signal*/) { g_stop = 1; }

/// One reporter per client connect() made. They live for the whole process
/// (a deque keeps their addresses), longer than the clients, so that the
/// summary can still be printed after the service's main has returned.
std::deque<client::GapReporter>& gapReporters() {
    static std::deque<client::GapReporter> reporters;
    return reporters;
}
} // namespace

void addCommonOptions(CLI::App& app, CommonOptions& options) {
    app.add_option("--config", options.config, "Deployment file (YAML); default: every domain on a local relay");
    app.add_option("--name", options.name, "This instance's name (logs, stats, consumer settings)")
        ->capture_default_str();
    app.add_option("--stats-interval", options.statsIntervalS, "Seconds between stats lines (0: only at exit)")
        ->capture_default_str();
}

config::Deployment loadDeployment(const CommonOptions& options) {
    return options.config.empty() ? config::defaultDeployment() : config::loadDeployment(options.config);
}

std::unique_ptr<client::BusClient> connect(const config::Deployment& deployment, wire::Domain domain,
                                             const std::string& name,
                                             std::initializer_list<wire::MessageType> types) {
    client::ClientOptions options;
    options.name = name;
    options.subscription = client::typesOf(types);
    auto client = config::makeClient(deployment, domain, options);
    gapReporters().emplace_back(std::string(wire::domainName(domain))).attach(*client);
    return client;
}

void installStopHandlers() {
    struct sigaction action {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN); // a relay that goes away is a failed write, handled by the client
}

bool stopRequested() noexcept { return g_stop != 0; }

std::uint64_t nowNs() noexcept {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

Stats::Stats(std::string name, double intervalS)
    : m_name(std::move(name)),
      m_interval(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(intervalS))),
      m_next(std::chrono::steady_clock::now() + m_interval) {}

std::uint64_t& Stats::counter(std::string_view key) {
    for (auto& [name, value] : m_counters) {
        if (name == key) return value;
    }
    return m_counters.emplace_back(std::string(key), 0).second;
}

void Stats::tick() {
    for (auto& reporter : gapReporters()) reporter.tick();
    if (m_interval.count() <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now < m_next) return;
    m_next = now + m_interval;
    print();
}

void Stats::print() {
    std::string line = "stats " + m_name;
    for (const auto& [name, value] : m_counters) line += " " + name + "=" + std::to_string(value);
    for (const auto& reporter : gapReporters()) {
        line += " gaps_" + reporter.domain() + "=" + std::to_string(reporter.gaps()) + " missed_" +
                reporter.domain() + "=" + std::to_string(reporter.missing());
    }
    line += '\n';
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
}

namespace {

/// A JSON string's content: the relay's texts are UTF-8 but may hold quotes.
std::string jsonEscaped(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
    return out;
}

} // namespace

void reportRelayErrors(client::MultiBusConsumer& consumer, Stats& stats) {
    auto& count = stats.counter("relay_errors");
    // A type handler runs instead of the domain handlers (MultiBusConsumer::dispatch).
    consumer.on(wire::MessageType::Error, [&count](const wire::FrameView& frame) {
        ++count;
        const auto view = wire::ErrorView::parse(frame.data(), frame.size());
        if (!view) return;
        const std::string line =
            "{\"relay_error\":{\"from\":\"" + std::string(wire::sourceTypeName(frame.source())) +
            "\",\"code\":" + std::to_string(view->error_code()) + ",\"name\":\"" +
            std::string(wire::relayErrorName(view->error_code())) + "\",\"related_type\":\"" +
            std::string(wire::messageTypeName(view->related_type())) +
            "\",\"related_sequence\":" + std::to_string(view->related_sequence()) + ",\"message\":\"" +
            jsonEscaped(view->message()) + "\"}}\n";
        std::fputs(line.c_str(), stderr);
        std::fflush(stderr);
    });
}

bool publish(client::BusClient& client, std::span<const std::uint8_t> frame, std::chrono::milliseconds timeout) {
    if (client.publishBlocking(frame, timeout)) return true;
    std::fprintf(stderr, "%s: could not publish a frame within %lld ms (relay %s)\n", client.options().name.c_str(),
                 static_cast<long long>(timeout.count()), client.connected() ? "busy" : "unreachable");
    return false;
}

int run(CLI::App& app, int argc, char** argv, const std::function<int()>& main) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int status = app.exit(e);
        return status == 0 ? 0 : 2;
    }
    installStopHandlers();
    try {
        const int status = main();
        for (auto& reporter : gapReporters()) reporter.summary();
        return status;
    } catch (const config::ConfigError& e) {
        std::cerr << app.get_name() << ": " << e.what() << '\n';
        return 2;
    } catch (const std::exception& e) {
        std::cerr << app.get_name() << ": " << e.what() << '\n';
        return 1;
    }
}

} // namespace alphapulse::service
