#pragma once
// In-process channels: the transport for services linked into one binary,
// and for tests. A ChannelHub is an in-process relay for one domain: the same
// fan-out (to every other endpoint, never back to the sender), the same
// domain filter and subscriptions, and a bounded queue per endpoint with the
// domain's overload policy (drop for that endpoint, or WouldBlock for the
// sender). Each endpoint has an eventfd, so it can be polled like a socket.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alphapulse/transport/transport.hpp"

namespace alphapulse::transport {

class ChannelHub {
public:
    struct Options {
        std::string name = "channel";
        wire::Domain domain = wire::Domain::MarketData;
        std::uint64_t capacityFrames = 100'000; ///< per endpoint
        bool dropWhenFull = true;               ///< false: the sender gets WouldBlock instead
    };
    /// What a hub checks besides the domain (the relay's validate_checksums,
    /// custom_types and require_sequence): with Options::domain, the hub's
    /// DomainRules. Separate from Options so that its brace-initialised uses
    /// stay valid.
    struct Validation {
        bool validateChecksums = false;        ///< drop frames whose checksum does not match
        std::vector<std::uint8_t> customTypes; ///< custom types (200-255) the hub also carries
        bool requireSequence = false;          ///< each source's sequence must rise by one, per endpoint
    };
    struct Counters {
        std::uint64_t framesIn = 0;
        std::uint64_t framesDelivered = 0;
        std::uint64_t dropsQueueFull = 0;
        std::uint64_t dropsOutOfDomain = 0;
        std::uint64_t dropsBadChecksum = 0;
        std::uint64_t dropsBadSequence = 0;
    };

    [[nodiscard]] static std::shared_ptr<ChannelHub> create(Options options);
    [[nodiscard]] static std::shared_ptr<ChannelHub> create(Options options, Validation validation);
    /// The process-wide hub called `options.name`: every caller asking for
    /// the same name while any endpoint still holds it gets the same hub (so
    /// services in one process asking for a domain meet on one bus); the
    /// first caller's options make it. Throws std::invalid_argument when a
    /// live hub of that name carries another domain.
    [[nodiscard]] static std::shared_ptr<ChannelHub> named(const Options& options, const Validation& validation);
    [[nodiscard]] Counters counters() const;
    [[nodiscard]] const Options& options() const noexcept;

    class Impl;
    explicit ChannelHub(std::unique_ptr<Impl> impl);
    ~ChannelHub();
    [[nodiscard]] Impl& impl() noexcept { return *m_impl; }

private:
    std::unique_ptr<Impl> m_impl;
};

/// One endpoint of a hub. connect() joins the hub, close() leaves it.
class ChannelTransport final : public Transport {
public:
    explicit ChannelTransport(std::shared_ptr<ChannelHub> hub);
    ~ChannelTransport() override;
    ChannelTransport(const ChannelTransport&) = delete;
    ChannelTransport& operator=(const ChannelTransport&) = delete;

    bool connect() override;
    [[nodiscard]] bool connected() const noexcept override;
    SendStatus send(std::span<const std::uint8_t> frames) override;
    bool flush() override { return connected(); }
    [[nodiscard]] std::size_t pendingBytes() const noexcept override { return 0; }
    int receive(FrameHandler handler, int timeoutMs) override;
    [[nodiscard]] int pollFd() const noexcept override;
    void close() noexcept override;
    [[nodiscard]] const std::string& reason() const noexcept override { return m_reason; }
    [[nodiscard]] std::string describe() const override;

    struct Endpoint;

private:
    std::shared_ptr<ChannelHub> m_hub;
    std::shared_ptr<Endpoint> m_endpoint;
    std::vector<std::uint8_t> m_scratch; ///< frames taken from the queue, delivered outside the lock
    std::string m_reason;
};

} // namespace alphapulse::transport
