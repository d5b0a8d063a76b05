#include "pcap_writer.hpp"

#include <cstring>

namespace alphapulse::cli {
namespace {

constexpr std::uint32_t PCAP_MAGIC_NS = 0xA1B23C4D; // nanosecond timestamps
constexpr std::uint32_t SNAPLEN = 0x40000;          // 256 KiB: any frame of a 64 KiB payload, tags included
// Tags of the upper-PDU header (wireshark epan/exported_pdu.h): big-endian
// type and length, the value NUL-padded to a multiple of 4.
constexpr std::uint16_t TAG_END_OF_OPT = 0;
constexpr std::uint16_t TAG_DISSECTOR_NAME = 12;

void putLe32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void putLe16(std::string& out, std::uint16_t v) {
    out.push_back(static_cast<char>(v));
    out.push_back(static_cast<char>(v >> 8));
}
void putBe16(std::string& out, std::uint16_t v) {
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v));
}

} // namespace

PcapWriter::PcapWriter(std::FILE* out) : m_out(out) {
    const std::size_t nameLen = std::strlen(PCAP_DISSECTOR_NAME);
    const auto padded = static_cast<std::uint16_t>((nameLen + 3) & ~std::size_t{3});
    putBe16(m_tags, TAG_DISSECTOR_NAME);
    putBe16(m_tags, padded);
    m_tags.append(PCAP_DISSECTOR_NAME);
    m_tags.append(padded - nameLen, '\0');
    putBe16(m_tags, TAG_END_OF_OPT);
    putBe16(m_tags, 0);

    std::string header;
    putLe32(header, PCAP_MAGIC_NS);
    putLe16(header, 2); // version 2.4
    putLe16(header, 4);
    putLe32(header, 0); // thiszone
    putLe32(header, 0); // sigfigs
    putLe32(header, SNAPLEN);
    putLe32(header, LINKTYPE_WIRESHARK_UPPER_PDU);
    m_ok = std::fwrite(header.data(), 1, header.size(), m_out) == header.size();
}

bool PcapWriter::write(const std::uint8_t* frame, std::size_t size, std::uint64_t timeNs) {
    if (!m_ok) return false;
    const auto length = static_cast<std::uint32_t>(m_tags.size() + size);
    std::string record;
    putLe32(record, static_cast<std::uint32_t>(timeNs / 1'000'000'000));
    putLe32(record, static_cast<std::uint32_t>(timeNs % 1'000'000'000));
    putLe32(record, length < SNAPLEN ? length : SNAPLEN);
    putLe32(record, length);
    record += m_tags;
    const std::size_t kept = (length < SNAPLEN ? length : SNAPLEN) - m_tags.size();
    m_ok = std::fwrite(record.data(), 1, record.size(), m_out) == record.size() &&
           std::fwrite(frame, 1, kept, m_out) == kept;
    if (m_ok) ++m_packets;
    return m_ok;
}

} // namespace alphapulse::cli
