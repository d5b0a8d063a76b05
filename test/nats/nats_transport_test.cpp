// NatsTransport against a real nats-server on a free loopback port: fan-out,
// subscriptions as subjects, no echo, domain policies both ways, credentials,
// reconnection across a restart, JetStream replay and acknowledgements.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <map>

#include "../../libs/nats/src/nkey.hpp"
#include "../../libs/nats/test/nats_test_frames.hpp"
#include "nats_server.hpp"
#include "nats_test_util.hpp"

using namespace alphapulse;
using namespace alphapulse::natstest;
using client::typesOf;
using wire::MessageType;

namespace {

/// Publishes a raw payload with plain nats.c (another implementation on the same subjects).
void rawPublish(const std::string& url, const std::string& subject, const std::vector<std::uint8_t>& bytes) {
    natsConnection* nc = nullptr;
    ASSERT_EQ(natsConnection_ConnectTo(&nc, url.c_str()), NATS_OK);
    natsConnection_Publish(nc, subject.c_str(), bytes.data(), static_cast<int>(bytes.size()));
    natsConnection_FlushTimeout(nc, 2000);
    natsConnection_Destroy(nc);
}

struct Received {
    std::vector<std::vector<std::uint8_t>> frames;
    void operator()(const wire::FrameView& f) { frames.emplace_back(f.data(), f.data() + f.size()); }
    [[nodiscard]] std::size_t count(MessageType type) const {
        std::size_t n = 0;
        for (const auto& f : frames) n += f[wire::header::MESSAGE_TYPE_OFFSET] == static_cast<std::uint8_t>(type);
        return n;
    }
};

} // namespace

TEST(NatsTransport, FanOutSubjectsNoEchoAndDomainPolicy) {
    TempDir dir;
    NatsServer server(dir.path(), {});
    auto options = busOptions({server.url()});
    auto producer = natsClient(options, std::bitset<256>{}, "producer");
    auto all1 = natsClient(options, std::nullopt, "all1");
    auto all2 = natsClient(options, std::nullopt, "all2");
    auto quotesOnly = natsClient(options, typesOf({MessageType::Quote}), "quotes");
    ASSERT_TRUE(producer->connected()) << producer->transport().reason();
    Received r1, r2, rq, rp;
    for (auto* c : {all1.get(), all2.get(), quotesOnly.get()}) c->poll(r1, 0); // subscriptions made
    ASSERT_TRUE(r1.frames.empty());

    constexpr std::uint64_t TRADES = 20'000, QUOTES = 1'000;
    std::vector<std::vector<std::uint8_t>> sent;
    std::vector<std::uint8_t> batch;
    for (std::uint64_t seq = 1; seq <= TRADES; ++seq) {
        sent.push_back(trade(1, seq, static_cast<std::int64_t>(seq)));
        batch.insert(batch.end(), sent.back().begin(), sent.back().end());
        if (seq % 1000 == 0) {
            batch.insert(batch.end(), sent.back().begin(), sent.back().begin()); // (no-op)
            const auto q = quote(2, seq / 1000);
            batch.insert(batch.end(), q.begin(), q.end());
            ASSERT_TRUE(producer->publishBlocking(batch, std::chrono::seconds(5)));
            batch.clear();
        }
    }
    for (std::uint64_t seq = 21; seq <= QUOTES; ++seq) ASSERT_TRUE(producer->publishBlocking(quote(2, seq), std::chrono::seconds(5)));
    // Out of the domain: never published, counted by the publisher.
    ASSERT_EQ(producer->publish(retyped(trade(1, 1), static_cast<std::uint8_t>(MessageType::Fill))), transport::SendStatus::Ok);
    producer->flush();

    const auto total = TRADES + QUOTES;
    EXPECT_TRUE(pollUntil(*all1, r1, [&] { return r1.frames.size() >= total; }, 20'000)) << r1.frames.size();
    EXPECT_TRUE(pollUntil(*all2, r2, [&] { return r2.frames.size() >= total; }, 20'000)) << r2.frames.size();
    EXPECT_TRUE(pollUntil(*quotesOnly, rq, [&] { return rq.frames.size() >= QUOTES; }, 20'000)) << rq.frames.size();
    all1->poll(r1, 100);
    quotesOnly->poll(rq, 100);
    producer->poll(rp, 100);
    EXPECT_EQ(r1.frames.size(), total);
    EXPECT_EQ(r1.count(MessageType::Trade), TRADES);
    EXPECT_EQ(rq.frames.size(), QUOTES);
    EXPECT_EQ(rq.count(MessageType::Quote), QUOTES);
    EXPECT_TRUE(rp.frames.empty()) << "a pure producer receives nothing";
    EXPECT_EQ(natsOf(*producer).counters().dropsOutOfDomain, 1u);
    // Frames travel unchanged: byte for byte, checksum intact, in order per subject.
    std::size_t t = 0;
    for (const auto& f : r1.frames) {
        EXPECT_TRUE(wire::FrameView(f.data(), f.size()).checksumMatches());
        if (f[wire::header::MESSAGE_TYPE_OFFSET] == static_cast<std::uint8_t>(MessageType::Trade)) {
            ASSERT_EQ(f, sent[t]) << "trade " << t;
            ++t;
        }
    }

    // No echo: a client that publishes and subscribes never gets its own frames.
    Received own;
    ASSERT_EQ(all2->publish(trade(9, 1)), transport::SendStatus::Ok);
    all2->flush();
    EXPECT_TRUE(pollUntil(*all1, r1, [&] { return r1.frames.size() == total + 1; }, 5000));
    all2->poll(own, 300);
    EXPECT_TRUE(own.frames.empty());

    // What arrives is checked too: another implementation publishing garbage,
    // another domain's type, or a frame on the wrong subject.
    const auto before = r1.frames.size();
    rawPublish(server.url(), "aptest.market_data.trade", {1, 2, 3});
    rawPublish(server.url(), "aptest.market_data.fill", retyped(trade(1, 5), static_cast<std::uint8_t>(MessageType::Fill)));
    auto longer = trade(1, 6);
    longer.push_back(0);
    rawPublish(server.url(), "aptest.market_data.trade", longer);
    rawPublish(server.url(), "aptest.market_data.trade", trade(1, 7));
    EXPECT_TRUE(pollUntil(*all1, r1, [&] { return r1.frames.size() == before + 1; }, 5000));
    all1->poll(r1, 200);
    EXPECT_EQ(r1.frames.size(), before + 1);
    const auto counters = natsOf(*all1).counters();
    EXPECT_EQ(counters.dropsMalformed, 2u);
    EXPECT_EQ(counters.dropsOutOfDomain, 1u);
}

TEST(NatsTransport, ChecksumsValidatedWhereConfigured) {
    TempDir dir;
    NatsServer server(dir.path(), {});
    auto options = busOptions({server.url()}, wire::Domain::Signals);
    options.validateChecksums = true;
    auto producer = natsClient(options, std::bitset<256>{});
    auto consumer = natsClient(options);
    Received r;
    consumer->poll(r, 0);
    auto good = retyped(trade(1, 1), static_cast<std::uint8_t>(MessageType::StrategyAlert));
    auto bad = good;
    bad[50] ^= 1;
    ASSERT_EQ(producer->publish(bad), transport::SendStatus::Ok);
    ASSERT_EQ(producer->publish(good), transport::SendStatus::Ok);
    producer->flush();
    rawPublish(server.url(), "aptest.signals.strategy_alert", bad); // not through our publisher
    EXPECT_TRUE(pollUntil(*consumer, r, [&] { return !r.frames.empty(); }, 5000));
    consumer->poll(r, 300);
    ASSERT_EQ(r.frames.size(), 1u);
    EXPECT_EQ(r.frames[0], good);
    EXPECT_EQ(natsOf(*producer).counters().dropsBadChecksum, 1u);
    EXPECT_EQ(natsOf(*consumer).counters().dropsBadChecksum, 1u);
}

TEST(NatsTransport, WrongCredentialsAreRefused) {
    TempDir dir;
    std::array<std::uint8_t, 32> raw{};
    for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i * 13 + 5);
    const auto seed = nats::nkeyEncodeUserSeed(raw);
    std::string why;
    const auto pub = nats::nkeyPublicFromSeed(seed, why);
    ASSERT_TRUE(pub) << why;
    raw[0] ^= 1;
    const auto otherSeed = nats::nkeyEncodeUserSeed(raw);
    const auto seedFile = (dir.path() / "user.nk").string();
    const auto otherSeedFile = (dir.path() / "other.nk").string();
    std::ofstream(seedFile) << seed << "\n";
    std::ofstream(otherSeedFile) << otherSeed << "\n";

    NatsServer::Options usersOptions;
    usersOptions.extraConfig = "authorization {\n  users = [\n    {user: alice, password: s3cret}\n    {nkey: " + *pub +
                               "}\n  ]\n}\n";
    NatsServer users(dir.path(), usersOptions);
    NatsServer::Options tokenOptions;
    tokenOptions.name = "n2";
    tokenOptions.extraConfig = "authorization { token: t0ken }\n";
    NatsServer token(dir.path(), tokenOptions);

    const auto attempt = [](nats::NatsOptions options) {
        options.connectTimeoutMs = 1000;
        nats::NatsTransport transport(options);
        const bool ok = transport.connect();
        return std::make_pair(ok, transport.reason());
    };
    auto options = busOptions({users.url()});
    auto [anonymous, anonymousWhy] = attempt(options);
    EXPECT_FALSE(anonymous);
    EXPECT_NE(anonymousWhy.find("uthorization"), std::string::npos) << anonymousWhy;
    options.user = "alice";
    options.password = "wrong";
    auto [wrong, wrongWhy] = attempt(options);
    EXPECT_FALSE(wrong);
    EXPECT_NE(wrongWhy.find("uthorization"), std::string::npos) << wrongWhy;
    options.password = "s3cret";
    EXPECT_TRUE(attempt(options).first) << attempt(options).second;

    auto nkey = busOptions({users.url()});
    nkey.nkeySeedFile = otherSeedFile;
    EXPECT_FALSE(attempt(nkey).first);
    nkey.nkeySeedFile = seedFile;
    EXPECT_TRUE(attempt(nkey).first) << attempt(nkey).second;

    auto tok = busOptions({token.url()});
    tok.token = "nope";
    EXPECT_FALSE(attempt(tok).first);
    tok.token = "t0ken";
    EXPECT_TRUE(attempt(tok).first) << attempt(tok).second;
}

TEST(NatsTransport, TlsIsPassedThroughToNatsC) {
    if (std::system("openssl version > /dev/null 2>&1") != 0) GTEST_SKIP() << "openssl is not installed";
    TempDir dir;
    const auto d = dir.path().string();
    // A CA, a server certificate for 127.0.0.1 signed by it, and a second CA that signed nothing.
    const std::string script =
        "cd '" + d + "' && "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 1 -subj '/CN=alphapulse test CA' && "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout other.key -out other.pem -days 1 -subj '/CN=other CA' && "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj '/CN=127.0.0.1' && "
        "printf 'subjectAltName=IP:127.0.0.1' > ext.cnf && "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 1 -extfile ext.cnf";
    ASSERT_EQ(std::system((script + " > openssl.log 2>&1").c_str()), 0);
    NatsServer::Options serverOptions;
    serverOptions.extraConfig = "tls {\n  cert_file: \"" + d + "/server.pem\"\n  key_file: \"" + d + "/server.key\"\n}\n";
    NatsServer server(dir.path(), serverOptions);

    auto plain = busOptions({server.url()});
    plain.connectTimeoutMs = 1000;
    EXPECT_FALSE(nats::NatsTransport(plain).connect());

    auto wrongCa = plain;
    wrongCa.tls = true;
    wrongCa.tlsCaFile = d + "/other.pem";
    {
        nats::NatsTransport transport(wrongCa);
        EXPECT_FALSE(transport.connect());
        EXPECT_FALSE(transport.reason().empty());
    }

    auto secure = plain;
    secure.tls = true;
    secure.tlsCaFile = d + "/ca.pem";
    auto producer = natsClient(secure, std::bitset<256>{});
    auto consumer = natsClient(secure);
    ASSERT_TRUE(producer->connected()) << producer->transport().reason();
    ASSERT_TRUE(consumer->connected()) << consumer->transport().reason();
    Received r;
    consumer->poll(r, 0);
    ASSERT_EQ(producer->publish(trade(1, 1)), transport::SendStatus::Ok);
    producer->flush();
    EXPECT_TRUE(pollUntil(*consumer, r, [&] { return r.frames.size() == 1; }, 5000));
    EXPECT_EQ(r.frames.at(0), trade(1, 1));
}

TEST(NatsTransport, ReconnectsAcrossAServerRestart) {
    TempDir dir;
    NatsServer server(dir.path(), {});
    auto options = busOptions({server.url()});
    auto producer = natsClient(options, std::bitset<256>{});
    auto consumer = natsClient(options);
    Received r;
    consumer->poll(r, 0);
    for (std::uint64_t seq = 1; seq <= 100; ++seq) ASSERT_EQ(producer->publish(trade(1, seq)), transport::SendStatus::Ok);
    producer->flush();
    ASSERT_TRUE(pollUntil(*consumer, r, [&] { return r.frames.size() == 100; }, 5000));

    server.stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_TRUE(producer->connected()) << "nats.c keeps reconnecting; the transport stays up";
    server.start();
    ASSERT_TRUE(waitFor([&] {
        consumer->poll(r, 10);
        return natsOf(*producer).counters().reconnects >= 1 && natsOf(*consumer).counters().reconnects >= 1;
    }, 10'000));
    for (std::uint64_t seq = 101; seq <= 200; ++seq) ASSERT_EQ(producer->publish(trade(1, seq)), transport::SendStatus::Ok);
    producer->flush();
    EXPECT_TRUE(pollUntil(*consumer, r, [&] { return r.frames.size() == 200; }, 10'000)) << r.frames.size();
    EXPECT_GE(natsOf(*consumer).counters().disconnects, 1u);
}

TEST(NatsTransport, JetStreamReplaysFromSequenceTimeAndResumesADurable) {
    TempDir dir;
    NatsServer::Options serverOptions;
    serverOptions.jetstream = true;
    NatsServer server(dir.path(), serverOptions);
    auto options = busOptions({server.url()}, wire::Domain::Signals);
    options.jetstream.enabled = true;
    options.jetstream.ack = true;
    options.jetstream.ackWaitMs = 2000;
    auto producer = natsClient(options, std::bitset<256>{}, "producer");
    ASSERT_TRUE(producer->connected()) << producer->transport().reason();
    const auto alert = [](std::uint64_t seq) {
        return retyped(trade(21, seq), static_cast<std::uint8_t>(MessageType::StrategyAlert));
    };
    for (std::uint64_t seq = 1; seq <= 50; ++seq) ASSERT_TRUE(producer->publishBlocking(alert(seq), std::chrono::seconds(5)));
    ASSERT_TRUE(natsOf(*producer).waitAcknowledged(10'000));
    std::this_thread::sleep_for(std::chrono::milliseconds(200)); // more than the start's rounding (0.1 s)
    // A start whose fraction of a second has a leading zero (.0xx): the case
    // nats.c 3.4.1 encodes wrongly and the transport works around.
    const auto fractionMs = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count() % 1000;
    };
    while (fractionMs() < 20 || fractionMs() > 80) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto middle = std::chrono::system_clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (std::uint64_t seq = 51; seq <= 100; ++seq) ASSERT_TRUE(producer->publishBlocking(alert(seq), std::chrono::seconds(5)));
    ASSERT_TRUE(natsOf(*producer).waitAcknowledged(10'000));
    EXPECT_EQ(natsOf(*producer).counters().publishErrors, 0u);

    const auto replay = [&](const std::string& deliver, const std::string& durable, std::size_t expect) {
        auto consumerOptions = options;
        consumerOptions.jetstream.deliver = *nats::parseDeliver(deliver);
        consumerOptions.jetstream.durable = durable;
        auto consumer = natsClient(consumerOptions);
        std::vector<std::uint64_t> seqs;
        auto handler = [&](const wire::FrameView& f) { seqs.push_back(f.sequence()); };
        pollUntil(*consumer, handler, [&] { return seqs.size() >= expect; }, 30'000);
        consumer->poll(handler, 200);
        const auto c = natsOf(*consumer).counters();
        EXPECT_EQ(seqs.size(), expect) << deliver << ": " << consumer->transport().reason() << " reconnects "
                                       << consumer->counters().reconnects << " own " << c.ownFramesSkipped
                                       << " malformed " << c.dropsMalformed;
        return seqs;
    };
    const auto all = replay("all", "", 100);
    ASSERT_EQ(all.size(), 100u);
    EXPECT_EQ(all.front(), 1u);
    EXPECT_EQ(all.back(), 100u);
    const auto fromSeq = replay("sequence:41", "", 60);
    ASSERT_EQ(fromSeq.size(), 60u);
    EXPECT_EQ(fromSeq.front(), 41u);
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(middle.time_since_epoch()).count();
    nats::DeliverPolicy byTime{nats::DeliverPolicy::Kind::Time, 0, ns};
    const auto fromTime = replay(nats::deliverText(byTime), "", 50);
    ASSERT_EQ(fromTime.size(), 50u);
    EXPECT_EQ(fromTime.front(), 51u);
    const auto last = replay("last", "", 1);
    ASSERT_EQ(last.size(), 1u);
    EXPECT_EQ(last.front(), 100u);

    // A durable consumer resumes after a restart where it left off.
    const auto first = replay("all", "keeper", 100);
    EXPECT_EQ(first.size(), 100u);
    for (std::uint64_t seq = 101; seq <= 120; ++seq) ASSERT_TRUE(producer->publishBlocking(alert(seq), std::chrono::seconds(5)));
    ASSERT_TRUE(natsOf(*producer).waitAcknowledged(10'000));
    const auto resumed = replay("all", "keeper", 20);
    ASSERT_EQ(resumed.size(), 20u);
    EXPECT_EQ(resumed.front(), 101u);
    EXPECT_EQ(resumed.back(), 120u);
}

TEST(NatsTransport, JetStreamExecutionLosesNothingAcrossAServerCrash) {
    TempDir dir;
    NatsServer::Options serverOptions;
    serverOptions.jetstream = true;
    NatsServer server(dir.path(), serverOptions);
    auto options = busOptions({server.url()}, wire::Domain::Execution);
    options.validateChecksums = true;
    options.requireSequence = true;
    options.dropWhenFull = false;
    options.jetstream.enabled = true;
    options.jetstream.ack = true;
    options.jetstream.ackTimeoutMs = 1000;
    options.jetstream.ackWaitMs = 1000;
    options.jetstream.durable = "engine";
    auto producer = natsClient(options, std::bitset<256>{}, "producer");
    auto consumer = natsClient(options, std::nullopt, "engine");
    ASSERT_TRUE(producer->connected()) << producer->transport().reason();
    std::set<std::uint64_t> seen;
    std::uint64_t deliveries = 0;
    auto handler = [&](const wire::FrameView& f) {
        seen.insert(f.sequence());
        ++deliveries;
    };
    consumer->poll(handler, 0);
    constexpr std::uint64_t N = 2000;
    for (std::uint64_t seq = 1; seq <= N; ++seq) {
        if (seq == N / 2) {
            server.kill(); // a crash: nothing flushed, connections reset
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            server.start();
        }
        ASSERT_TRUE(producer->publishBlocking(order(80, seq), std::chrono::seconds(20))) << seq;
        consumer->poll(handler, 0);
    }
    EXPECT_TRUE(natsOf(*producer).waitAcknowledged(30'000)) << natsOf(*producer).counters().inflight;
    EXPECT_TRUE(pollUntil(*consumer, handler, [&] { return seen.size() == N; }, 30'000)) << seen.size();
    EXPECT_EQ(seen.size(), N);
    EXPECT_EQ(*seen.begin(), 1u);
    EXPECT_EQ(*seen.rbegin(), N);
    EXPECT_EQ(natsOf(*producer).counters().publishErrors, 0u);
    EXPECT_EQ(natsOf(*producer).counters().dropsBadSequence, 0u);
    RecordProperty("redeliveries", static_cast<int>(deliveries - seen.size()));
    RecordProperty("publish_retries", static_cast<int>(natsOf(*producer).counters().publishRetries));
}
