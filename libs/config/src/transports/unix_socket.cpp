// unix_socket: a relay process on a Unix socket (docs/design/deployment.md).
#include "alphapulse/transport/unix_socket_transport.hpp"
#include "transports.hpp"

namespace alphapulse::config::rows {
namespace {

constexpr std::string_view KEYS[] = {"path", "socket", "write_mode"};

void parseKey(const SectionKey& k, DomainSettings& d) {
    d.unixSocket.path = k.reader.text(k.value, k.path); // `path`, or its synonym `socket`
    if (d.unixSocket.path.empty()) k.reader.fail(k.value, k.path, "empty path");
    if (d.unixSocket.path.size() >= 108) k.reader.fail(k.value, k.path, "longer than a socket path may be (107)");
}

void finish(const Section& s, DomainSettings& d) {
    if (d.unixSocket.path.empty()) d.unixSocket.path = s.runtimeDir + "/" + std::string(wire::domainName(d.domain)) + ".sock";
    d.relay.socketPath = d.unixSocket.path;
}

std::unique_ptr<transport::Transport> make(const DomainSettings& d, std::string_view /*clientName*/,
                                           const std::optional<std::bitset<256>>& /*subscription*/) {
    transport::UnixSocketTransport::Options options;
    options.path = d.unixSocket.path;
    options.maxPayload = d.relay.maxPayload;
    options.socketBufferBytes = d.relay.socketBufferBytes;
    options.writeMode = d.writeMode;
    return std::make_unique<transport::UnixSocketTransport>(std::move(options));
}

std::optional<RelayAddress> relayAddress(const DomainSettings& d) { return RelayAddress{d.unixSocket.path, {}, 0}; }

std::string endpoint(const DomainSettings& d) { return d.unixSocket.path; }

void isolate(DomainSettings& d, const PrivateBus& bus) {
    d.unixSocket.path = bus.dir + "/" + std::string(wire::domainName(d.domain)) + ".sock";
    d.relay.socketPath = d.unixSocket.path;
    d.relay.tcpAddress.clear();
}

std::string endpointYaml(const DomainSettings& d, std::string_view indent) {
    return std::string(indent) + "path: " + d.unixSocket.path + "\n";
}

} // namespace

const TransportDescriptor UNIX_SOCKET{TransportKind::UnixSocket, "unix_socket", {}, KEYS, RelayProcess::Alphapulse,
                                      false, parseKey, finish, make, relayStatsSocket, relayAddress, endpoint,
                                      relayRuns, isolate, endpointYaml};

} // namespace alphapulse::config::rows
