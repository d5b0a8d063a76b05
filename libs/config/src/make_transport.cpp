// From a deployment's domain settings to a live transport: the one switch
// over transport kinds.
#include <bitset>
#include <optional>

#include "alphapulse/client/relay_client.hpp"
#include "alphapulse/config/deployment.hpp"
#include "alphapulse/nats/nats_transport.hpp"
#include "alphapulse/transport/channel_transport.hpp"
#include "alphapulse/transport/shm_transport.hpp"
#include "alphapulse/transport/tcp_transport.hpp"
#include "alphapulse/transport/unix_socket_transport.hpp"

namespace alphapulse::config {

namespace {

/// NATS subscribes in connect(), so it is told the client's subscription
/// (nullopt: the whole domain) before, not only by the Subscribe frame
/// RelayClient sends next: a producer then never subscribes at all
/// (docs/design/nats.md, "Subscriptions").
std::unique_ptr<transport::Transport> makeNatsTransport(const DomainSettings& d, wire::Domain domain,
                                                        std::string_view clientName,
                                                        std::optional<std::bitset<256>> subscription) {
    nats::NatsOptions options;
    const NatsSettings& n = d.nats;
    options.servers = n.servers;
    options.subjectPrefix = n.subjectPrefix;
    options.name = std::string(clientName);
    options.user = n.user;
    options.password = n.password;
    options.token = n.token;
    options.nkeySeedFile = n.nkeySeedFile;
    options.credsFile = n.credsFile;
    options.tls = n.tls;
    options.tlsCaFile = n.tlsCaFile;
    options.tlsCertFile = n.tlsCertFile;
    options.tlsKeyFile = n.tlsKeyFile;
    nats::applyPolicy(options, d.relay);
    options.sendAsap = d.writeMode == transport::WriteMode::Immediate;
    options.subscription = std::move(subscription);
    options.jetstream.enabled = n.jetstream.enabled;
    options.jetstream.stream = n.jetstream.stream;
    options.jetstream.durable = n.jetstream.durable.empty() ? std::string(clientName) : n.jetstream.durable;
    std::string why;
    const auto deliver = nats::parseDeliver(n.jetstream.deliver, &why);
    if (!deliver) throw ConfigError(std::string(wire::domainName(domain)) + ": jetstream.deliver: " + why);
    options.jetstream.deliver = *deliver;
    options.jetstream.maxBytes = n.jetstream.maxBytes;
    options.jetstream.ack = n.jetstream.ack;
    try {
        return std::make_unique<nats::NatsTransport>(std::move(options));
    } catch (const std::invalid_argument& e) {
        throw ConfigError(std::string(wire::domainName(domain)) + ": " + e.what());
    }
}

} // namespace

std::unique_ptr<transport::Transport> makeTransport(const Deployment& deployment, wire::Domain domain,
                                                    std::string_view clientName) {
    const DomainSettings& d = requireDomain(deployment, domain);
    switch (d.transport) {
    case TransportKind::UnixSocket: {
        transport::UnixSocketTransport::Options options;
        options.path = d.unixSocket.path;
        options.maxPayload = d.relay.maxPayload;
        options.socketBufferBytes = d.relay.socketBufferBytes;
        options.writeMode = d.writeMode;
        return std::make_unique<transport::UnixSocketTransport>(std::move(options));
    }
    case TransportKind::Tcp: {
        transport::TcpTransport::Options options;
        options.host = d.tcp.host;
        options.port = d.tcp.port;
        options.maxPayload = d.relay.maxPayload;
        options.socketBufferBytes = d.relay.socketBufferBytes;
        options.writeMode = d.writeMode;
        return std::make_unique<transport::TcpTransport>(std::move(options));
    }
    case TransportKind::Channel: {
        transport::ChannelHub::Options options;
        options.name = d.channel.name;
        options.domain = d.domain;
        options.capacityFrames = d.channel.capacity;
        options.dropWhenFull = d.relay.overload == relay::OverloadPolicy::Drop;
        transport::ChannelHub::Validation validation;
        validation.validateChecksums = d.relay.validateChecksums;
        validation.customTypes = d.relay.customTypes;
        try {
            return std::make_unique<transport::ChannelTransport>(transport::ChannelHub::named(options, validation));
        } catch (const std::invalid_argument& e) {
            throw ConfigError(std::string(wire::domainName(domain)) + ": " + e.what());
        }
    }
    case TransportKind::SharedMemory: {
        auto options = transport::ShmTransport::defaults(d.domain);
        options.name = d.sharedMemory.name;
        options.sizeBytes = d.sharedMemory.sizeBytes;
        options.spinUs = d.sharedMemory.spinUs;
        options.wait = d.sharedMemory.wait == SharedMemorySettings::Wait::Spin ? transport::ShmTransport::Wait::Spin
                                                                               : transport::ShmTransport::Wait::Block;
        options.validateChecksums = d.relay.validateChecksums;
        options.requireSequence = d.relay.requireSequence;
        options.backpressure = d.relay.overload == relay::OverloadPolicy::Backpressure;
        options.slowConsumerTimeoutMs = d.relay.slowConsumerTimeoutMs;
        options.maxPayload = d.relay.maxPayload;
        options.customTypes = d.relay.customTypes;
        options.mode = d.relay.socketMode; // the segment's file mode, as the relay's socket's
        options.clientName = std::string(clientName); // the segment's endpoint table shows it (stats)
        return std::make_unique<transport::ShmTransport>(std::move(options));
    }
    case TransportKind::Nats: return makeNatsTransport(d, domain, clientName, std::nullopt);
    }
    throw ConfigError(std::string(wire::domainName(domain)) + ": unknown transport");
}

std::unique_ptr<client::RelayClient> makeClient(const Deployment& deployment, wire::Domain domain,
                                                const client::ClientOptions& options, SubscriptionSource source) {
    client::ClientOptions resolved = options;
    const bool optionsWin = source == SubscriptionSource::Options && options.subscription.has_value();
    if (const auto* consumer = optionsWin ? nullptr : deployment.consumer(options.name)) {
        const auto it = consumer->subscriptions.find(domain);
        if (it != consumer->subscriptions.end()) resolved.subscription = it->second;
    }
    const DomainSettings& d = requireDomain(deployment, domain);
    // Acknowledged publishing where the domain's relay keeps a journal
    // (execution by default): docs/design/recovery.md.
    if (!resolved.acknowledged) {
        resolved.acknowledged = d.relay.journal.enabled &&
                                (d.transport == TransportKind::UnixSocket || d.transport == TransportKind::Tcp);
    }
    auto transport = d.transport == TransportKind::Nats
                         ? makeNatsTransport(d, domain, options.name, resolved.subscription)
                         : makeTransport(deployment, domain, options.name);
    return std::make_unique<client::RelayClient>(std::move(transport), std::move(resolved));
}

} // namespace alphapulse::config
