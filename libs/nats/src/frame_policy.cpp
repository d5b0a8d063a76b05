#include "alphapulse/nats/frame_policy.hpp"

namespace alphapulse::nats {

FramePolicy::FramePolicy(const NatsOptions& options)
    : m_validateChecksums(options.validateChecksums), m_requireSequence(options.requireSequence),
      m_maxPayload(options.maxPayload) {
    for (std::size_t type = 0; type < 256; ++type) {
        if (wire::domainOf(static_cast<std::uint8_t>(type)) == options.domain) m_carried.set(type);
    }
    for (const std::uint8_t type : options.customTypes) m_carried.set(type);
    // Subscriptions are control, never data on the bus (the relay consumes them too).
    m_carried.reset(static_cast<std::uint8_t>(wire::MessageType::Subscribe));
}

Verdict FramePolicy::checkArrived(const std::uint8_t* data, std::size_t size) const noexcept {
    const auto length = wire::frameLength(data, size, m_maxPayload);
    if (!length || *length != size) return Verdict::Malformed;
    const wire::FrameView frame(data, size);
    if (!carries(frame.messageType())) return Verdict::OutOfDomain;
    if (m_validateChecksums && !frame.checksumMatches()) return Verdict::BadChecksum;
    return Verdict::Ok;
}

Verdict FramePolicy::checkPublished(const wire::FrameView& frame) noexcept {
    if (!carries(frame.messageType())) return Verdict::OutOfDomain;
    if (m_validateChecksums && !frame.checksumMatches()) return Verdict::BadChecksum;
    if (m_requireSequence) {
        // Per source: a transport may carry several producers' frames (a bridge).
        const std::uint8_t source = frame.source();
        const std::uint64_t seq = frame.sequence();
        if (m_haveSequence.test(source) && seq != m_lastSequence[source] + 1) return Verdict::BadSequence;
        m_haveSequence.set(source);
        m_lastSequence[source] = seq;
    }
    return Verdict::Ok;
}

} // namespace alphapulse::nats
