#include "relay_path.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "alphapulse/wire/message_type.hpp"

namespace alphapulse::cli {
namespace {

constexpr std::string_view STATS_SUFFIX = ".stats";

bool endsWith(const std::string& text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string kindOfFile(mode_t mode) {
    if (S_ISREG(mode)) return "a regular file";
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a pipe";
    return "not a socket";
}

} // namespace

PathCheck inspectRelayPath(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == EACCES) return {PathKind::NoPermission, "permission denied (a directory on the way)"};
        return {PathKind::Missing, "no such socket"};
    }
    if (!S_ISSOCK(st.st_mode)) {
        const std::string what = kindOfFile(st.st_mode);
        return {PathKind::NotSocket, "is " + what + (what == "not a socket" ? "" : ", not a socket") +
                                         ", so no relay can be there"};
    }
    if (endsWith(path, STATS_SUFFIX)) {
        return {PathKind::StatsSocket, "is a relay's stats socket (it answers one JSON line of counters, not frames)"};
    }
    // connect() on a Unix socket needs write permission on the file.
    if (::access(path.c_str(), W_OK) != 0) {
        return {PathKind::NoPermission, std::string("permission denied (") + std::strerror(errno) +
                                            "; the relay's socket_mode and allowed_uids say who may connect)"};
    }
    return {PathKind::Socket, "the socket refuses connections (no relay serves it, or one is restarting)"};
}

std::string howToStartRelay(const std::string& path) {
    auto stem = std::filesystem::path(path).filename().string();
    if (endsWith(stem, STATS_SUFFIX)) stem.resize(stem.size() - STATS_SUFFIX.size());
    stem = std::filesystem::path(stem).stem().string();
    const bool isDomain = wire::domainFromName(stem).has_value() && stem != "custom" && stem != "none";
    return "start one with `alphapulse relay " + (isDomain ? stem : std::string("<domain>")) + " --socket " + path +
           "`";
}

std::string notARelayMessage(const std::string& path, const PathCheck& check) {
    if (check.kind == PathKind::StatsSocket) {
        const std::string relay = path.substr(0, path.size() - STATS_SUFFIX.size());
        return path + " " + check.problem + ": use the relay's socket " + relay + " (or `alphapulse stats " + relay +
               "` for the counters)";
    }
    const std::string start = path + ": " + check.problem;
    if (check.kind == PathKind::NoPermission) return start;
    const std::string target = check.kind == PathKind::NotSocket ? "give a relay's socket path, or " : "";
    return start + "; " + target + howToStartRelay(check.kind == PathKind::NotSocket ? "<socket>" : path);
}

std::string secondsText(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%g s", seconds);
    return text;
}

} // namespace alphapulse::cli
