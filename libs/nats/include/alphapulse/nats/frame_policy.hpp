#pragma once
// A domain's rules for one frame, as a relay applies them (R1), for a bus
// that has no relay in the middle: the publishing transport checks what it
// sends and the receiving transport checks what arrives (another
// implementation may publish on the same subjects).
#include <array>
#include <cstddef>
#include <cstdint>

#include "alphapulse/nats/nats_options.hpp"
#include "alphapulse/wire/frame.hpp"

namespace alphapulse::nats {

enum class Verdict : std::uint8_t {
    Ok,
    Malformed,   ///< not exactly one whole frame (bad magic, size, length)
    OutOfDomain, ///< a type the bus does not carry
    BadChecksum, ///< validateChecksums and the CRC does not match
    BadSequence, ///< requireSequence and the source's sequence did not rise by one
};

class FramePolicy {
public:
    explicit FramePolicy(const NatsOptions& options);

    [[nodiscard]] bool carries(std::uint8_t type) const noexcept { return m_carried.test(type); }
    [[nodiscard]] const std::bitset<256>& carried() const noexcept { return m_carried; }

    /// Framing, domain and checksum: what a receiver checks. `size` must be
    /// exactly the frame (a NATS message carries one frame).
    [[nodiscard]] Verdict checkArrived(const std::uint8_t* data, std::size_t size) const noexcept;

    /// Domain, checksum and (requireSequence) the source's sequence, for a
    /// frame about to be published. Remembers the sequence only when Ok.
    [[nodiscard]] Verdict checkPublished(const wire::FrameView& frame) noexcept;

    /// Forget sequences (after the producer reconnected for good).
    void resetSequences() noexcept { m_lastSequence.fill(0); m_haveSequence.reset(); }

private:
    std::bitset<256> m_carried;
    bool m_validateChecksums;
    bool m_requireSequence;
    std::uint32_t m_maxPayload;
    std::array<std::uint64_t, 256> m_lastSequence{};
    std::bitset<256> m_haveSequence;
};

} // namespace alphapulse::nats
