#pragma once
// Random valid frames of any layout, for round-trip and robustness tests.
#include <cstdint>
#include <random>
#include <vector>

#include "alphapulse/wire/layout.hpp"

namespace alphapulse::codec::test {

/// A valid frame of `layout` (parseFrame accepts it) with random field
/// values and, for the variable layouts, every kind of tail entry: known and
/// unknown TLV extensions, every discovery metadata type, book levels,
/// custom bytes. `nonzeroPadding` fills padding and reserved bytes too.
[[nodiscard]] std::vector<std::uint8_t> randomFrame(const wire::MessageLayout& layout, std::mt19937_64& rng,
                                                    bool nonzeroPadding);

} // namespace alphapulse::codec::test
