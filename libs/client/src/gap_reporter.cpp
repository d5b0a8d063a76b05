#include "alphapulse/client/gap_reporter.hpp"

#include "alphapulse/wire/message_type.hpp"

namespace alphapulse::client {

GapReporter::GapReporter(std::string domain, std::FILE* out, unsigned linesPerSecond)
    : m_domain(domain), m_domainField(domain.empty() ? std::string() : "\"domain\":\"" + domain + "\","), m_out(out),
      m_linesPerSecond(linesPerSecond) {}

void GapReporter::attach(BusClient& client) {
    client.onGap([this](std::uint8_t source, std::uint64_t first, std::uint64_t missing) {
        report(source, first, missing);
    });
}

void GapReporter::write(const std::string& key, const std::string& fields) {
    const std::string line = "{\"" + key + "\":{" + m_domainField + fields + "}}\n";
    std::fputs(line.c_str(), m_out);
    std::fflush(m_out); // a reader (a log, a test) sees it now, not at exit
}

void GapReporter::report(std::uint8_t source, std::uint64_t firstMissing, std::uint64_t missing) {
    ++m_gaps;
    m_missing += missing;
    tick();
    if (m_linesInWindow >= m_linesPerSecond) {
        ++m_suppressedEvents;
        m_suppressedMissing += missing;
        return;
    }
    if (m_linesInWindow++ == 0) m_windowStart = Clock::now();
    write("gap", "\"source\":" + std::to_string(source) + ",\"source_name\":\"" +
                     std::string(wire::sourceTypeName(source)) + "\",\"first_missing\":" +
                     std::to_string(firstMissing) + ",\"missing\":" + std::to_string(missing));
}

void GapReporter::tick() {
    if (m_linesInWindow == 0 || Clock::now() - m_windowStart < std::chrono::seconds(1)) return;
    // A new second: what was held back in the last one is said first.
    m_linesInWindow = 0;
    if (m_suppressedEvents == 0) return;
    printSuppressed();
    m_linesInWindow = 1;
    m_windowStart = Clock::now();
}

void GapReporter::printSuppressed() {
    write("gaps_suppressed",
          "\"events\":" + std::to_string(m_suppressedEvents) + ",\"missing\":" + std::to_string(m_suppressedMissing));
    m_suppressedEvents = 0;
    m_suppressedMissing = 0;
}

void GapReporter::summary(const ClientCounters* counters) {
    if (m_suppressedEvents != 0) printSuppressed();
    std::string fields = "\"gaps\":" + std::to_string(m_gaps) + ",\"missing\":" + std::to_string(m_missing);
    if (counters != nullptr) {
        fields += ",\"sequence_resets\":" + std::to_string(counters->sequenceResets) + ",\"reconnects\":" +
                  std::to_string(counters->reconnects) + ",\"frames_received\":" +
                  std::to_string(counters->framesReceived);
    }
    write("gap_summary", fields);
}

} // namespace alphapulse::client
