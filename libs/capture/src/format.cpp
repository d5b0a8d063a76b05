// Encoding of the file and block headers, names and error texts.
#include "alphapulse/capture/format.hpp"

#include <cstring>
#include <ctime>

#include "alphapulse/wire/crc32.hpp"
#include "alphapulse/wire/endian.hpp"
#include "header_codec.hpp"

namespace alphapulse::capture {

using wire::loadLe;
using wire::storeLe;

void FileHeader::encode(std::uint8_t* out) const noexcept {
    std::memset(out, 0, file_header::SIZE);
    std::memcpy(out + file_header::MAGIC_OFFSET, file_header::MAGIC, sizeof file_header::MAGIC);
    storeLe<std::uint16_t>(out + file_header::VERSION_OFFSET, version);
    out[file_header::DOMAIN_OFFSET] = domain;
    out[file_header::FLAGS_OFFSET] = flags;
    storeLe<std::uint32_t>(out + file_header::HEADER_SIZE_OFFSET, headerSize);
    storeLe<std::uint64_t>(out + file_header::START_TIME_OFFSET, startTimeNs);
    storeLe<std::uint64_t>(out + file_header::FILE_INDEX_OFFSET, fileIndex);
    std::memcpy(out + file_header::HOST_OFFSET, host.data(), std::min(host.size(), file_header::HOST_SIZE));
    storeLe<std::uint32_t>(out + file_header::CRC_OFFSET, wire::crc32(out, file_header::CRC_OFFSET));
}

void BlockHeader::encode(std::uint8_t* out) const noexcept {
    std::memset(out, 0, block_header::SIZE);
    std::memcpy(out, block_header::MAGIC, sizeof block_header::MAGIC);
    out[block_header::KIND_OFFSET] = static_cast<std::uint8_t>(kind);
    out[block_header::COMPRESSION_OFFSET] = static_cast<std::uint8_t>(compression);
    storeLe<std::uint32_t>(out + block_header::STORED_SIZE_OFFSET, storedSize);
    storeLe<std::uint32_t>(out + block_header::RAW_SIZE_OFFSET, rawSize);
    storeLe<std::uint32_t>(out + block_header::COUNT_OFFSET, count);
    storeLe<std::uint32_t>(out + block_header::PAYLOAD_CRC_OFFSET, payloadCrc);
    storeLe<std::uint32_t>(out + block_header::CRC_OFFSET, wire::crc32(out, block_header::CRC_OFFSET));
}

namespace detail {

Error decodeFileHeader(const std::uint8_t* in, std::size_t size, FileHeader& out) {
    if (!hasCaptureMagic(in, size)) {
        return {ErrorCode::NotCapture, {}, 0, "not a capture file (it does not begin with APCAPTR1)"};
    }
    if (size < file_header::SIZE) {
        return {ErrorCode::Truncated, {}, 0, "the file ends inside its 128-byte header"};
    }
    if (loadLe<std::uint32_t>(in + file_header::CRC_OFFSET) != wire::crc32(in, file_header::CRC_OFFSET)) {
        return {ErrorCode::BadFileHeader, {}, 0, "the file header's CRC does not match"};
    }
    out.version = loadLe<std::uint16_t>(in + file_header::VERSION_OFFSET);
    if (out.version != FORMAT_VERSION) {
        return {ErrorCode::UnsupportedVersion, {}, 0,
                "capture format version " + std::to_string(out.version) + " (this reader knows version 1)"};
    }
    out.domain = in[file_header::DOMAIN_OFFSET];
    out.flags = in[file_header::FLAGS_OFFSET];
    out.headerSize = loadLe<std::uint32_t>(in + file_header::HEADER_SIZE_OFFSET);
    // Version 1 knows exactly one header size; a larger one belongs to a later version.
    if (out.headerSize != file_header::SIZE) {
        return {ErrorCode::BadFileHeader, {}, 0, "header_size " + std::to_string(out.headerSize) + " (expected 128)"};
    }
    out.startTimeNs = loadLe<std::uint64_t>(in + file_header::START_TIME_OFFSET);
    out.fileIndex = loadLe<std::uint64_t>(in + file_header::FILE_INDEX_OFFSET);
    const auto* host = reinterpret_cast<const char*>(in + file_header::HOST_OFFSET);
    out.host.assign(host, strnlen(host, file_header::HOST_SIZE));
    return {};
}

Error decodeBlockHeader(const std::uint8_t* in, BlockHeader& out) {
    auto bad = [](std::string why) { return Error{ErrorCode::BadBlockHeader, {}, 0, std::move(why)}; };
    if (std::memcmp(in, block_header::MAGIC, sizeof block_header::MAGIC) != 0) return bad("no block magic APBK");
    if (loadLe<std::uint32_t>(in + block_header::CRC_OFFSET) != wire::crc32(in, block_header::CRC_OFFSET)) {
        return bad("the block header's CRC does not match");
    }
    const std::uint8_t kind = in[block_header::KIND_OFFSET];
    const std::uint8_t compression = in[block_header::COMPRESSION_OFFSET];
    if (kind != 1 && kind != 2) return bad("unknown block kind " + std::to_string(kind));
    if (compression > 1) return bad("unknown compression " + std::to_string(compression));
    out.kind = static_cast<BlockKind>(kind);
    out.compression = static_cast<Compression>(compression);
    out.storedSize = loadLe<std::uint32_t>(in + block_header::STORED_SIZE_OFFSET);
    out.rawSize = loadLe<std::uint32_t>(in + block_header::RAW_SIZE_OFFSET);
    out.count = loadLe<std::uint32_t>(in + block_header::COUNT_OFFSET);
    out.payloadCrc = loadLe<std::uint32_t>(in + block_header::PAYLOAD_CRC_OFFSET);
    if (out.kind == BlockKind::Index && out.compression != Compression::None) return bad("a compressed index block");
    if (out.compression == Compression::None && out.rawSize != out.storedSize) {
        return bad("raw_size differs from stored_size in an uncompressed block");
    }
    return {};
}

} // namespace detail

std::string_view errorName(ErrorCode code) noexcept {
    switch (code) {
    case ErrorCode::Ok: return "ok";
    case ErrorCode::Io: return "io";
    case ErrorCode::NotCapture: return "not_capture";
    case ErrorCode::UnsupportedVersion: return "unsupported_version";
    case ErrorCode::BadFileHeader: return "bad_file_header";
    case ErrorCode::BadBlockHeader: return "bad_block_header";
    case ErrorCode::BadBlockCrc: return "bad_block_crc";
    case ErrorCode::Truncated: return "truncated";
    case ErrorCode::BadSize: return "bad_size";
    case ErrorCode::BadFrame: return "bad_frame";
    case ErrorCode::BadIndex: return "bad_index";
    case ErrorCode::Compressed: return "compressed";
    case ErrorCode::BadCompression: return "bad_compression";
    case ErrorCode::EmptyDirectory: return "empty_directory";
    case ErrorCode::Unsupported: return "unsupported";
    }
    return "unknown";
}

std::string Error::describe() const {
    std::string out = path.string();
    if (!out.empty()) out += ": ";
    out += message;
    out += " (";
    out += errorName(code);
    out += " at byte " + std::to_string(offset) + ")";
    return out;
}

std::string_view domainFileName(std::uint8_t domain) noexcept {
    switch (domain) {
    case 1: return "market_data";
    case 2: return "signals";
    case 3: return "execution";
    case 4: return "system";
    default: return "mixed";
    }
}

std::string recordingFileName(std::uint8_t domain, std::uint64_t startTimeNs, std::uint64_t fileIndex) {
    const auto seconds = static_cast<std::time_t>(startTimeNs / 1'000'000'000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &utc);
    char index[32];
    std::snprintf(index, sizeof index, "%06llu", static_cast<unsigned long long>(fileIndex));
    return std::string(domainFileName(domain)) + "-" + stamp + "-" + index + ".apcap";
}

bool hasCaptureMagic(const std::uint8_t* data, std::size_t size) noexcept {
    return size >= sizeof file_header::MAGIC && std::memcmp(data, file_header::MAGIC, sizeof file_header::MAGIC) == 0;
}

} // namespace alphapulse::capture
