// A separate process on a shared-memory ring, driven by shm_process_test.
//
//   shm_peer write <name> <count> [opts]   sends Trades 1..count (0: forever; source --source), then holds if --hold
//   shm_peer read  <name> <count> [opts]   receives until <count> frames or --idle-ms without any,
//                                          then prints "done received=R missed=M laps=L ordered=0|1 bad=B"
//   shm_peer hold  <name> [opts]           attaches and waits to be killed
//   shm_peer torn  <name> [opts]           takes the write lock, writes half a record, waits to be killed
//   shm_peer torn-solo <name> [opts]       becomes the solo writer (no lock), then the same inside a send
// opts: --size BYTES, --backpressure, --source S, --slow-us U (reader: sleep per frame), --idle-ms MS,
//       --hold, --wait spin|block
// Every mode prints "ready slot=<n>" once attached (the test waits for it).
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "alphapulse/transport/shm_transport.hpp"
#include "alphapulse/wire/messages.hpp"
#include "shm_layout.hpp"
#include "test_frames.hpp"

using namespace alphapulse;
using transport::ShmTransport;

namespace {

struct Args {
    std::string mode, name;
    std::uint64_t count = 0;
    std::uint64_t size = 1 << 20;
    bool backpressure = false, hold = false;
    std::uint8_t source = 1;
    unsigned slowUs = 0;
    int idleMs = 3000;
    ShmTransport::Wait wait = ShmTransport::Wait::Spin;
};

[[noreturn]] void usage() {
    std::fprintf(stderr, "usage: shm_peer write|read|hold|torn <name> [count] [opts]\n");
    std::exit(2);
}

Args parse(int argc, char** argv) {
    if (argc < 3) usage();
    Args a;
    a.mode = argv[1];
    a.name = argv[2];
    int i = 3;
    if (a.mode == "write" || a.mode == "read") {
        if (argc < 4) usage();
        a.count = std::strtoull(argv[3], nullptr, 10);
        i = 4;
    }
    for (; i < argc; ++i) {
        const std::string o = argv[i];
        auto next = [&]() -> const char* {
            if (i + 1 >= argc) usage();
            return argv[++i];
        };
        if (o == "--size") a.size = std::strtoull(next(), nullptr, 10);
        else if (o == "--backpressure") a.backpressure = true;
        else if (o == "--hold") a.hold = true;
        else if (o == "--source") a.source = static_cast<std::uint8_t>(std::atoi(next()));
        else if (o == "--slow-us") a.slowUs = static_cast<unsigned>(std::atoi(next()));
        else if (o == "--idle-ms") a.idleMs = std::atoi(next());
        else if (o == "--wait") a.wait = std::string(next()) == "block" ? ShmTransport::Wait::Block : ShmTransport::Wait::Spin;
        else usage();
    }
    return a;
}

ShmTransport::Options options(const Args& a) {
    ShmTransport::Options o = ShmTransport::defaults(wire::Domain::MarketData);
    o.name = a.name;
    o.sizeBytes = a.size;
    o.backpressure = a.backpressure;
    o.wait = a.wait;
    o.prefault = false;
    o.slowConsumerTimeoutMs = 60'000; // tests kill readers; they never evict live ones
    return o;
}

[[noreturn]] void holdForever() {
    for (;;) ::pause();
}

int write(const Args& a, ShmTransport& t) {
    for (std::uint64_t seq = 1; a.count == 0 || seq <= a.count;) { // 0: until killed
        const auto frame = fixtures::tradeFrame(a.source, seq, static_cast<std::int64_t>(seq));
        const auto status = t.send(frame);
        if (status == transport::SendStatus::Ok) {
            ++seq;
        } else if (status == transport::SendStatus::WouldBlock) {
            std::this_thread::yield();
        } else {
            std::fprintf(stderr, "shm_peer write: %s\n", t.reason().c_str());
            return 1;
        }
    }
    std::printf("sent %llu\n", static_cast<unsigned long long>(a.count));
    std::fflush(stdout);
    if (a.hold) holdForever();
    return 0;
}

int read(const Args& a, ShmTransport& t) {
    std::uint64_t received = 0, bad = 0;
    std::vector<std::uint64_t> last(256, 0);
    bool ordered = true;
    auto handler = [&](const wire::FrameView& frame) {
        ++received;
        if (!frame.checksumMatches() || frame.size() != wire::TradeLayout::SIZE) ++bad;
        std::uint64_t& l = last[frame.source()];
        if (frame.sequence() <= l) ordered = false;
        l = frame.sequence();
        if (a.slowUs != 0) ::usleep(a.slowUs);
    };
    auto idleSince = std::chrono::steady_clock::now();
    while (received < a.count) {
        const int n = t.receive(handler, 20);
        if (n < 0) {
            std::fprintf(stderr, "shm_peer read: %s\n", t.reason().c_str());
            return 1;
        }
        const auto now = std::chrono::steady_clock::now();
        if (n > 0) idleSince = now;
        if (now - idleSince > std::chrono::milliseconds(a.idleMs)) break;
    }
    const auto& c = t.counters();
    std::printf("done received=%llu missed=%llu laps=%llu ordered=%d bad=%llu\n",
                static_cast<unsigned long long>(received), static_cast<unsigned long long>(c.framesMissed),
                static_cast<unsigned long long>(c.laps), ordered ? 1 : 0, static_cast<unsigned long long>(bad));
    std::fflush(stdout);
    return 0;
}

// A writer that dies in the middle of a record: takes the lock (or, as the
// solo writer of slot `soloSlot`, announces a lock-free send), claims room
// for a record, writes half of it (a plausible-looking header, half a
// frame), then waits to be killed.
[[noreturn]] void torn(const Args& a, int soloSlot) {
    using namespace transport::shm;
    const std::string path = "/dev/shm/" + a.name;
    FILE* f = std::fopen(path.c_str(), "r+");
    if (f == nullptr) std::exit(3);
    const int fd = ::fileno(f);
    void* base = ::mmap(nullptr, RING_OFFSET + a.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) std::exit(3);
    auto* h = static_cast<SegmentHeader*>(base);
    auto* ring = static_cast<std::uint8_t*>(base) + RING_OFFSET;
    if (soloSlot >= 0) {
        auto* slot = reinterpret_cast<ReaderSlot*>(static_cast<std::uint8_t*>(base) + SLOTS_OFFSET +
                                                   static_cast<std::size_t>(soloSlot) * SLOT_BYTES);
        if (h->soloWriter.load() == 0) std::exit(4); // not solo: the test would prove nothing
        slot->inSend.store(1);
    } else if (::pthread_mutex_lock(&h->writeLock) != 0) {
        std::exit(3);
    }
    const std::uint64_t start = h->published.load();
    const auto frame = fixtures::tradeFrame(a.source, 999'999);
    const std::uint64_t size = alignRecord(RECORD_HEADER + frame.size());
    h->reserved.store(start + size);
    const RecordHeader header{static_cast<std::uint32_t>(size), 63, KIND_FRAMES, 0, 1,
                              static_cast<std::uint32_t>(h->framesWritten)};
    std::uint8_t* record = ring + (start & (h->ringBytes - 1));
    std::memcpy(record, &header, sizeof header);
    std::memcpy(record + RECORD_HEADER, frame.data(), frame.size() / 2);
    std::printf("ready slot=-1\n");
    std::fflush(stdout);
    holdForever();
}

} // namespace

int main(int argc, char** argv) {
    const Args a = parse(argc, argv);
    if (a.mode == "torn") torn(a, -1);
    ShmTransport t(options(a));
    if (!t.connect()) {
        std::fprintf(stderr, "shm_peer: %s\n", t.reason().c_str());
        return 1;
    }
    if (a.mode != "torn-solo") {
        std::printf("ready slot=%d\n", t.slot());
        std::fflush(stdout);
    }
    if (a.mode == "write") return write(a, t);
    if (a.mode == "read") return read(a, t);
    if (a.mode == "hold") holdForever();
    if (a.mode == "torn-solo") {
        for (std::uint64_t seq = 1; seq <= 100; ++seq) t.send(fixtures::tradeFrame(a.source, seq)); // 64+ in a row: solo
        torn(a, t.slot());
    }
    usage();
}
