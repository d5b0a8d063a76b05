#pragma once
// Frames and temporary directories for the capture tests.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "alphapulse/wire/crc32.hpp"
#include "alphapulse/wire/header.hpp"

namespace alphapulse::capture::test {

using Bytes = std::vector<std::uint8_t>;

/// A valid frame of `size` bytes (>= 32): a Trade-typed header, a payload of
/// bytes derived from the sequence, a correct checksum.
inline Bytes makeFrame(std::uint8_t source, std::uint64_t sequence, std::size_t size = 64,
                       std::uint64_t timestamp = 1'700'000'000'000'000'000ULL) {
    Bytes frame(size);
    wire::MessageHeader h;
    h.messageType = 1;
    h.source = source;
    h.payloadSize = static_cast<std::uint32_t>(size - wire::header::SIZE);
    h.sequence = sequence;
    h.timestamp = timestamp;
    h.write(frame.data());
    for (std::size_t i = wire::header::SIZE; i < size; ++i) frame[i] = static_cast<std::uint8_t>(sequence * 31 + i);
    wire::storeLe<std::uint32_t>(frame.data() + wire::header::CHECKSUM_OFFSET, wire::frameChecksum(frame.data(), size));
    return frame;
}

/// A fresh directory under the system's temp dir, removed at the end.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "apcap-test-XXXXXX").string();
        m_path = ::mkdtemp(pattern.data());
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
    [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
    std::filesystem::path m_path;
};

inline Bytes readAll(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void writeAll(const std::filesystem::path& path, const Bytes& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

} // namespace alphapulse::capture::test
