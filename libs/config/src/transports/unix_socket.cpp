// unix_socket: a relay process on a Unix socket (docs/design/deployment.md).
#include "alphapulse/config/transports/unix_socket.hpp"

#include "alphapulse/transport/unix_socket_transport.hpp"
#include "transports.hpp"

namespace alphapulse::config::rows {
namespace {

constexpr std::string_view KEYS[] = {"path", "socket", "write_mode"};

void defaults(DomainSettings& d, const std::string& runtimeDir) {
    d.transportSettings = UnixSocketSettings{defaultSocketPath(d, runtimeDir)};
    d.relay.socketPath = d.settings<UnixSocketSettings>().path;
}

void parseKey(const SectionKey& k, DomainSettings& d) {
    auto& path = d.settings<UnixSocketSettings>().path;
    path = k.reader.text(k.value, k.path); // `path`, or its synonym `socket`
    if (path.empty()) k.reader.fail(k.value, k.path, "empty path");
    if (path.size() >= 108) k.reader.fail(k.value, k.path, "longer than a socket path may be (107)");
}

void finish(const Section& /*s*/, DomainSettings& d) { d.relay.socketPath = d.settings<UnixSocketSettings>().path; }

std::unique_ptr<transport::Transport> make(const DomainSettings& d, std::string_view /*clientName*/,
                                           const std::optional<std::bitset<256>>& /*subscription*/) {
    transport::UnixSocketTransport::Options options;
    options.path = d.settings<UnixSocketSettings>().path;
    options.maxPayload = d.relay.maxPayload;
    options.socketBufferBytes = d.relay.socketBufferBytes;
    options.writeMode = d.writeMode;
    return std::make_unique<transport::UnixSocketTransport>(std::move(options));
}

std::optional<RelayAddress> relayAddress(const DomainSettings& d) {
    return RelayAddress{d.settings<UnixSocketSettings>().path, {}, 0};
}

std::string endpoint(const DomainSettings& d) { return d.settings<UnixSocketSettings>().path; }

void isolate(DomainSettings& d, const PrivateBus& bus) {
    d.settings<UnixSocketSettings>().path = defaultSocketPath(d, bus.dir);
    d.relay.socketPath = endpoint(d);
    d.relay.tcpAddress.clear();
}

std::string endpointYaml(const DomainSettings& d, std::string_view indent) {
    return std::string(indent) + "path: " + endpoint(d) + "\n";
}

} // namespace

const TransportDescriptor UNIX_SOCKET{"unix_socket", {}, KEYS, RelayProcess::Alphapulse, false, defaults, parseKey,
                                      finish, make, relayStatsSocket, relayAddress, endpoint, relayRuns, isolate,
                                      endpointYaml};

} // namespace alphapulse::config::rows
