#pragma once
// What a BusClient remembers to resume after a reconnect
// (docs/design/recovery.md): per source, the last sequence it delivered to
// the application, and the relay's clock at its first connection (since_ns,
// from the relay's Snapshot BEGIN). Its Subscribe carries both, and a
// journaled relay resends from there, before live frames.
//
// Thread contract: the thread that polls the client. Nothing allocates.
#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>

#include "alphapulse/wire/frame.hpp"

namespace alphapulse::client {

class ResumeState {
public:
    /// A frame delivered to the application: the resume point of its source.
    void delivered(const wire::FrameView& frame) noexcept;

    /// True when `frame` is one of the relay's recovery control frames
    /// (Snapshot from a relay's source): taken here, not for the application.
    bool control(const wire::FrameView& frame) noexcept;

    /// The Subscribe to send on (re)connection: `types`, the RESUME flag with
    /// since_ns and a point per source delivered so far, plus `extraFlags`
    /// (SNAPSHOT). Returns the frame length (buffer: wire::subscribe::MAX_SIZE).
    std::size_t buildSubscribe(std::uint8_t* buffer, std::size_t capacity, const std::bitset<256>& types,
                               std::uint8_t extraFlags) const noexcept;

    [[nodiscard]] std::uint64_t sinceNs() const noexcept { return m_sinceNs; }
    [[nodiscard]] std::uint64_t catchUps() const noexcept { return m_catchUps; }   ///< END frames seen
    [[nodiscard]] std::uint64_t resent() const noexcept { return m_resent; }       ///< frames they announced
    [[nodiscard]] bool hasPoint(std::uint8_t source) const noexcept { return m_seen.test(source); }
    [[nodiscard]] std::uint64_t lastSequence(std::uint8_t source) const noexcept { return m_last[source]; }

private:
    std::array<std::uint64_t, 256> m_last{};
    std::bitset<256> m_seen;
    std::uint64_t m_sinceNs = 0;
    std::uint64_t m_catchUps = 0;
    std::uint64_t m_resent = 0;
};

/// Whether `source` is a relay's own (20-23: its Error and Snapshot frames carry no producer sequence).
[[nodiscard]] constexpr bool isRelaySource(std::uint8_t source) noexcept { return source >= 20 && source <= 23; }

} // namespace alphapulse::client
