#pragma once
// `alphapulse replay FILE|DIR`: a capture recording, paced, filtered and
// restamped, into a domain's bus or to stdout as raw frames.
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>

namespace alphapulse::cli {

struct CaptureReplayOptions {
    std::string input;          ///< a .apcap file or a recording directory
    std::string toDomain;       ///< a domain name: publish there (the deployment's transport); empty: stdout
    std::string config;         ///< deployment file for toDomain
    std::string socket;         ///< a relay's socket instead of a domain
    double speed = 0;           ///< 1 = as recorded, 10 = ten times faster; 0 = as fast as the sink takes
    std::optional<std::uint64_t> fromNs;  ///< first receive time replayed
    std::optional<std::uint64_t> untilNs; ///< last receive time replayed
    std::optional<std::bitset<256>> types;
    bool keepTimestamps = false; ///< else each frame is stamped when it is sent
    std::uint64_t firstSequence = 1; ///< each source's frames are renumbered from here
    std::string name = "replay";
    double timeoutS = 10;        ///< longest wait for the bus to take a batch
    bool force = false;          ///< binary to a terminal
};

/// Exit status: 0, 1 (a capture or I/O error), 2 (usage), 3 (the bus
/// refused or lost frames: a timeout, relay Error frames).
[[nodiscard]] int runCaptureReplay(const CaptureReplayOptions& options);

} // namespace alphapulse::cli
