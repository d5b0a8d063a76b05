// The frames of the record/replay end-to-end test (test/cli/record_replay_test.py),
// generated and compared here because Python would take minutes over 10M frames.
//
//   capture_e2e_tool generate N [SEQ_START SEQ_STEP]     N 64-byte Trades, raw, to stdout
//   capture_e2e_tool write-capture FILE N                 the same frames straight into a capture file
//       (the input of the recording benchmark in docs/PERFORMANCE.md)
//   capture_e2e_tool rate CAPTURE      frames, first to last receive time, frames per second
//   capture_e2e_tool check-generated CAPTURE N [SEQ_START SEQ_STEP]
//       the capture holds exactly what `generate` wrote, byte for byte, in order
//   capture_e2e_tool compare ORIGINAL REPLAYED keep|now
//       REPLAYED (a capture, or raw frames) holds ORIGINAL's frames in order, each
//       byte for byte except what replay restamps: the sequence (per source, from
//       1, in replay order), the timestamp (unless `keep`), and the checksum (it
//       must be the correct one for the new bytes)
//
// Exit 0 when everything matches; 1 with the first difference on stderr.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "alphapulse/capture/reader.hpp"
#include "alphapulse/capture/writer.hpp"
#include "alphapulse/wire/crc32.hpp"
#include "alphapulse/wire/endian.hpp"
#include "alphapulse/wire/header.hpp"

using namespace alphapulse;
using Bytes = std::vector<std::uint8_t>;

namespace {

constexpr std::size_t FRAME = 64;
constexpr std::uint8_t SOURCES[4] = {1, 2, 3, 5};

/// Frame i of the generated stream: a Trade from one of four sources, its
/// sequence SEQ_START + k * SEQ_STEP for the source's k-th frame.
void generated(std::uint64_t i, std::uint64_t seqStart, std::uint64_t seqStep, std::uint8_t* out) {
    const std::uint8_t source = SOURCES[i % 4];
    wire::MessageHeader h;
    h.messageType = 1; // Trade: 64 bytes
    h.source = source;
    h.payloadSize = FRAME - wire::header::SIZE;
    h.sequence = seqStart + (i / 4) * seqStep;
    h.timestamp = 1'700'000'000'000'000'000ULL + i * 1000;
    h.write(out);
    // instrument_id (12), price, volume, side: distinct per frame.
    wire::storeLe<std::uint16_t>(out + 32, 1);
    out[34] = 1;
    out[35] = 0;
    wire::storeLe<std::uint64_t>(out + 36, 0x4141504C00000000ULL + (i % 97));
    wire::storeLe<std::int64_t>(out + 44, static_cast<std::int64_t>(15'000'000'000 + i));
    wire::storeLe<std::int64_t>(out + 52, static_cast<std::int64_t>(100 + i % 1000));
    out[60] = static_cast<std::uint8_t>(1 + i % 2);
    out[61] = out[62] = out[63] = 0;
    wire::storeLe<std::uint32_t>(out + 28, wire::frameChecksum(out, FRAME));
}

int fail(const std::string& why) {
    std::fprintf(stderr, "capture_e2e_tool: %s\n", why.c_str());
    return 1;
}

/// Frames one at a time from a capture or from a file of raw frames.
class FrameSource {
public:
    explicit FrameSource(const std::string& path) {
        auto opened = capture::Reader::open(path);
        if (opened) {
            m_reader = std::move(opened).value();
            return;
        }
        if (opened.error().code != capture::ErrorCode::NotCapture) {
            m_error = opened.error().describe();
            return;
        }
        std::ifstream in(path, std::ios::binary);
        m_raw.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    [[nodiscard]] const std::string& error() const { return m_error; }
    bool next(std::span<const std::uint8_t>& frame) {
        if (m_reader) {
            capture::FrameRecord record;
            if (!m_reader->next(record)) {
                if (!m_reader->error().ok()) m_error = m_reader->error().describe();
                if (!m_reader->damage().empty()) m_error = "damaged: " + m_reader->damage()[0].describe();
                return false;
            }
            frame = record.frame;
            return true;
        }
        if (m_rawAt + wire::header::SIZE > m_raw.size()) {
            if (m_rawAt != m_raw.size()) m_error = "raw input ends inside a frame header";
            return false;
        }
        const std::size_t size = wire::header::SIZE + wire::loadLe<std::uint32_t>(m_raw.data() + m_rawAt + 8);
        if (m_rawAt + size > m_raw.size()) {
            m_error = "raw input ends inside a frame";
            return false;
        }
        frame = {m_raw.data() + m_rawAt, size};
        m_rawAt += size;
        return true;
    }

private:
    std::unique_ptr<capture::Reader> m_reader;
    Bytes m_raw;
    std::size_t m_rawAt = 0;
    std::string m_error;
};

int generate(std::uint64_t n, std::uint64_t seqStart, std::uint64_t seqStep) {
    Bytes batch(FRAME * 4096);
    for (std::uint64_t i = 0; i < n;) {
        std::size_t used = 0;
        for (; used < batch.size() && i < n; used += FRAME, ++i) generated(i, seqStart, seqStep, batch.data() + used);
        if (std::fwrite(batch.data(), 1, used, stdout) != used) return fail("stdout closed");
    }
    return std::fflush(stdout) == 0 ? 0 : fail("stdout closed");
}

int writeCapture(const std::string& path, std::uint64_t n) {
    capture::WriterOptions options;
    options.domain = 1;
    auto w = capture::Writer::openFile(path, options);
    if (!w) return fail(w.error().describe());
    std::uint8_t frame[FRAME];
    for (std::uint64_t i = 0; i < n; ++i) {
        generated(i, 1, 1, frame);
        if (!(*w)->append(frame, FRAME, 1'700'000'000'000'000'000ULL + i * 100)) return fail((*w)->error().describe());
    }
    return (*w)->close() ? 0 : fail((*w)->error().describe());
}

int rate(const std::string& path) {
    auto opened = capture::Reader::open(path);
    if (!opened) return fail(opened.error().describe());
    capture::FrameRecord record;
    std::uint64_t n = 0;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    while ((*opened)->next(record)) {
        if (n++ == 0) first = record.receiveTimeNs;
        last = record.receiveTimeNs;
    }
    const double seconds = static_cast<double>(last - first) / 1e9;
    std::printf("{\"frames\":%llu,\"receive_span_s\":%.3f,\"frames_per_second\":%.0f}\n",
                static_cast<unsigned long long>(n), seconds, seconds > 0 ? static_cast<double>(n) / seconds : 0.0);
    return 0;
}

int checkGenerated(const std::string& path, std::uint64_t n, std::uint64_t seqStart, std::uint64_t seqStep) {
    FrameSource source(path);
    std::uint8_t expected[FRAME];
    std::span<const std::uint8_t> frame;
    std::uint64_t i = 0;
    for (; source.next(frame); ++i) {
        if (i >= n) return fail("more frames than generated");
        generated(i, seqStart, seqStep, expected);
        if (frame.size() != FRAME || std::memcmp(frame.data(), expected, FRAME) != 0) {
            return fail("frame " + std::to_string(i) + " differs from the generated one");
        }
    }
    if (!source.error().empty()) return fail(source.error());
    if (i != n) return fail(std::to_string(i) + " frames, " + std::to_string(n) + " generated");
    std::printf("%llu frames identical to the generated stream\n", static_cast<unsigned long long>(i));
    return 0;
}

int compare(const std::string& originalPath, const std::string& replayedPath, bool keepTimestamps) {
    FrameSource original(originalPath);
    FrameSource replayed(replayedPath);
    std::array<std::uint64_t, 256> nextSequence;
    nextSequence.fill(1);
    std::span<const std::uint8_t> a;
    std::span<const std::uint8_t> b;
    Bytes expected;
    std::uint64_t i = 0;
    for (; original.next(a); ++i) {
        if (!replayed.next(b)) return fail("the replay ends after " + std::to_string(i) + " frames: " + replayed.error());
        expected.assign(a.begin(), a.end());
        wire::storeLe<std::uint64_t>(expected.data() + 12, nextSequence[expected[6]]++);
        if (!keepTimestamps) std::memcpy(expected.data() + 20, b.data() + 20, 8); // stamped when sent
        wire::storeLe<std::uint32_t>(expected.data() + 28, wire::frameChecksum(expected.data(), expected.size()));
        if (b.size() != expected.size() || std::memcmp(b.data(), expected.data(), expected.size()) != 0) {
            return fail("frame " + std::to_string(i) + " differs from the original restamped");
        }
    }
    if (!original.error().empty()) return fail(original.error());
    if (replayed.next(b)) return fail("the replay has more frames than the original's " + std::to_string(i));
    if (!replayed.error().empty()) return fail(replayed.error());
    std::printf("%llu frames identical after restamping\n", static_cast<unsigned long long>(i));
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    auto num = [&](std::size_t i, std::uint64_t fallback) { return i < args.size() ? std::stoull(args[i]) : fallback; };
    if (args.size() >= 2 && args[0] == "generate") return generate(num(1, 0), num(2, 1), num(3, 1));
    if (args.size() == 2 && args[0] == "rate") return rate(args[1]);
    if (args.size() == 3 && args[0] == "write-capture") return writeCapture(args[1], num(2, 0));
    if (args.size() >= 3 && args[0] == "check-generated") return checkGenerated(args[1], num(2, 0), num(3, 1), num(4, 1));
    if (args.size() == 4 && args[0] == "compare") return compare(args[1], args[2], args[3] == "keep");
    std::fprintf(stderr, "usage: capture_e2e_tool generate N [SEQ_START SEQ_STEP] | write-capture FILE N | check-generated CAPTURE N "
                         "[SEQ_START SEQ_STEP] | compare ORIGINAL REPLAYED keep|now\n");
    return 2;
}
