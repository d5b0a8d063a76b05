#include "alphapulse/transport/domain_policy.hpp"

namespace alphapulse::transport {

std::string_view dropReasonName(DropReason reason) noexcept {
    switch (reason) {
    case DropReason::OutOfDomain: return "out_of_domain";
    case DropReason::BadChecksum: return "bad_checksum";
    case DropReason::BadSequence: return "bad_sequence";
    case DropReason::NotAllowed: return "not_allowed";
    case DropReason::QueueFull: return "queue_full";
    case DropReason::Desynchronised: return "desynchronised";
    case DropReason::SlowConsumer: return "slow_consumer";
    case DropReason::NoConsumer: return "no_consumer";
    case DropReason::MemoryLimit: return "memory_limit";
    case DropReason::COUNT_: break;
    }
    return "unknown";
}

DomainRules DomainPolicy::defaults(wire::Domain domain) {
    DomainRules rules;
    rules.domain = domain;
    rules.validateChecksums = domain != wire::Domain::MarketData;
    rules.requireSequence = domain == wire::Domain::Execution;
    return rules;
}

DomainPolicy::DomainPolicy(const DomainRules& rules)
    : m_domain(rules.domain), m_validateChecksums(rules.validateChecksums), m_requireSequence(rules.requireSequence),
      m_maxPayload(rules.maxPayload) {
    for (std::size_t type = 0; type < 256; ++type) {
        if (wire::domainOf(static_cast<std::uint8_t>(type)) == rules.domain) m_carried.set(type);
    }
    for (const std::uint8_t type : rules.customTypes) m_carried.set(type);
    // Subscriptions are control, never data: each transport consumes them where they arrive.
    m_carried.reset(static_cast<std::uint8_t>(wire::MessageType::Subscribe));
}

std::optional<DropReason> DomainPolicy::checkMessage(const std::uint8_t* data, std::size_t size) const noexcept {
    const auto length = wire::frameLength(data, size, m_maxPayload);
    if (!length || *length != size) return DropReason::Desynchronised;
    return checkContent(wire::FrameView(data, size));
}

} // namespace alphapulse::transport
