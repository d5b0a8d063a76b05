// tcp: a relay process on a TCP address; its stats socket stays local
// (docs/design/deployment.md).
#include "alphapulse/transport/tcp_socket.hpp"
#include "alphapulse/transport/tcp_transport.hpp"
#include "transports.hpp"

namespace alphapulse::config::rows {
namespace {

constexpr std::string_view KEYS[] = {"address", "allowed_addresses", "write_mode"};

void parseKey(const SectionKey& k, DomainSettings& d) {
    if (k.key == "address") {
        std::string why;
        const auto hostPort = transport::parseHostPort(k.reader.text(k.value, k.path), &why);
        if (!hostPort) k.reader.fail(k.value, k.path, why);
        d.tcp.host = hostPort->host;
        d.tcp.port = hostPort->port;
        d.relay.tcpAddress = k.reader.text(k.value, k.path);
        return;
    }
    d.tcp.allowedAddresses = k.reader.textList(k.value, k.path);
    for (const auto& pattern : d.tcp.allowedAddresses) {
        if (!transport::validAddressPattern(pattern)) {
            k.reader.fail(k.value, k.path, "'" + pattern + "' is not an IP address or network like 10.0.0.0/8");
        }
    }
    d.relay.allowedAddresses = d.tcp.allowedAddresses;
}

void finish(const Section& s, DomainSettings& d) {
    if (d.tcp.port == 0) s.reader.fail(s.node, s.path, "tcp needs 'address: host:port'");
}

std::unique_ptr<transport::Transport> make(const DomainSettings& d, std::string_view /*clientName*/,
                                           const std::optional<std::bitset<256>>& /*subscription*/) {
    transport::TcpTransport::Options options;
    options.host = d.tcp.host;
    options.port = d.tcp.port;
    options.maxPayload = d.relay.maxPayload;
    options.socketBufferBytes = d.relay.socketBufferBytes;
    options.writeMode = d.writeMode;
    return std::make_unique<transport::TcpTransport>(std::move(options));
}

std::optional<RelayAddress> relayAddress(const DomainSettings& d) { return RelayAddress{{}, d.tcp.host, d.tcp.port}; }

std::string endpoint(const DomainSettings& d) { return d.tcp.host + ":" + std::to_string(d.tcp.port); }

void isolate(DomainSettings& d, const PrivateBus& bus) {
    d.relay.socketPath = bus.dir + "/" + std::string(wire::domainName(d.domain)) + ".sock"; // its stats socket's base
    d.tcp.host = "127.0.0.1";
    d.tcp.port = bus.port;
    d.relay.tcpAddress = endpoint(d);
    d.relay.allowedAddresses.clear(); // loopback only
}

std::string endpointYaml(const DomainSettings& d, std::string_view indent) {
    return std::string(indent) + "address: " + endpoint(d) + "\n";
}

} // namespace

const TransportDescriptor TCP{TransportKind::Tcp, "tcp", {}, KEYS, RelayProcess::Alphapulse, false, parseKey, finish,
                              make, relayStatsSocket, relayAddress, endpoint, relayRuns, isolate, endpointYaml};

} // namespace alphapulse::config::rows
