// alphapulse export-pcap CAPTURE -o OUT.pcap
//
// A capture file or recording directory (docs/PROTOCOL.md section 13) to a
// pcap file for Wireshark: one packet per frame, timestamped with the frame's
// receive time, link type LINKTYPE_WIRESHARK_UPPER_PDU naming the
// "alphapulse" dissector (tools/wireshark/alphapulse.lua). Frames are copied
// as recorded, bad checksums included: the dissector shows them.
// A cut or damaged block ends its file (the reader stops there); what came
// before is exported and the damage reported on stderr.
#include "cli11.hpp"

#include <cstdio>
#include <memory>
#include <string>

#include "alphapulse/capture/reader.hpp"
#include "commands.hpp"
#include "pcap_writer.hpp"

namespace alphapulse::cli {
namespace {

struct ExportPcapOptions {
    std::string input;
    std::string output;
};

int runExportPcap(const ExportPcapOptions& options) {
    auto reader = capture::Reader::open(options.input);
    if (!reader) {
        std::fprintf(stderr, "alphapulse export-pcap: %s\n", reader.error().describe().c_str());
        return 1;
    }
    std::FILE* out = std::fopen(options.output.c_str(), "wb");
    if (out == nullptr) {
        std::perror(("alphapulse export-pcap: " + options.output).c_str());
        return 1;
    }
    PcapWriter pcap{out};
    capture::FrameRecord record;
    while (pcap.ok() && (*reader)->next(record)) pcap.write(record.frame.data(), record.frame.size(), record.receiveTimeNs);
    const bool wrote = pcap.ok();
    const bool closed = std::fclose(out) == 0;
    if (!wrote || !closed) {
        std::fprintf(stderr, "alphapulse export-pcap: writing %s failed\n", options.output.c_str());
        return 1;
    }
    for (const capture::Error& damage : (*reader)->damage()) {
        std::fprintf(stderr, "alphapulse export-pcap: %s; the frames before it were exported\n",
                     damage.describe().c_str());
    }
    if (const capture::Error& error = (*reader)->error(); !error.ok()) {
        std::fprintf(stderr, "alphapulse export-pcap: %s\n", error.describe().c_str());
        return 1;
    }
    std::fprintf(stderr, "alphapulse export-pcap: %llu frames to %s\n",
                 static_cast<unsigned long long>(pcap.packets()), options.output.c_str());
    return 0;
}

} // namespace

void addExportPcapCommand(CLI::App& app) {
    auto options = std::make_shared<ExportPcapOptions>();
    auto* cmd = app.add_subcommand("export-pcap",
                                   "A capture file or recording directory to a pcap file for Wireshark "
                                   "(tools/wireshark/alphapulse.lua)");
    cmd->add_option("capture", options->input, "Capture file (.apcap) or recording directory")
        ->required()
        ->check(CLI::ExistingPath);
    cmd->add_option("-o,--output", options->output, "The pcap file to write")->required();
    cmd->callback([options] {
        if (const int status = runExportPcap(*options); status != 0) throw CLI::RuntimeError(status);
    });
}

} // namespace alphapulse::cli
