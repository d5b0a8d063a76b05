// The shared-memory ring within one process: relay semantics, policies,
// backpressure, lapping, and threads (the ShmRing* tests are the ones the
// ThreadSanitizer build runs: endpoints in one process share one mapping, so
// TSan sees the ring's synchronisation). Separate processes: shm_process_test.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "alphapulse/transport/shm_transport.hpp"
#include "alphapulse/wire/messages.hpp"
#include "test_frames.hpp"

using namespace alphapulse;
using transport::SendStatus;
using transport::ShmTransport;

namespace {

std::string uniqueName(const char* what) { return "alphapulse-test-" + std::to_string(::getpid()) + "-" + what; }

ShmTransport::Options marketData(const std::string& name, std::uint64_t size = 1 << 20) {
    auto o = ShmTransport::defaults(wire::Domain::MarketData);
    o.name = name;
    o.sizeBytes = size;
    o.prefault = false;
    return o;
}

ShmTransport::Options execution(const std::string& name, std::uint64_t size = 64 << 10) {
    auto o = ShmTransport::defaults(wire::Domain::Execution);
    o.name = name;
    o.sizeBytes = size;
    o.prefault = false;
    return o;
}

std::vector<std::uint8_t> subscribeFrame(std::initializer_list<wire::MessageType> types) {
    std::array<std::uint8_t, 32> mask{};
    for (auto t : types) {
        const auto v = static_cast<std::uint8_t>(t);
        mask[v / 8] = static_cast<std::uint8_t>(mask[v / 8] | (1U << (v % 8)));
    }
    std::vector<std::uint8_t> frame(wire::SubscribeLayout::SIZE);
    auto b = *wire::SubscribeBuilder::into(frame.data(), frame.size());
    b.message_types(mask);
    b.finish();
    return frame;
}

/// Receives until `want` frames arrived or `maxMs` passed; returns their sequences.
std::vector<std::uint64_t> drain(ShmTransport& t, std::size_t want, int perCallMs = 20, int maxMs = 2000) {
    std::vector<std::uint64_t> seqs;
    auto handler = [&](const wire::FrameView& f) { seqs.push_back(f.sequence()); };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(maxMs);
    while (seqs.size() < want && std::chrono::steady_clock::now() < deadline) {
        if (t.receive(handler, perCallMs) < 0) break;
    }
    return seqs;
}

bool segmentExists(const std::string& name) {
    struct stat st{};
    return ::stat(("/dev/shm/" + name).c_str(), &st) == 0;
}

} // namespace

TEST(ShmRing, DeliversToEveryOtherEndpointNeverBackToTheSender) {
    const auto name = uniqueName("fanout");
    ShmTransport a(marketData(name)), b(marketData(name)), c(marketData(name));
    ASSERT_TRUE(a.connect()) << a.reason();
    ASSERT_TRUE(b.connect()) << b.reason();
    ASSERT_TRUE(c.connect()) << c.reason();
    EXPECT_EQ(a.pollFd(), -1);
    EXPECT_EQ(a.describe(), "shm:/dev/shm/" + name);
    std::vector<std::uint8_t> batch;
    fixtures::append(batch, fixtures::tradeFrame(1, 1));
    fixtures::append(batch, fixtures::tradeFrame(1, 2));
    ASSERT_EQ(a.send(batch), SendStatus::Ok);
    EXPECT_EQ(drain(b, 2), (std::vector<std::uint64_t>{1, 2}));
    EXPECT_EQ(drain(c, 2), (std::vector<std::uint64_t>{1, 2}));
    EXPECT_TRUE(drain(a, 1, 5, 50).empty()) << "no echo";
    ASSERT_EQ(b.send(fixtures::tradeFrame(2, 1)), SendStatus::Ok);
    EXPECT_EQ(drain(a, 1), (std::vector<std::uint64_t>{1}));
    EXPECT_EQ(a.counters().framesReceived, 1U);
}

TEST(ShmRing, OnlyTheDomainsTypesPassAndSubscriptionsFilterLocally) {
    const auto name = uniqueName("filter");
    auto customOpts = marketData(name);
    customOpts.customTypes = {200};
    ShmTransport a(customOpts), b(customOpts);
    ASSERT_TRUE(a.connect());
    ASSERT_TRUE(b.connect());
    ASSERT_EQ(a.send(fixtures::orderFrame(1, 1)), SendStatus::Ok); // execution type on market data
    EXPECT_EQ(a.counters().dropsOutOfDomain, 1U);
    EXPECT_TRUE(drain(b, 1, 5, 50).empty());
    // b takes Quotes only: the Subscribe frame is applied by b's transport, not written.
    ASSERT_EQ(b.send(subscribeFrame({wire::MessageType::Quote})), SendStatus::Ok);
    EXPECT_EQ(b.counters().framesSent, 0U);
    ASSERT_EQ(a.send(fixtures::tradeFrame(1, 1)), SendStatus::Ok);
    EXPECT_TRUE(drain(b, 1, 5, 50).empty());
    ASSERT_EQ(b.send(subscribeFrame({wire::MessageType::Trade})), SendStatus::Ok);
    ASSERT_EQ(a.send(fixtures::tradeFrame(1, 2)), SendStatus::Ok);
    EXPECT_EQ(drain(b, 1), (std::vector<std::uint64_t>{2}));
}

TEST(ShmRing, ExecutionValidatesChecksumsAndStrictSequence) {
    const auto name = uniqueName("exec");
    ShmTransport a(execution(name)), b(execution(name));
    ASSERT_TRUE(a.connect());
    ASSERT_TRUE(b.connect());
    auto bad = fixtures::orderFrame(1, 1);
    bad[40] ^= 0xFF;
    ASSERT_EQ(a.send(bad), SendStatus::Ok);
    EXPECT_EQ(a.counters().dropsBadChecksum, 1U);
    ASSERT_EQ(a.send(fixtures::orderFrame(1, 1)), SendStatus::Ok);
    ASSERT_EQ(a.send(fixtures::orderFrame(1, 3)), SendStatus::Ok); // a gap: rejected
    ASSERT_EQ(a.send(fixtures::orderFrame(1, 2)), SendStatus::Ok);
    EXPECT_EQ(a.counters().dropsBadSequence, 1U);
    EXPECT_EQ(drain(b, 2), (std::vector<std::uint64_t>{1, 2}));
}

TEST(ShmRing, SequencesAreCheckedPerSourceOnAnEndpoint) {
    const auto name = uniqueName("exec-sources");
    ShmTransport a(execution(name)), b(execution(name)), c(execution(name));
    ASSERT_TRUE(a.connect() && b.connect() && c.connect());
    std::vector<std::uint8_t> batch;
    for (const auto& [source, seq] : std::vector<std::pair<std::uint8_t, std::uint64_t>>{{1, 1}, {2, 7}, {1, 2}, {2, 9}}) {
        fixtures::append(batch, fixtures::orderFrame(source, seq));
    }
    ASSERT_EQ(a.send(batch), SendStatus::Ok);
    EXPECT_EQ(a.counters().dropsBadSequence, 1U) << "source 2's gap only";
    // Another endpoint tracks its own: source 1 may start anywhere there.
    ASSERT_EQ(c.send(fixtures::orderFrame(1, 100)), SendStatus::Ok);
    EXPECT_EQ(c.counters().dropsBadSequence, 0U);
    EXPECT_EQ(drain(b, 4), (std::vector<std::uint64_t>{1, 7, 2, 100}));
}

TEST(ShmRing, LappedReaderJumpsAheadAndCountsWhatItMissed) {
    const auto name = uniqueName("lap");
    ShmTransport w(marketData(name, 64 << 10)), r(marketData(name, 64 << 10));
    ASSERT_TRUE(w.connect());
    ASSERT_TRUE(r.connect());
    constexpr std::uint64_t N = 5'000; // 5,000 x 80-byte records through 64 KiB: lapped several times
    for (std::uint64_t s = 1; s <= N; ++s) ASSERT_EQ(w.send(fixtures::tradeFrame(1, s)), SendStatus::Ok);
    auto none = [](const wire::FrameView&) {};
    EXPECT_EQ(r.receive(none, 0), 0);
    EXPECT_EQ(r.counters().laps, 1U);
    ASSERT_EQ(w.send(fixtures::tradeFrame(1, N + 1)), SendStatus::Ok);
    EXPECT_EQ(drain(r, 1), (std::vector<std::uint64_t>{N + 1}));
    EXPECT_EQ(r.counters().framesMissed, N); // every frame before the last one
}

TEST(ShmRing, BackpressureRefusesRatherThanOverwriting) {
    const auto name = uniqueName("bp");
    ShmTransport w(execution(name)), r(execution(name));
    ASSERT_TRUE(w.connect());
    ASSERT_TRUE(r.connect());
    std::uint64_t seq = 1;
    while (w.send(fixtures::orderFrame(1, seq)) == SendStatus::Ok) ++seq;
    EXPECT_GT(seq, 500U);
    EXPECT_EQ(w.counters().wouldBlock, 1U);
    const auto got = drain(r, seq - 1);
    ASSERT_EQ(got.size(), seq - 1);
    for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], i + 1);
    EXPECT_EQ(w.send(fixtures::orderFrame(1, seq)), SendStatus::Ok) << "room again once the reader read";
    EXPECT_EQ(r.counters().framesMissed, 0U);
}

TEST(ShmRing, WritersAreNotHeldBackByTheirOwnRecordsOrByProducersOnly) {
    const auto name = uniqueName("self");
    ShmTransport w(execution(name)), producerOnly(execution(name));
    ASSERT_TRUE(w.connect());
    ASSERT_TRUE(producerOnly.connect());
    ASSERT_EQ(producerOnly.send(subscribeFrame({})), SendStatus::Ok); // reads nothing: never holds anyone back
    for (std::uint64_t s = 1; s <= 3'000; ++s) ASSERT_EQ(w.send(fixtures::orderFrame(1, s)), SendStatus::Ok) << s;
}

TEST(ShmRing, StuckReaderIsEvictedAfterTheTimeout) {
    const auto name = uniqueName("evict");
    auto o = execution(name);
    o.slowConsumerTimeoutMs = 50;
    ShmTransport w(o), stuck(o);
    ASSERT_TRUE(w.connect());
    ASSERT_TRUE(stuck.connect());
    std::uint64_t seq = 1;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (seq <= 3'000 && std::chrono::steady_clock::now() < deadline) {
        const auto s = w.send(fixtures::orderFrame(1, seq));
        ASSERT_NE(s, SendStatus::Closed);
        if (s == SendStatus::Ok) ++seq;
        else std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(seq, 3'001U);
    EXPECT_EQ(w.counters().readersEvicted, 1U);
    auto none = [](const wire::FrameView&) {};
    EXPECT_EQ(stuck.receive(none, 0), -1);
    EXPECT_NE(stuck.reason().find("slow consumer"), std::string::npos) << stuck.reason();
    ASSERT_TRUE(stuck.connect()) << "reconnects at the head";
}

TEST(ShmRing, ASecondWriterTakesOverFromTheSoloWriterWithoutLosingOrder) {
    // 100 sends in a row make `a` the writer that skips the lock; `b` then
    // revokes that on its first send, and the two alternate.
    const auto name = uniqueName("solo");
    ShmTransport a(marketData(name)), b(marketData(name)), r(marketData(name));
    ASSERT_TRUE(a.connect());
    ASSERT_TRUE(b.connect());
    ASSERT_TRUE(r.connect());
    for (std::uint64_t s = 1; s <= 100; ++s) ASSERT_EQ(a.send(fixtures::tradeFrame(1, s)), SendStatus::Ok);
    for (std::uint64_t s = 101; s <= 300; ++s) {
        ASSERT_EQ(b.send(fixtures::tradeFrame(2, s)), SendStatus::Ok);
        ASSERT_EQ(a.send(fixtures::tradeFrame(1, s)), SendStatus::Ok);
    }
    const auto got = drain(r, 500);
    ASSERT_EQ(got.size(), 500U);
    for (std::size_t i = 0; i < 100; ++i) EXPECT_EQ(got[i], i + 1);
    for (std::size_t i = 100; i < 500; ++i) EXPECT_EQ(got[i], 101 + (i - 100) / 2);
    EXPECT_EQ(r.counters().framesMissed, 0U);
}

TEST(ShmRing, BlockingReaderIsWokenByAWriter) {
    const auto name = uniqueName("block");
    auto o = marketData(name);
    o.wait = ShmTransport::Wait::Block;
    o.spinUs = 10;
    ShmTransport w(o), r(o);
    ASSERT_TRUE(w.connect());
    ASSERT_TRUE(r.connect());
    std::thread writer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        EXPECT_EQ(w.send(fixtures::tradeFrame(1, 1)), SendStatus::Ok);
    });
    int got = 0;
    auto count = [&](const wire::FrameView&) { ++got; };
    const auto start = std::chrono::steady_clock::now();
    const int n = r.receive(count, 5'000);
    const auto waited = std::chrono::steady_clock::now() - start;
    writer.join();
    EXPECT_EQ(n, 1);
    EXPECT_LT(waited, std::chrono::seconds(2)) << "woken, not timed out";
}

TEST(ShmRing, ThreadsManyProducersManyReadersLoseNothingWithBackpressure) {
    const auto name = uniqueName("threads-bp");
    auto o = marketData(name, 64 << 10);
    o.backpressure = true; // small ring: writers wait for readers constantly
    o.wait = ShmTransport::Wait::Block;
    o.spinUs = 5;
    constexpr int PRODUCERS = 3, READERS = 4;
    constexpr std::uint64_t PER_PRODUCER = 4'000;
    std::vector<std::unique_ptr<ShmTransport>> producers, readers;
    for (int i = 0; i < PRODUCERS; ++i) {
        producers.push_back(std::make_unique<ShmTransport>(o));
        ASSERT_TRUE(producers.back()->connect());
        ASSERT_EQ(producers.back()->send(subscribeFrame({})), SendStatus::Ok);
    }
    for (int i = 0; i < READERS; ++i) {
        readers.push_back(std::make_unique<ShmTransport>(o));
        ASSERT_TRUE(readers.back()->connect());
    }
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < READERS; ++i) {
        threads.emplace_back([&, i] {
            std::vector<std::uint64_t> last(PRODUCERS + 1, 0);
            std::uint64_t total = 0;
            auto handler = [&](const wire::FrameView& f) {
                const auto src = f.source();
                if (src < 1 || src > PRODUCERS || f.sequence() != last[src] + 1) failures.fetch_add(1);
                else last[src] = f.sequence();
                ++total;
            };
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
            while (total < PRODUCERS * PER_PRODUCER && std::chrono::steady_clock::now() < deadline) {
                if (readers[static_cast<std::size_t>(i)]->receive(handler, 10) < 0) break;
            }
            if (total != PRODUCERS * PER_PRODUCER) failures.fetch_add(1);
        });
    }
    for (int p = 0; p < PRODUCERS; ++p) {
        threads.emplace_back([&, p] {
            auto& t = *producers[static_cast<std::size_t>(p)];
            for (std::uint64_t s = 1; s <= PER_PRODUCER;) {
                const auto status = t.send(fixtures::tradeFrame(static_cast<std::uint8_t>(p + 1), s));
                if (status == SendStatus::Ok) ++s;
                else if (status == SendStatus::Closed) return failures.fetch_add(1), void();
                else std::this_thread::yield();
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    for (auto& r : readers) EXPECT_EQ(r->counters().framesMissed, 0U);
}

TEST(ShmRing, ThreadsSpinningReadersSeeEveryProducerInOrder) {
    const auto name = uniqueName("threads-spin");
    auto o = marketData(name, 8 << 20); // large enough that nobody is lapped
    o.wait = ShmTransport::Wait::Spin;
    constexpr int PRODUCERS = 2, READERS = 2;
    constexpr std::uint64_t PER_PRODUCER = 10'000;
    std::vector<std::unique_ptr<ShmTransport>> producers, readers;
    for (int i = 0; i < PRODUCERS; ++i) {
        producers.push_back(std::make_unique<ShmTransport>(o));
        ASSERT_TRUE(producers.back()->connect());
    }
    for (int i = 0; i < READERS; ++i) {
        readers.push_back(std::make_unique<ShmTransport>(o));
        ASSERT_TRUE(readers.back()->connect());
    }
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < READERS; ++i) {
        threads.emplace_back([&, i] {
            std::vector<std::uint64_t> last(PRODUCERS + 1, 0);
            std::uint64_t total = 0;
            auto handler = [&](const wire::FrameView& f) {
                const auto src = f.source();
                if (src < 1 || src > PRODUCERS || f.sequence() != last[src] + 1 || !f.checksumMatches()) failures.fetch_add(1);
                else last[src] = f.sequence();
                ++total;
            };
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
            while (total < PRODUCERS * PER_PRODUCER && std::chrono::steady_clock::now() < deadline) {
                readers[static_cast<std::size_t>(i)]->receive(handler, 1);
            }
            if (total != PRODUCERS * PER_PRODUCER) failures.fetch_add(1);
        });
    }
    for (int p = 0; p < PRODUCERS; ++p) {
        threads.emplace_back([&, p] {
            for (std::uint64_t s = 1; s <= PER_PRODUCER; ++s) {
                if (producers[static_cast<std::size_t>(p)]->send(
                        fixtures::tradeFrame(static_cast<std::uint8_t>(p + 1), s)) != SendStatus::Ok) {
                    failures.fetch_add(1);
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
}

TEST(ShmRing, MismatchedSetupIsAClearErrorAndTheLastCloseRemovesTheSegment) {
    const auto name = uniqueName("setup");
    {
        ShmTransport a(marketData(name, 1 << 20));
        ASSERT_TRUE(a.connect());
        EXPECT_TRUE(segmentExists(name));
        ShmTransport b(marketData(name, 2 << 20));
        EXPECT_FALSE(b.connect());
        EXPECT_NE(b.reason().find("ring of 1048576 bytes, configured 2097152"), std::string::npos) << b.reason();
        ShmTransport c(execution(name, 1 << 20));
        EXPECT_FALSE(c.connect());
        EXPECT_NE(c.reason().find("domain market_data"), std::string::npos) << c.reason();
    }
    EXPECT_FALSE(segmentExists(name));
    ShmTransport d(marketData(name, 2 << 20)); // nobody attached: a fresh segment of the new size
    ASSERT_TRUE(d.connect()) << d.reason();
    EXPECT_EQ(d.ringBytes(), 2U << 20);
    d.close();
    EXPECT_FALSE(segmentExists(name));
    EXPECT_FALSE(ShmTransport::removeAbandoned(name));
}

namespace {
/// The permission bits of /dev/shm/<name>, or -1.
int segmentMode(const std::string& name) {
    struct stat st{};
    return ::stat(("/dev/shm/" + name).c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 07777) : -1;
}
} // namespace

TEST(ShmRing, TheSegmentGetsExactlyTheConfiguredModeWhateverTheUmask) {
    // shm_open's mode is cut by the umask: 0660 became 0640 under 022 and the
    // group could not attach. The segment must get exactly what was asked.
    const mode_t previous = ::umask(022);
    for (const std::uint32_t mode : {0660U, 0666U, 0600U}) {
        const std::string name = uniqueName("mode");
        auto o = marketData(name, 64 << 10);
        o.mode = mode;
        ShmTransport t(o);
        ASSERT_TRUE(t.connect()) << t.reason();
        EXPECT_EQ(segmentMode(name), static_cast<int>(mode)) << std::oct << mode;
        t.close();
        EXPECT_EQ(segmentMode(name), -1) << "the last close removes it";
    }
    ::umask(previous);
}

TEST(ShmRing, AnAbandonedSegmentOfOursIsReinitialisedWithTheConfiguredMode) {
    const std::string name = uniqueName("remode");
    const std::string path = "/dev/shm/" + name;
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600); // left by a dead process
    ASSERT_GE(fd, 0);
    ::close(fd);
    auto o = marketData(name, 64 << 10);
    o.mode = 0660;
    ShmTransport t(o);
    const bool connected = t.connect();
    EXPECT_TRUE(connected) << t.reason();
    EXPECT_EQ(segmentMode(name), 0660);
    t.close();
    ::unlink(path.c_str());
}

TEST(ShmRing, InspectReadsTheSegmentsCountersAndEndpointsWithoutAttaching) {
    const std::string name = uniqueName("inspect");
    std::string why;
    EXPECT_FALSE(ShmTransport::inspect(name, &why));
    EXPECT_NE(why.find("no segment"), std::string::npos) << why;
    auto writerOptions = execution(name);
    writerOptions.clientName = "writer";
    auto readerOptions = execution(name);
    readerOptions.clientName = "reader";
    ShmTransport w(writerOptions), r(readerOptions);
    ASSERT_TRUE(w.connect()) << w.reason();
    ASSERT_TRUE(r.connect()) << r.reason();
    auto bad = fixtures::orderFrame(1, 1);
    bad.back() ^= 0xFF;
    ASSERT_EQ(w.send(bad), SendStatus::Ok);                       // refused: bad checksum
    ASSERT_EQ(w.send(fixtures::orderFrame(1, 1)), SendStatus::Ok);
    ASSERT_EQ(w.send(fixtures::orderFrame(1, 3)), SendStatus::Ok); // refused: bad sequence
    ASSERT_EQ(drain(r, 1).size(), 1U);
    const auto s = ShmTransport::inspect(name, &why);
    ASSERT_TRUE(s) << why;
    EXPECT_EQ(s->domain, wire::Domain::Execution);
    EXPECT_TRUE(s->backpressure);
    EXPECT_EQ(s->framesWritten, 1U);
    EXPECT_EQ(s->attaches, 2U);
    EXPECT_EQ(s->rejectedBadChecksum, 1U);
    EXPECT_EQ(s->rejectedBadSequence, 1U);
    ASSERT_EQ(s->endpoints.size(), 2U);
    EXPECT_EQ(s->endpoints[0].name, "writer");
    EXPECT_EQ(s->endpoints[0].framesOut, 1U);
    EXPECT_EQ(s->endpoints[1].name, "reader");
    EXPECT_EQ(s->endpoints[1].framesIn, 1U);
    EXPECT_EQ(s->endpoints[1].position, s->published);
    EXPECT_EQ(s->endpoints[1].lagBytes, 0U);
    EXPECT_TRUE(s->endpoints[1].alive);
    w.close();
    r.close();
    EXPECT_FALSE(ShmTransport::inspect(name, &why)) << "inspecting does not keep the segment";
}
