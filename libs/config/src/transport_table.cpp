// The table of transports: one row each (src/transports/<name>.cpp), in
// the order files, messages and `alphapulse bench --compare` list them.
#include "alphapulse/config/transport_table.hpp"

#include "alphapulse/config/transports/channel.hpp"
#include "alphapulse/config/transports/nats.hpp"
#include "alphapulse/config/transports/shared_memory.hpp"
#include "alphapulse/config/transports/tcp.hpp"
#include "alphapulse/config/transports/unix_socket.hpp"

namespace alphapulse::config {
namespace {

constexpr const TransportDescriptor* TABLE[] = {&rows::UNIX_SOCKET, &rows::TCP, &rows::SHARED_MEMORY, &rows::CHANNEL,
                                                &rows::NATS};

} // namespace

std::span<const TransportDescriptor* const> transports() noexcept { return TABLE; }

const TransportDescriptor& transportOf(const DomainSettings& d) {
    if (d.transport == nullptr) {
        throw ConfigError(std::string(wire::domainName(d.domain)) + ": no transport (DomainSettings come from a "
                          "deployment, or useTransport())");
    }
    return *d.transport;
}

void useTransport(DomainSettings& d, const TransportDescriptor& row, const std::string& runtimeDir) {
    d.transport = &row;
    row.defaults(d, runtimeDir);
}

void DomainSettings::wrongSettings() const {
    throw ConfigError(std::string(wire::domainName(domain)) + " is on " +
                      (transport == nullptr ? std::string("no transport") : "the " + std::string(transport->name) +
                                                                                 " transport") +
                      ": its settings are not the ones asked for");
}

const TransportDescriptor* findTransport(std::string_view name) noexcept {
    for (const auto* row : TABLE) {
        if (row->name == name) return row;
        for (const auto synonym : row->synonyms) {
            if (synonym == name) return row;
        }
    }
    return nullptr;
}

std::string transportNames() {
    std::string out;
    for (std::size_t i = 0; i < std::size(TABLE); ++i) {
        out += i == 0 ? "" : i + 1 == std::size(TABLE) ? " or " : ", ";
        out += TABLE[i]->name;
    }
    return out;
}

} // namespace alphapulse::config
