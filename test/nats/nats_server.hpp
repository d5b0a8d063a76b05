#pragma once
// Test fixture: a real nats-server (or a cluster of them) on free loopback
// ports, started from a config file the fixture writes into a temporary
// directory, waited for, and killed at the end (also when the test fails:
// the destructor, and PR_SET_PDEATHSIG if the test process itself dies).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace alphapulse::natstest {

inline const char* natsServerBinary() {
    const char* env = std::getenv("ALPHAPULSE_NATS_SERVER");
    return env != nullptr ? env : "/usr/sbin/nats-server";
}

/// A TCP port nothing listens on right now.
inline int freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

inline bool portAnswers(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

/// A temporary directory, removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "alphapulse-nats-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        m_path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

class NatsServer {
public:
    struct Options {
        std::string name = "n1";
        bool jetstream = false;
        std::string extraConfig;       ///< appended to the config file (authorization, ...)
        int clusterPort = 0;           ///< > 0: join a cluster listening here
        std::vector<int> routePorts;   ///< the other nodes' cluster ports
    };

    NatsServer(const std::filesystem::path& dir, Options options)
        : m_options(std::move(options)), m_port(freePort()), m_dir(dir / m_options.name) {
        std::filesystem::create_directories(m_dir);
        m_config = m_dir / "nats.conf";
        std::ofstream out(m_config);
        out << "server_name: " << m_options.name << "\n";
        out << "listen: 127.0.0.1:" << m_port << "\n";
        if (m_options.jetstream) out << "jetstream { store_dir: \"" << (m_dir / "js").string() << "\" }\n";
        if (m_options.clusterPort > 0) {
            out << "cluster {\n  name: alphapulse_test\n  listen: 127.0.0.1:" << m_options.clusterPort << "\n  routes: [";
            for (std::size_t i = 0; i < m_options.routePorts.size(); ++i) {
                out << (i ? ", " : "") << "nats-route://127.0.0.1:" << m_options.routePorts[i];
            }
            out << "]\n}\n";
        }
        out << m_options.extraConfig << "\n";
        out.close();
        start();
    }
    ~NatsServer() { kill(); }
    NatsServer(const NatsServer&) = delete;
    NatsServer& operator=(const NatsServer&) = delete;

    void start() {
        if (m_pid > 0) return;
        const std::string log = (m_dir / "server.log").string();
        m_pid = ::fork();
        if (m_pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
            }
            const std::string config = m_config.string();
            ::execl(natsServerBinary(), natsServerBinary(), "-c", config.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!portAnswers(m_port)) {
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                throw std::runtime_error("nats-server exited at start; see " + log);
            }
            if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("nats-server did not start; see " + log);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }

    /// SIGKILL: a crash, nothing flushed.
    void kill() { stopWith(SIGKILL); }
    /// SIGTERM: a clean shutdown.
    void stop() { stopWith(SIGTERM); }

    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] std::string url() const { return "nats://127.0.0.1:" + std::to_string(m_port); }
    [[nodiscard]] bool running() const { return m_pid > 0; }

private:
    void stopWith(int signal) {
        if (m_pid <= 0) return;
        ::kill(m_pid, signal);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        int status = 0;
        while (::waitpid(m_pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(m_pid, SIGKILL);
                ::waitpid(m_pid, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        m_pid = -1;
    }

    Options m_options;
    int m_port;
    std::filesystem::path m_dir;
    std::filesystem::path m_config;
    pid_t m_pid = -1;
};

/// Three nodes routed to each other, JetStream on each.
class NatsCluster {
public:
    explicit NatsCluster(const std::filesystem::path& dir) {
        const std::vector<int> clusterPorts{freePort(), freePort(), freePort()};
        for (int i = 0; i < 3; ++i) {
            NatsServer::Options options;
            options.name = "n" + std::to_string(i + 1);
            options.jetstream = true;
            options.clusterPort = clusterPorts[static_cast<std::size_t>(i)];
            for (int j = 0; j < 3; ++j) {
                if (j != i) options.routePorts.push_back(clusterPorts[static_cast<std::size_t>(j)]);
            }
            m_nodes.push_back(std::make_unique<NatsServer>(dir, options));
        }
    }
    [[nodiscard]] NatsServer& node(std::size_t i) { return *m_nodes[i]; }
    [[nodiscard]] std::vector<std::string> urls() const {
        std::vector<std::string> out;
        for (const auto& n : m_nodes) out.push_back(n->url());
        return out;
    }

private:
    std::vector<std::unique_ptr<NatsServer>> m_nodes;
};

} // namespace alphapulse::natstest
