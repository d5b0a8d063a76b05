#include <gtest/gtest.h>

#include <set>

#include "alphapulse/nats/subjects.hpp"

using namespace alphapulse;
using wire::Domain;
using wire::MessageType;

namespace {
std::uint8_t t(MessageType type) { return static_cast<std::uint8_t>(type); }
} // namespace

TEST(NatsSubjects, TypeNamesInSnakeCase) {
    EXPECT_EQ(nats::typeToken(t(MessageType::Trade)), "trade");
    EXPECT_EQ(nats::typeToken(t(MessageType::OrderBook)), "order_book");
    EXPECT_EQ(nats::typeToken(t(MessageType::MEVOpportunity)), "mev_opportunity");
    EXPECT_EQ(nats::typeToken(t(MessageType::DeFiSignal)), "de_fi_signal");
    EXPECT_EQ(nats::typeToken(t(MessageType::InstrumentDiscovered)), "instrument_discovered");
    EXPECT_EQ(nats::typeToken(t(MessageType::ExecutionReport)), "execution_report");
    EXPECT_EQ(nats::typeToken(t(MessageType::Custom)), "custom");
    EXPECT_EQ(nats::typeToken(77), "type_77");
    EXPECT_EQ(nats::typeToken(231), "type_231");
}

TEST(NatsSubjects, EveryNamedTypeHasADistinctValidToken) {
    std::set<std::string> seen;
    for (int type = 0; type < 256; ++type) {
        const auto token = nats::typeToken(static_cast<std::uint8_t>(type));
        EXPECT_TRUE(seen.insert(token).second) << token;
        EXPECT_TRUE(nats::checkSubjectPrefix(token).empty()) << token;
    }
}

TEST(NatsSubjects, SubjectsPerDomainAndType) {
    EXPECT_EQ(nats::subjectFor("alphapulse", Domain::MarketData, t(MessageType::Trade)), "alphapulse.market_data.trade");
    EXPECT_EQ(nats::subjectFor("desk.eu", Domain::Execution, t(MessageType::Fill)), "desk.eu.execution.fill");
    EXPECT_EQ(nats::domainWildcard("alphapulse", Domain::Signals), "alphapulse.signals.>");
    EXPECT_EQ(nats::defaultStreamName("alphapulse", Domain::MarketData), "ALPHAPULSE_MARKET_DATA");
    EXPECT_EQ(nats::defaultStreamName("desk.eu", Domain::Execution), "DESK_EU_EXECUTION");
    const nats::SubjectTable table("ap", Domain::System);
    EXPECT_EQ(table.subject(t(MessageType::Heartbeat)), "ap.system.heartbeat");
    EXPECT_EQ(table.wildcard(), "ap.system.>");
}

TEST(NatsSubjects, PrefixChecks) {
    EXPECT_TRUE(nats::checkSubjectPrefix("alphapulse").empty());
    EXPECT_TRUE(nats::checkSubjectPrefix("a.b-c_d").empty());
    EXPECT_NE(nats::checkSubjectPrefix(""), "");
    EXPECT_NE(nats::checkSubjectPrefix("a..b").find("empty token"), std::string::npos);
    EXPECT_NE(nats::checkSubjectPrefix("a.").find("ends with"), std::string::npos);
    EXPECT_NE(nats::checkSubjectPrefix("a.*").find("wildcard"), std::string::npos);
    EXPECT_NE(nats::checkSubjectPrefix("a.>").find("wildcard"), std::string::npos);
    EXPECT_NE(nats::checkSubjectPrefix("a b").find("space"), std::string::npos);
}
