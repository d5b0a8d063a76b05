#pragma once
// Which types the relay `publish` sends to carries, so that a frame of
// another domain is refused before it is sent (the relay would only drop it).
// Known from the deployment with --domain, or from the relay's stats socket.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alphapulse/wire/message_type.hpp"

namespace alphapulse::cli {

class PublishDomain {
public:
    /// Nothing known: every type passes (the relay still reports what it drops).
    PublishDomain() = default;
    PublishDomain(wire::Domain domain, std::optional<std::vector<std::uint8_t>> customTypes);

    /// Asks the relay on `socket` (its stats socket), waiting up to `timeoutS`
    /// for one that is starting. Unknown (with a note on stderr) when it does not say.
    [[nodiscard]] static PublishDomain fromRelay(const std::string& socket, double timeoutS);

    [[nodiscard]] bool known() const noexcept { return m_domain.has_value(); }
    /// The relay said it keeps a journal (its stats carry "journal"): it
    /// acknowledges what it journaled (docs/design/recovery.md).
    [[nodiscard]] bool journaled() const noexcept { return m_journaled; }
    /// Why the relay would drop a frame of `type`, or nullopt when it carries it
    /// (or that cannot be told: a custom type without the relay's list).
    [[nodiscard]] std::optional<std::string> refusal(std::uint8_t type) const;

private:
    std::optional<wire::Domain> m_domain;
    std::optional<std::vector<std::uint8_t>> m_customTypes; ///< nullopt: not known
    bool m_journaled = false;
};

} // namespace alphapulse::cli
