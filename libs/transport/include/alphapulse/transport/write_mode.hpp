#pragma once
// How a stream transport (Unix socket, TCP) hands published frames to its
// socket (docs/design/client-batching.md).
#include <cstdint>
#include <optional>
#include <string_view>

namespace alphapulse::transport {

enum class WriteMode : std::uint8_t {
    /// One write per send(), on the caller's thread (the path before batching).
    Immediate,
    /// Natural batching: a send() on a quiet socket is written at once by the
    /// caller; while writes follow each other closely, send() only copies the
    /// frames into the outgoing ring and a flusher thread writes everything
    /// that accumulated during its previous write in one syscall.
    Batched,
};

/// The tuning of WriteMode::Batched; the defaults are what the benchmarks chose.
struct BatchingOptions {
    /// A send() at least this long after the last write, or 4x this long
    /// after the previous send(), goes out from the caller at once (a quiet
    /// socket: lowest latency); a closer one is left to the flusher. About
    /// 1/idleGapNs is the rate where batching starts.
    std::uint32_t idleGapNs = 10'000;
    /// Busy sends in a row still written by the caller before the flusher
    /// takes over: a short burst costs a few syscalls, not a thread wake-up.
    std::uint32_t directBurst = 4;
    /// A send of at least this many bytes (many frames at once) is written by
    /// the caller whenever the flusher is asleep: it is a batch already.
    std::uint32_t directBytes = 4096;
    /// How long the flusher polls an empty ring before it sleeps again.
    std::uint32_t flusherSpinNs = 5'000;
};

/// What a stream transport's sending side did (for benchmarks and tuning).
struct WriteCounters {
    std::uint64_t writes = 0;       ///< write syscalls that took bytes
    std::uint64_t callerWrites = 0; ///< of those, made by the publishing thread (a quiet socket, flush())
    std::uint64_t kicks = 0;        ///< times a sleeping flusher was woken
};

[[nodiscard]] constexpr std::string_view writeModeName(WriteMode mode) noexcept {
    return mode == WriteMode::Batched ? "batched" : "immediate";
}

[[nodiscard]] constexpr std::optional<WriteMode> writeModeFromName(std::string_view name) noexcept {
    if (name == "batched") return WriteMode::Batched;
    if (name == "immediate") return WriteMode::Immediate;
    return std::nullopt;
}

} // namespace alphapulse::transport
