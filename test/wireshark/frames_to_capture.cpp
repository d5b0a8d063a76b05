// Writes back-to-back frames (as `alphapulse encode` prints them) into a
// capture file with the libs/capture writer, each received at its header
// timestamp, in small blocks so that the file has several frames blocks and
// index blocks. The tshark test then exports it with `alphapulse export-pcap`.
//
//   frames_to_capture FRAMES CAPTURE
#include <alphapulse/capture/writer.hpp>
#include <alphapulse/wire/header.hpp>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

int main(int argc, char** argv) {
    using namespace alphapulse;
    if (argc != 3) {
        std::fprintf(stderr, "usage: frames_to_capture FRAMES CAPTURE\n");
        return 2;
    }
    std::ifstream in{argv[1], std::ios::binary};
    const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    capture::WriterOptions options;
    options.blockFrames = 5; // several frames blocks, and an index block at close
    auto writer = capture::Writer::openFile(argv[2], options);
    if (!writer) {
        std::fprintf(stderr, "frames_to_capture: %s\n", writer.error().describe().c_str());
        return 1;
    }
    std::size_t offset = 0;
    while (offset + wire::header::SIZE <= bytes.size()) {
        const wire::MessageHeader h = wire::MessageHeader::read(bytes.data() + offset);
        const std::size_t length = wire::header::SIZE + h.payloadSize;
        if (offset + length > bytes.size() || !(*writer)->append(bytes.data() + offset, length, h.timestamp)) {
            std::fprintf(stderr, "frames_to_capture: frame at byte %zu not written\n", offset);
            return 1;
        }
        offset += length;
    }
    if (offset != bytes.size() || !(*writer)->close()) {
        std::fprintf(stderr, "frames_to_capture: %s\n", (*writer)->error().describe().c_str());
        return 1;
    }
    return 0;
}
