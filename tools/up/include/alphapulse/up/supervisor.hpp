#pragma once
// Starts processes in order, keeps them running, stops them in reverse.
//
//  - Each process runs in its own process group (a Ctrl-C in the terminal
//    reaches only `up`, which then stops everything in order) and gets SIGTERM
//    if `up` itself dies (PR_SET_PDEATHSIG), so nothing is left behind.
//  - stdout and stderr go to <run_dir>/logs/<name>.log (appended across
//    restarts, each start marked); <run_dir>/<name>.pid holds the current pid.
//  - A process that exits while it should run is restarted after a back-off
//    that doubles with each crash up to its maximum, and starts again from the
//    first delay once a run lasted 10 s.
//  - A process that cannot start is not restarted forever: its first failure
//    is reported with the last line of its log (the reason, usually), and
//    after MAX_RAPID_FAILURES runs in a row that each ended within
//    RAPID_FAILURE_WINDOW of starting, it is given up on: supervise() returns
//    so that `up` stops the deployment and exits non-zero.
//  - Stopping: reverse start order, SIGTERM, wait up to the process's stop
//    timeout, then SIGKILL.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "alphapulse/up/services_config.hpp"

namespace alphapulse::up {

/// A run that ends within this long of its start is a rapid failure ...
inline constexpr std::chrono::seconds RAPID_FAILURE_WINDOW{5};
/// ... and this many in a row make `up` give up on the process.
inline constexpr unsigned MAX_RAPID_FAILURES = 5;

/// Where a process is ready: a socket that accepts connections.
struct ReadyCheck {
    std::string unixPath;    ///< a Unix socket path, or
    std::string tcpHost;     ///< a TCP address
    std::uint16_t tcpPort = 0;
    std::chrono::milliseconds timeout{10000};
};

struct ProcessSpec {
    ServiceSpec service;               ///< name, command (argv[0] already resolved), restart policy
    std::optional<ReadyCheck> ready;   ///< start() waits for it before starting the next process
};

struct ProcessState {
    std::string name;
    pid_t pid = -1;              ///< -1 while not running
    unsigned starts = 0;
    unsigned restarts = 0;
    std::string lastExit;        ///< "exit 0", "signal 9 (Killed)", ... ("" before the first)
    std::filesystem::path log;
    unsigned rapidFailures = 0;  ///< runs in a row that ended within RAPID_FAILURE_WINDOW
    bool gaveUp = false;         ///< not restarted any more (see MAX_RAPID_FAILURES)
    std::string firstFailure;    ///< the last log line of the first run that failed ("" if none)
};

class Supervisor {
public:
    Supervisor(std::filesystem::path runDir, std::ostream& out);
    ~Supervisor();
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    void add(ProcessSpec spec);

    /// Starts every process in order, waiting for each readiness check. Throws
    /// std::runtime_error (after stopping what it started) when one does not
    /// come up.
    void start();
    /// Reaps exited processes and restarts them when due, until `stop()`
    /// returns true (then true) or a process is given up on (then false).
    bool supervise(const std::function<bool()>& stop);
    /// Stops every process in reverse order.
    void stopAll();

    [[nodiscard]] std::vector<ProcessState> states() const;
    [[nodiscard]] const std::filesystem::path& runDir() const noexcept { return m_runDir; }

private:
    struct Entry;
    void launch(Entry& entry);
    void reap(bool stopping);
    void onExit(Entry& entry, int status, bool stopping);
    bool waitReady(Entry& entry);

    std::filesystem::path m_runDir;
    std::ostream& m_out;
    std::vector<Entry> m_entries;
};

/// A program name resolved like `up` does: a path as given; else a file of
/// that name next to the running executable; else the name (PATH lookup).
[[nodiscard]] std::string resolveProgram(const std::string& program);

/// "exit 3", "signal 9 (Killed)".
[[nodiscard]] std::string describeStatus(int waitStatus);

/// The last line of `log` from byte `from` on that `up` did not write itself
/// (its "=== ..." markers), or "": what a process said last, usually why it ended.
[[nodiscard]] std::string lastLogLine(const std::filesystem::path& log, std::uintmax_t from);

} // namespace alphapulse::up
