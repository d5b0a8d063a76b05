#pragma once
// A process bench starts for a run (its relay, a nats-server): output to a
// log file, killed with bench if bench dies (PR_SET_PDEATHSIG), stopped by
// its pid with SIGTERM, then SIGKILL if it does not exit within 5 s.
#include <sys/types.h>

#include <string>
#include <vector>

namespace alphapulse::cli::bench {

class ChildProcess {
public:
    ChildProcess() = default;
    ~ChildProcess() { stop(); }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    /// Starts argv[0] with those arguments; throws std::runtime_error when fork fails.
    void start(const std::vector<std::string>& argv, const std::string& logPath);
    /// Whether it has exited (reaped here); false while it runs.
    bool exited();
    void stop() noexcept;

private:
    pid_t m_pid = -1;
};

} // namespace alphapulse::cli::bench
