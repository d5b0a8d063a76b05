#include "alphapulse/dashboard/relay_stats_reader.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "alphapulse/transport/shm_transport.hpp"
#include "alphapulse/transport/unix_socket.hpp"
#include <nlohmann/json.hpp>

namespace alphapulse::dashboard {

StatsSocketAnswer readStatsSocketOnce(const std::string& statsPath, int timeoutMs) {
    using Clock = std::chrono::steady_clock;
    StatsSocketAnswer out;
    const int fd = transport::connectUnix(statsPath);
    if (fd < 0) {
        out.connectErrno = errno;
        return out;
    }
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
    char buf[16384];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            out.text.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) { // the relay closes after its one line
            out.status = out.text.empty() ? StatsSocketAnswer::Status::Closed : StatsSocketAnswer::Status::Ok;
            break;
        }
        if (errno != EAGAIN && errno != EINTR) { // reset: what came is what there is
            out.status = out.text.empty() ? StatsSocketAnswer::Status::Failed : StatsSocketAnswer::Status::Ok;
            out.connectErrno = errno;
            break;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (timeoutMs >= 0 && left <= 0) {
            out.status = StatsSocketAnswer::Status::Quiet;
            break;
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, timeoutMs < 0 ? -1 : static_cast<int>(left)) < 0 && errno != EINTR) {
            out.status = StatsSocketAnswer::Status::Failed;
            out.connectErrno = errno;
            break;
        }
    }
    ::close(fd);
    return out;
}

RelayStatsReading readRelayStats(const std::string& statsPath, int timeoutMs) {
    RelayStatsReading out;
    auto answer = readStatsSocketOnce(statsPath, timeoutMs);
    using Status = StatsSocketAnswer::Status;
    switch (answer.status) {
    case Status::NoConnect: out.error = "no relay answers on " + statsPath + ": " + std::strerror(answer.connectErrno); return out;
    case Status::Quiet:
        out.error = "the relay did not answer on " + statsPath + " within " + std::to_string(timeoutMs) + " ms";
        return out;
    case Status::Failed: out.error = "reading " + statsPath + ": " + std::strerror(answer.connectErrno); return out;
    case Status::Closed:
    case Status::Ok: break;
    }
    out.json = std::move(answer.text);
    while (!out.json.empty() && (out.json.back() == '\n' || out.json.back() == '\r')) out.json.pop_back();
    if (auto stats = relay::RelayStats::fromJson(out.json)) {
        out.stats = std::move(*stats);
        out.ok = true;
    } else {
        out.error = "the answer on " + statsPath + " is not relay stats JSON";
    }
    return out;
}

namespace {

std::uint32_t uidOf(std::uint32_t pid) {
    struct stat st{};
    return ::stat(("/proc/" + std::to_string(pid)).c_str(), &st) == 0 ? st.st_uid : 0;
}

relay::RelayStats shmRelayStats(const transport::ShmTransport::Snapshot& shm, const std::string& segment) {
    using relay::DropReason;
    relay::RelayStats s;
    s.domain = std::string(wire::domainName(shm.domain));
    s.socketPath = "shm:/dev/shm/" + segment;
    s.framesIn = shm.framesWritten;
    s.connectionsAccepted = shm.attaches;
    s.queueMemory = shm.ringBytes;
    s.queueMemoryLimit = shm.ringBytes;
    auto drop = [&s](DropReason reason) -> std::uint64_t& { return s.drops[static_cast<std::size_t>(reason)]; };
    drop(DropReason::OutOfDomain) = shm.rejectedOutOfDomain;
    drop(DropReason::BadChecksum) = shm.rejectedBadChecksum;
    drop(DropReason::BadSequence) = shm.rejectedBadSequence;
    drop(DropReason::SlowConsumer) = shm.readersEvicted;
    for (const auto& e : shm.endpoints) {
        relay::ClientStats c;
        c.fd = static_cast<int>(e.slot);
        c.pid = e.pid;
        c.uid = uidOf(e.pid);
        c.framesIn = e.framesOut;
        c.framesOut = e.framesIn;
        c.queuedBytes = e.lagBytes;
        c.dropped = e.missed;
        c.subscribed = !e.subscribedAll;
        s.framesOut += e.framesIn;
        drop(DropReason::QueueFull) += e.missed;
        s.clients.push_back(c);
    }
    return s;
}

/// The relay's JSON, plus what only a segment has.
std::string shmJson(const relay::RelayStats& stats, const transport::ShmTransport::Snapshot& shm,
                    const std::string& segment) {
    auto j = nlohmann::ordered_json::parse(stats.toJson());
    j["transport"] = "shared_memory";
    std::uint64_t laps = 0;
    auto& clients = j["clients"];
    for (std::size_t i = 0; i < shm.endpoints.size() && i < clients.size(); ++i) {
        const auto& e = shm.endpoints[i];
        clients[i]["slot"] = e.slot;
        clients[i]["name"] = e.name;
        clients[i]["position"] = e.position;
        clients[i]["lag_bytes"] = e.lagBytes;
        clients[i]["alive"] = e.alive;
        clients[i]["reading"] = e.reading;
        clients[i]["missed"] = e.missed;
        clients[i]["laps"] = e.laps;
        laps += e.laps;
    }
    j["shm"] = {{"segment", "/dev/shm/" + segment},
                {"ring_bytes", shm.ringBytes},
                {"policy", shm.backpressure ? "backpressure" : "drop"},
                {"published_bytes", shm.published},
                {"frames_written", shm.framesWritten},
                {"laps", laps},
                {"readers_reaped", shm.readersReaped},
                {"readers_evicted", shm.readersEvicted},
                {"lock_recoveries", shm.lockRecoveries},
                {"rejected_malformed_bytes", shm.rejectedMalformedBytes}};
    return j.dump();
}

} // namespace

RelayStatsReading readShmStats(const std::string& segment) {
    RelayStatsReading out;
    const auto shm = transport::ShmTransport::inspect(segment, &out.error);
    if (!shm) return out;
    out.stats = shmRelayStats(*shm, segment);
    out.json = shmJson(out.stats, *shm, segment);
    out.ok = true;
    return out;
}

} // namespace alphapulse::dashboard
