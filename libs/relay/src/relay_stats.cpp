#include "alphapulse/relay/relay_stats.hpp"

#include <nlohmann/json.hpp>

#include <sstream>

namespace alphapulse::relay {

std::string RelayStats::toJson() const {
    nlohmann::ordered_json j;
    j["domain"] = domain;
    j["socket"] = socketPath;
    j["uptime_ns"] = uptimeNs;
    j["frames_in"] = framesIn;
    j["bytes_in"] = bytesIn;
    j["frames_out"] = framesOut;
    j["bytes_out"] = bytesOut;
    j["own_frames"] = ownFrames;
    j["connections_accepted"] = connectionsAccepted;
    j["connections_refused"] = connectionsRefused;
    j["producer_pauses"] = producerPauses;
    j["queue_memory_bytes"] = queueMemory;
    j["max_total_queue_bytes"] = queueMemoryLimit;
    j["accept_errors"] = acceptErrors;
    if (journal) {
        j["journal"] = {{"recovered", journalRecovered}, {"resent", journalResent}, {"missed", journalMissed},
                        {"duplicates", journalDuplicates}, {"acks", journalAcks}};
    }
    if (snapshotFrames != 0) j["snapshot_frames"] = snapshotFrames;
    auto& d = j["drops"] = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < drops.size(); ++i) d[std::string(dropReasonName(static_cast<DropReason>(i)))] = drops[i];
    auto& list = j["clients"] = nlohmann::ordered_json::array();
    for (const auto& c : clients) {
        list.push_back({{"fd", c.fd}, {"pid", c.pid}, {"uid", c.uid}, {"frames_in", c.framesIn},
                        {"bytes_in", c.bytesIn}, {"frames_out", c.framesOut}, {"bytes_out", c.bytesOut},
                        {"own_frames", c.ownFrames}, {"queued_frames", c.queuedFrames}, {"queued_bytes", c.queuedBytes},
                        {"dropped", c.dropped}, {"subscribed", c.subscribed}, {"peer", c.peer}});
    }
    return j.dump();
}

std::optional<RelayStats> RelayStats::fromJson(std::string_view json) {
    const auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return std::nullopt;
    try {
        RelayStats s;
        s.domain = j.at("domain").get<std::string>();
        s.socketPath = j.at("socket").get<std::string>();
        s.uptimeNs = j.at("uptime_ns").get<std::uint64_t>();
        s.framesIn = j.at("frames_in").get<std::uint64_t>();
        s.bytesIn = j.at("bytes_in").get<std::uint64_t>();
        s.framesOut = j.at("frames_out").get<std::uint64_t>();
        s.ownFrames = j.value("own_frames", std::uint64_t{0}); // absent from older relays
        s.bytesOut = j.at("bytes_out").get<std::uint64_t>();
        s.connectionsAccepted = j.at("connections_accepted").get<std::uint64_t>();
        s.connectionsRefused = j.at("connections_refused").get<std::uint64_t>();
        s.producerPauses = j.at("producer_pauses").get<std::uint64_t>();
        s.queueMemory = j.value("queue_memory_bytes", std::uint64_t{0});
        s.queueMemoryLimit = j.value("max_total_queue_bytes", std::uint64_t{0});
        s.acceptErrors = j.value("accept_errors", std::uint64_t{0});
        if (const auto journal = j.find("journal"); journal != j.end() && journal->is_object()) {
            s.journal = true;
            s.journalRecovered = journal->value("recovered", std::uint64_t{0});
            s.journalResent = journal->value("resent", std::uint64_t{0});
            s.journalMissed = journal->value("missed", std::uint64_t{0});
            s.journalDuplicates = journal->value("duplicates", std::uint64_t{0});
            s.journalAcks = journal->value("acks", std::uint64_t{0});
        }
        s.snapshotFrames = j.value("snapshot_frames", std::uint64_t{0});
        for (std::size_t i = 0; i < s.drops.size(); ++i) {
            // A reason an older relay did not have reads as 0.
            s.drops[i] = j.at("drops").value(std::string(dropReasonName(static_cast<DropReason>(i))), std::uint64_t{0});
        }
        for (const auto& c : j.at("clients")) {
            ClientStats cs;
            cs.fd = c.at("fd").get<int>();
            cs.pid = c.at("pid").get<std::uint32_t>();
            cs.uid = c.at("uid").get<std::uint32_t>();
            cs.framesIn = c.at("frames_in").get<std::uint64_t>();
            cs.bytesIn = c.at("bytes_in").get<std::uint64_t>();
            cs.framesOut = c.at("frames_out").get<std::uint64_t>();
            cs.ownFrames = c.value("own_frames", std::uint64_t{0});
            cs.bytesOut = c.at("bytes_out").get<std::uint64_t>();
            cs.queuedFrames = c.at("queued_frames").get<std::uint64_t>();
            cs.queuedBytes = c.at("queued_bytes").get<std::uint64_t>();
            cs.dropped = c.at("dropped").get<std::uint64_t>();
            cs.subscribed = c.at("subscribed").get<bool>();
            cs.peer = c.value("peer", std::string());
            s.clients.push_back(cs);
        }
        return s;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

std::string RelayStats::toPrometheus() const {
    std::ostringstream out;
    const std::string label = "domain=\"" + domain + "\"";
    const auto counter = [&](const char* name, const char* help, std::uint64_t value) {
        out << "# HELP alphapulse_relay_" << name << ' ' << help << "\n# TYPE alphapulse_relay_" << name
            << " counter\nalphapulse_relay_" << name << '{' << label << "} " << value << '\n';
    };
    counter("frames_in_total", "Frames received from clients.", framesIn);
    counter("bytes_in_total", "Bytes received from clients.", bytesIn);
    counter("frames_out_total", "Frames written to clients.", framesOut);
    counter("bytes_out_total", "Bytes written to clients.", bytesOut);
    counter("connections_accepted_total", "Connections accepted.", connectionsAccepted);
    counter("connections_refused_total", "Connections refused (access control, max_clients, out of file descriptors).", connectionsRefused);
    counter("producer_pauses_total", "Times backpressure paused the producers.", producerPauses);
    counter("accept_errors_total", "accept() failures (out of file descriptors).", acceptErrors);
    out << "# HELP alphapulse_relay_queue_memory_bytes Memory held by the consumers' queues.\n"
           "# TYPE alphapulse_relay_queue_memory_bytes gauge\n"
        << "alphapulse_relay_queue_memory_bytes{" << label << "} " << queueMemory << '\n'
        << "# HELP alphapulse_relay_queue_memory_limit_bytes max_total_queue_bytes.\n"
           "# TYPE alphapulse_relay_queue_memory_limit_bytes gauge\n"
        << "alphapulse_relay_queue_memory_limit_bytes{" << label << "} " << queueMemoryLimit << '\n';
    out << "# HELP alphapulse_relay_drops_total Frames dropped or connections closed, by reason.\n"
           "# TYPE alphapulse_relay_drops_total counter\n";
    for (std::size_t i = 0; i < drops.size(); ++i) {
        out << "alphapulse_relay_drops_total{" << label << ",reason=\""
            << dropReasonName(static_cast<DropReason>(i)) << "\"} " << drops[i] << '\n';
    }
    out << "# HELP alphapulse_relay_clients Connected clients.\n# TYPE alphapulse_relay_clients gauge\n"
        << "alphapulse_relay_clients{" << label << "} " << clients.size() << '\n';
    out << "# HELP alphapulse_relay_queue_frames Frames queued for a client.\n"
           "# TYPE alphapulse_relay_queue_frames gauge\n";
    for (const auto& c : clients) {
        out << "alphapulse_relay_queue_frames{" << label << ",pid=\"" << c.pid << "\",fd=\"" << c.fd << "\"} "
            << c.queuedFrames << '\n';
    }
    out << "# HELP alphapulse_relay_uptime_seconds Time since the relay started.\n"
           "# TYPE alphapulse_relay_uptime_seconds gauge\n"
        << "alphapulse_relay_uptime_seconds{" << label << "} " << static_cast<double>(uptimeNs) / 1e9 << '\n';
    return out.str();
}

} // namespace alphapulse::relay
