#pragma once
// The Snapshot (101) frames a relay sends a client about recovery
// (wire/subscribe.hpp): BEGIN and END around what it resends, ACK to a
// producer. From the relay's own source, sequence 0, like its Error frames.
#include <array>
#include <cstdint>

#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/subscribe.hpp"

namespace alphapulse::relay::detail {

using ControlFrame = std::array<std::uint8_t, wire::SnapshotLayout::SIZE>;

inline ControlFrame controlFrame(wire::SourceType relay, wire::Domain domain, std::uint8_t phase, std::uint64_t id,
                                 std::uint64_t lastSequence, std::uint32_t items, std::uint64_t timestampNs) noexcept {
    ControlFrame frame{};
    auto builder = *wire::SnapshotBuilder::into(frame.data(), frame.size());
    builder.source(relay).sequence(0).timestamp(timestampNs);
    builder.snapshot_id(id).last_sequence(lastSequence).item_count(items);
    builder.domain(static_cast<std::uint8_t>(domain)).phase(phase);
    builder.finish();
    return frame;
}

} // namespace alphapulse::relay::detail
