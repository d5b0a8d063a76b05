#pragma once
// How a long-running client command (tap) waits for its relay: a relay that
// is starting or restarting is waited for, saying so on stderr, up to a
// timeout; a path that turns out not to be a relay ends the wait at once.
#include <chrono>
#include <optional>
#include <string>

#include "alphapulse/client/bus_client.hpp"

namespace alphapulse::cli {

class RelayWait {
public:
    /// `socketPath` empty: a deployment's transport (no path to look at).
    /// `timeoutS` 0: wait forever.
    RelayWait(std::string command, std::string socketPath, double timeoutS);

    /// Call after each poll. False, after a message naming the path, what is
    /// wrong and how to start the relay, when waiting longer cannot help.
    bool keepWaiting(client::BusClient& relayClient);

private:
    using Clock = std::chrono::steady_clock;
    bool giveUp(const std::string& why) const;
    [[nodiscard]] std::string where(const client::BusClient& relayClient) const;

    std::string m_command;
    std::string m_path;
    Clock::duration m_timeout;
    std::optional<Clock::time_point> m_downSince;
    bool m_wasConnected = false;
};

} // namespace alphapulse::cli
