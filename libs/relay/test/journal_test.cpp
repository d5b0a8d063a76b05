// The journal (window, disk, recovery after a torn write), resume planning
// and the snapshot cache, without sockets (docs/design/recovery.md).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "alphapulse/wire/subscribe.hpp"
#include "journal.hpp"
#include "resume.hpp"
#include "snapshot_cache.hpp"
#include "test_frames.hpp"

namespace alphapulse::relay::detail {
namespace {

namespace fs = std::filesystem;

class JournalTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/alphapulse-journal-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        m_config.dir = tmpl;
        m_config.enabled = true;
        m_config.windowFrames = 1000;
        m_config.windowBytes = 1 << 20;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(m_config.dir, ec);
    }
    std::unique_ptr<Journal> open() { return std::make_unique<Journal>(m_config, wire::Domain::Execution); }
    static void appendOrders(Journal& j, std::uint8_t source, std::uint64_t from, std::uint64_t to) {
        for (std::uint64_t s = from; s <= to; ++s) {
            const auto f = fixtures::orderFrame(source, s);
            j.append(f.data(), f.size(), 1000 + s);
        }
    }
    /// The frames `state` gets from the journal: (source, sequence) in order.
    static std::vector<std::pair<int, std::uint64_t>> drain(const Journal& j, CatchUp& state) {
        std::vector<std::pair<int, std::uint64_t>> got;
        std::bitset<256> all;
        all.set();
        for (;;) {
            const detail::Run run = nextRun(j, state, all, 7, 1 << 20); // small runs: the walk resumes mid-way
            if (run.frames == 0) break;
            for (std::size_t at = 0; at < run.bytes;) {
                const wire::FrameView f(run.data + at, wire::header::SIZE + wire::loadLe<std::uint32_t>(
                                                                              run.data + at + wire::header::PAYLOAD_SIZE_OFFSET));
                got.emplace_back(f.source(), f.sequence());
                at += f.size();
            }
        }
        return got;
    }
    JournalConfig m_config;
};

TEST_F(JournalTest, WhatWasCommittedIsRecoveredByTheNextRelay) {
    {
        auto j = open();
        appendOrders(*j, 80, 1, 300);
        ASSERT_TRUE(j->commit());
        EXPECT_EQ(j->acknowledged(80), 300u);
    }
    auto j = open();
    EXPECT_EQ(j->recovered(), 300u);
    EXPECT_EQ(j->lastSequence(80), 300u);
    EXPECT_EQ(j->acknowledged(80), 300u);
    EXPECT_FALSE(j->hasSource(81));
    EXPECT_EQ(j->head() - j->first(), 300u);
}

TEST_F(JournalTest, ATornLastBlockIsNotRecoveredAndNothingBeforeItIsLost) {
    {
        auto j = open();
        appendOrders(*j, 80, 1, 100);
        ASSERT_TRUE(j->commit());
        appendOrders(*j, 80, 101, 200);
        ASSERT_TRUE(j->commit());
    }
    // A relay killed in the middle of its second write: cut the file inside that block.
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(m_config.dir)) files.push_back(e.path());
    ASSERT_EQ(files.size(), 1u);
    const auto size = fs::file_size(files[0]);
    // The first block holds 100 frames of 96 bytes plus columns; cut well inside the second.
    fs::resize_file(files[0], size - 5000);
    auto j = open();
    EXPECT_EQ(j->recovered(), 100u) << "the whole first block, nothing of the torn one";
    EXPECT_EQ(j->lastSequence(80), 100u);
}

TEST_F(JournalTest, TheWindowKeepsTheNewestFramesAndDropsTheOldest) {
    auto j = open();
    appendOrders(*j, 80, 1, 2500);
    EXPECT_EQ(j->head(), 2500u);
    EXPECT_EQ(j->head() - j->first(), m_config.windowFrames);
    EXPECT_EQ(j->entry(j->first()).sequence, 1501u);
    EXPECT_EQ(j->entry(j->head() - 1).sequence, 2500u);
}

TEST_F(JournalTest, AResumeGetsEachSourceAfterItsPointAndUnlistedSourcesFromWhenItJoined) {
    auto j = open();
    appendOrders(*j, 80, 1, 10);
    appendOrders(*j, 81, 1, 10);
    CatchUp state;
    state.joinPosition = j->head(); // it connects now
    appendOrders(*j, 82, 1, 3);     // then a third producer starts
    appendOrders(*j, 80, 11, 12);
    std::array<std::uint8_t, wire::subscribe::MAX_SIZE> buffer{};
    const wire::subscribe::ResumePoint points[] = {{80, 7}, {81, 10}};
    const auto size = wire::subscribe::build(buffer.data(), buffer.size(), {}, wire::subscribe::FLAG_RESUME, 0, points);
    const auto view = wire::SubscribeView::parse(buffer.data(), size);
    ASSERT_TRUE(view);
    const wire::subscribe::ResumeTail tail(*view);
    ASSERT_TRUE(tail.valid());
    planResume(*j, tail, state);
    const std::vector<std::pair<int, std::uint64_t>> expected{{80, 8}, {80, 9}, {80, 10}, {82, 1},
                                                              {82, 2}, {82, 3}, {80, 11}, {80, 12}};
    EXPECT_EQ(drain(*j, state), expected);
    EXPECT_EQ(state.cursor, j->head());
}

TEST_F(JournalTest, AResumePointThatRestartedItsSequenceIsFoundAtItsNewestFrame) {
    auto j = open();
    appendOrders(*j, 80, 1, 5);
    appendOrders(*j, 80, 1, 3); // the producer restarted: 1, 2, 3 again
    CatchUp state;
    state.joinPosition = j->head();
    std::array<std::uint8_t, wire::subscribe::MAX_SIZE> buffer{};
    const wire::subscribe::ResumePoint point{80, 2};
    const auto size = wire::subscribe::build(buffer.data(), buffer.size(), {}, wire::subscribe::FLAG_RESUME, 0, {&point, 1});
    const auto view = wire::SubscribeView::parse(buffer.data(), size);
    ASSERT_TRUE(view);
    planResume(*j, wire::subscribe::ResumeTail(*view), state);
    const std::vector<std::pair<int, std::uint64_t>> expected{{80, 3}};
    EXPECT_EQ(drain(*j, state), expected);
}

TEST_F(JournalTest, AResumePointOlderThanTheWindowStartsAtTheWindowAndCountsWhatItMissed) {
    auto j = open();
    appendOrders(*j, 80, 1, 1500); // the window holds 501..1500
    CatchUp state;
    state.joinPosition = j->head();
    std::array<std::uint8_t, wire::subscribe::MAX_SIZE> buffer{};
    const wire::subscribe::ResumePoint point{80, 100};
    const auto size = wire::subscribe::build(buffer.data(), buffer.size(), {}, wire::subscribe::FLAG_RESUME, 0, {&point, 1});
    planResume(*j, wire::subscribe::ResumeTail(*wire::SubscribeView::parse(buffer.data(), size)), state);
    const auto got = drain(*j, state);
    ASSERT_EQ(got.size(), 1000u);
    EXPECT_EQ(got.front().second, 501u);
    EXPECT_EQ(got.back().second, 1500u);
}

TEST(SubscribeTail, AnOldSubscribeHasNoTailAndAMalformedTailIsRefused) {
    std::array<std::uint8_t, wire::subscribe::MAX_SIZE> buffer{};
    auto size = wire::subscribe::build(buffer.data(), buffer.size(), {}, 0, 0, {});
    EXPECT_EQ(size, wire::SubscribeLayout::SIZE) << "flags 0: the 72-byte frame it always was";
    const auto plain = wire::SubscribeView::parse(buffer.data(), size);
    ASSERT_TRUE(plain);
    EXPECT_TRUE(wire::subscribe::ResumeTail(*plain).valid());
    EXPECT_EQ(wire::subscribe::ResumeTail(*plain).size(), 0u);
    // RESUME with a tail of 8 + 16 + 3 bytes: not whole entries.
    const wire::subscribe::ResumePoint point{80, 5};
    size = wire::subscribe::build(buffer.data(), buffer.size(), {}, wire::subscribe::FLAG_RESUME, 42, {&point, 1});
    auto builder = *wire::SubscribeBuilder::into(buffer.data(), buffer.size());
    builder.flags(wire::subscribe::FLAG_RESUME);
    const auto bad = builder.finishWithTail(size - wire::SubscribeLayout::SIZE + 3);
    ASSERT_TRUE(bad);
    const auto view = wire::SubscribeView::parse(buffer.data(), *bad);
    ASSERT_TRUE(view);
    EXPECT_FALSE(wire::subscribe::ResumeTail(*view).valid());
}

TEST(SnapshotCache, KeepsTheLastFramePerInstrumentInFirstSeenOrder) {
    SnapshotCache cache(2, wire::Domain::MarketData);
    const auto trade = [](const char* symbol, std::uint64_t seq) {
        std::vector<std::uint8_t> f(wire::TradeLayout::SIZE);
        auto b = *wire::TradeBuilder::into(f.data(), f.size());
        b.source(7).sequence(seq).instrument_id(*wire::InstrumentId::symbol(wire::VenueId::Binance, wire::AssetType::Pair, symbol));
        b.finish();
        return f;
    };
    for (const auto& f : {trade("BTCUSDT", 1), trade("ETHUSDT", 2), trade("BTCUSDT", 3), trade("SOLUSDT", 4)}) {
        cache.update(f.data(), f.size());
    }
    std::vector<std::uint64_t> sequences;
    cache.forEach([&](const std::uint8_t* data, std::size_t size) { sequences.push_back(wire::FrameView(data, size).sequence()); });
    EXPECT_EQ(sequences, (std::vector<std::uint64_t>{3, 2})) << "BTC's last, then ETH; SOL beyond the capacity";
    EXPECT_EQ(cache.refused(), 1u);
}

} // namespace
} // namespace alphapulse::relay::detail
