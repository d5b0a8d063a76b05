#include "alphapulse/nats/frame_policy.hpp"

namespace alphapulse::nats {

transport::DomainRules domainRules(const NatsOptions& options) {
    transport::DomainRules rules;
    rules.domain = options.domain;
    rules.customTypes = options.customTypes;
    rules.validateChecksums = options.validateChecksums;
    rules.requireSequence = options.requireSequence;
    rules.maxPayload = options.maxPayload;
    return rules;
}

} // namespace alphapulse::nats
