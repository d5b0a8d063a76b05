#include "alphapulse/up/supervisor.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <ostream>
#include <stdexcept>
#include <thread>

namespace alphapulse::up {

using Clock = std::chrono::steady_clock;

struct Supervisor::Entry {
    ProcessSpec spec;
    ProcessState state;
    std::chrono::milliseconds backoff{0};
    Clock::time_point startedAt{};
    std::uintmax_t logOffset = 0;               ///< where this run's output starts in the log
    std::optional<Clock::time_point> restartAt; ///< set while waiting to restart
};

namespace {

constexpr auto STABLE_RUN = std::chrono::seconds(10);

std::string timestamp() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

void appendLine(const std::filesystem::path& path, const std::string& line) {
    std::ofstream out(path, std::ios::app);
    out << line << '\n';
}

bool unixAccepts(const std::string& path) {
    sockaddr_un address{};
    if (path.size() >= sizeof address.sun_path) return false;
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

bool tcpAccepts(const std::string& host, std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) return false;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

} // namespace

std::string describeStatus(int waitStatus) {
    if (WIFEXITED(waitStatus)) return "exit " + std::to_string(WEXITSTATUS(waitStatus));
    if (WIFSIGNALED(waitStatus)) {
        const int sig = WTERMSIG(waitStatus);
        const char* name = ::strsignal(sig);
        return "signal " + std::to_string(sig) + " (" + (name != nullptr ? name : "?") + ")";
    }
    return "status " + std::to_string(waitStatus);
}

std::string lastLogLine(const std::filesystem::path& log, std::uintmax_t from) {
    std::ifstream in(log);
    in.seekg(static_cast<std::streamoff>(from));
    std::string line;
    std::string last;
    while (std::getline(in, line)) {
        if (!line.empty() && line.rfind("=== ", 0) != 0) last = line;
    }
    return last;
}

std::string resolveProgram(const std::string& program) {
    if (program.find('/') != std::string::npos) return program;
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto beside = self.parent_path() / program;
        if (::access(beside.c_str(), X_OK) == 0) return beside.string();
    }
    return program;
}

Supervisor::Supervisor(std::filesystem::path runDir, std::ostream& out) : m_runDir(std::move(runDir)), m_out(out) {
    std::filesystem::create_directories(m_runDir / "logs");
}

Supervisor::~Supervisor() { stopAll(); }

void Supervisor::add(ProcessSpec spec) {
    Entry entry;
    entry.state.name = spec.service.name;
    entry.state.log = m_runDir / "logs" / (spec.service.name + ".log");
    entry.backoff = spec.service.backoff;
    entry.spec = std::move(spec);
    std::ofstream truncate(entry.state.log, std::ios::trunc); // a run's logs start empty
    m_entries.push_back(std::move(entry));
}

void Supervisor::launch(Entry& entry) {
    const auto& command = entry.spec.service.command;
    std::vector<std::string> args = command;
    args[0] = resolveProgram(command[0]);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    std::string line = "=== " + timestamp() + " up: starting";
    for (const auto& arg : args) line += " " + arg;
    appendLine(entry.state.log, line);
    std::error_code ec;
    entry.logOffset = std::filesystem::file_size(entry.state.log, ec);

    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
    if (pid == 0) {
        // Child: async-signal-safe calls only until exec.
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(1); // up died before the line above took effect
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGTERM, SIG_DFL);
        ::signal(SIGPIPE, SIG_DFL);
        const int log = ::open(entry.state.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (log >= 0) {
            ::dup2(log, STDOUT_FILENO);
            ::dup2(log, STDERR_FILENO);
        }
        if (null >= 0) ::dup2(null, STDIN_FILENO);
        ::execvp(argv[0], argv.data());
        const char* why = std::strerror(errno);
        (void)!::write(STDERR_FILENO, "up: cannot execute ", 19);
        (void)!::write(STDERR_FILENO, argv[0], std::strlen(argv[0]));
        (void)!::write(STDERR_FILENO, ": ", 2);
        (void)!::write(STDERR_FILENO, why, std::strlen(why));
        (void)!::write(STDERR_FILENO, "\n", 1);
        ::_exit(127);
    }
    ::setpgid(pid, pid); // also from here, so it holds before we ever signal the group
    entry.state.pid = pid;
    ++entry.state.starts;
    entry.startedAt = Clock::now();
    entry.restartAt.reset();
    std::ofstream(m_runDir / (entry.state.name + ".pid"), std::ios::trunc) << pid << '\n';
}

bool Supervisor::waitReady(Entry& entry) {
    const auto& ready = *entry.spec.ready;
    const auto deadline = Clock::now() + ready.timeout;
    while (Clock::now() < deadline) {
        const bool ok = ready.unixPath.empty() ? tcpAccepts(ready.tcpHost, ready.tcpPort) : unixAccepts(ready.unixPath);
        if (ok) return true;
        int status = 0;
        if (::waitpid(entry.state.pid, &status, WNOHANG) == entry.state.pid) {
            entry.state.pid = -1;
            entry.state.lastExit = describeStatus(status);
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

void Supervisor::start() {
    for (auto& entry : m_entries) {
        if (!entry.spec.service.enabled) continue;
        launch(entry);
        m_out << "up: started " << entry.state.name << " (pid " << entry.state.pid << ")\n" << std::flush;
        if (entry.spec.ready && !waitReady(entry)) {
            const std::string why = entry.state.name + " did not become ready" +
                                    (entry.state.lastExit.empty() ? "" : " (" + entry.state.lastExit + ")") +
                                    "; see " + entry.state.log.string();
            stopAll();
            throw std::runtime_error(why);
        }
    }
}

void Supervisor::onExit(Entry& entry, int status, bool stopping) {
    const auto ran = Clock::now() - entry.startedAt;
    entry.state.pid = -1;
    entry.state.lastExit = describeStatus(status);
    std::filesystem::remove(m_runDir / (entry.state.name + ".pid"));
    appendLine(entry.state.log, "=== " + timestamp() + " up: " + entry.state.name + " ended: " + entry.state.lastExit);
    if (stopping) return;
    const bool failed = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    const auto policy = entry.spec.service.restart;
    const std::string said = lastLogLine(entry.state.log, entry.logOffset);
    if (failed && entry.state.firstFailure.empty()) {
        entry.state.firstFailure = said.empty() ? "(nothing in its log)" : said;
        m_out << "up: " << entry.state.name << " failed (" << entry.state.lastExit << "); its log ("
              << entry.state.log.string() << ") says: " << entry.state.firstFailure << "\n";
    }
    if (policy == RestartPolicy::Never || (policy == RestartPolicy::OnFailure && !failed)) {
        m_out << "up: " << entry.state.name << " ended (" << entry.state.lastExit << "); not restarted\n" << std::flush;
        return;
    }
    entry.state.rapidFailures = ran < RAPID_FAILURE_WINDOW ? entry.state.rapidFailures + 1 : 0;
    if (entry.state.rapidFailures >= MAX_RAPID_FAILURES) {
        entry.state.gaveUp = true;
        m_out << "up: " << entry.state.name << " ended " << entry.state.rapidFailures << " times in a row within "
              << RAPID_FAILURE_WINDOW.count() << " s of starting (last: " << entry.state.lastExit
              << "); giving up on it. Its log says: " << (said.empty() ? "(nothing)" : said) << "\n"
              << std::flush;
        return;
    }
    if (ran >= STABLE_RUN) entry.backoff = entry.spec.service.backoff; // it had recovered: start over
    entry.restartAt = Clock::now() + entry.backoff;
    m_out << "up: " << entry.state.name << " ended (" << entry.state.lastExit << "); restarting in "
          << entry.backoff.count() << " ms\n"
          << std::flush;
    entry.backoff = std::min(entry.backoff * 2, entry.spec.service.maxBackoff);
}

void Supervisor::reap(bool stopping) {
    for (;;) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid <= 0) return;
        for (auto& entry : m_entries) {
            if (entry.state.pid == pid) onExit(entry, status, stopping);
        }
    }
}

bool Supervisor::supervise(const std::function<bool()>& stop) {
    while (!stop()) {
        reap(false);
        const auto now = Clock::now();
        for (auto& entry : m_entries) {
            if (entry.state.gaveUp) return false;
            if (entry.restartAt && now >= *entry.restartAt) {
                launch(entry);
                ++entry.state.restarts;
                m_out << "up: restarted " << entry.state.name << " (pid " << entry.state.pid << ", restart "
                      << entry.state.restarts << ")\n"
                      << std::flush;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
}

void Supervisor::stopAll() {
    for (auto it = m_entries.rbegin(); it != m_entries.rend(); ++it) {
        Entry& entry = *it;
        entry.restartAt.reset();
        if (entry.state.pid <= 0) continue;
        const pid_t pid = entry.state.pid;
        ::kill(pid, SIGTERM);
        const auto deadline = Clock::now() + entry.spec.service.stopTimeout;
        int status = 0;
        pid_t done = 0;
        while ((done = ::waitpid(pid, &status, WNOHANG)) == 0 && Clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (done == 0) {
            m_out << "up: " << entry.state.name << " did not stop within " << entry.spec.service.stopTimeout.count()
                  << " ms; killing it\n"
                  << std::flush;
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
        }
        onExit(entry, status, /*stopping=*/true);
    }
}

std::vector<ProcessState> Supervisor::states() const {
    std::vector<ProcessState> out;
    for (const auto& entry : m_entries) out.push_back(entry.state);
    return out;
}

} // namespace alphapulse::up
