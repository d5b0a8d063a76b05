#include "alphapulse/nats/subjects.hpp"

#include <cctype>

namespace alphapulse::nats {
namespace {

bool isUpper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
bool isLowerOrDigit(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

} // namespace

std::string typeToken(std::uint8_t messageType) {
    const std::string_view name = wire::messageTypeName(messageType);
    if (name.empty()) return "type_" + std::to_string(messageType);
    // CamelCase to snake_case; a run of capitals is one word ("MEVOpportunity"
    // -> "mev_opportunity"), ending before a capital that starts a lower-case word.
    std::string out;
    out.reserve(name.size() + 4);
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        if (isUpper(c) && i > 0) {
            const bool afterLower = isLowerOrDigit(name[i - 1]);
            const bool endsAcronym = isUpper(name[i - 1]) && i + 1 < name.size() && isLowerOrDigit(name[i + 1]);
            if (afterLower || endsAcronym) out.push_back('_');
        }
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return out;
}

std::string checkSubjectPrefix(std::string_view prefix) {
    if (prefix.empty()) return "the subject prefix is empty";
    std::size_t tokenLength = 0;
    for (const char c : prefix) {
        if (c == '.') {
            if (tokenLength == 0) return "the subject prefix '" + std::string(prefix) + "' has an empty token";
            tokenLength = 0;
            continue;
        }
        if (c == '*' || c == '>') {
            return "the subject prefix '" + std::string(prefix) + "' contains the wildcard '" + c + "'";
        }
        if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) {
            return "the subject prefix '" + std::string(prefix) + "' contains a space or a non-printable byte";
        }
        ++tokenLength;
    }
    if (tokenLength == 0) return "the subject prefix '" + std::string(prefix) + "' ends with '.'";
    return {};
}

std::string subjectFor(std::string_view prefix, wire::Domain domain, std::uint8_t messageType) {
    std::string subject(prefix);
    subject += '.';
    subject += wire::domainName(domain);
    subject += '.';
    subject += typeToken(messageType);
    return subject;
}

std::string domainWildcard(std::string_view prefix, wire::Domain domain) {
    std::string subject(prefix);
    subject += '.';
    subject += wire::domainName(domain);
    subject += ".>";
    return subject;
}

std::string defaultStreamName(std::string_view prefix, wire::Domain domain) {
    std::string name(prefix);
    name += '_';
    name += wire::domainName(domain);
    for (char& c : name) {
        // Stream names may not contain '.', '*', '>' or spaces.
        if (c == '.' || c == '*' || c == '>' || c == ' ') c = '_';
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return name;
}

SubjectTable::SubjectTable(std::string_view prefix, wire::Domain domain) : m_wildcard(domainWildcard(prefix, domain)) {
    for (std::size_t type = 0; type < m_subjects.size(); ++type) {
        m_subjects[type] = subjectFor(prefix, domain, static_cast<std::uint8_t>(type));
    }
}

} // namespace alphapulse::nats
