// shared_memory: a broadcast ring in /dev/shm, no relay process; every
// endpoint applies the domain's policies itself (docs/design/shared-memory.md).
#include <unistd.h>

#include "alphapulse/config/transports/shared_memory.hpp"
#include "alphapulse/transport/shm_transport.hpp"
#include "transports.hpp"

namespace alphapulse::config::rows {
namespace {

constexpr std::string_view KEYS[] = {"size_mb", "name", "wait", "spin_us"};

std::string segmentName(const SectionKey& k) {
    auto name = k.reader.text(k.value, k.path);
    if (!name.empty() && name.front() == '/') name.erase(0, 1);
    if (name.empty() || name.size() > 200 || name.find('/') != std::string::npos) {
        k.reader.fail(k.value, k.path, "expected a segment name without '/' (it lives in /dev/shm)");
    }
    return name;
}

void defaults(DomainSettings& d, const std::string& /*runtimeDir*/) {
    SharedMemorySettings shm;
    shm.name = transport::ShmTransport::defaultName(d.domain);
    d.transportSettings = std::move(shm);
}

void parseKey(const SectionKey& k, DomainSettings& d) {
    auto& shm = d.settings<SharedMemorySettings>();
    if (k.key == "size_mb") {
        shm.sizeBytes = k.reader.number(k.value, k.path, 1, 65536) << 20;
    } else if (k.key == "name") {
        shm.name = segmentName(k);
    } else if (k.key == "wait") {
        const auto wait = k.reader.text(k.value, k.path);
        if (wait == "spin") shm.wait = SharedMemorySettings::Wait::Spin;
        else if (wait == "block") shm.wait = SharedMemorySettings::Wait::Block;
        else k.reader.fail(k.value, k.path, "'" + wait + "': expected spin or block");
    } else {
        shm.spinUs = static_cast<std::uint32_t>(k.reader.number(k.value, k.path, 0, 1'000'000));
    }
}

void finish(const Section& /*s*/, DomainSettings& /*d*/) {}

std::unique_ptr<transport::Transport> make(const DomainSettings& d, std::string_view clientName,
                                           const std::optional<std::bitset<256>>& /*subscription*/) {
    const auto& shm = d.settings<SharedMemorySettings>();
    auto options = transport::ShmTransport::defaults(d.domain);
    options.name = shm.name;
    options.sizeBytes = shm.sizeBytes;
    options.spinUs = shm.spinUs;
    options.wait = shm.wait == SharedMemorySettings::Wait::Spin ? transport::ShmTransport::Wait::Spin
                                                                : transport::ShmTransport::Wait::Block;
    options.validateChecksums = d.relay.validateChecksums;
    options.requireSequence = d.relay.requireSequence;
    options.backpressure = d.relay.overload == relay::OverloadPolicy::Backpressure;
    options.slowConsumerTimeoutMs = d.relay.slowConsumerTimeoutMs;
    options.maxPayload = d.relay.maxPayload;
    options.customTypes = d.relay.customTypes;
    options.mode = d.relay.socketMode;            // the segment's file mode, as the relay's socket's
    options.clientName = std::string(clientName); // the segment's endpoint table shows it (stats)
    return std::make_unique<transport::ShmTransport>(std::move(options));
}

std::string segmentOf(const DomainSettings& d) { return d.settings<SharedMemorySettings>().name; }

/// No relay: the segment keeps the counters, read in place.
StatsSource stats(const DomainSettings& d) { return {StatsSource::Kind::Segment, segmentOf(d)}; }

std::string endpoint(const DomainSettings& d) { return "/dev/shm/" + segmentOf(d); }

std::string noRelayReason(const DomainSettings& d) {
    return std::string(wire::domainName(d.domain)) + " uses the shared_memory transport: every endpoint maps the ring (" +
           endpoint(d) + ") and applies the domain's policies itself, so there is no relay process to run";
}

void isolate(DomainSettings& d, const PrivateBus& bus) {
    d.settings<SharedMemorySettings>().name = "alphapulse-bench-" + std::to_string(::getpid()) + "-" + bus.tag;
}

std::string endpointYaml(const DomainSettings& d, std::string_view indent) {
    return std::string(indent) + "name: " + segmentOf(d) + "\n" + std::string(indent) +
           "size_mb: " + std::to_string(d.settings<SharedMemorySettings>().sizeBytes >> 20) + "\n";
}

} // namespace

const TransportDescriptor SHARED_MEMORY{"shared_memory", {}, KEYS, RelayProcess::None, false, defaults, parseKey,
                                        finish, make, stats, noRelayAddress, endpoint, noRelayReason, isolate,
                                        endpointYaml};

} // namespace alphapulse::config::rows
