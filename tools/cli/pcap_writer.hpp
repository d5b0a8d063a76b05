#pragma once
// A pcap file whose packets are alphapulse frames, one frame per packet, for
// Wireshark and tshark with tools/wireshark/alphapulse.lua.
//
// Link type LINKTYPE_WIRESHARK_UPPER_PDU (252): each packet begins with a
// short list of tags naming the dissector ("alphapulse"), then the frame as
// it was on the wire. Wireshark hands the frame straight to that dissector,
// so no port, heuristic or preference is needed, and there are no synthetic
// Ethernet/IP/TCP headers to invent. Timestamps are nanoseconds (the pcap
// variant with magic 0xA1B23C4D), so a capture's receive times survive.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace alphapulse::cli {

inline constexpr std::uint32_t LINKTYPE_WIRESHARK_UPPER_PDU = 252;
/// The name Wireshark finds the Lua dissector by (its Proto name).
inline constexpr const char* PCAP_DISSECTOR_NAME = "alphapulse";

class PcapWriter {
public:
    /// Takes `out` (not owned) and writes the pcap file header; ok() says whether it was written.
    explicit PcapWriter(std::FILE* out);

    /// One packet: the dissector tags, then `frame`. False when the write failed.
    bool write(const std::uint8_t* frame, std::size_t size, std::uint64_t timeNs);

    [[nodiscard]] bool ok() const noexcept { return m_ok; }
    [[nodiscard]] std::uint64_t packets() const noexcept { return m_packets; }

private:
    std::FILE* m_out;
    std::string m_tags; ///< the same for every packet: dissector name, end of tags
    bool m_ok = true;
    std::uint64_t m_packets = 0;
};

} // namespace alphapulse::cli
