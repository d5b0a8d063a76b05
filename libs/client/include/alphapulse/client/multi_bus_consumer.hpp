#pragma once
// The dashboard pattern: one object receiving from several buses (one
// BusClient per domain, whatever its transport; it was MultiRelayConsumer)
// and dispatching each frame to the handlers registered for its message
// type, else for its domain, else to a fallback.
// One thread, one poll() over every connection's descriptor; a connection
// without one (shared memory) is waited on in slices of at most 1 ms and
// every connection is looked at between slices.
#include <poll.h>

#include <array>
#include <functional>
#include <memory>
#include <vector>

#include "alphapulse/client/bus_client.hpp"

namespace alphapulse::client {

class MultiBusConsumer {
public:
    using Handler = std::function<void(const wire::FrameView&)>;

    /// Adds the connection for `domain` (a domain may have only one).
    void add(wire::Domain domain, std::unique_ptr<BusClient> client);
    /// Handler for one message type (several may be registered; all run).
    void on(wire::MessageType type, Handler handler);
    /// Handler for every frame from `domain` that no type handler took.
    void onDomain(wire::Domain domain, Handler handler);
    /// Handler for anything else.
    void onOther(Handler handler);

    /// Waits up to `timeoutMs` for frames on any connection and dispatches
    /// everything that arrived; reconnects dropped connections when due.
    /// Returns frames dispatched.
    int poll(int timeoutMs);

    [[nodiscard]] BusClient* client(wire::Domain domain) noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return m_clients.size(); }

private:
    struct Entry {
        wire::Domain domain;
        std::unique_ptr<BusClient> client;
    };
    void dispatch(wire::Domain domain, const wire::FrameView& frame);
    int drainAll();
    /// poll() when a connection has no descriptor (pollFd() -1 while connected).
    int pollWithoutDescriptors(Entry& first, int fdlessCount, int timeoutMs);
    std::vector<Entry> m_clients;
    std::array<std::vector<Handler>, 256> m_byType;
    std::array<std::vector<Handler>, 8> m_byDomain;
    std::vector<Handler> m_other;
    std::vector<pollfd> m_pollFds;
};

} // namespace alphapulse::client
