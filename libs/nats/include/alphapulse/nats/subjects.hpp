#pragma once
// NATS subjects for alphapulse frames (docs/design/nats.md).
//
//   <prefix>.<domain>.<type>     e.g. alphapulse.market_data.trade
//   <prefix>.<domain>.>          everything of a domain (one subscription)
//
// <domain> is wire::domainName of the bus the frame travels on, <type> the
// message type's name in snake_case ("OrderBook" -> "order_book",
// "MEVOpportunity" -> "mev_opportunity"); a number without a name is
// "type_<n>". A subscription to some types is one NATS subscription per
// type subject, so the server filters and nothing unwanted crosses the wire.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "alphapulse/wire/message_type.hpp"

namespace alphapulse::nats {

/// "order_book", "mev_opportunity", "type_77".
[[nodiscard]] std::string typeToken(std::uint8_t messageType);

/// "" when `prefix` is a usable subject prefix (dot-separated tokens of
/// printable ASCII without spaces or the wildcards * and >), else why not.
[[nodiscard]] std::string checkSubjectPrefix(std::string_view prefix);

/// "<prefix>.<domain>.<type>".
[[nodiscard]] std::string subjectFor(std::string_view prefix, wire::Domain domain, std::uint8_t messageType);
/// "<prefix>.<domain>.>".
[[nodiscard]] std::string domainWildcard(std::string_view prefix, wire::Domain domain);
/// The default JetStream stream of a domain: "ALPHAPULSE_MARKET_DATA" for
/// prefix "alphapulse" (the prefix upper-cased, dots as underscores).
[[nodiscard]] std::string defaultStreamName(std::string_view prefix, wire::Domain domain);

/// The subjects of one bus, computed once so publishing looks them up by type
/// instead of formatting a string per frame.
class SubjectTable {
public:
    SubjectTable(std::string_view prefix, wire::Domain domain);
    [[nodiscard]] const std::string& subject(std::uint8_t messageType) const noexcept { return m_subjects[messageType]; }
    [[nodiscard]] const std::string& wildcard() const noexcept { return m_wildcard; }

private:
    std::array<std::string, 256> m_subjects;
    std::string m_wildcard;
};

} // namespace alphapulse::nats
