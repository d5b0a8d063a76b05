#include "bench_bus.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "alphapulse/config/transport_table.hpp"
#include "alphapulse/nats/nats_options.hpp"
#include "alphapulse/relay/relay_config.hpp"
#include "alphapulse/transport/unix_socket.hpp"

namespace alphapulse::cli::bench {
namespace {

namespace fs = std::filesystem;

/// A loopback TCP port nothing listens on right now (the kernel's choice).
std::uint16_t freeLoopbackPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket: cannot find a free port");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot bind a loopback port");
    return ntohs(addr.sin_port);
}

bool portAnswers(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

std::string makeTempDir() {
    std::string pattern = (fs::temp_directory_path() / "alphapulse-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp: cannot create a temporary directory");
    return pattern;
}

bool unixAnswers(const std::string& path) {
    const int fd = transport::connectUnix(path);
    if (fd < 0) return false;
    ::close(fd);
    return true;
}

/// The last line of a log, for a message about a process that failed.
std::string lastLine(const std::string& path) {
    std::ifstream in(path);
    std::string line, last;
    while (std::getline(in, line)) {
        if (!line.empty()) last = line;
    }
    return last.empty() ? "(nothing in " + path + ")" : last + " (" + path + ")";
}

/// A deployment file for `alphapulse relay`: the section's transport and
/// endpoint, and each policy the bench depends on where it differs from the
/// market_data defaults.
std::string relayDeploymentYaml(const config::DomainSettings& d, const std::string& dir) {
    const auto defaults = relay::defaultConfig(wire::Domain::MarketData);
    const auto& r = d.relay;
    std::ostringstream y;
    const auto& row = config::transportOf(d);
    y << "alphapulse:\n  runtime_dir: " << dir << "\n  market_data:\n";
    y << "    transport: " << row.name << "\n" << row.endpointYaml(d, "    ");
    y << "    overload: " << (r.overload == relay::OverloadPolicy::Backpressure ? "backpressure" : "drop") << "\n";
    const auto key = [&](const char* name, auto value, auto byDefault) {
        if (value != byDefault) y << "    " << name << ": " << value << "\n";
    };
    key("max_queue_size", r.maxQueueSize, defaults.maxQueueSize);
    key("circuit_breaker", r.circuitBreaker, defaults.circuitBreaker);
    key("max_queue_bytes", r.maxQueueBytes, defaults.maxQueueBytes);
    key("max_payload", r.maxPayload, defaults.maxPayload);
    key("slow_consumer_timeout_ms", r.slowConsumerTimeoutMs, defaults.slowConsumerTimeoutMs);
    key("socket_buffer_bytes", r.socketBufferBytes, defaults.socketBufferBytes);
    key("busy_poll_us", r.busyPollUs, defaults.busyPollUs);
    key("max_total_queue_bytes", r.maxTotalQueueBytes, defaults.maxTotalQueueBytes);
    if (r.validateChecksums != defaults.validateChecksums) {
        y << "    validate_checksums: " << (r.validateChecksums ? "true" : "false") << "\n";
    }
    if (r.requireSequence != defaults.requireSequence) {
        y << "    require_sequence: " << (r.requireSequence ? "true" : "false") << "\n";
    }
    return y.str();
}

bool executable(const fs::path& p) { return ::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p); }

} // namespace

std::string findNatsServer() {
    if (const char* env = std::getenv("ALPHAPULSE_NATS_SERVER"); env != nullptr && *env != '\0') {
        return executable(env) ? env : "";
    }
    if (const char* path = std::getenv("PATH")) {
        std::stringstream dirs(path);
        for (std::string dir; std::getline(dirs, dir, ':');) {
            if (!dir.empty() && executable(fs::path(dir) / "nats-server")) return (fs::path(dir) / "nats-server").string();
        }
    }
    return executable("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "";
}

Bus::Bus(const BusRequest& request) {
    config::DomainSettings d = request.base;
    // Another transport than the section's: its defaults (isolate() below gives it its own bus).
    if (request.transport && request.transport != d.transport) {
        config::useTransport(d, *request.transport, fs::path(d.relay.socketPath).parent_path().string());
    }
    m_deployment.sourcePath = "(alphapulse bench)";
    if (request.useRunning) {
        // The section as the file has it: its relay, segment or servers.
        m_deployment.runtimeDir = fs::path(d.relay.socketPath).parent_path().string();
        m_deployment.domains.push_back(std::move(d));
        return;
    }
    // Lossless by default, like ZeroMQ's XPUB_NODROP peer: a consumer that
    // falls behind holds the producer back instead of missing frames, so
    // every run can check that each consumer got every frame.
    if (!request.keepPolicy) d.relay.overload = relay::OverloadPolicy::Backpressure;
    m_dir = makeTempDir();
    m_deployment.runtimeDir = m_dir;
    d.relay.socketPath = m_dir + "/market_data.sock";
    // Its own relay socket, TCP port, segment, hub or NATS subjects: nothing shared with a live deployment.
    const auto& row = config::transportOf(d);
    row.isolate(d, config::PrivateBus{m_dir, fs::path(m_dir).filename().string(), freeLoopbackPort()});
    const bool natsServer = row.relayProcess == config::RelayProcess::External; // core NATS, no credentials
    if (natsServer && !request.natsUrl.empty()) d.settings<nats::NatsOptions>().servers = {request.natsUrl};
    m_deployment.domains.push_back(std::move(d));
    if (row.relayProcess == config::RelayProcess::Alphapulse) startRelay();
    if (natsServer && request.natsUrl.empty()) startNatsServer();
    m_started = !natsServer || request.natsUrl.empty();
}

Bus::~Bus() {
    m_child.stop();
    if (!m_dir.empty()) {
        std::error_code ignored;
        fs::remove_all(m_dir, ignored);
    }
}

void Bus::awaitChild(const std::string& what, const std::string& log, const std::function<bool()>& ready) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!ready()) {
        if (m_child.exited()) throw std::runtime_error(what + " exited at start: " + lastLine(log));
        if (std::chrono::steady_clock::now() > deadline) {
            m_child.stop();
            throw std::runtime_error(what + " did not listen within 10 s: " + lastLine(log));
        }
        ::usleep(10'000);
    }
}

void Bus::startRelay() {
    // `alphapulse relay` (this very binary) on a deployment file of its own
    // that says where, and which of the section's policies differ from the
    // market_data defaults.
    const auto& d = m_deployment.domains.front();
    const std::string file = m_dir + "/relay.yaml";
    const std::string log = m_dir + "/relay.log";
    std::ofstream(file) << relayDeploymentYaml(d, m_dir);
    m_child.start({"/proc/self/exe", "relay", "market_data", "--config", file}, log);
    const auto address = config::transportOf(d).relayAddress(d).value_or(config::RelayAddress{});
    awaitChild("alphapulse relay", log, [&] {
        return address.unixPath.empty() ? portAnswers(address.port) : unixAnswers(address.unixPath);
    });
}

void Bus::startNatsServer() {
    const std::string binary = findNatsServer();
    if (binary.empty()) {
        throw std::runtime_error("no nats-server on PATH (nor /usr/sbin/nats-server, nor $ALPHAPULSE_NATS_SERVER): "
                                 "install it (apt-get install nats-server) or give --nats-url nats://host:port");
    }
    auto& section = m_deployment.domains.front();
    const std::uint16_t port = freeLoopbackPort();
    const std::string conf = m_dir + "/nats.conf";
    const std::string log = m_dir + "/nats.log";
    std::ofstream(conf) << "listen: 127.0.0.1:" << port << "\n";
    m_child.start({binary, "-c", conf}, log);
    awaitChild(binary, log, [&] { return portAnswers(port); });
    section.settings<nats::NatsOptions>().servers = {"nats://127.0.0.1:" + std::to_string(port)};
}

std::string Bus::transportName() const {
    return std::string(config::transportOf(m_deployment.domains.front()).name);
}

std::string Bus::endpoint() const {
    const auto& d = m_deployment.domains.front();
    return config::transportOf(d).endpoint(d);
}

} // namespace alphapulse::cli::bench
