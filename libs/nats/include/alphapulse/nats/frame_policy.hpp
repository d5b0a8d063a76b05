#pragma once
// A NATS bus applies its domain's rules (R1) with no relay in the middle:
// the publishing transport checks what it sends (type, checksum, each
// source's sequence on this connection) and the receiving transport checks
// what arrives (one whole frame per message, type, checksum: another
// implementation may publish on the same subjects). The rules themselves are
// transport::DomainPolicy's, as for the relay and every other transport;
// this only says which NatsOptions fields they come from.
#include "alphapulse/nats/nats_options.hpp"
#include "alphapulse/transport/domain_policy.hpp"

namespace alphapulse::nats {

/// The bus's admission rules: options' domain, customTypes,
/// validateChecksums, requireSequence and maxPayload.
[[nodiscard]] transport::DomainRules domainRules(const NatsOptions& options);

} // namespace alphapulse::nats
