#pragma once
// `alphapulse top`'s screen: the essentials of a snapshot (LiveView::snapshot,
// docs/design/dashboard.md) as fixed-width text.
#include <cstddef>
#include <string>

#include "alphapulse/codec/json.hpp"

namespace alphapulse::dashboard {

struct TopTextOptions {
    bool ansi = false;          ///< bold headings (for a terminal; redrawing is the caller's)
    std::size_t maxRows = 10;   ///< rows per table (instruments, types, recent events)
};

[[nodiscard]] std::string renderTopText(const codec::Json& snapshot, const TopTextOptions& options);

} // namespace alphapulse::dashboard
