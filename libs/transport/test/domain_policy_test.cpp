// DomainPolicy: the one definition of a domain's admission rules (types,
// checksums, each source's sequence, framing), its defaults per domain, and
// the drop reasons' names (the relay's stats keys).
#include <gtest/gtest.h>

#include "alphapulse/transport/domain_policy.hpp"
#include "test_frames.hpp"

using namespace alphapulse;
using transport::DomainPolicy;
using transport::DomainRules;
using transport::DropReason;
using transport::SequenceTracker;

namespace {
wire::FrameView view(const std::vector<std::uint8_t>& frame) { return {frame.data(), frame.size()}; }
std::vector<std::uint8_t> retyped(std::vector<std::uint8_t> frame, std::uint8_t type) {
    frame[wire::header::MESSAGE_TYPE_OFFSET] = type;
    wire::sealFrame(frame.data(), frame.size());
    return frame;
}
constexpr auto SUBSCRIBE = static_cast<std::uint8_t>(wire::MessageType::Subscribe);
} // namespace

TEST(DomainPolicy, DefaultsPerDomain) {
    const auto md = DomainPolicy::defaults(wire::Domain::MarketData);
    EXPECT_FALSE(md.validateChecksums);
    EXPECT_FALSE(md.requireSequence);
    EXPECT_FALSE(DomainPolicy::losslessByDefault(wire::Domain::MarketData));
    for (const auto domain : {wire::Domain::Signals, wire::Domain::System, wire::Domain::Custom, wire::Domain::None}) {
        const auto rules = DomainPolicy::defaults(domain);
        EXPECT_EQ(rules.domain, domain);
        EXPECT_TRUE(rules.validateChecksums);
        EXPECT_FALSE(rules.requireSequence);
        EXPECT_TRUE(DomainPolicy::losslessByDefault(domain));
    }
    const auto ex = DomainPolicy::defaults(wire::Domain::Execution);
    EXPECT_TRUE(ex.validateChecksums);
    EXPECT_TRUE(ex.requireSequence);
    EXPECT_TRUE(DomainPolicy::losslessByDefault(wire::Domain::Execution));
    EXPECT_EQ(ex.maxPayload, wire::header::DEFAULT_MAX_PAYLOAD);
    EXPECT_TRUE(ex.customTypes.empty());
}

TEST(DomainPolicy, CarriesTheDomainsTypesAndCustomTypesButNeverSubscribe) {
    DomainRules rules;
    rules.customTypes = {210};
    const DomainPolicy sut(rules);
    EXPECT_TRUE(sut.carries(static_cast<std::uint8_t>(wire::MessageType::Trade)));
    EXPECT_FALSE(sut.carries(static_cast<std::uint8_t>(wire::MessageType::Fill)));
    EXPECT_TRUE(sut.carries(210));
    EXPECT_FALSE(sut.carries(211));
    EXPECT_EQ(sut.carried().count(), 19u + 1u); // types 1-19 and 210
    const DomainPolicy system(DomainPolicy::defaults(wire::Domain::System));
    EXPECT_TRUE(system.carries(static_cast<std::uint8_t>(wire::MessageType::Error)));
    EXPECT_FALSE(system.carries(SUBSCRIBE)); // control, consumed where it arrives
    SequenceTracker sequences;
    EXPECT_EQ(sut.check(view(fixtures::orderFrame(1, 1)), sequences), DropReason::OutOfDomain);
    EXPECT_EQ(sut.check(view(retyped(fixtures::tradeFrame(1, 1), 210)), sequences), std::nullopt);
}

TEST(DomainPolicy, ChecksumsOnlyWhereValidated) {
    auto corrupt = fixtures::tradeFrame(1, 1);
    corrupt[40] ^= 0xFF;
    SequenceTracker sequences;
    EXPECT_EQ(DomainPolicy(DomainRules{}).check(view(corrupt), sequences), std::nullopt);
    DomainRules rules;
    rules.validateChecksums = true;
    EXPECT_EQ(DomainPolicy(rules).check(view(corrupt), sequences), DropReason::BadChecksum);
    EXPECT_EQ(DomainPolicy(rules).check(view(fixtures::tradeFrame(1, 1)), sequences), std::nullopt);
}

TEST(DomainPolicy, SequenceRisesByOnePerSource) {
    const DomainPolicy sut(DomainPolicy::defaults(wire::Domain::Execution));
    SequenceTracker sequences;
    EXPECT_EQ(sut.admit(view(fixtures::orderFrame(80, 5)), sequences), std::nullopt); // a source's first: any
    EXPECT_EQ(sut.admit(view(fixtures::orderFrame(81, 1)), sequences), std::nullopt); // another source
    EXPECT_EQ(sut.admit(view(fixtures::orderFrame(80, 6)), sequences), std::nullopt);
    EXPECT_EQ(sut.admit(view(fixtures::orderFrame(80, 8)), sequences), DropReason::BadSequence); // gap
    EXPECT_EQ(sut.admit(view(fixtures::orderFrame(80, 6)), sequences), DropReason::BadSequence); // duplicate
    EXPECT_EQ(sut.admit(view(fixtures::orderFrame(80, 2)), sequences), DropReason::BadSequence); // regression
    EXPECT_EQ(sequences.last(80), 6u) << "rejected frames are not remembered";
    EXPECT_EQ(sut.admit(view(fixtures::orderFrame(80, 7)), sequences), std::nullopt);
    EXPECT_EQ(sut.admit(view(fixtures::orderFrame(81, 2)), sequences), std::nullopt);
    // check() alone remembers nothing.
    EXPECT_EQ(sut.check(view(fixtures::orderFrame(81, 3)), sequences), std::nullopt);
    EXPECT_EQ(sequences.last(81), 2u);
}

TEST(DomainPolicy, NoSequenceCheckUnlessRequired) {
    const DomainPolicy sut(DomainPolicy::defaults(wire::Domain::Signals));
    SequenceTracker sequences;
    auto signal = retyped(fixtures::tradeFrame(1, 5), static_cast<std::uint8_t>(wire::MessageType::ArbitrageOpportunity));
    EXPECT_EQ(sut.admit(view(signal), sequences), std::nullopt);
    EXPECT_EQ(sut.admit(view(signal), sequences), std::nullopt);
    EXPECT_EQ(sequences.last(1), std::nullopt);
}

TEST(DomainPolicy, SequenceTrackerRestoresAndResets) {
    SequenceTracker sut;
    EXPECT_TRUE(sut.follows(3, 42));
    sut.advance(3, 42);
    EXPECT_FALSE(sut.follows(3, 42));
    EXPECT_TRUE(sut.follows(3, 43));
    sut.restore(3, std::nullopt);
    EXPECT_EQ(sut.last(3), std::nullopt);
    sut.restore(3, 7);
    EXPECT_EQ(sut.last(3), 7u);
    sut.reset();
    EXPECT_TRUE(sut.follows(3, 1));
}

TEST(DomainPolicy, MessageMustBeExactlyOneFrame) {
    DomainRules rules;
    rules.maxPayload = 16;
    const DomainPolicy sut(rules);
    const auto trade = fixtures::tradeFrame(1, 1); // 32 bytes of payload
    EXPECT_EQ(sut.checkMessage(trade.data(), trade.size()), DropReason::Desynchronised) << "above maxPayload";
    const DomainPolicy open(DomainRules{});
    EXPECT_EQ(open.checkMessage(trade.data(), trade.size()), std::nullopt);
    EXPECT_EQ(open.checkMessage(trade.data(), trade.size() - 1), DropReason::Desynchronised);
    auto longer = trade;
    longer.push_back(0);
    EXPECT_EQ(open.checkMessage(longer.data(), longer.size()), DropReason::Desynchronised);
}

TEST(DomainPolicy, DropReasonNamesAreTheRelayStatsKeys) {
    const char* names[] = {"out_of_domain", "bad_checksum",   "bad_sequence", "not_allowed",  "queue_full",
                           "desynchronised", "slow_consumer", "no_consumer",  "memory_limit"};
    static_assert(std::size(names) == static_cast<std::size_t>(DropReason::COUNT_));
    for (std::size_t i = 0; i < std::size(names); ++i) {
        EXPECT_EQ(transport::dropReasonName(static_cast<DropReason>(i)), names[i]);
    }
}
