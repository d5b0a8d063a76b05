#include "relay_wait.hpp"

#include <iostream>

#include "relay_path.hpp"

namespace alphapulse::cli {

namespace {

std::string seconds(std::chrono::steady_clock::duration d) {
    return secondsText(std::chrono::duration<double>(d).count());
}

} // namespace

RelayWait::RelayWait(std::string command, std::string socketPath, double timeoutS)
    : m_command(std::move(command)), m_path(std::move(socketPath)),
      m_timeout(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeoutS))) {}

std::string RelayWait::where(const client::BusClient& relayClient) const {
    return m_path.empty() ? relayClient.transport().describe() : m_path;
}

bool RelayWait::giveUp(const std::string& why) const {
    std::cerr << m_command << ": " << why << '\n';
    return false;
}

bool RelayWait::keepWaiting(client::BusClient& relayClient) {
    if (relayClient.connected()) {
        if (m_downSince && m_wasConnected) std::cerr << m_command << ": connected again to " << where(relayClient) << '\n';
        m_downSince.reset();
        m_wasConnected = true;
        return true;
    }
    const std::string reason = relayClient.transport().reason();
    // A relay never sends a byte that is not a frame: whatever did is something else.
    if (reason.find("desynchronised") != std::string::npos) {
        return giveUp(where(relayClient) + " sent bytes that are not frames (" + reason +
                      "): it is not a relay (a relay's .stats socket answers JSON)");
    }
    // A shared-memory segment we may not open will not become ours by waiting.
    if (reason.rfind("permission denied", 0) == 0) return giveUp(where(relayClient) + ": " + reason);
    const auto check = m_path.empty() ? PathCheck{PathKind::Socket, reason} : inspectRelayPath(m_path);
    if (!worthWaiting(check.kind)) return giveUp(notARelayMessage(m_path, check));
    const auto now = Clock::now();
    if (!m_downSince) {
        m_downSince = now;
        std::cerr << m_command << ": waiting for " << (m_wasConnected ? "the relay to come back on " : "a relay on ")
                  << where(relayClient) << " (" << reason << "); giving up after "
                  << (m_timeout.count() > 0 ? seconds(m_timeout) : std::string("never (--timeout 0)"))
                  << '\n';
    }
    if (m_timeout.count() <= 0 || now - *m_downSince < m_timeout) return true;
    const std::string what = m_path.empty() ? where(relayClient) + ": " + reason : notARelayMessage(m_path, check);
    return giveUp("no relay after waiting " + seconds(m_timeout) + " (--timeout): " + what);
}

} // namespace alphapulse::cli
