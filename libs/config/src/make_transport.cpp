// From a deployment's domain settings to a live transport, through the
// domain's row of the transport table.
#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/config/deployment.hpp"
#include "alphapulse/config/transport_table.hpp"
#include "alphapulse/transport/transport.hpp"

namespace alphapulse::config {

std::unique_ptr<transport::Transport> makeTransport(const Deployment& deployment, wire::Domain domain,
                                                    std::string_view clientName) {
    const DomainSettings& d = requireDomain(deployment, domain);
    return transportOf(d).make(d, clientName, std::nullopt);
}

std::unique_ptr<client::BusClient> makeClient(const Deployment& deployment, wire::Domain domain,
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
    const TransportDescriptor& row = transportOf(d);
    if (!resolved.acknowledged) {
        resolved.acknowledged = d.relay.journal.enabled && row.relayProcess == RelayProcess::Alphapulse;
    }
    // The subscription too: transports that subscribe when they connect (NATS) need it up front.
    auto transport = row.make(d, options.name, resolved.subscription);
    return std::make_unique<client::BusClient>(std::move(transport), std::move(resolved));
}

} // namespace alphapulse::config
