#pragma once
// What is at a path a command was told is a relay's socket (tap, stats,
// publish), so that a wrong path fails at once with a message naming the
// fix, and only a relay that is (re)starting is waited for.
#include <string>

namespace alphapulse::cli {

enum class PathKind {
    Socket,       ///< a socket we may connect to: a relay, or one restarting
    Missing,      ///< nothing there yet: a relay not started, or restarting
    NotSocket,    ///< a regular file, a directory, ...: never a relay
    StatsSocket,  ///< a relay's <path>.stats: it answers JSON counters, not frames
    NoPermission, ///< this user may not connect to it
};

struct PathCheck {
    PathKind kind = PathKind::Missing;
    std::string problem; ///< what is wrong, for a message ("is a regular file, not a socket")
};

/// Looks at `path` without connecting.
[[nodiscard]] PathCheck inspectRelayPath(const std::string& path);

/// Whether waiting may help (a relay may appear or stop refusing there).
[[nodiscard]] inline bool worthWaiting(PathKind kind) noexcept {
    return kind == PathKind::Socket || kind == PathKind::Missing;
}

/// "start it with `alphapulse relay market_data --socket PATH`" (the domain
/// guessed from the file name, else a placeholder).
[[nodiscard]] std::string howToStartRelay(const std::string& path);

/// The whole message for a path that is not (or not yet) a relay:
/// "<path>: <problem>; <how to start it>".
[[nodiscard]] std::string notARelayMessage(const std::string& path, const PathCheck& check);

/// "10 s", "0.5 s": a --timeout in messages.
[[nodiscard]] std::string secondsText(double seconds);

} // namespace alphapulse::cli
