#pragma once
// The subcommands of the `alphapulse` tool, one file each. A command adds
// itself to the app; its callback throws CLI::RuntimeError(status) to exit
// with a status other than 0 (main turns that into the exit code).
namespace CLI {
class App;
}

namespace alphapulse::cli {

void addDecodeCommand(CLI::App& app);  ///< cmd_decode.cpp: frames -> JSON Lines
void addEncodeCommand(CLI::App& app);  ///< cmd_encode.cpp: JSON Lines -> frames
void addExportPcapCommand(CLI::App& app); ///< cmd_export_pcap.cpp: a capture to pcap for Wireshark
void addIdCommand(CLI::App& app);      ///< cmd_id.cpp: InstrumentIds to and from text and hex
void addVersionCommand(CLI::App& app); ///< cmd_version.cpp
void addRelayCommand(CLI::App& app);   ///< cmd_relay.cpp: run one domain's relay
void addStatsCommand(CLI::App& app);   ///< cmd_stats.cpp: a running relay's counters
void addTapCommand(CLI::App& app);     ///< cmd_tap.cpp: a relay's frames as JSON Lines
void addPublishCommand(CLI::App& app); ///< cmd_publish.cpp: JSON Lines to a relay
void addReplayCommand(CLI::App& app);  ///< cmd_replay.cpp: capture recordings (or the sample data) as frames
void addRecordCommand(CLI::App& app);  ///< cmd_record.cpp: a domain into capture files
void addCacheCommand(CLI::App& app);   ///< cmd_cache.cpp: frames through the object cache
void addDashboardCommand(CLI::App& app); ///< cmd_dashboard.cpp: the live web dashboard
void addTopCommand(CLI::App& app);     ///< cmd_top.cpp: the dashboard in a terminal
void addBridgeCommand(CLI::App& app);  ///< cmd_bridge.cpp: relays <-> NATS, both ways
void addBenchCommand(CLI::App& app);   ///< cmd_bench.cpp: a bus's throughput and latency, --compare with ZeroMQ
void addUpCommand(CLI::App& app);      ///< cmd_up.cpp: a deployment's relays and services, supervised

} // namespace alphapulse::cli
