#include "publish_domain.hpp"

#include <algorithm>
#include <iostream>

#include "alphapulse/codec/decoder.hpp"
#include "stats_socket.hpp"

namespace alphapulse::cli {

PublishDomain::PublishDomain(wire::Domain domain, std::optional<std::vector<std::uint8_t>> customTypes)
    : m_domain(domain), m_customTypes(std::move(customTypes)) {}

PublishDomain PublishDomain::fromRelay(const std::string& socket, double timeoutS) {
    const auto answer = readStatsSocket(socket, socket + ".stats", timeoutS, nullptr);
    const auto json = answer.json ? codec::Json::parse(*answer.json, nullptr, false) : codec::Json();
    const auto domain = json.is_object() && json.contains("domain") && json["domain"].is_string()
                            ? wire::domainFromName(json["domain"].get<std::string>())
                            : std::nullopt;
    if (!domain) {
        std::cerr << "alphapulse publish: cannot check that the types belong to the relay's domain ("
                  << (answer.json ? socket + ".stats did not name it" : answer.problem)
                  << "); the relay reports what it drops\n";
        return {};
    }
    PublishDomain known(*domain, std::nullopt);
    known.m_journaled = json.contains("journal") && json["journal"].is_object();
    return known;
}

std::optional<std::string> PublishDomain::refusal(std::uint8_t type) const {
    if (!m_domain || type == static_cast<std::uint8_t>(wire::MessageType::Subscribe)) return std::nullopt;
    const auto typeDomain = wire::domainOf(type);
    if (typeDomain == *m_domain) return std::nullopt;
    const std::string relay(wire::domainName(*m_domain));
    if (typeDomain == wire::Domain::Custom) {
        if (!m_customTypes || std::find(m_customTypes->begin(), m_customTypes->end(), type) != m_customTypes->end()) {
            return std::nullopt;
        }
        return "custom type " + std::to_string(type) + " is not in the " + relay + " relay's custom_types";
    }
    if (typeDomain == wire::Domain::None) return "type " + std::to_string(type) + " belongs to no domain";
    const auto name = wire::messageTypeName(type);
    return (name.empty() ? "type " + std::to_string(type) : std::string(name) + " (type " + std::to_string(type) + ")") +
           " belongs to the " + std::string(wire::domainName(typeDomain)) + " domain, not " + relay +
           ": the relay would drop it (publish it to the " + std::string(wire::domainName(typeDomain)) + " relay)";
}

} // namespace alphapulse::cli
