// The table of transports: one row each (src/transports/<name>.cpp), in
// the order files, messages and `alphapulse bench --compare` list them.
#include "alphapulse/config/transport_table.hpp"

#include "transports/transports.hpp"

namespace alphapulse::config {
namespace {

constexpr const TransportDescriptor* TABLE[] = {&rows::UNIX_SOCKET, &rows::TCP, &rows::SHARED_MEMORY, &rows::CHANNEL,
                                                &rows::NATS};

} // namespace

std::span<const TransportDescriptor* const> transports() noexcept { return TABLE; }

const TransportDescriptor& transportOf(TransportKind kind) noexcept {
    for (const auto* row : TABLE) {
        if (row->kind == kind) return *row;
    }
    return rows::UNIX_SOCKET; // every TransportKind has a row (transport_table_test checks)
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

std::string_view transportName(TransportKind kind) noexcept { return transportOf(kind).name; }

} // namespace alphapulse::config
