#include <gtest/gtest.h>

#include "alphapulse/nats/frame_policy.hpp"
#include "nats_test_frames.hpp"

using namespace alphapulse;
using nats::Verdict;

namespace {
wire::FrameView view(const std::vector<std::uint8_t>& frame) { return {frame.data(), frame.size()}; }
constexpr auto FILL = static_cast<std::uint8_t>(wire::MessageType::Fill);
constexpr auto SUBSCRIBE = static_cast<std::uint8_t>(wire::MessageType::Subscribe);
} // namespace

TEST(NatsFramePolicy, OnlyTheDomainsTypesAndDeclaredCustomTypes) {
    nats::NatsOptions options;
    options.customTypes = {210};
    const nats::FramePolicy policy(options);
    const auto trade = natstest::trade(1, 1);
    EXPECT_EQ(policy.checkArrived(trade.data(), trade.size()), Verdict::Ok);
    const auto fill = natstest::retyped(trade, FILL);
    EXPECT_EQ(policy.checkArrived(fill.data(), fill.size()), Verdict::OutOfDomain);
    const auto custom = natstest::retyped(trade, 210);
    EXPECT_EQ(policy.checkArrived(custom.data(), custom.size()), Verdict::Ok);
    const auto other = natstest::retyped(trade, 211);
    EXPECT_EQ(policy.checkArrived(other.data(), other.size()), Verdict::OutOfDomain);
    EXPECT_FALSE(policy.carries(SUBSCRIBE)); // control, never data
}

TEST(NatsFramePolicy, ArrivedMustBeExactlyOneFrame) {
    const nats::FramePolicy policy(nats::NatsOptions{});
    auto trade = natstest::trade(1, 1);
    EXPECT_EQ(policy.checkArrived(trade.data(), trade.size() - 1), Verdict::Malformed);
    auto longer = trade;
    longer.push_back(0);
    EXPECT_EQ(policy.checkArrived(longer.data(), longer.size()), Verdict::Malformed);
    auto badMagic = trade;
    badMagic[0] ^= 1;
    EXPECT_EQ(policy.checkArrived(badMagic.data(), badMagic.size()), Verdict::Malformed);
}

TEST(NatsFramePolicy, ChecksumsOnlyWhereValidated) {
    auto corrupt = natstest::trade(1, 1);
    corrupt[40] ^= 0xFF;
    nats::NatsOptions options;
    EXPECT_EQ(nats::FramePolicy(options).checkArrived(corrupt.data(), corrupt.size()), Verdict::Ok);
    options.validateChecksums = true;
    nats::FramePolicy validating(options);
    EXPECT_EQ(validating.checkArrived(corrupt.data(), corrupt.size()), Verdict::BadChecksum);
    EXPECT_EQ(validating.checkPublished(view(corrupt)), Verdict::BadChecksum);
}

TEST(NatsFramePolicy, StrictSequencePerSourceOnPublish) {
    nats::NatsOptions options;
    options.domain = wire::Domain::Execution;
    options.requireSequence = true;
    nats::FramePolicy policy(options);
    EXPECT_EQ(policy.checkPublished(view(natstest::order(80, 5))), Verdict::Ok);
    EXPECT_EQ(policy.checkPublished(view(natstest::order(81, 1))), Verdict::Ok); // another source
    EXPECT_EQ(policy.checkPublished(view(natstest::order(80, 6))), Verdict::Ok);
    EXPECT_EQ(policy.checkPublished(view(natstest::order(80, 8))), Verdict::BadSequence); // gap
    EXPECT_EQ(policy.checkPublished(view(natstest::order(80, 6))), Verdict::BadSequence); // duplicate
    EXPECT_EQ(policy.checkPublished(view(natstest::order(80, 7))), Verdict::Ok);          // the rejected ones were not remembered
    EXPECT_EQ(policy.checkPublished(view(natstest::order(81, 2))), Verdict::Ok);
    EXPECT_EQ(policy.checkPublished(view(natstest::trade(1, 1))), Verdict::OutOfDomain);
}
