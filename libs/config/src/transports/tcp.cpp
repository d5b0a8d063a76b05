// tcp: a relay process on a TCP address; its stats socket stays local
// (docs/design/deployment.md).
#include "alphapulse/config/transports/tcp.hpp"

#include "alphapulse/transport/tcp_socket.hpp"
#include "alphapulse/transport/tcp_transport.hpp"
#include "transports.hpp"

namespace alphapulse::config::rows {
namespace {

constexpr std::string_view KEYS[] = {"address", "allowed_addresses", "write_mode"};

void defaults(DomainSettings& d, const std::string& runtimeDir) {
    d.transportSettings = TcpSettings{};
    d.relay.socketPath = defaultSocketPath(d, runtimeDir); // its stats socket's base
}

void parseKey(const SectionKey& k, DomainSettings& d) {
    auto& tcp = d.settings<TcpSettings>();
    if (k.key == "address") {
        std::string why;
        const auto hostPort = transport::parseHostPort(k.reader.text(k.value, k.path), &why);
        if (!hostPort) k.reader.fail(k.value, k.path, why);
        tcp.host = hostPort->host;
        tcp.port = hostPort->port;
        d.relay.tcpAddress = k.reader.text(k.value, k.path);
        return;
    }
    tcp.allowedAddresses = k.reader.textList(k.value, k.path);
    for (const auto& pattern : tcp.allowedAddresses) {
        if (!transport::validAddressPattern(pattern)) {
            k.reader.fail(k.value, k.path, "'" + pattern + "' is not an IP address or network like 10.0.0.0/8");
        }
    }
    d.relay.allowedAddresses = tcp.allowedAddresses;
}

void finish(const Section& s, DomainSettings& d) {
    if (d.settings<TcpSettings>().port == 0) s.reader.fail(s.node, s.path, "tcp needs 'address: host:port'");
}

std::unique_ptr<transport::Transport> make(const DomainSettings& d, std::string_view /*clientName*/,
                                           const std::optional<std::bitset<256>>& /*subscription*/) {
    const auto& tcp = d.settings<TcpSettings>();
    transport::TcpTransport::Options options;
    options.host = tcp.host;
    options.port = tcp.port;
    options.maxPayload = d.relay.maxPayload;
    options.socketBufferBytes = d.relay.socketBufferBytes;
    options.writeMode = d.writeMode;
    return std::make_unique<transport::TcpTransport>(std::move(options));
}

std::optional<RelayAddress> relayAddress(const DomainSettings& d) {
    const auto& tcp = d.settings<TcpSettings>();
    return RelayAddress{{}, tcp.host, tcp.port};
}

std::string endpoint(const DomainSettings& d) {
    const auto& tcp = d.settings<TcpSettings>();
    return tcp.host + ":" + std::to_string(tcp.port);
}

void isolate(DomainSettings& d, const PrivateBus& bus) {
    d.relay.socketPath = defaultSocketPath(d, bus.dir); // its stats socket's base
    auto& tcp = d.settings<TcpSettings>();
    tcp.host = "127.0.0.1";
    tcp.port = bus.port;
    d.relay.tcpAddress = endpoint(d);
    d.relay.allowedAddresses.clear(); // loopback only
}

std::string endpointYaml(const DomainSettings& d, std::string_view indent) {
    return std::string(indent) + "address: " + endpoint(d) + "\n";
}

} // namespace

const TransportDescriptor TCP{"tcp", {}, KEYS, RelayProcess::Alphapulse, false, defaults, parseKey, finish, make,
                              relayStatsSocket, relayAddress, endpoint, relayRuns, isolate, endpointYaml};

} // namespace alphapulse::config::rows
