// channel: an in-process hub, no relay process; services linked into one
// binary share it (docs/design/deployment.md).
#include <yaml-cpp/yaml.h>

#include "alphapulse/config/transports/channel.hpp"
#include "alphapulse/transport/channel_transport.hpp"
#include "transports.hpp"

namespace alphapulse::config::rows {
namespace {

constexpr std::string_view KEYS[] = {"capacity", "name"};
// The design document's words for it.
constexpr std::string_view SYNONYMS[] = {"channels", "message_bus"};

void defaults(DomainSettings& d, const std::string& /*runtimeDir*/) {
    // A hub's queue is the relay's: the domain's max_queue_size unless given.
    d.transportSettings = ChannelSettings{std::string(wire::domainName(d.domain)), d.relay.maxQueueSize};
}

void parseKey(const SectionKey& k, DomainSettings& d) {
    auto& channel = d.settings<ChannelSettings>();
    if (k.key == "capacity") {
        channel.capacity = k.reader.number(k.value, k.path, 1, 100'000'000);
        return;
    }
    channel.name = k.reader.text(k.value, k.path);
    if (channel.name.empty()) k.reader.fail(k.value, k.path, "empty name");
}

void finish(const Section& s, DomainSettings& d) {
    // max_queue_size may come after (or without) capacity in the section.
    if (!s.node.IsMap() || !s.node["capacity"]) d.settings<ChannelSettings>().capacity = d.relay.maxQueueSize;
}

std::unique_ptr<transport::Transport> make(const DomainSettings& d, std::string_view /*clientName*/,
                                           const std::optional<std::bitset<256>>& /*subscription*/) {
    const auto& channel = d.settings<ChannelSettings>();
    transport::ChannelHub::Options options;
    options.name = channel.name;
    options.domain = d.domain;
    options.capacityFrames = channel.capacity;
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

std::string endpoint(const DomainSettings& d) { return "channel:" + d.settings<ChannelSettings>().name; }

std::string noRelayReason(const DomainSettings& d) {
    return std::string(wire::domainName(d.domain)) +
           " uses the channel transport: an in-process hub inside each service process, so there is "
           "no relay process to run (services linked into one binary share it)";
}

void isolate(DomainSettings& d, const PrivateBus& bus) { d.settings<ChannelSettings>().name = "bench-" + bus.tag; }

std::string endpointYaml(const DomainSettings& d, std::string_view indent) {
    const auto& channel = d.settings<ChannelSettings>();
    return std::string(indent) + "name: " + channel.name + "\n" + std::string(indent) +
           "capacity: " + std::to_string(channel.capacity) + "\n";
}

} // namespace

const TransportDescriptor CHANNEL{"channel", SYNONYMS, KEYS, RelayProcess::None, true, defaults, parseKey, finish,
                                  make, noStats, noRelayAddress, endpoint, noRelayReason, isolate, endpointYaml};

} // namespace alphapulse::config::rows
