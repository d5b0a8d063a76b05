// channel: an in-process hub, no relay process; services linked into one
// binary share it (docs/design/deployment.md).
#include <yaml-cpp/yaml.h>

#include "alphapulse/transport/channel_transport.hpp"
#include "transports.hpp"

namespace alphapulse::config::rows {
namespace {

constexpr std::string_view KEYS[] = {"capacity", "name"};
// The design document's words for it.
constexpr std::string_view SYNONYMS[] = {"channels", "message_bus"};

void parseKey(const SectionKey& k, DomainSettings& d) {
    if (k.key == "capacity") {
        d.channel.capacity = k.reader.number(k.value, k.path, 1, 100'000'000);
        return;
    }
    d.channel.name = k.reader.text(k.value, k.path);
    if (d.channel.name.empty()) k.reader.fail(k.value, k.path, "empty name");
}

void finish(const Section& s, DomainSettings& d) {
    if (d.channel.name.empty()) d.channel.name = std::string(wire::domainName(d.domain));
    // A hub's queue is the relay's: the domain's max_queue_size unless given.
    if (!s.node.IsMap() || !s.node["capacity"]) d.channel.capacity = d.relay.maxQueueSize;
}

std::unique_ptr<transport::Transport> make(const DomainSettings& d, std::string_view /*clientName*/,
                                           const std::optional<std::bitset<256>>& /*subscription*/) {
    transport::ChannelHub::Options options;
    options.name = d.channel.name;
    options.domain = d.domain;
    options.capacityFrames = d.channel.capacity;
    options.dropWhenFull = d.relay.overload == relay::OverloadPolicy::Drop;
    transport::ChannelHub::Validation validation;
    validation.validateChecksums = d.relay.validateChecksums;
    validation.customTypes = d.relay.customTypes;
    validation.requireSequence = d.relay.requireSequence; // per source on each endpoint, as every transport (relay.md)
    try {
        return std::make_unique<transport::ChannelTransport>(transport::ChannelHub::named(options, validation));
    } catch (const std::invalid_argument& e) {
        throw ConfigError(std::string(wire::domainName(d.domain)) + ": " + e.what());
    }
}

std::string endpoint(const DomainSettings& d) { return "channel:" + d.channel.name; }

std::string noRelayReason(const DomainSettings& d) {
    return std::string(wire::domainName(d.domain)) +
           " uses the channel transport: an in-process hub inside each service process, so there is "
           "no relay process to run (services linked into one binary share it)";
}

void isolate(DomainSettings& d, const PrivateBus& bus) { d.channel.name = "bench-" + bus.tag; }

std::string endpointYaml(const DomainSettings& d, std::string_view indent) {
    return std::string(indent) + "name: " + d.channel.name + "\n" + std::string(indent) +
           "capacity: " + std::to_string(d.channel.capacity) + "\n";
}

} // namespace

const TransportDescriptor CHANNEL{TransportKind::Channel, "channel", SYNONYMS, KEYS, RelayProcess::None, true,
                                  parseKey, finish, make, noStats, noRelayAddress, endpoint, noRelayReason, isolate,
                                  endpointYaml};

} // namespace alphapulse::config::rows
