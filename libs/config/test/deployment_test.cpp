// The deployment file: the shapes the design document shows parse, and every
// malformed key, type and value is refused with a message naming the file,
// the line and the key.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/config/deployment.hpp"
#include "alphapulse/config/transport_table.hpp"
#include "alphapulse/config/transports/channel.hpp"
#include "alphapulse/config/transports/nats.hpp"
#include "alphapulse/config/transports/shared_memory.hpp"
#include "alphapulse/config/transports/tcp.hpp"
#include "alphapulse/config/transports/unix_socket.hpp"
#include "alphapulse/nats/nats_transport.hpp"
#include "alphapulse/transport/channel_transport.hpp"
#include "alphapulse/transport/stream_transport.hpp"
#include "alphapulse/transport/transport.hpp"
#include "alphapulse/wire/messages.hpp"

using namespace alphapulse;
using config::ConfigError;
using wire::Domain;

namespace {

/// The message of the ConfigError that parsing `yaml` throws ("" if none).
std::string refusal(const std::string& yaml) {
    try {
        static_cast<void>(config::parseDeployment(yaml, "deploy.yaml"));
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

#define EXPECT_REFUSED(yaml, ...)                                                                  \
    do {                                                                                           \
        const std::string message_ = refusal(yaml);                                                \
        ASSERT_FALSE(message_.empty()) << "accepted:\n" << (yaml);                                 \
        for (const std::string part_ : {__VA_ARGS__}) {                                            \
            EXPECT_NE(message_.find(part_), std::string::npos) << "'" << part_ << "' not in: " << message_; \
        }                                                                                          \
    } while (0)

} // namespace

// ---- the shapes of the design document ----

TEST(Deployment, ConfigurationDrivenTransportSelection) {
    // "Configuration-Driven Transport Selection" (shared memory and channel per domain).
    const auto d = config::parseDeployment(R"(
alphapulse:
  market_data:
    transport: unix_socket  # or "channel" or "shared_memory"
    path: /tmp/alphapulse/market_data.sock
  signals:
    transport: channel      # Already migrated to message bus
    capacity: 100000
  execution:
    transport: shared_memory # Ultra-low latency for orders
    size_mb: 64
)");
    ASSERT_EQ(d.domains.size(), 3u);
    const auto* md = d.domain(Domain::MarketData);
    ASSERT_NE(md, nullptr);
    EXPECT_EQ(md->transport, &config::rows::UNIX_SOCKET);
    EXPECT_EQ(md->settings<config::UnixSocketSettings>().path, "/tmp/alphapulse/market_data.sock");
    EXPECT_EQ(md->relay.socketPath, "/tmp/alphapulse/market_data.sock");
    EXPECT_EQ(md->relay.overload, relay::OverloadPolicy::Drop);
    const auto* sig = d.domain(Domain::Signals);
    ASSERT_NE(sig, nullptr);
    EXPECT_EQ(sig->transport, &config::rows::CHANNEL);
    EXPECT_EQ(sig->settings<config::ChannelSettings>().capacity, 100'000u);
    EXPECT_EQ(sig->settings<config::ChannelSettings>().name, "signals");
    const auto* ex = d.domain(Domain::Execution);
    ASSERT_NE(ex, nullptr);
    EXPECT_EQ(ex->transport, &config::rows::SHARED_MEMORY);
    EXPECT_EQ(ex->settings<config::SharedMemorySettings>().sizeBytes, 64ull << 20);
    EXPECT_EQ(ex->settings<config::SharedMemorySettings>().name, "alphapulse-execution");
    EXPECT_EQ(ex->relay.requireSequence, true); // execution's policy defaults stay
    EXPECT_EQ(d.domain(Domain::System), nullptr);
}

TEST(Deployment, StageOneTopLevelTransportDefault) {
    const auto d = config::parseDeployment(R"(
alphapulse:
  transport: unix_socket
  market_data:
    path: /tmp/alphapulse/market_data.sock
  signals:
    path: /tmp/alphapulse/signals.sock
  execution:
    path: /tmp/alphapulse/execution.sock
)");
    ASSERT_EQ(d.domains.size(), 3u);
    for (const auto& s : d.domains) EXPECT_EQ(s.transport, &config::rows::UNIX_SOCKET);
    EXPECT_EQ(d.domain(Domain::Signals)->settings<config::UnixSocketSettings>().path, "/tmp/alphapulse/signals.sock");
}

TEST(Deployment, StageTwoMixedModeWithTypeSynonym) {
    const auto d = config::parseDeployment(R"(
alphapulse:
  transport: mixed
  market_data:
    type: channels      # Migrated to message bus
    capacity: 1000000
  signals:
    type: unix_socket   # Still on sockets
    path: /tmp/alphapulse/signals.sock
  execution:
    type: unix_socket   # Still on sockets
    path: /tmp/alphapulse/execution.sock
)");
    EXPECT_EQ(d.domain(Domain::MarketData)->transport, &config::rows::CHANNEL);
    EXPECT_EQ(d.domain(Domain::MarketData)->settings<config::ChannelSettings>().capacity, 1'000'000u);
    EXPECT_EQ(d.domain(Domain::Signals)->transport, &config::rows::UNIX_SOCKET);
}

TEST(Deployment, StageThreeFullMessageBus) {
    const auto d = config::parseDeployment(R"(
alphapulse:
  transport: message_bus
  market_data:
    capacity: 1000000
  signals:
    capacity: 100000
  execution:
    capacity: 10000
)");
    for (const auto& s : d.domains) EXPECT_EQ(s.transport, &config::rows::CHANNEL);
    EXPECT_EQ(d.domain(Domain::Execution)->settings<config::ChannelSettings>().capacity, 10'000u);
}

TEST(Deployment, NetworkShapesSingleMachineAndDistributed) {
    const auto single = config::parseDeployment(R"(
alphapulse:
  deployment: single-machine
  market_data:
    transport: unix_socket
    path: /tmp/alphapulse/market_data.sock
)");
    EXPECT_EQ(single.domain(Domain::MarketData)->transport, &config::rows::UNIX_SOCKET);
    const auto distributed = config::parseDeployment(R"(
alphapulse:
  deployment: distributed
  market_data:
    transport: nats
    servers: ["nats://trading1:4222", "nats://trading2:4222"]
    subject_prefix: "alphapulse.market"
)");
    const auto* md = distributed.domain(Domain::MarketData);
    ASSERT_NE(md, nullptr);
    EXPECT_EQ(md->transport, &config::rows::NATS);
    ASSERT_EQ(md->settings<nats::NatsOptions>().servers.size(), 2u);
    EXPECT_EQ(md->settings<nats::NatsOptions>().servers[1], "nats://trading2:4222");
    EXPECT_EQ(md->settings<nats::NatsOptions>().subjectPrefix, "alphapulse.market");
    EXPECT_EQ(md->settings<nats::NatsOptions>().jetstream.stream, "ALPHAPULSE_MARKET_DATA");
}

TEST(Deployment, TheHeaderExampleWithConsumers) {
    const auto d = config::parseDeployment(R"(
alphapulse:
  runtime_dir: /run/ap/
  market_data:
    transport: shared_memory
    size_mb: 64
    wait: spin
    spin_us: 20
  signals:
    transport: unix_socket
  execution:
    transport: tcp
    address: 127.0.0.1:7403
    allowed_addresses: [127.0.0.1, 10.1.0.0/16, "::1"]
  system:
    transport: channel
  consumers:
    strategy:
      market_data: { message_types: [Trade, Quote] }
      signals: { message_types: [arbitrageopportunity, 201] }
  services:
    anything: { goes: here }
  dashboard: { port: 8080 }
  bridge: [whatever]
)");
    EXPECT_EQ(d.runtimeDir, "/run/ap");
    EXPECT_EQ(d.domain(Domain::Signals)->settings<config::UnixSocketSettings>().path, "/run/ap/signals.sock");
    const auto* shm = d.domain(Domain::MarketData);
    EXPECT_EQ(shm->settings<config::SharedMemorySettings>().wait, config::SharedMemorySettings::Wait::Spin);
    EXPECT_EQ(shm->settings<config::SharedMemorySettings>().spinUs, 20u);
    const auto* tcp = d.domain(Domain::Execution);
    EXPECT_EQ(tcp->settings<config::TcpSettings>().host, "127.0.0.1");
    EXPECT_EQ(tcp->settings<config::TcpSettings>().port, 7403);
    EXPECT_EQ(tcp->settings<config::TcpSettings>().allowedAddresses.size(), 3u);
    EXPECT_EQ(tcp->relay.tcpAddress, "127.0.0.1:7403");
    EXPECT_EQ(tcp->relay.allowedAddresses, tcp->settings<config::TcpSettings>().allowedAddresses);
    EXPECT_EQ(tcp->relay.socketPath, "/run/ap/execution.sock"); // its stats socket is <this>.stats
    EXPECT_EQ(d.domain(Domain::System)->settings<config::ChannelSettings>().capacity, 100'000u); // system's max_queue_size
    const auto* strategy = d.consumer("strategy");
    ASSERT_NE(strategy, nullptr);
    const auto& md = strategy->subscriptions.at(Domain::MarketData);
    EXPECT_TRUE(md.test(1));
    EXPECT_TRUE(md.test(2));
    EXPECT_EQ(md.count(), 2u);
    const auto& sig = strategy->subscriptions.at(Domain::Signals);
    EXPECT_TRUE(sig.test(20));
    EXPECT_TRUE(sig.test(201));
    EXPECT_EQ(d.consumer("nobody"), nullptr);
}

TEST(Deployment, RelayPolicyKeysApplyToTheDomain) {
    const auto d = config::parseDeployment(R"(
alphapulse:
  market_data:
    transport: tcp
    address: "[::1]:7400"
    max_queue_size: 5000
    circuit_breaker: 4000
    overload: backpressure
    validate_checksums: true
    custom_types: [210]
)");
    const auto& r = d.domain(Domain::MarketData)->relay;
    EXPECT_EQ(r.maxQueueSize, 5000u);
    EXPECT_EQ(r.circuitBreaker, 4000u);
    EXPECT_EQ(r.overload, relay::OverloadPolicy::Backpressure);
    EXPECT_TRUE(r.validateChecksums);
    ASSERT_EQ(r.customTypes.size(), 1u);
    EXPECT_EQ(d.domain(Domain::MarketData)->settings<config::TcpSettings>().host, "::1");
}

TEST(Deployment, NatsEverything) {
    const auto d = config::parseDeployment(R"(
alphapulse:
  execution:
    transport: nats
    servers: nats://svc:pw@127.0.0.1:4222/
    user: trader
    password: secret
    nkey_seed_file: /etc/ap/seed
    creds_file: /etc/ap/creds
    tls: { ca_file: ca.pem, cert_file: c.pem, key_file: k.pem }
    jetstream: { stream: ORDERS, durable: engine, deliver: "sequence:42", max_bytes: 1048576 }
)");
    const auto& n = d.domain(Domain::Execution)->settings<nats::NatsOptions>();
    EXPECT_EQ(n.servers.size(), 1u);
    EXPECT_EQ(n.user, "trader");
    EXPECT_TRUE(n.tls);
    EXPECT_EQ(n.tlsKeyFile, "k.pem");
    EXPECT_TRUE(n.jetstream.enabled);
    EXPECT_EQ(n.jetstream.stream, "ORDERS");
    EXPECT_EQ(nats::deliverText(n.jetstream.deliver), "sequence:42");
    EXPECT_EQ(n.jetstream.maxBytes, 1048576u);
    EXPECT_TRUE(n.jetstream.ack); // execution: acknowledged unless said otherwise
}

TEST(Deployment, DefaultDeploymentIsUnixSocketsUnderTheRuntimeDir) {
    const auto d = config::defaultDeployment();
    ASSERT_EQ(d.domains.size(), 4u);
    for (const auto& s : d.domains) {
        EXPECT_EQ(s.transport, &config::rows::UNIX_SOCKET);
        EXPECT_EQ(s.settings<config::UnixSocketSettings>().path, d.runtimeDir + "/" + std::string(wire::domainName(s.domain)) + ".sock");
    }
}

// ---- refusals: each names the key and its line ----

TEST(DeploymentRefuses, UnknownTopLevelKey) {
    EXPECT_REFUSED("alphapulse:\n  market_data: {transport: channel}\n  sevices: {}\n", "deploy.yaml:3",
                   "alphapulse.sevices", "unknown key", "runtime_dir", "consumers");
    EXPECT_REFUSED("other: 1\nalphapulse: {}\n", "deploy.yaml:1", "top-level");
    EXPECT_REFUSED("- a\n- b\n", "alphapulse:");
    EXPECT_REFUSED("alphapulse: [1]\n", "expected a mapping");
}

TEST(DeploymentRefuses, UnknownDomainKeyListsTheAllowedOnes) {
    EXPECT_REFUSED("alphapulse:\n  market_data:\n    transport: shared_memory\n    sise_mb: 4\n", "deploy.yaml:4",
                   "alphapulse.market_data.sise_mb", "unknown key", "size_mb", "max_queue_size");
}

TEST(DeploymentRefuses, AKeyOfAnotherTransport) {
    EXPECT_REFUSED("alphapulse:\n  signals:\n    transport: tcp\n    address: 127.0.0.1:9\n    path: /x.sock\n",
                   "deploy.yaml:5", "alphapulse.signals.path", "unix_socket setting", "transport is tcp");
    EXPECT_REFUSED("alphapulse:\n  signals:\n    transport: unix_socket\n    capacity: 10\n", "deploy.yaml:4",
                   "channel setting");
}

TEST(DeploymentRefuses, MissingOrUnknownTransport) {
    EXPECT_REFUSED("alphapulse:\n  market_data:\n    path: /x.sock\n", "deploy.yaml:3", "alphapulse.market_data",
                   "no transport");
    EXPECT_REFUSED("alphapulse:\n  market_data:\n    transport: carrier_pigeon\n", "deploy.yaml:3",
                   "alphapulse.market_data.transport", "carrier_pigeon", "unix_socket, tcp");
    EXPECT_REFUSED("alphapulse:\n  transport: smoke\n", "deploy.yaml:2", "alphapulse.transport", "smoke");
    EXPECT_REFUSED("alphapulse:\n  market_data:\n    transport: tcp\n    type: tcp\n    address: a:1\n",
                   "deploy.yaml:4", "both given");
    EXPECT_REFUSED("alphapulse:\n  market_data:\n    transport: [tcp]\n", "deploy.yaml:3", "expected a string");
}

TEST(DeploymentRefuses, BadTcpAddresses) {
    const auto tcp = [](const std::string& address) {
        return "alphapulse:\n  execution:\n    transport: tcp\n    address: \"" + address + "\"\n";
    };
    EXPECT_REFUSED(tcp("127.0.0.1:70000"), "deploy.yaml:4", "alphapulse.execution.address", "1 to 65535");
    EXPECT_REFUSED(tcp("127.0.0.1:0"), "deploy.yaml:4", "1 to 65535");
    EXPECT_REFUSED(tcp("127.0.0.1"), "deploy.yaml:4", "host:port");
    EXPECT_REFUSED(tcp(":7400"), "deploy.yaml:4", "no host");
    EXPECT_REFUSED(tcp("localhost:http"), "deploy.yaml:4", "not a number");
    EXPECT_REFUSED(tcp("::1:7400"), "deploy.yaml:4", "brackets");
    EXPECT_REFUSED("alphapulse:\n  execution:\n    transport: tcp\n", "deploy.yaml:3", "alphapulse.execution",
                   "needs 'address");
    EXPECT_REFUSED("alphapulse:\n  execution:\n    transport: tcp\n    address: 127.0.0.1:1\n"
                   "    allowed_addresses: [127.0.0.1, 10.0.0.0/33]\n",
                   "deploy.yaml:5", "alphapulse.execution.allowed_addresses", "10.0.0.0/33");
    EXPECT_REFUSED("alphapulse:\n  execution:\n    transport: tcp\n    address: 127.0.0.1:1\n"
                   "    allowed_addresses: [trading1]\n",
                   "deploy.yaml:5", "trading1");
}

TEST(DeploymentRefuses, BadSharedMemoryValues) {
    const auto shm = [](const std::string& line) {
        return "alphapulse:\n  market_data:\n    transport: shared_memory\n    " + line + "\n";
    };
    EXPECT_REFUSED(shm("size_mb: 0"), "deploy.yaml:4", "alphapulse.market_data.size_mb", "out of range");
    EXPECT_REFUSED(shm("size_mb: -5"), "deploy.yaml:4", "not a whole number");
    EXPECT_REFUSED(shm("size_mb: lots"), "deploy.yaml:4", "not a whole number");
    EXPECT_REFUSED(shm("size_mb: [64]"), "deploy.yaml:4", "expected a number");
    EXPECT_REFUSED(shm("wait: nap"), "deploy.yaml:4", "alphapulse.market_data.wait", "spin or block");
    EXPECT_REFUSED(shm("spin_us: 2000000"), "deploy.yaml:4", "out of range");
    EXPECT_REFUSED(shm("name: a/b"), "deploy.yaml:4", "without '/'");
}

TEST(DeploymentRefuses, BadChannelValues) {
    EXPECT_REFUSED("alphapulse:\n  signals:\n    transport: channel\n    capacity: 0\n", "deploy.yaml:4",
                   "alphapulse.signals.capacity", "out of range");
    EXPECT_REFUSED("alphapulse:\n  signals:\n    transport: channel\n    name: \"\"\n", "deploy.yaml:4", "empty name");
}

TEST(DeploymentRefuses, BadRelayPolicyValues) {
    EXPECT_REFUSED("alphapulse:\n  signals:\n    transport: unix_socket\n    overload: panic\n", "deploy.yaml:4",
                   "alphapulse.signals.overload", "drop or backpressure");
    EXPECT_REFUSED("alphapulse:\n  signals:\n    transport: channel\n    validate_checksums: maybe\n",
                   "deploy.yaml:4", "alphapulse.signals.validate_checksums", "not a valid value");
    EXPECT_REFUSED("alphapulse:\n  signals:\n    transport: channel\n    custom_types: [150]\n", "deploy.yaml:4",
                   "200-255");
    EXPECT_REFUSED("alphapulse:\n  signals:\n    transport: channel\n    max_queue_size: 10\n    circuit_breaker: 20\n",
                   "deploy.yaml:3", "alphapulse.signals", "circuit_breaker");
    EXPECT_REFUSED("alphapulse:\n  signals:\n    transport: channel\n    max_queue_size: 0\n", "deploy.yaml:4",
                   "max_queue_size");
    EXPECT_REFUSED("alphapulse:\n  execution:\n    transport: unix_socket\n    max_clients: 0\n", "deploy.yaml:4",
                   "alphapulse.execution.max_clients", "1 to 1000000");
    EXPECT_REFUSED("alphapulse:\n  execution:\n    transport: unix_socket\n    max_clients: -3\n", "deploy.yaml:4",
                   "alphapulse.execution.max_clients", "not a valid value");
    EXPECT_REFUSED("alphapulse:\n  market_data:\n    transport: tcp\n    address: 127.0.0.1:7001\n"
                   "    max_total_queue_bytes: 4096\n",
                   "deploy.yaml:5", "alphapulse.market_data.max_total_queue_bytes", "at least 1048576");
    const auto ok = config::parseDeployment(
        "alphapulse:\n  execution:\n    transport: unix_socket\n    max_clients: 8\n    max_total_queue_bytes: 2097152\n");
    const auto& execution = config::requireDomain(ok, Domain::Execution);
    EXPECT_EQ(execution.relay.maxClients, 8u);
    EXPECT_EQ(execution.relay.maxTotalQueueBytes, 2097152u);
}

TEST(DeploymentRefuses, BadJournalValuesWithTheNestedKeyAndItsLine) {
    const auto journal = [](const std::string& lines) {
        return "alphapulse:\n  execution:\n    transport: unix_socket\n    journal:\n" + lines;
    };
    EXPECT_REFUSED(journal("      dir: /tmp/j\n      window_frames: 3\n"), "deploy.yaml:6",
                   "alphapulse.execution.journal.window_frames", "16 to 100000000");
    EXPECT_REFUSED(journal("      window_bytes: 100\n"), "deploy.yaml:5", "alphapulse.execution.journal.window_bytes",
                   "1048576");
    EXPECT_REFUSED(journal("      windows: 3\n"), "deploy.yaml:5", "alphapulse.execution.journal.windows",
                   "unknown setting");
    EXPECT_REFUSED("alphapulse:\n  execution:\n    transport: unix_socket\n    journal: maybe\n", "deploy.yaml:4",
                   "alphapulse.execution.journal");
    const auto ok = config::parseDeployment(journal("      dir: /var/lib/j\n      window_frames: 5000\n      fsync: true\n") +
                                            "  market_data:\n    transport: unix_socket\n");
    const auto& execution = config::requireDomain(ok, Domain::Execution);
    EXPECT_TRUE(execution.relay.journal.enabled);
    EXPECT_EQ(execution.relay.journal.dir, "/var/lib/j");
    EXPECT_EQ(execution.relay.journal.windowFrames, 5000u);
    EXPECT_TRUE(execution.relay.journal.fsync);
    EXPECT_FALSE(config::requireDomain(ok, Domain::MarketData).relay.journal.enabled) << "off by default elsewhere";
}

TEST(DeploymentRefuses, BadNatsValues) {
    const auto nats = [](const std::string& line) {
        return "alphapulse:\n  signals:\n    transport: nats\n    " + line + "\n";
    };
    EXPECT_REFUSED(nats("servers: [http://x:4222]"), "deploy.yaml:4", "alphapulse.signals.servers", "nats://");
    EXPECT_REFUSED(nats("servers: [nats://x:99999]"), "deploy.yaml:4", "1 to 65535");
    EXPECT_REFUSED(nats("servers: []"), "deploy.yaml:4", "at least one");
    EXPECT_REFUSED(nats("subject_prefix: \"a.*\""), "deploy.yaml:4", "subject_prefix");
    EXPECT_REFUSED(nats("tls: {ca: x}"), "deploy.yaml:4", "alphapulse.signals.tls.ca", "ca_file");
    EXPECT_REFUSED(nats("tls: {cert_file: c.pem}"), "deploy.yaml:4", "key_file");
    EXPECT_REFUSED(nats("jetstream: {deliver: sometimes}"), "deploy.yaml:4", "alphapulse.signals.jetstream.deliver");
    EXPECT_REFUSED(nats("jetstream: {acks: true}"), "deploy.yaml:4", "jetstream.acks", "ack");
    EXPECT_REFUSED(nats("jetstream: {stream: a.b}"), "deploy.yaml:4", "jetstream.stream");
    EXPECT_REFUSED(nats("password: p"), "deploy.yaml:3", "password without user");
}

TEST(DeploymentRefuses, BadConsumers) {
    EXPECT_REFUSED("alphapulse:\n  consumers:\n    strategy:\n      market_data: { message_types: [Trade, Quoet] }\n",
                   "deploy.yaml:4", "alphapulse.consumers.strategy.market_data.message_types", "Quoet");
    EXPECT_REFUSED("alphapulse:\n  consumers:\n    strategy:\n      market_data: { message_types: [OrderRequest] }\n",
                   "deploy.yaml:4", "a message of execution, not of market_data");
    EXPECT_REFUSED("alphapulse:\n  consumers:\n    strategy:\n      markets: { message_types: [Trade] }\n",
                   "deploy.yaml:4", "alphapulse.consumers.strategy.markets", "unknown domain");
    EXPECT_REFUSED("alphapulse:\n  consumers:\n    strategy:\n      market_data: { types: [Trade] }\n",
                   "deploy.yaml:4", "market_data.types", "message_types");
    EXPECT_REFUSED("alphapulse:\n  consumers:\n    strategy:\n      market_data: { message_types: Trade }\n",
                   "deploy.yaml:4", "a list");
    EXPECT_REFUSED("alphapulse:\n  consumers:\n    strategy:\n      market_data: { message_types: [7] }\n",
                   "deploy.yaml:4", "custom type");
}

TEST(DeploymentRefuses, BrokenYamlAndMissingFiles) {
    EXPECT_REFUSED("alphapulse:\n  market_data: {transport: channel\n", "deploy.yaml:", "not valid YAML");
    try {
        static_cast<void>(config::loadDeployment("/nonexistent/deploy.yaml"));
        FAIL() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/deploy.yaml"), std::string::npos);
    }
}

TEST(DeploymentFile, LoadNamesTheFileInMessages) {
    const auto path = std::filesystem::temp_directory_path() / ("ap-deploy-" + std::to_string(::getpid()) + ".yaml");
    std::ofstream(path) << "alphapulse:\n  market_data:\n    transport: channel\n    capacity: none\n";
    try {
        static_cast<void>(config::loadDeployment(path.string()));
        ADD_FAILURE() << "accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find(path.string() + ":4"), std::string::npos) << e.what();
    }
    std::filesystem::remove(path);
}

// ---- transports and clients ----

TEST(DeploymentTransport, ChannelClientsInOneProcessMeetOnOneHub) {
    const auto d = config::parseDeployment(R"(
alphapulse:
  market_data: { transport: channel, name: md-hub-test }
  consumers:
    strategy:
      market_data: { message_types: [Quote] }
)");
    client::ClientOptions producerOptions;
    producerOptions.name = "collector";
    producerOptions.subscription = std::bitset<256>{};
    auto producer = config::makeClient(d, Domain::MarketData, producerOptions);
    client::ClientOptions consumerOptions;
    consumerOptions.name = "strategy"; // subscribed to Quote only, by the file
    auto consumer = config::makeClient(d, Domain::MarketData, consumerOptions);
    EXPECT_EQ(consumer->transport().describe(), "channel:md-hub-test");
    ASSERT_TRUE(consumer->options().subscription.has_value());
    EXPECT_EQ(consumer->options().subscription->count(), 1u);

    std::vector<std::uint8_t> frames;
    for (std::uint64_t seq = 1; seq <= 4; ++seq) {
        const auto at = frames.size();
        if (seq % 2 == 0) {
            frames.resize(at + wire::QuoteLayout::SIZE);
            auto b = *wire::QuoteBuilder::into(frames.data() + at, wire::QuoteLayout::SIZE);
            b.source(1).sequence(seq / 2).timestamp(seq);
            b.finish();
        } else {
            frames.resize(at + wire::TradeLayout::SIZE);
            auto b = *wire::TradeBuilder::into(frames.data() + at, wire::TradeLayout::SIZE);
            b.source(2).sequence(seq / 2 + 1).timestamp(seq);
            b.finish();
        }
    }
    ASSERT_EQ(producer->publish(frames), transport::SendStatus::Ok);
    int quotes = 0;
    int others = 0;
    auto handler = [&](const wire::FrameView& f) {
        (f.messageType() == static_cast<std::uint8_t>(wire::MessageType::Quote) ? quotes : others)++;
    };
    for (int i = 0; i < 50 && quotes < 2; ++i) consumer->poll(handler, 20);
    EXPECT_EQ(quotes, 2);
    EXPECT_EQ(others, 0);
}

TEST(DeploymentTransport, AnExecutionChannelChecksEachSourcesSequenceAsTheRelayDoes) {
    // require_sequence (on for execution) holds on every transport: here a
    // hub in one process, per source on the publishing endpoint.
    const auto d = config::parseDeployment("alphapulse:\n  execution: { transport: channel, name: exec-seq-test }\n");
    client::ClientOptions producerOptions;
    producerOptions.name = "execution_sim";
    producerOptions.subscription = std::bitset<256>{};
    auto producer = config::makeClient(d, Domain::Execution, producerOptions);
    client::ClientOptions consumerOptions;
    consumerOptions.name = "risk";
    auto consumer = config::makeClient(d, Domain::Execution, consumerOptions);

    auto fill = [](std::uint8_t source, std::uint64_t seq) {
        std::vector<std::uint8_t> f(wire::FillLayout::SIZE);
        auto b = *wire::FillBuilder::into(f.data(), f.size());
        b.source(source).sequence(seq).timestamp(seq);
        b.finish();
        return f;
    };
    for (const auto& [source, seq] : {std::pair{1, 1}, {1, 2}, {1, 4}, {2, 7}, {2, 8}}) {
        static_cast<void>(producer->publish(fill(static_cast<std::uint8_t>(source), static_cast<std::uint64_t>(seq))));
    }
    std::vector<std::pair<unsigned, std::uint64_t>> got;
    auto handler = [&](const wire::FrameView& f) { got.emplace_back(f.source(), f.sequence()); };
    for (int i = 0; i < 20 && got.size() < 4; ++i) consumer->poll(handler, 20);
    consumer->poll(handler, 20);
    // 1:4 skips 3 and is dropped; source 2 starts its own count.
    const std::vector<std::pair<unsigned, std::uint64_t>> want{{1, 1}, {1, 2}, {2, 7}, {2, 8}};
    EXPECT_EQ(got, want);
}

TEST(DeploymentTransport, UnixAndTcpTransportsDescribeTheirAddress) {
    const auto d = config::parseDeployment(R"(
alphapulse:
  runtime_dir: /tmp/ap-test-none
  signals: { transport: unix_socket }
  execution: { transport: tcp, address: "127.0.0.1:9" }
)");
    EXPECT_EQ(config::makeTransport(d, Domain::Signals, "x")->describe(), "unix:/tmp/ap-test-none/signals.sock");
    EXPECT_EQ(config::makeTransport(d, Domain::Execution, "x")->describe(), "tcp:127.0.0.1:9");
}

TEST(Deployment, WriteModeIsPerDomainWithExecutionImmediateByDefault) {
    const auto d = config::parseDeployment(R"(
alphapulse:
  runtime_dir: /tmp/ap-test-none
  market_data: { transport: unix_socket }
  signals: { transport: unix_socket, write_mode: immediate }
  execution: { transport: tcp, address: "127.0.0.1:9" }
  system: { transport: tcp, address: "127.0.0.1:10", write_mode: immediate }
)");
    using transport::WriteMode;
    const auto modeOf = [&](Domain domain) {
        const auto t = config::makeTransport(d, domain, "x");
        const auto* stream = dynamic_cast<const transport::StreamTransport*>(t.get());
        return stream == nullptr ? std::optional<WriteMode>{} : stream->writeMode();
    };
    EXPECT_EQ(modeOf(Domain::MarketData), WriteMode::Batched);
    EXPECT_EQ(modeOf(Domain::Signals), WriteMode::Immediate);
    EXPECT_EQ(modeOf(Domain::Execution), WriteMode::Immediate);
    EXPECT_EQ(modeOf(Domain::System), WriteMode::Immediate);
    const auto e = config::parseDeployment("alphapulse:\n  execution: { transport: unix_socket, write_mode: batched }\n");
    EXPECT_EQ(config::requireDomain(e, Domain::Execution).writeMode, WriteMode::Batched);
    const auto defaults = config::defaultDeployment();
    EXPECT_EQ(config::requireDomain(defaults, Domain::MarketData).writeMode, WriteMode::Batched);
    EXPECT_EQ(config::requireDomain(defaults, Domain::Execution).writeMode, WriteMode::Immediate);
}

TEST(DeploymentRefuses, BadWriteMode) {
    EXPECT_REFUSED("alphapulse:\n  market_data:\n    transport: unix_socket\n    write_mode: lazy\n", "deploy.yaml:4",
                   "alphapulse.market_data.write_mode", "'lazy'", "batched or immediate");
    EXPECT_REFUSED("alphapulse:\n  signals:\n    transport: tcp\n    address: 127.0.0.1:9\n    write_mode: [batched]\n",
                   "deploy.yaml:5", "alphapulse.signals.write_mode", "expected a string");
    // Shared memory and channels have no socket writes to batch.
    EXPECT_REFUSED("alphapulse:\n  signals:\n    transport: shared_memory\n    write_mode: batched\n", "deploy.yaml:4",
                   "alphapulse.signals.write_mode", "transport is shared_memory");
}

TEST(Deployment, NatsWriteModeImmediateIsSendAsapWithExecutionImmediateByDefault) {
    const auto d = config::parseDeployment(R"(
alphapulse:
  market_data: { transport: nats }
  signals: { transport: nats, write_mode: immediate }
  execution: { transport: nats }
  system: { transport: nats, write_mode: batched }
)");
    const auto sendAsap = [&](Domain domain) {
        const auto t = config::makeTransport(d, domain, "x");
        const auto* nats = dynamic_cast<const nats::NatsTransport*>(t.get());
        return nats != nullptr && nats->options().sendAsap;
    };
    EXPECT_FALSE(sendAsap(Domain::MarketData));
    EXPECT_TRUE(sendAsap(Domain::Signals));
    EXPECT_TRUE(sendAsap(Domain::Execution));
    EXPECT_FALSE(sendAsap(Domain::System));
    EXPECT_REFUSED("alphapulse:\n  signals:\n    transport: nats\n    write_mode: soon\n", "deploy.yaml:4",
                   "alphapulse.signals.write_mode", "'soon'", "batched or immediate");
}

TEST(DeploymentTransport, UnconfiguredAndUnbuiltTransportsAreConfigErrors) {
    const auto d = config::parseDeployment("alphapulse:\n  signals: { transport: nats }\n");
    EXPECT_THROW(static_cast<void>(config::makeTransport(d, Domain::MarketData, "x")), ConfigError);
}

TEST(DeploymentTransport, ACommandsOwnSubscriptionWinsWhenItSaysSo) {
    const auto d = config::parseDeployment(R"(
alphapulse:
  market_data: { transport: channel, name: md-hub-subscriptions }
  consumers:
    tap:
      market_data: { message_types: [Quote] }
)");
    client::ClientOptions options;
    options.name = "tap";
    options.subscription = client::typesOf({wire::MessageType::Trade, wire::MessageType::OrderBook}); // --types
    const auto fromFile = config::makeClient(d, Domain::MarketData, options);
    ASSERT_TRUE(fromFile->options().subscription.has_value());
    EXPECT_EQ(fromFile->options().subscription->count(), 1u) << "the file's consumer entry";
    const auto fromOptions = config::makeClient(d, Domain::MarketData, options, config::SubscriptionSource::Options);
    ASSERT_TRUE(fromOptions->options().subscription.has_value());
    EXPECT_EQ(*fromOptions->options().subscription, *options.subscription) << "the command's own";
    options.subscription.reset(); // no --types: the file decides after all
    const auto none = config::makeClient(d, Domain::MarketData, options, config::SubscriptionSource::Options);
    ASSERT_TRUE(none->options().subscription.has_value());
    EXPECT_EQ(none->options().subscription->count(), 1u);
}

TEST(TransportTable, EveryKindHasOneRowFoundByItsNames) {
    std::set<std::string_view> names;
    for (const auto* row : config::transports()) {
        EXPECT_EQ(config::findTransport(row->name), row);
        for (const auto synonym : row->synonyms) EXPECT_EQ(config::findTransport(synonym), row);
        EXPECT_TRUE(names.insert(row->name).second) << row->name;
        config::DomainSettings d;
        config::useTransport(d, *row, "/tmp/ap");
        EXPECT_EQ(&config::transportOf(d), row);
        EXPECT_EQ(row->relayAddress(d).has_value(), row->relayProcess == config::RelayProcess::Alphapulse);
        EXPECT_EQ(row->noRelayReason(d).empty(), row->relayProcess == config::RelayProcess::Alphapulse);
    }
    EXPECT_EQ(config::transports().size(), 5u);
    EXPECT_EQ(config::findTransport("message_bus")->name, "channel");
    EXPECT_EQ(config::findTransport("carrier_pigeon"), nullptr);
    EXPECT_EQ(config::transportNames(), "unix_socket, tcp, shared_memory, channel or nats");
}

TEST(TransportTable, SettingsAreTheRowsOwnAndAskingForAnotherTransportsIsAnError) {
    config::DomainSettings none;
    EXPECT_THROW(static_cast<void>(config::transportOf(none)), ConfigError);
    EXPECT_THROW(static_cast<void>(none.settings<config::TcpSettings>()), ConfigError);

    const auto d = config::parseDeployment("alphapulse:\n  signals: { transport: tcp, address: \"127.0.0.1:7402\" }\n");
    const auto& signals = *d.domain(Domain::Signals);
    EXPECT_EQ(signals.settings<config::TcpSettings>().port, 7402);
    try {
        static_cast<void>(signals.settings<config::UnixSocketSettings>());
        ADD_FAILURE() << "a tcp domain handed out unix_socket settings";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("signals is on the tcp transport"), std::string::npos) << e.what();
    }

    // Moving a domain to another transport gives it that transport's defaults.
    auto moved = signals;
    config::useTransport(moved, config::rows::SHARED_MEMORY, "/tmp/ap");
    EXPECT_EQ(moved.settings<config::SharedMemorySettings>().name, "alphapulse-signals");
    config::useTransport(moved, config::rows::UNIX_SOCKET, "/tmp/ap");
    EXPECT_EQ(moved.settings<config::UnixSocketSettings>().path, "/tmp/ap/signals.sock");
    EXPECT_EQ(moved.relay.socketPath, "/tmp/ap/signals.sock");
}

TEST(TransportTable, StatsComeFromTheRelaySocketOrTheSegment) {
    const auto d = config::parseDeployment(R"(
alphapulse:
  runtime_dir: /tmp/ap
  market_data: { transport: shared_memory }
  signals: { transport: tcp, address: "127.0.0.1:7402" }
  execution: { transport: unix_socket }
  system: { transport: nats }
)");
    const auto stats = [&](Domain domain) { return config::transportOf(*d.domain(domain)).stats(*d.domain(domain)); };
    EXPECT_EQ(stats(Domain::MarketData).kind, config::StatsSource::Kind::Segment);
    EXPECT_EQ(stats(Domain::MarketData).path, "alphapulse-market_data");
    EXPECT_EQ(stats(Domain::Signals).path, "/tmp/ap/signals.sock.stats");
    EXPECT_EQ(stats(Domain::Execution).kind, config::StatsSource::Kind::RelaySocket);
    EXPECT_EQ(stats(Domain::Execution).path, "/tmp/ap/execution.sock.stats");
    EXPECT_EQ(stats(Domain::System).kind, config::StatsSource::Kind::None);
}
