#include <gtest/gtest.h>

#include "alphapulse/nats/frame_policy.hpp"
#include "nats_test_frames.hpp"

// A NATS bus's rules are transport::DomainPolicy's (its own tests are in
// libs/transport/test/domain_policy_test.cpp), built from NatsOptions: what
// a publishing and an arriving NatsTransport check.
using namespace alphapulse;
using transport::DomainPolicy;
using transport::DropReason;
using transport::SequenceTracker;

namespace {
wire::FrameView view(const std::vector<std::uint8_t>& frame) { return {frame.data(), frame.size()}; }
constexpr auto FILL = static_cast<std::uint8_t>(wire::MessageType::Fill);
constexpr auto SUBSCRIBE = static_cast<std::uint8_t>(wire::MessageType::Subscribe);
} // namespace

TEST(NatsFramePolicy, OnlyTheDomainsTypesAndDeclaredCustomTypes) {
    nats::NatsOptions options;
    options.customTypes = {210};
    const DomainPolicy policy(nats::domainRules(options));
    const auto trade = natstest::trade(1, 1);
    EXPECT_EQ(policy.checkMessage(trade.data(), trade.size()), std::nullopt);
    const auto fill = natstest::retyped(trade, FILL);
    EXPECT_EQ(policy.checkMessage(fill.data(), fill.size()), DropReason::OutOfDomain);
    const auto custom = natstest::retyped(trade, 210);
    EXPECT_EQ(policy.checkMessage(custom.data(), custom.size()), std::nullopt);
    const auto other = natstest::retyped(trade, 211);
    EXPECT_EQ(policy.checkMessage(other.data(), other.size()), DropReason::OutOfDomain);
    EXPECT_FALSE(policy.carries(SUBSCRIBE)); // control, never data
}

TEST(NatsFramePolicy, ArrivedMustBeExactlyOneFrame) {
    const DomainPolicy policy(nats::domainRules(nats::NatsOptions{}));
    auto trade = natstest::trade(1, 1);
    EXPECT_EQ(policy.checkMessage(trade.data(), trade.size() - 1), DropReason::Desynchronised);
    auto longer = trade;
    longer.push_back(0);
    EXPECT_EQ(policy.checkMessage(longer.data(), longer.size()), DropReason::Desynchronised);
    auto badMagic = trade;
    badMagic[0] ^= 1;
    EXPECT_EQ(policy.checkMessage(badMagic.data(), badMagic.size()), DropReason::Desynchronised);
    EXPECT_EQ(policy.checkMessage(trade.data(), 10), DropReason::Desynchronised); // shorter than a header
}

TEST(NatsFramePolicy, ChecksumsOnlyWhereValidated) {
    auto corrupt = natstest::trade(1, 1);
    corrupt[40] ^= 0xFF;
    nats::NatsOptions options;
    EXPECT_EQ(DomainPolicy(nats::domainRules(options)).checkMessage(corrupt.data(), corrupt.size()), std::nullopt);
    options.validateChecksums = true;
    const DomainPolicy validating(nats::domainRules(options));
    SequenceTracker sequences;
    EXPECT_EQ(validating.checkMessage(corrupt.data(), corrupt.size()), DropReason::BadChecksum);
    EXPECT_EQ(validating.admit(view(corrupt), sequences), DropReason::BadChecksum);
}

TEST(NatsFramePolicy, StrictSequencePerSourceOnPublish) {
    nats::NatsOptions options;
    options.domain = wire::Domain::Execution;
    options.requireSequence = true;
    const DomainPolicy policy(nats::domainRules(options));
    SequenceTracker sequences; // the connection's
    EXPECT_EQ(policy.admit(view(natstest::order(80, 5)), sequences), std::nullopt);
    EXPECT_EQ(policy.admit(view(natstest::order(81, 1)), sequences), std::nullopt); // another source
    EXPECT_EQ(policy.admit(view(natstest::order(80, 6)), sequences), std::nullopt);
    EXPECT_EQ(policy.admit(view(natstest::order(80, 8)), sequences), DropReason::BadSequence); // gap
    EXPECT_EQ(policy.admit(view(natstest::order(80, 6)), sequences), DropReason::BadSequence); // duplicate
    EXPECT_EQ(policy.admit(view(natstest::order(80, 7)), sequences), std::nullopt); // the rejected ones were not remembered
    EXPECT_EQ(policy.admit(view(natstest::order(81, 2)), sequences), std::nullopt);
    EXPECT_EQ(policy.admit(view(natstest::trade(1, 1)), sequences), DropReason::OutOfDomain);
}

TEST(NatsFramePolicy, RulesComeFromTheOptions) {
    nats::NatsOptions options;
    options.domain = wire::Domain::Signals;
    options.customTypes = {200, 201};
    options.validateChecksums = true;
    options.requireSequence = true;
    options.maxPayload = 4096;
    const auto rules = nats::domainRules(options);
    EXPECT_EQ(rules.domain, wire::Domain::Signals);
    EXPECT_EQ(rules.customTypes, (std::vector<std::uint8_t>{200, 201}));
    EXPECT_TRUE(rules.validateChecksums);
    EXPECT_TRUE(rules.requireSequence);
    EXPECT_EQ(rules.maxPayload, 4096u);
}
