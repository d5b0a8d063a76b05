#include "resume.hpp"

#include <algorithm>

namespace alphapulse::relay::detail {

void planJoin(const Journal& journal, CatchUp& state) {
    state.from.reset();
    state.cursor = std::max(state.joinPosition, journal.first());
    state.missed += std::max(state.joinPosition, journal.first()) - state.joinPosition;
}

void planResume(const Journal& journal, const wire::subscribe::ResumeTail& tail, CatchUp& state) {
    // Unlisted sources: since the client's first connection (its since_ns), or
    // since this connection.
    const std::uint64_t unlisted =
        tail.sinceNs() != 0 ? std::min(journal.firstAtOrAfter(tail.sinceNs()), state.joinPosition) : state.joinPosition;
    auto from = std::make_unique<std::array<std::uint64_t, 256>>();
    from->fill(unlisted);
    std::bitset<256> listed;
    std::array<std::uint64_t, 256> last{};
    for (std::size_t i = 0; i < tail.size(); ++i) {
        const auto point = tail[i];
        listed.set(point.source);
        last[point.source] = point.lastSequence;
        (*from)[point.source] = journal.head(); // nothing, unless found below
    }
    // Newest first: the frame it stopped at is the newest with that
    // sequence (a producer that restarted its sequence repeats numbers, so
    // a lower sequence does not end the search). Not found (the window no
    // longer holds it): from the oldest of the newest frames above it.
    std::bitset<256> found;
    std::bitset<256> belowSeen;
    for (std::uint64_t p = journal.head(); p > journal.first() && found != listed;) {
        --p;
        const auto& e = journal.entry(p);
        if (!listed.test(e.source) || found.test(e.source)) continue;
        if (e.sequence == last[e.source]) {
            found.set(e.source);
            (*from)[e.source] = p + 1;
        } else if (e.sequence > last[e.source] && !belowSeen.test(e.source)) {
            (*from)[e.source] = p;
        } else if (e.sequence < last[e.source]) {
            belowSeen.set(e.source);
        }
    }
    std::uint64_t cursor = journal.head();
    for (const std::uint64_t p : *from) cursor = std::min(cursor, p);
    state.cursor = std::max(cursor, journal.first());
    state.from = std::move(from);
}

Run nextRun(const Journal& journal, CatchUp& state, const std::bitset<256>& subscription, std::uint64_t maxFrames,
            std::size_t maxBytes) {
    Run run;
    if (state.cursor < journal.first()) {
        // The window moved on while it caught up (a client slower than the
        // window): what fell out is missed, and its gap detection says so.
        state.missed += journal.first() - state.cursor;
        state.cursor = journal.first();
    }
    while (state.cursor < journal.head() && run.frames < maxFrames) {
        const auto& e = journal.entry(state.cursor);
        const bool wanted = subscription.test(e.type) &&
                            state.cursor >= (state.from ? (*state.from)[e.source] : state.joinPosition);
        const std::uint8_t* frame = journal.frame(e);
        if (wanted) {
            if (run.frames != 0 && (run.data + run.bytes != frame || run.bytes + e.size > maxBytes)) break;
            if (run.frames == 0 && e.size > maxBytes) break;
            if (run.frames == 0) run.data = frame;
            run.bytes += e.size;
            ++run.frames;
        } else if (run.frames != 0) {
            break; // a run is adjacent frames the client gets
        }
        ++state.cursor;
    }
    return run;
}

} // namespace alphapulse::relay::detail
