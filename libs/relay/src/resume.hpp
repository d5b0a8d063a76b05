#pragma once
// A consumer catching up from the journal (docs/design/recovery.md).
//
// On a journaled domain a new connection is held: it receives nothing until
// its first frame arrives (normally its Subscribe) or HOLD_NS has passed, so
// that a Subscribe asking to resume is read before any live frame could
// reach it. Then it catches up: a cursor walks the journal from where it
// asked (or from where it connected) to the head, and frames go into its
// queue from there, as much as the queue has room for per loop turn. Live
// fan-out skips it meanwhile; those frames are in the journal too, so the
// cursor reaches them in order. When the cursor meets the head it turns live
// in the same loop turn: nothing is sent twice and nothing is skipped,
// because the loop thread does both the journaling and the switch.
#include <array>
#include <bitset>
#include <cstdint>
#include <memory>

#include "alphapulse/wire/subscribe.hpp"
#include "journal.hpp"

namespace alphapulse::relay::detail {

/// How long a silent new connection is held before it joins at the position
/// where it connected (a consumer that never subscribes, such as socat).
inline constexpr std::uint64_t HOLD_NS = 100'000'000;

struct CatchUp {
    enum class State : std::uint8_t { Live, Held, Resending };
    State state = State::Live;
    std::uint64_t connectedNs = 0;    ///< monotonic, for HOLD_NS
    std::uint64_t connectedRealNs = 0; ///< relay clock: the Snapshot BEGIN timestamp (a client's since_ns)
    std::uint64_t joinPosition = 0;   ///< journal head when it connected
    std::uint64_t cursor = 0;         ///< next journal position to look at
    std::uint64_t resent = 0;         ///< frames queued from the journal
    std::uint64_t missed = 0;         ///< frames it asked for that the window no longer held
    bool bracket = false;             ///< it asked (resume/snapshot): send BEGIN and END
    /// Per source, the first position it gets (resume); null: joinPosition for all.
    std::unique_ptr<std::array<std::uint64_t, 256>> from;
};

/// Plans a resume: per listed source, after its frame (source, last_sequence)
/// (the newest such frame in the window; when the window no longer holds it,
/// from the first later sequence of that source); unlisted sources from
/// since_ns (or the connection's join position when 0). Sets the cursor.
void planResume(const Journal& journal, const wire::subscribe::ResumeTail& tail, CatchUp& state);
/// Plans a plain join: everything from the join position.
void planJoin(const Journal& journal, CatchUp& state);

/// A run of adjacent frames in the window that the client gets.
struct Run {
    const std::uint8_t* data = nullptr;
    std::size_t bytes = 0;
    std::uint64_t frames = 0;
};

/// Advances the cursor over frames the client does not get and returns the
/// next run it does (at most maxFrames frames and maxBytes bytes, adjacent in
/// the window). An empty run when the cursor reached the head or the limits
/// are zero.
Run nextRun(const Journal& journal, CatchUp& state, const std::bitset<256>& subscription, std::uint64_t maxFrames,
            std::size_t maxBytes);

} // namespace alphapulse::relay::detail
