#pragma once
// Child processes for the multi-process tests (test/relay, test/transports):
// each in its own process group with stdout and stderr in files, killed
// (the whole group) and reaped when the handle goes; bounded waits.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <grp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "alphapulse/transport/unix_socket.hpp"

namespace aptest {

using Clock = std::chrono::steady_clock;

inline std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream s(text);
    std::string line;
    while (std::getline(s, line)) {
        if (!line.empty()) out.push_back(line);
    }
    return out;
}

template <typename Pred>
bool eventually(Pred pred, int timeoutMs, int stepMs = 10) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
        if (pred()) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(stepMs));
    }
}

inline std::optional<std::string> findInPath(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const auto candidate = std::filesystem::path(dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    return std::nullopt;
}

struct SpawnOptions {
    std::string stdinPath = "/dev/null";
    std::optional<uid_t> uid; ///< run as this user (and gid): setgid/setuid before exec
    gid_t gid = 0;
};

/// A child process in its own process group, stdout and stderr in files.
/// The destructor kills the whole group (a shell pipeline included) and reaps it.
class Process {
public:
    Process(const std::vector<std::string>& argv, std::string outPath, std::string errPath,
            const SpawnOptions& options)
        : m_out(std::move(outPath)), m_err(std::move(errPath)), m_name(argv.size() > 1 ? argv[1] : argv[0]) {
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        m_pid = ::fork();
        if (m_pid == 0) {
            ::setpgid(0, 0);
            const int in = ::open(options.stdinPath.c_str(), O_RDONLY);
            const int out = ::open(m_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            const int err = ::open(m_err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (in < 0 || out < 0 || err < 0) ::_exit(126);
            ::dup2(in, 0);
            ::dup2(out, 1);
            ::dup2(err, 2);
            if (options.uid) {
                if (::setgroups(0, nullptr) != 0 || ::setgid(options.gid) != 0 || ::setuid(*options.uid) != 0) {
                    ::_exit(125);
                }
            }
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        if (m_pid > 0) ::setpgid(m_pid, m_pid); // also from here: no race with a signal sent right away
    }
    ~Process() {
        if (m_pid > 0 && !m_status) {
            ::kill(-m_pid, SIGKILL);
            ::kill(m_pid, SIGKILL);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
        }
    }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    [[nodiscard]] pid_t pid() const noexcept { return m_pid; }
    [[nodiscard]] const std::string& name() const noexcept { return m_name; }
    void signal(int sig) const {
        if (m_pid > 0 && !m_status) ::kill(m_pid, sig);
    }
    void killGroup() const {
        if (m_pid > 0 && !m_status) ::kill(-m_pid, SIGKILL);
    }
    /// The wait status once it has exited, or nullopt after timeoutMs.
    std::optional<int> wait(int timeoutMs) {
        const auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
        while (!m_status) {
            int status = 0;
            const pid_t r = ::waitpid(m_pid, &status, WNOHANG);
            if (r == m_pid) {
                m_status = status;
                ::kill(-m_pid, SIGKILL); // anything it left in its group
                break;
            }
            if (r < 0 || Clock::now() >= deadline) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        return m_status;
    }
    [[nodiscard]] bool running() { return !wait(0).has_value(); }
    [[nodiscard]] std::string out() const { return readFile(m_out); }
    [[nodiscard]] std::string err() const { return readFile(m_err); }
    [[nodiscard]] std::string describe() const {
        return m_name + " (pid " + std::to_string(m_pid) + ")\n--- stdout:\n" + out() + "--- stderr:\n" + err();
    }

private:
    pid_t m_pid = -1;
    std::optional<int> m_status;
    std::string m_out;
    std::string m_err;
    std::string m_name;
};

inline bool exitedZero(const std::optional<int>& status) {
    return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

inline std::string statusText(const std::optional<int>& status) {
    if (!status) return "still running (timed out)";
    if (WIFEXITED(*status)) return "exit " + std::to_string(WEXITSTATUS(*status));
    if (WIFSIGNALED(*status)) return "killed by signal " + std::to_string(WTERMSIG(*status));
    return "status " + std::to_string(*status);
}

/// Whether a relay's event loop answers on its stats socket (one JSON line,
/// then it closes). Probing it does not add a client to its counters.
inline bool statsAnswer(const std::string& statsPath) {
    const int fd = alphapulse::transport::connectUnix(statsPath);
    if (fd < 0) return false;
    char buf[256];
    pollfd pfd{fd, POLLIN, 0};
    const bool answered = ::poll(&pfd, 1, 1000) == 1 && ::recv(fd, buf, sizeof buf, 0) > 0;
    ::close(fd);
    return answered;
}

} // namespace aptest
