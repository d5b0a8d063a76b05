#include <gtest/gtest.h>

#include "alphapulse/nats/nats_transport.hpp"
#include "alphapulse/transport/domain_policy.hpp"

using namespace alphapulse;
using nats::DeliverPolicy;

TEST(NatsOptions, DeliverPolicies) {
    EXPECT_EQ(nats::parseDeliver("all")->kind, DeliverPolicy::Kind::All);
    EXPECT_EQ(nats::parseDeliver("new")->kind, DeliverPolicy::Kind::New);
    EXPECT_EQ(nats::parseDeliver("last")->kind, DeliverPolicy::Kind::Last);
    const auto seq = nats::parseDeliver("sequence:42");
    ASSERT_TRUE(seq);
    EXPECT_EQ(seq->kind, DeliverPolicy::Kind::Sequence);
    EXPECT_EQ(seq->sequence, 42u);
    const auto time = nats::parseDeliver("time:2021-01-01T00:00:00Z");
    ASSERT_TRUE(time);
    EXPECT_EQ(time->kind, DeliverPolicy::Kind::Time);
    EXPECT_EQ(time->timeNs, 1'609'459'200'000'000'000LL);
    EXPECT_EQ(nats::parseDeliver("time:2021-01-01T01:00:00+01:00")->timeNs, 1'609'459'200'000'000'000LL);
    EXPECT_EQ(nats::parseDeliver("time:2020-12-31T23:30:00.25-00:30")->timeNs, 1'609'459'200'250'000'000LL);
    EXPECT_EQ(nats::deliverText(*nats::parseDeliver("time:2021-01-01T00:00:00.5Z")), "time:2021-01-01T00:00:00.500000000Z");
    EXPECT_EQ(nats::deliverText(*seq), "sequence:42");
}

TEST(NatsOptions, BadDeliverPoliciesSayWhy) {
    for (const char* bad : {"", "first", "sequence:", "sequence:0", "sequence:12x", "time:", "time:2021-01-01",
                            "time:2021-01-01T00:00:00", "time:2021-13-01T00:00:00Z", "time:2021-01-01T00:00:00Zjunk"}) {
        std::string why;
        EXPECT_FALSE(nats::parseDeliver(bad, &why)) << bad;
        EXPECT_NE(why.find("deliver"), std::string::npos) << bad;
    }
}

TEST(NatsOptions, ChecksFindTheFirstProblem) {
    nats::NatsOptions good;
    EXPECT_EQ(nats::checkOptions(good), "");
    auto bad = good;
    bad.servers.clear();
    EXPECT_NE(nats::checkOptions(bad), "");
    bad = good;
    bad.subjectPrefix = "a.*";
    EXPECT_NE(nats::checkOptions(bad).find("wildcard"), std::string::npos);
    bad = good;
    bad.password = "p";
    EXPECT_NE(nats::checkOptions(bad).find("password without user"), std::string::npos);
    bad = good;
    bad.user = "u";
    bad.token = "t";
    EXPECT_NE(nats::checkOptions(bad).find("token"), std::string::npos);
    bad = good;
    bad.tlsCaFile = "ca.pem";
    EXPECT_NE(nats::checkOptions(bad).find("tls is off"), std::string::npos);
    bad = good;
    bad.tls = true;
    bad.tlsCertFile = "c.pem";
    EXPECT_NE(nats::checkOptions(bad).find("key_file"), std::string::npos);
    bad = good;
    bad.customTypes = {150};
    EXPECT_NE(nats::checkOptions(bad).find("150"), std::string::npos);
    bad = good;
    bad.jetstream.enabled = true;
    bad.jetstream.durable = "a.b";
    EXPECT_NE(nats::checkOptions(bad).find("durable"), std::string::npos);
    EXPECT_THROW(nats::NatsTransport{bad}, std::invalid_argument);
}

TEST(NatsOptions, DomainPolicyMapsOntoTheBus) {
    nats::NatsOptions options;
    nats::applyPolicy(options, transport::DomainPolicy::defaults(wire::Domain::Execution), false);
    EXPECT_EQ(options.domain, wire::Domain::Execution);
    EXPECT_TRUE(options.validateChecksums);
    EXPECT_TRUE(options.requireSequence);
    EXPECT_FALSE(options.dropWhenFull);
    nats::applyPolicy(options, transport::DomainPolicy::defaults(wire::Domain::MarketData), true);
    EXPECT_FALSE(options.validateChecksums);
    EXPECT_FALSE(options.requireSequence);
    EXPECT_TRUE(options.dropWhenFull);
}

TEST(NatsOptions, ConnectWithoutAServerFailsWithAReason) {
    nats::NatsOptions options;
    options.servers = {"nats://127.0.0.1:1"}; // nothing listens on port 1
    options.connectTimeoutMs = 500;
    nats::NatsTransport transport(options);
    EXPECT_FALSE(transport.connect());
    EXPECT_FALSE(transport.connected());
    EXPECT_NE(transport.reason().find("cannot connect to nats://127.0.0.1:1"), std::string::npos) << transport.reason();
    const std::uint8_t frame[1] = {0};
    EXPECT_EQ(transport.send(std::span<const std::uint8_t>(frame, 0)), transport::SendStatus::Closed);
    auto ignore = [](const wire::FrameView&) {};
    EXPECT_EQ(transport.receive(ignore, 0), -1);
    EXPECT_GE(transport.pollFd(), 0);
    EXPECT_EQ(transport.describe(), "nats:market_data@nats://127.0.0.1:1");
}
