// Acknowledged publishing (docs/design/recovery.md, "BusClient as a
// producer"): the ring of frames kept until acknowledged, and BusClient
// against a scripted relay on a real Unix socket that acknowledges when the
// test says so.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "alphapulse/client/bus_client.hpp"
#include "alphapulse/client/unacked_frames.hpp"
#include "alphapulse/transport/frame_reader.hpp"
#include "alphapulse/transport/unix_socket.hpp"
#include "alphapulse/transport/unix_socket_transport.hpp"
#include "alphapulse/wire/messages.hpp"
#include "alphapulse/wire/subscribe.hpp"
#include "test_frames.hpp"

using namespace alphapulse;
using client::UnackedFrames;

namespace {

constexpr std::size_t TRADE = wire::TradeLayout::SIZE;

std::vector<std::uint64_t> sequencesOf(const UnackedFrames& kept, std::uint8_t source) {
    std::vector<std::uint64_t> seqs;
    kept.forEach([&](const wire::FrameView& f) {
        if (f.source() == source) seqs.push_back(f.sequence());
    });
    return seqs;
}

/// Every sequence from..to.
std::vector<std::uint64_t> range(std::uint64_t from, std::uint64_t to) {
    std::vector<std::uint64_t> seqs;
    for (std::uint64_t s = from; s <= to; ++s) seqs.push_back(s);
    return seqs;
}

/// One end of a relay, scripted: reads frames, sends ACKs.
class ScriptedRelay {
public:
    ScriptedRelay() {
        char tmpl[] = "/tmp/alphapulse-acked-XXXXXX";
        m_dir = ::mkdtemp(tmpl);
        m_path = m_dir + "/bus.sock";
        m_listen = transport::listenUnix(m_path, 0600);
    }
    ~ScriptedRelay() {
        drop();
        if (m_listen >= 0) ::close(m_listen);
        std::error_code ec;
        std::filesystem::remove_all(m_dir, ec);
    }
    [[nodiscard]] const std::string& path() const { return m_path; }

    /// Accepts the client's next connection, calling `pump` (the client's
    /// flush) meanwhile; reads its first frame, the ACKS Subscribe.
    bool accept(const std::function<void()>& pump) {
        drop();
        for (int i = 0; i < 500 && m_fd < 0; ++i) {
            pump();
            pollfd pfd{m_listen, POLLIN, 0};
            if (::poll(&pfd, 1, 10) > 0) m_fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
        }
        m_reader = std::make_unique<transport::FrameReader>(1 << 20, wire::header::DEFAULT_MAX_PAYLOAD);
        return m_fd >= 0;
    }
    void drop() {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
    }

    /// Reads frames until `count` arrived (pumping the client), returning
    /// (type, source, sequence, flags of a Subscribe) of each.
    struct Seen {
        std::uint8_t type;
        std::uint8_t source;
        std::uint64_t sequence;
        std::vector<std::uint8_t> ackSources; ///< a Subscribe with ACKS: the sources it lists
        bool acks = false;
    };
    std::vector<Seen> read(std::size_t count, const std::function<void()>& pump, int timeoutMs = 5000) {
        std::vector<Seen> seen;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
        while (seen.size() < count && std::chrono::steady_clock::now() < deadline) {
            pump();
            pollfd pfd{m_fd, POLLIN, 0};
            if (::poll(&pfd, 1, 5) <= 0) continue;
            auto space = m_reader->writable();
            const ssize_t n = ::read(m_fd, space.data(), space.size());
            if (n <= 0) break;
            m_reader->commit(static_cast<std::size_t>(n));
            for (auto frame = m_reader->next(); frame; frame = m_reader->next()) {
                Seen s{frame->messageType(), frame->source(), frame->sequence(), {}, false};
                if (s.type == static_cast<std::uint8_t>(wire::MessageType::Subscribe)) {
                    const auto view = wire::SubscribeView::parse(frame->data(), frame->size(), false);
                    if (view && (view->flags() & wire::subscribe::FLAG_ACKS) != 0) {
                        s.acks = true;
                        const wire::subscribe::ResumeTail tail(*view);
                        for (std::size_t i = 0; i < tail.size(); ++i) s.ackSources.push_back(tail[i].source);
                    }
                }
                seen.push_back(std::move(s));
            }
        }
        return seen;
    }

    void send(std::span<const std::uint8_t> frame) {
        ASSERT_EQ(::write(m_fd, frame.data(), frame.size()), static_cast<ssize_t>(frame.size()));
    }

    /// An ACK: the journal holds `source` up to `sequence`.
    void ack(std::uint8_t source, std::uint64_t sequence) {
        std::array<std::uint8_t, wire::SnapshotLayout::SIZE> frame{};
        auto b = *wire::SnapshotBuilder::into(frame.data(), frame.size());
        b.source(wire::SourceType::ExecutionRelay).sequence(0).timestamp(1);
        b.snapshot_id(source).last_sequence(sequence).item_count(0);
        b.domain(static_cast<std::uint8_t>(wire::Domain::Execution)).phase(wire::subscribe::PHASE_ACK);
        b.finish();
        ASSERT_EQ(::write(m_fd, frame.data(), frame.size()), static_cast<ssize_t>(frame.size()));
    }

private:
    std::string m_dir;
    std::string m_path;
    int m_listen = -1;
    int m_fd = -1;
    std::unique_ptr<transport::FrameReader> m_reader;
};

std::unique_ptr<client::BusClient> ackedProducer(const std::string& path, std::size_t maxUnackedBytes = 64 << 20) {
    transport::UnixSocketTransport::Options options{path};
    options.writeMode = transport::WriteMode::Immediate;
    client::ClientOptions clientOptions;
    clientOptions.subscription = std::bitset<256>{}; // producer-only
    clientOptions.acknowledged = true;
    clientOptions.maxUnackedBytes = maxUnackedBytes;
    clientOptions.initialBackoff = std::chrono::milliseconds(0);
    clientOptions.ackReplyTimeout = std::chrono::seconds(60); // never reached: the test answers
    clientOptions.closeTimeout = std::chrono::milliseconds(0);
    return std::make_unique<client::BusClient>(std::make_unique<transport::UnixSocketTransport>(options),
                                                 clientOptions);
}

std::vector<std::uint64_t> tradesOf(const std::vector<ScriptedRelay::Seen>& seen) {
    std::vector<std::uint64_t> seqs;
    for (const auto& s : seen) {
        if (s.type == static_cast<std::uint8_t>(wire::MessageType::Trade)) seqs.push_back(s.sequence);
    }
    return seqs;
}

} // namespace

TEST(UnackedFrames, KeepsEveryFrameUntilAnAckForItsSourceCoversItAndForgetsOnlyFromTheFront) {
    UnackedFrames kept(1 << 20);
    std::vector<std::uint8_t> batch;
    for (std::uint64_t s = 1; s <= 5; ++s) {
        fixtures::append(batch, fixtures::tradeFrame(1, s));
        fixtures::append(batch, fixtures::tradeFrame(2, s));
    }
    ASSERT_EQ(kept.push(batch), UnackedFrames::Push::Taken);
    EXPECT_EQ(kept.frames(), 10u);
    EXPECT_EQ(kept.bytes(), 10 * TRADE);
    EXPECT_EQ(kept.sources().count(), 2u);
    // Source 1 up to 3: only the frames in front of the first uncovered one go.
    EXPECT_EQ(kept.acknowledge(1, 3), 1u) << "1/1 goes; 2/1 is not acknowledged yet";
    EXPECT_EQ(kept.acknowledge(2, 2), 4u) << "2/1, 1/2, 2/2, 1/3";
    EXPECT_EQ(sequencesOf(kept, 1), range(4, 5));
    EXPECT_EQ(sequencesOf(kept, 2), range(3, 5));
    EXPECT_EQ(kept.acknowledge(7, 100), 0u) << "another source's ACK forgets nothing";
    EXPECT_EQ(kept.acknowledge(2, 5), 1u) << "2/3; 1/4 is in front of the rest";
    EXPECT_EQ(kept.acknowledge(1, 5), 4u);
    EXPECT_TRUE(kept.empty());
    EXPECT_EQ(kept.bytes(), 0u);
}

TEST(UnackedFrames, WrapsAroundTheRingWithoutSplittingAFrameAndRefusesBeyondItsBound) {
    // Room for 10 frames and a bit: pushes of 3 frames wrap with padding.
    UnackedFrames kept(10 * TRADE + TRADE / 2);
    std::uint64_t next = 1;
    std::uint64_t acked = 0;
    auto pushThree = [&] {
        std::vector<std::uint8_t> batch;
        for (std::uint64_t i = 0; i < 3; ++i) fixtures::append(batch, fixtures::tradeFrame(1, next + i));
        const auto result = kept.push(batch);
        if (result == UnackedFrames::Push::Taken) next += 3;
        return result;
    };
    for (int round = 0; round < 20; ++round) {
        const std::uint64_t firstNew = next;
        while (pushThree() == UnackedFrames::Push::Taken) {
        }
        ASSERT_LE(kept.bytes(), kept.capacity());
        ASSERT_EQ(sequencesOf(kept, 1), range(acked + 1, next - 1)) << "round " << round;
        // Everything not yet sent comes out whole and in order.
        std::vector<std::uint64_t> sent;
        for (auto piece = kept.unsent(4 * TRADE); !piece.empty(); piece = kept.unsent(4 * TRADE)) {
            ASSERT_EQ(piece.size() % TRADE, 0u);
            ASSERT_LE(piece.size(), 4 * TRADE);
            for (std::size_t at = 0; at < piece.size(); at += TRADE) {
                sent.push_back(wire::FrameView(piece.data() + at, TRADE).sequence());
            }
            kept.markSent(piece.size());
        }
        EXPECT_EQ(sent, range(firstNew, next - 1)) << "round " << round;
        acked += 4 + static_cast<std::uint64_t>(round % 3);
        kept.acknowledge(1, acked);
        EXPECT_EQ(kept.unsentBytes(), 0u);
    }
    std::vector<std::uint8_t> tooLarge;
    for (int i = 0; i < 11; ++i) fixtures::append(tooLarge, fixtures::tradeFrame(1, 1));
    EXPECT_EQ(kept.push(tooLarge), UnackedFrames::Push::Full);
    const std::vector<std::uint8_t> notFrames(TRADE, 0xAB);
    EXPECT_EQ(kept.push(notFrames), UnackedFrames::Push::NotFrames);
}

TEST(UnackedFrames, AfterARewindEverythingKeptIsSentAgainAndCountedAsResent) {
    UnackedFrames kept(1 << 20);
    std::vector<std::uint8_t> batch;
    for (std::uint64_t s = 1; s <= 6; ++s) fixtures::append(batch, fixtures::tradeFrame(3, s));
    ASSERT_EQ(kept.push(batch), UnackedFrames::Push::Taken);
    EXPECT_EQ(kept.markSent(4 * TRADE), 0u) << "the first time";
    kept.rewind();
    EXPECT_EQ(kept.unsentBytes(), 6 * TRADE);
    EXPECT_EQ(kept.acknowledge(3, 2), 2u) << "the journal's answer: 1 and 2 are held";
    const auto piece = kept.unsent(1 << 20);
    EXPECT_EQ(piece.size(), 4 * TRADE);
    EXPECT_EQ(wire::FrameView(piece.data(), TRADE).sequence(), 3u);
    EXPECT_EQ(kept.markSent(piece.size()), 2u) << "3 and 4 again, 5 and 6 for the first time";
}

TEST(BusClientAcknowledged, KeepsWhatIsNotAcknowledgedAndResendsItInOrderAfterReconnectingBeforeNewFrames) {
    ScriptedRelay relay;
    auto producer = ackedProducer(relay.path());
    auto pump = [&] { producer->flush(); };
    ASSERT_TRUE(relay.accept(pump));
    ASSERT_TRUE(producer->acknowledged());
    for (std::uint64_t s = 1; s <= 100; ++s) ASSERT_EQ(producer->publish(fixtures::tradeFrame(7, s)), transport::SendStatus::Ok);
    auto first = relay.read(101, pump);
    ASSERT_FALSE(first.empty());
    EXPECT_TRUE(first.front().acks) << "the first frame of a connection is the ACKS Subscribe";
    EXPECT_TRUE(first.front().ackSources.empty()) << "nothing kept yet";
    EXPECT_EQ(tradesOf(first), range(1, 100));
    EXPECT_EQ(producer->unacknowledgedBytes(), 100 * TRADE) << "nothing acknowledged: everything kept";

    relay.ack(7, 40);
    for (int i = 0; i < 200 && producer->counters().framesAcknowledged < 40; ++i) {
        producer->flush(); // a producer-only client reads its ACKs here
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(producer->counters().framesAcknowledged, 40u);
    EXPECT_EQ(sequencesOf(producer->unacknowledged(), 7), range(41, 100));

    // The relay dies; frames published meanwhile are kept too.
    relay.drop();
    for (std::uint64_t s = 101; s <= 110; ++s) {
        ASSERT_EQ(producer->publish(fixtures::tradeFrame(7, s)), transport::SendStatus::Ok);
    }
    ASSERT_TRUE(relay.accept(pump));
    auto subscribe = relay.read(1, [] {});
    ASSERT_EQ(subscribe.size(), 1u);
    EXPECT_TRUE(subscribe[0].acks);
    EXPECT_EQ(subscribe[0].ackSources, std::vector<std::uint8_t>{7}) << "it asks where the journal stands for 7";
    // Nothing is resent before the journal's answer (it waits up to ackReplyTimeout).
    EXPECT_TRUE(tradesOf(relay.read(1, pump, 100)).empty());
    relay.ack(7, 50); // the journal held 41..50 already
    for (std::uint64_t s = 111; s <= 115; ++s) {
        ASSERT_EQ(producer->publish(fixtures::tradeFrame(7, s)), transport::SendStatus::Ok);
    }
    const auto resent = tradesOf(relay.read(65, pump));
    EXPECT_EQ(resent, range(51, 115)) << "after the journal's last, in order, the new frames after them";
    EXPECT_EQ(producer->counters().framesRepublished, 50u) << "51..100 had been sent before";
    EXPECT_EQ(producer->counters().reconnects, 1u);

    relay.ack(7, 115);
    EXPECT_TRUE(producer->drain(std::chrono::milliseconds(5000)));
    EXPECT_EQ(producer->unacknowledgedBytes(), 0u);
    EXPECT_EQ(producer->counters().framesAcknowledged, 115u);
}

TEST(BusClientAcknowledged, PublishSaysWouldBlockAtTheBoundUntilAnAckFreesRoom) {
    ScriptedRelay relay;
    auto producer = ackedProducer(relay.path(), 10 * TRADE);
    auto pump = [&] { producer->flush(); };
    ASSERT_TRUE(relay.accept(pump));
    for (std::uint64_t s = 1; s <= 10; ++s) ASSERT_EQ(producer->publish(fixtures::tradeFrame(4, s)), transport::SendStatus::Ok);
    EXPECT_EQ(producer->publish(fixtures::tradeFrame(4, 11)), transport::SendStatus::WouldBlock);
    EXPECT_EQ(producer->unacknowledgedBytes(), 10 * TRADE);
    EXPECT_EQ(tradesOf(relay.read(11, pump)), range(1, 10));
    relay.ack(4, 3);
    transport::SendStatus status = transport::SendStatus::WouldBlock;
    for (int i = 0; i < 2000 && status != transport::SendStatus::Ok; ++i) {
        status = producer->publish(fixtures::tradeFrame(4, 11)); // reads the ACK when full
        if (status != transport::SendStatus::Ok) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(status, transport::SendStatus::Ok);
    EXPECT_EQ(sequencesOf(producer->unacknowledged(), 4), range(4, 11));
    for (std::uint64_t s = 12; s <= 13; ++s) EXPECT_EQ(producer->publish(fixtures::tradeFrame(4, s)), transport::SendStatus::Ok);
    EXPECT_EQ(producer->publish(fixtures::tradeFrame(4, 14)), transport::SendStatus::WouldBlock);
}

TEST(BusClientAcknowledged, DrainWaitsForTheAcksAndGivesUpAtItsTimeout) {
    ScriptedRelay relay;
    auto producer = ackedProducer(relay.path());
    auto pump = [&] { producer->flush(); };
    ASSERT_TRUE(relay.accept(pump));
    for (std::uint64_t s = 1; s <= 5; ++s) ASSERT_EQ(producer->publish(fixtures::tradeFrame(9, s)), transport::SendStatus::Ok);
    EXPECT_EQ(tradesOf(relay.read(6, pump)), range(1, 5));
    EXPECT_FALSE(producer->drain(std::chrono::milliseconds(50))) << "written, but never acknowledged";
    EXPECT_EQ(producer->unacknowledgedBytes(), 5 * TRADE);
    EXPECT_EQ(producer->transport().pendingBytes(), 0u) << "handed over: only the ACK is missing";
    // The ACK comes while drain() waits.
    std::thread late([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        relay.ack(9, 5);
    });
    const bool drained = producer->drain(std::chrono::milliseconds(10'000));
    late.join();
    EXPECT_TRUE(drained);
    EXPECT_EQ(producer->counters().framesAcknowledged, 5u);
    EXPECT_TRUE(producer->close(std::chrono::milliseconds(0)));
}

TEST(BusClientAcknowledged, FramesReadWhileWaitingForAcksAreDeliveredByTheNextPoll) {
    ScriptedRelay relay;
    auto producer = ackedProducer(relay.path());
    auto pump = [&] { producer->flush(); };
    ASSERT_TRUE(relay.accept(pump));
    ASSERT_EQ(producer->publish(fixtures::tradeFrame(9, 1)), transport::SendStatus::Ok);
    EXPECT_EQ(tradesOf(relay.read(2, pump)), range(1, 1));
    // An Error frame, then the ACK: drain() takes the ACK and keeps the Error for poll().
    std::array<std::uint8_t, wire::ErrorLayout::SIZE> error{};
    auto b = *wire::ErrorBuilder::into(error.data(), error.size());
    b.source(wire::SourceType::ExecutionRelay).sequence(0).timestamp(1);
    b.error_code(6).related_type(static_cast<std::uint8_t>(wire::MessageType::Trade)).related_sequence(1);
    b.finish();
    relay.send(error);
    relay.ack(9, 1);
    EXPECT_TRUE(producer->drain(std::chrono::milliseconds(5000)));
    std::vector<std::uint8_t> types;
    auto keep = [&](const wire::FrameView& f) { types.push_back(f.messageType()); };
    EXPECT_EQ(producer->poll(keep, 0), 1);
    EXPECT_EQ(types, std::vector<std::uint8_t>{static_cast<std::uint8_t>(wire::MessageType::Error)})
        << "the Error frame, not the ACK";
    EXPECT_EQ(producer->counters().relayErrors, 1u);
}
