#include <gtest/gtest.h>

#include "alphapulse/bridge/bridge.hpp"
#include "alphapulse/relay/relay_config.hpp"

using namespace alphapulse;

namespace {

std::string errorOf(const std::string& yaml) {
    try {
        static_cast<void>(bridge::parseBridgeConfig(yaml, "deploy.yaml"));
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "no error";
}

} // namespace

TEST(BridgeConfig, ParsesEveryKey) {
    const auto config = bridge::parseBridgeConfig(R"(
alphapulse:
  runtime_dir: /tmp/x
bridge:
  name: machine-a
  domains: [market_data, execution]
  nats:
    servers: [nats://10.0.0.1:4222, nats://10.0.0.2:4222]
    subject_prefix: desk.eu
    user: u
    password: p
    tls: { ca_file: ca.pem, cert_file: c.pem, key_file: k.pem }
    reconnect_wait_ms: 50
    jetstream: { domains: [execution], ack: true, deliver: "sequence:10", replicas: 3, storage: memory }
)");
    EXPECT_EQ(config.name, "machine-a");
    ASSERT_EQ(config.domains.size(), 2u);
    EXPECT_EQ(config.domains[1], wire::Domain::Execution);
    EXPECT_EQ(config.nats.servers.size(), 2u);
    EXPECT_EQ(config.nats.subjectPrefix, "desk.eu");
    EXPECT_EQ(config.nats.user, "u");
    EXPECT_TRUE(config.nats.tls);
    EXPECT_EQ(config.nats.tlsKeyFile, "k.pem");
    EXPECT_EQ(config.nats.reconnectWaitMs, 50);
    EXPECT_TRUE(config.nats.jetstream.enabled);
    EXPECT_TRUE(config.nats.jetstream.ack);
    EXPECT_EQ(config.nats.jetstream.durable, "machine-a");
    EXPECT_EQ(config.nats.jetstream.deliver.sequence, 10u);
    EXPECT_TRUE(config.nats.jetstream.memoryStorage);
    ASSERT_EQ(config.jetstreamDomains.size(), 1u);

    const auto md = bridge::bridgeNatsOptions(config, wire::Domain::MarketData, relay::defaultConfig(wire::Domain::MarketData));
    EXPECT_FALSE(md.jetstream.enabled);
    EXPECT_TRUE(md.dropWhenFull);
    EXPECT_EQ(md.name, "machine-a-market_data");
    const auto ex = bridge::bridgeNatsOptions(config, wire::Domain::Execution, relay::defaultConfig(wire::Domain::Execution));
    EXPECT_TRUE(ex.jetstream.enabled);
    EXPECT_TRUE(ex.validateChecksums);
    EXPECT_FALSE(ex.dropWhenFull);
    EXPECT_EQ(ex.domain, wire::Domain::Execution);
}

TEST(BridgeConfig, AlsoUnderAlphapulse) {
    const auto config = bridge::parseBridgeConfig("alphapulse:\n  bridge:\n    domains: [signals]\n    nats: {servers: nats://h:1}\n");
    ASSERT_EQ(config.domains.size(), 1u);
    EXPECT_EQ(config.nats.servers.front(), "nats://h:1");
}

TEST(BridgeConfig, ErrorsNameFileLineAndKey) {
    EXPECT_EQ(errorOf("bridge:\n  domains: [market_data]\n  nats:\n    servers: [x]\n    sever: y\n"),
              "deploy.yaml:5: bridge.nats.sever: unknown key; allowed: servers, subject_prefix, user, password, token, "
              "nkey_seed_file, creds_file, tls, jetstream, connect_timeout_ms, reconnect_wait_ms, max_reconnect, "
              "reconnect_buffer_bytes, ping_interval_ms");
    EXPECT_NE(errorOf("bridge:\n  domain: [market_data]\n").find("deploy.yaml:2: bridge.domain: unknown key"), std::string::npos);
    EXPECT_NE(errorOf("bridge:\n  nats: {}\n").find("bridge.domains: required"), std::string::npos);
    EXPECT_NE(errorOf("bridge:\n  domains: [market_data]\n").find("bridge.nats: required"), std::string::npos);
    EXPECT_NE(errorOf("bridge:\n  domains: [marketdata]\n  nats: {}\n").find("deploy.yaml:2: bridge.domains: unknown domain 'marketdata'"),
              std::string::npos);
    EXPECT_NE(errorOf("bridge:\n  domains: [signals, signals]\n  nats: {}\n").find("listed twice"), std::string::npos);
    EXPECT_NE(errorOf("bridge:\n  domains: [signals]\n  nats:\n    jetstream: {deliver: first}\n").find("deploy.yaml:4: bridge.nats.jetstream.deliver"),
              std::string::npos);
    EXPECT_NE(errorOf("bridge:\n  domains: [signals]\n  nats:\n    jetstream: {domains: [execution]}\n").find("not in bridge.domains"),
              std::string::npos);
    EXPECT_NE(errorOf("bridge:\n  domains: [signals]\n  nats:\n    reconnect_wait_ms: soon\n").find("deploy.yaml:4: bridge.nats.reconnect_wait_ms: 'soon' is not a whole number"),
              std::string::npos);
    EXPECT_NE(errorOf("bridge:\n  domains: [signals]\n  nats:\n    subject_prefix: a.>\n").find("wildcard"), std::string::npos);
    EXPECT_NE(errorOf("bridge:\n  domains: [signals]\n  nats:\n    password: p\n").find("password without user"), std::string::npos);
    EXPECT_NE(errorOf("bridge:\n  domains: [signals]\n  nats:\n    tls: {ca: x}\n").find("bridge.nats.tls.ca: unknown key"), std::string::npos);
    EXPECT_NE(errorOf("alphapulse: {}\n").find("no 'bridge:' key"), std::string::npos);
    EXPECT_NE(errorOf("bridge: [\n").find("deploy.yaml:"), std::string::npos);
}

TEST(BridgeConfig, NatsKeysAreCheckedAsADeploymentChecksThem) {
    // One parser for both files: a server URL and a JetStream stream name are checked the same way.
    EXPECT_NE(errorOf("bridge:\n  domains: [signals]\n  nats:\n    servers: [http://h:1]\n").find("deploy.yaml:4: bridge.nats.servers"),
              std::string::npos);
    EXPECT_NE(errorOf("bridge:\n  domains: [signals]\n  nats:\n    max_reconnect: -2\n").find("out of range (-1 to"),
              std::string::npos);
    const auto config = bridge::parseBridgeConfig("bridge:\n  domains: [signals]\n  nats: {max_reconnect: -1, jetstream: true}\n");
    EXPECT_EQ(config.nats.maxReconnect, -1);
    EXPECT_TRUE(config.nats.jetstream.enabled);
    EXPECT_EQ(config.nats.jetstream.durable, "bridge");
}
