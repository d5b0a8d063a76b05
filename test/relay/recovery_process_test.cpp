// Recovery as real processes (docs/design/recovery.md): the execution relay's
// journal across kill -9, consumers that resume, producers that resend what
// was not acknowledged, and the market-data snapshot for late joiners.
#include <iostream>

#include "relay_fixture.hpp"

namespace {

constexpr std::uint64_t ORDERS = 100'000;

/// The consumer's summary after a relay restart: all ORDERS of source 80,
/// each once, in order, no gap, and it reconnected.
void expectEveryOrderOnceInOrder(Json& got) {
    EXPECT_EQ(got.value("count", 0u), ORDERS) << "every order, none twice: " << got.dump();
    EXPECT_EQ(got["per_source"].value("80", 0u), ORDERS) << got.dump();
    EXPECT_EQ(got["last_seq"].value("80", 0u), ORDERS) << got.dump();
    EXPECT_TRUE(got.value("order_ok", false)) << "each sequence once, +1 each: " << got.dump();
    EXPECT_EQ(got.value("gaps", 1u), 0u) << got.dump();
    EXPECT_GE(got.value("reconnects", 0u), 1u) << got.dump();
}

/// The stats' "journal" object (null when the relay keeps none).
Json journalOf(const Json& s) { return s.is_object() && s.contains("journal") ? s.at("journal") : Json(); }

TEST_F(RelayProcessTest, RelayKilledMidStreamAndRestartedTheConsumerGetsEveryAcknowledgedOrderExactlyOnce) {
    // Small socket buffers: frames wait in the relay's queue for a consumer
    // that lags, and die with the relay; only the journal has them then.
    const std::string config = "socket_buffer_bytes: 65536\n";
    ASSERT_NO_FATAL_FAILURE(startRelay("execution", config));
    ASSERT_TRUE(journalOf(stats()).is_object()) << "execution keeps a journal by default: " << stats().dump();
    Process& engine = consumer(ORDERS, {"--timeout-ms", "60000", "--linger-ms", "200", "--pause-at", "20000",
                                        "--pause-ms", "1500"});
    ASSERT_NO_FATAL_FAILURE(waitClient(engine, /*subscribed=*/true));
    Process& orders = peer({"produce-acked", "--type", "order", "--source", "80", "--count", std::to_string(ORDERS),
                            "--batch", "100", "--rate", "50000", "--timeout-ms", "60000"});
    // Mid-stream, while the consumer lags: thousands accepted that the relay
    // still holds for it (they die with the relay; only the journal has them).
    ASSERT_TRUE(eventually([&] { return clientOf(stats(), engine.pid()).value("queued_frames", 0u) >= 1000; }, 20000, 5))
        << orders.describe() << engine.describe();
    m_relay->signal(SIGKILL);
    const auto killed = m_relay->wait(2000);
    ASSERT_TRUE(killed && WIFSIGNALED(*killed));
    ASSERT_NO_FATAL_FAILURE(startRelay("execution", config)); // same socket: the same journal directory
    const Json restarted = journalOf(stats());
    EXPECT_GE(restarted.value("recovered", 0u), 21'000u) << "what was acknowledged before the kill: " << restarted;

    Json produced = finish(orders, 60000);
    EXPECT_EQ(produced.value("acked", 0u), ORDERS) << produced.dump();
    EXPECT_GE(produced.value("reconnects", 0u), 1u) << produced.dump();
    Json got = finish(engine, 60000);
    std::cout << "producer: " << produced.dump() << "\nconsumer: " << got.dump() << "\nrelay: " << stats().dump()
              << '\n';
    expectEveryOrderOnceInOrder(got);
    EXPECT_GT(got.value("resent", 0u), 0u) << "frames the killed relay held for it came from the journal: " << got.dump();
    const Json after = stats();
    EXPECT_EQ(drops(after, "bad_sequence"), 0u) << "the producer resent from the journal's position: " << after.dump();
    ASSERT_NO_FATAL_FAILURE(checkPair("order", 81));
    ASSERT_NO_FATAL_FAILURE(stopRelay());
}

TEST_F(RelayProcessTest, PublishToTheExecutionRelayKilledMidStreamEveryOrderArrivesExactlyOnce) {
    // The reliability scenario with the normal tools: `alphapulse publish`
    // (acknowledged, as on any journaled domain) fed 100k OrderRequests at a
    // steady rate, a BusClient consumer, the relay killed with -9 in the
    // middle and restarted. publish keeps what the journal has not
    // acknowledged, reconnects by itself and resends it.
    const std::string config = "socket_buffer_bytes: 65536\n";
    ASSERT_NO_FATAL_FAILURE(startRelay("execution", config));
    Process& engine = consumer(ORDERS, {"--timeout-ms", "60000", "--linger-ms", "200", "--pause-at", "20000",
                                        "--pause-ms", "1500"});
    ASSERT_NO_FATAL_FAILURE(waitClient(engine, /*subscribed=*/true));
    Process& publish = spawn({"/bin/sh", "-c",
                              "\"$0\" frames --type order --source 80 --count \"$1\" --batch 100 --rate 50000 | "
                              "\"$2\" publish --raw \"$3\" --timeout-ms 30000",
                              PEER, std::to_string(ORDERS), ALPHAPULSE, m_sock});
    // The kill point: the consumer lags (paused) until its queue reached the
    // circuit breaker and the relay stopped reading its producers. From then
    // on publish's frames wait in its socket, unread and unacknowledged (they
    // die with the relay; only publish still has them), and the relay holds
    // thousands for the consumer that only its journal keeps.
    ASSERT_TRUE(eventually(
        [&] {
            const Json s = stats();
            return s.is_object() && s.value("producer_pauses", 0u) >= 1 &&
                   clientOf(s, engine.pid()).value("queued_frames", 0u) >= 1000;
        },
        20000, 5))
        << publish.describe() << engine.describe();
    m_relay->signal(SIGKILL);
    const auto killed = m_relay->wait(2000);
    ASSERT_TRUE(killed && WIFSIGNALED(*killed));
    ASSERT_NO_FATAL_FAILURE(startRelay("execution", config)); // the same socket: the same journal

    const auto published = publish.wait(60000);
    EXPECT_TRUE(exitedZero(published)) << "every frame acknowledged: " << statusText(published) << ": "
                                       << publish.describe();
    const std::string said = publish.err();
    EXPECT_NE(said.find("broke 1 time(s)"), std::string::npos) << said;
    // What the killed relay never acknowledged was sent again.
    const auto again = said.find(" frame(s) sent again");
    ASSERT_NE(again, std::string::npos) << said;
    const auto number = said.rfind(' ', again - 1);
    EXPECT_GT(std::stoull(said.substr(number + 1, again - number - 1)), 0u) << said;
    Json got = finish(engine, 60000);
    std::cout << "publish: " << said << "consumer: " << got.dump() << "\nrelay: " << stats().dump() << '\n';
    expectEveryOrderOnceInOrder(got);
    const Json after = stats();
    EXPECT_EQ(drops(after, "bad_sequence"), 0u) << "publish resent from the journal's position: " << after.dump();
    ASSERT_NO_FATAL_FAILURE(stopRelay());
}

TEST_F(RelayProcessTest, AConsumerThatReconnectsGetsWhatItMissedFromTheJournalBeforeLiveFrames) {
    ASSERT_NO_FATAL_FAILURE(startRelay("execution"));
    constexpr std::uint64_t FIRST = 3000;
    constexpr std::uint64_t TOTAL = 6000;
    // One consumer throughout; the relay stops (SIGTERM) after FIRST orders
    // and comes back with its journal. Orders produced before the consumer
    // has reconnected are journaled and resent to it when it resumes.
    Process& engine = consumer(TOTAL, {"--timeout-ms", "30000", "--linger-ms", "200"});
    ASSERT_NO_FATAL_FAILURE(waitClient(engine, true));
    Process& first = peer({"produce-acked", "--type", "order", "--source", "80", "--count", std::to_string(FIRST)});
    EXPECT_EQ(finish(first).value("acked", 0u), FIRST);
    // The relay goes away cleanly (SIGTERM) and comes back: the consumer
    // reconnects and resumes; orders published while it was away come from the journal.
    ASSERT_NO_FATAL_FAILURE(stopRelay());
    ASSERT_NO_FATAL_FAILURE(startRelay("execution"));
    Process& second = peer({"produce-acked", "--type", "order", "--source", "80", "--count", std::to_string(TOTAL)});
    EXPECT_EQ(finish(second).value("acked", 0u), TOTAL);
    Json got = finish(engine, 30000);
    EXPECT_EQ(got.value("count", 0u), TOTAL) << got.dump();
    EXPECT_TRUE(got.value("order_ok", false)) << got.dump();
    EXPECT_EQ(got.value("gaps", 1u), 0u) << got.dump();
    ASSERT_NO_FATAL_FAILURE(stopRelay());
}

TEST_F(RelayProcessTest, AProducerThatResendsWhatTheJournalHoldsIsNotDeliveredTwice) {
    ASSERT_NO_FATAL_FAILURE(startRelay("execution"));
    Process& engine = consumer(2000, {"--timeout-ms", "20000", "--linger-ms", "300"});
    ASSERT_NO_FATAL_FAILURE(waitClient(engine, true));
    EXPECT_EQ(finish(peer({"produce-acked", "--type", "order", "--source", "80", "--count", "1000"})).value("acked", 0u),
              1000u);
    // A producer with the same source continuing to 2000: the relay tells it
    // 1000 are journaled, so it sends 1001.. only.
    Json second = finish(peer({"produce-acked", "--type", "order", "--source", "80", "--count", "2000"}));
    EXPECT_EQ(second.value("sent", 0u), 1000u) << second.dump();
    Json got = finish(engine);
    EXPECT_EQ(got.value("count", 0u), 2000u) << got.dump();
    EXPECT_TRUE(got.value("order_ok", false)) << got.dump();
    ASSERT_NO_FATAL_FAILURE(stopRelay());
}

TEST_F(RelayProcessTest, MarketDataALateJoinerAsksForASnapshotAndGetsTheLastFramePerInstrument) {
    ASSERT_NO_FATAL_FAILURE(startRelay("market_data"));
    Process& early = consumer(300, {"--timeout-ms", "10000"});
    ASSERT_NO_FATAL_FAILURE(waitClient(early, true));
    // Three instruments, 100 trades each (the peer's --instruments spreads them).
    Process& p = producer("trade", 7, 300, {"--instruments", "3"});
    finish(p);
    EXPECT_EQ(finish(early).value("count", 0u), 300u);
    Process& late = consumer(3, {"--snapshot", "1", "--allow-gaps", "--timeout-ms", "5000", "--linger-ms", "200"});
    Json got = finish(late);
    EXPECT_EQ(got.value("count", 0u), 3u) << "one frame per instrument: " << got.dump();
    EXPECT_EQ(got["last_seq"].value("7", 0u), 300u) << "the last ones: " << got.dump();
    EXPECT_EQ(got.value("catch_ups", 0u), 1u) << got.dump();
    Process& plain = consumer(0, {"--timeout-ms", "300"});
    EXPECT_EQ(finish(plain).value("count", 1u), 0u) << "no snapshot unless asked";
    EXPECT_EQ(stats().value("snapshot_frames", 0u), 3u);
    ASSERT_NO_FATAL_FAILURE(stopRelay());
}

} // namespace
