#include "alphapulse/transport/channel_transport.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <bitset>
#include <limits>
#include <map>
#include <stdexcept>
#include <mutex>
#include <vector>

#include "alphapulse/transport/domain_policy.hpp"
#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/subscribe.hpp"

namespace alphapulse::transport {

struct ChannelTransport::Endpoint {
    Endpoint() : eventFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) { subscription.set(); }
    ~Endpoint() {
        if (eventFd >= 0) ::close(eventFd);
    }
    Endpoint(const Endpoint&) = delete;
    Endpoint& operator=(const Endpoint&) = delete;

    int eventFd;
    std::mutex mutex;                 ///< guards queue and frames (the hub's lock guards subscription)
    std::vector<std::uint8_t> queue;  ///< whole frames back to back
    std::uint64_t frames = 0;
    std::bitset<256> subscription;
    SequenceTracker sequences; ///< what it sent, per source (the hub's lock guards it)
};

namespace {

/// A hub takes whole frames of any size (Validation has no payload bound).
constexpr std::uint32_t ANY_PAYLOAD = std::numeric_limits<std::uint32_t>::max();

DomainRules rulesOf(const ChannelHub::Options& options, const ChannelHub::Validation& validation) {
    DomainRules rules;
    rules.domain = options.domain;
    rules.customTypes = validation.customTypes;
    rules.validateChecksums = validation.validateChecksums;
    rules.requireSequence = validation.requireSequence;
    return rules;
}

} // namespace

class ChannelHub::Impl {
public:
    Impl(Options opts, Validation checks)
        : options(std::move(opts)), validation(std::move(checks)), policy(rulesOf(options, validation)) {}

    SendStatus send(ChannelTransport::Endpoint* sender, std::span<const std::uint8_t> bytes) {
        std::lock_guard lock(mutex);
        // All or none: with backpressure, refuse the whole batch if any
        // receiver lacks room for its share.
        std::uint64_t frameCount = 0;
        for (wire::FrameCursor counting(bytes, ANY_PAYLOAD); counting.next();) ++frameCount;
        if (!options.dropWhenFull) {
            for (auto* endpoint : endpoints) {
                if (endpoint == sender) continue;
                std::lock_guard queueLock(endpoint->mutex);
                if (endpoint->frames + frameCount > options.capacityFrames) return SendStatus::WouldBlock;
            }
        }
        // Stops at a partial frame or broken framing: the caller broke send()'s precondition.
        wire::FrameCursor cursor(bytes, ANY_PAYLOAD);
        while (const auto next = cursor.next()) {
            const std::uint8_t* frame = next->data();
            const std::size_t size = next->size();
            ++counters.framesIn;
            const std::uint8_t type = frame[wire::header::MESSAGE_TYPE_OFFSET];
            if (type == static_cast<std::uint8_t>(wire::MessageType::Subscribe)) {
                subscribe(sender, frame, size);
                continue;
            }
            if (const auto reason = policy.admit(*next, sender->sequences)) {
                count(*reason);
                continue;
            }
            for (auto* endpoint : endpoints) {
                if (endpoint == sender || !endpoint->subscription.test(type)) continue;
                std::lock_guard queueLock(endpoint->mutex);
                if (endpoint->frames >= options.capacityFrames) {
                    ++counters.dropsQueueFull;
                    continue;
                }
                endpoint->queue.insert(endpoint->queue.end(), frame, frame + size);
                ++endpoint->frames;
                ++counters.framesDelivered;
                const std::uint64_t one = 1;
                [[maybe_unused]] const auto n = ::write(endpoint->eventFd, &one, sizeof one);
            }
        }
        return SendStatus::Ok;
    }

    void subscribe(ChannelTransport::Endpoint* sender, const std::uint8_t* frame, std::size_t size) {
        const auto view = wire::SubscribeView::parse(frame, size, true);
        if (view) sender->subscription = wire::subscribe::types(*view);
    }

    void count(DropReason reason) noexcept {
        switch (reason) {
        case DropReason::OutOfDomain: ++counters.dropsOutOfDomain; break;
        case DropReason::BadChecksum: ++counters.dropsBadChecksum; break;
        case DropReason::BadSequence: ++counters.dropsBadSequence; break;
        default: break; // the policy's checks give no other reason
        }
    }

    Options options;
    Validation validation;
    DomainPolicy policy; ///< options.domain and validation, compiled
    mutable std::mutex mutex; ///< guards endpoints, subscriptions and counters
    std::vector<ChannelTransport::Endpoint*> endpoints;
    Counters counters;
};

std::shared_ptr<ChannelHub> ChannelHub::create(Options options) { return create(std::move(options), Validation{}); }

std::shared_ptr<ChannelHub> ChannelHub::create(Options options, Validation validation) {
    return std::make_shared<ChannelHub>(std::make_unique<Impl>(std::move(options), std::move(validation)));
}

std::shared_ptr<ChannelHub> ChannelHub::named(const Options& options, const Validation& validation) {
    // Weak references: a hub lives while an endpoint (or its creator) holds
    // it, like a relay that runs while it has clients.
    static std::mutex registryMutex;
    static std::map<std::string, std::weak_ptr<ChannelHub>> registry;
    std::lock_guard lock(registryMutex);
    auto& slot = registry[options.name];
    if (auto hub = slot.lock()) {
        if (hub->options().domain != options.domain) {
            throw std::invalid_argument("channel '" + options.name + "' already carries domain " +
                                        std::string(wire::domainName(hub->options().domain)));
        }
        return hub;
    }
    auto hub = create(options, validation);
    slot = hub;
    return hub;
}
ChannelHub::ChannelHub(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
ChannelHub::~ChannelHub() = default;
ChannelHub::Counters ChannelHub::counters() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->counters;
}
const ChannelHub::Options& ChannelHub::options() const noexcept { return m_impl->options; }

ChannelTransport::ChannelTransport(std::shared_ptr<ChannelHub> hub) : m_hub(std::move(hub)) {}
ChannelTransport::~ChannelTransport() { close(); }

bool ChannelTransport::connect() {
    close();
    m_endpoint = std::make_shared<Endpoint>();
    std::lock_guard lock(m_hub->impl().mutex);
    m_hub->impl().endpoints.push_back(m_endpoint.get());
    m_reason.clear();
    return true;
}

bool ChannelTransport::connected() const noexcept { return m_endpoint != nullptr; }

void ChannelTransport::close() noexcept {
    if (!m_endpoint) return;
    {
        std::lock_guard lock(m_hub->impl().mutex);
        auto& list = m_hub->impl().endpoints;
        list.erase(std::remove(list.begin(), list.end(), m_endpoint.get()), list.end());
    }
    m_endpoint.reset();
    m_reason = "closed";
}

SendStatus ChannelTransport::send(std::span<const std::uint8_t> frames) {
    if (!m_endpoint) return SendStatus::Closed;
    return m_hub->impl().send(m_endpoint.get(), frames);
}

int ChannelTransport::pollFd() const noexcept { return m_endpoint ? m_endpoint->eventFd : -1; }

int ChannelTransport::receive(FrameHandler handler, int timeoutMs) {
    if (!m_endpoint) return -1;
    pollfd pfd{m_endpoint->eventFd, POLLIN, 0};
    if (::poll(&pfd, 1, timeoutMs) <= 0) return 0;
    std::uint64_t ignored = 0;
    [[maybe_unused]] const auto n = ::read(m_endpoint->eventFd, &ignored, sizeof ignored);
    {
        std::lock_guard lock(m_endpoint->mutex);
        m_scratch.clear();
        m_scratch.swap(m_endpoint->queue); // the two buffers trade places: no allocation once warm
        m_endpoint->frames = 0;
    }
    int delivered = 0;
    for (wire::FrameCursor cursor(m_scratch, ANY_PAYLOAD); const auto frame = cursor.next();) {
        handler(*frame);
        ++delivered;
    }
    return delivered;
}

std::string ChannelTransport::describe() const { return "channel:" + m_hub->options().name; }

} // namespace alphapulse::transport
