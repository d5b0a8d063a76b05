#pragma once
// The frames `alphapulse bench` sends: valid market-data frames of the size
// asked for (a Trade for 64 bytes, an OrderBook snapshot with as many levels
// as fill the rest), each stamped just before it is handed over with its
// sequence, the send time and a fresh checksum, so every consumer can check
// completeness and measure latency from the header alone.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "alphapulse/wire/message_type.hpp"

namespace alphapulse::cli::bench {

/// Measured frames carry this source; the frames that check every consumer is
/// listening before the clock starts carry WARMUP_SOURCE, so sequence gaps
/// and counts never mix the two. Both are numbers no SourceType names, so no
/// live producer shares them when bench joins a running bus (--use-running).
inline constexpr std::uint8_t MEASURED_SOURCE = 0xB0;
inline constexpr std::uint8_t WARMUP_SOURCE = 0xB1;

inline constexpr std::size_t MIN_FRAME = 64;           ///< a Trade
inline constexpr std::size_t MAX_FRAME = 64 * 1024;    ///< within the default max payload
inline constexpr std::size_t LEVEL_BYTES = 16;         ///< one OrderBook level

/// "" when `size` is a frame size bench can build, else why not.
[[nodiscard]] std::string frameSizeProblem(std::size_t size);

/// Nanoseconds since the Unix epoch: the clock header timestamps use.
[[nodiscard]] std::uint64_t epochNs() noexcept;

/// `count` frames of `size` bytes back to back, all of one instrument, from `source`.
class FrameBatch {
public:
    FrameBatch(std::size_t size, std::size_t count, std::uint8_t source);

    /// Sequences first, first+1, ... , timestamp `nowNs`, checksums recomputed;
    /// the first `count` frames only. Returns their bytes.
    std::span<const std::uint8_t> stamp(std::uint64_t firstSequence, std::size_t count, std::uint64_t nowNs) noexcept;

    [[nodiscard]] std::size_t frameSize() const noexcept { return m_size; }
    [[nodiscard]] std::uint8_t messageType() const noexcept;

private:
    std::size_t m_size;
    std::vector<std::uint8_t> m_bytes;
};

} // namespace alphapulse::cli::bench
