#include "relay_reports.hpp"

#include "alphapulse/wire/messages.hpp"

namespace alphapulse::cli {
namespace {

bool fromARelay(std::uint8_t source) noexcept {
    return source >= static_cast<std::uint8_t>(wire::SourceType::MarketDataRelay) &&
           source <= static_cast<std::uint8_t>(wire::SourceType::SystemRelay);
}

std::string typeText(std::uint8_t type) {
    const auto name = wire::messageTypeName(type);
    return name.empty() ? "type " + std::to_string(type) : std::string(name);
}

} // namespace

std::string_view relayErrorAdvice(std::uint16_t code) noexcept {
    using wire::RelayError;
    switch (static_cast<RelayError>(code)) {
    case RelayError::BadSequence:
        return "it dropped frames whose sequence did not rise by one from the last (this relay requires it; "
               "number each source's frames 1, 2, 3, ...)";
    case RelayError::SlowConsumer: return "it disconnected this client as too slow a reader; frames may be lost";
    case RelayError::NotAllowed:
        return "this user may not produce on this relay, so it dropped the frames (see producer_uids, "
               "producers_anyone)";
    case RelayError::OutOfDomain: return "it dropped frames of types outside its domain (publish them to their domain's relay)";
    case RelayError::BadChecksum: return "it dropped frames whose checksum did not match";
    case RelayError::NoConsumer:
        return "frames reached no consumer, so nobody received them (start the consumer first, e.g. "
               "`alphapulse tap <socket>`, then publish again)";
    case RelayError::RelayFull: return "it has max_clients connections and closed this one; frames were not taken";
    }
    return "an error this version of alphapulse does not know";
}

void RelayReports::onFrame(const wire::FrameView& frame) {
    if (frame.messageType() != static_cast<std::uint8_t>(wire::MessageType::Error) || !fromARelay(frame.source())) {
        return;
    }
    const auto view = wire::ErrorView::parse(frame.data(), frame.size());
    if (!view) return;
    add(view->error_code(), view->related_type(), view->related_sequence(), std::string(view->message()));
}

void RelayReports::add(std::uint16_t code, std::uint8_t relatedType, std::uint64_t relatedSequence,
                       std::string message) {
    Report& report = m_reports[code < CODES ? code : 0];
    if (report.count++ == 0) {
        report.relatedType = relatedType;
        report.relatedSequence = relatedSequence;
        report.message = std::move(message);
    }
    ++m_total;
}

void RelayReports::print(std::ostream& out, const std::string& command) const {
    for (std::uint16_t code = 0; code < CODES; ++code) {
        const Report& report = m_reports[code];
        if (report.count == 0) continue;
        const auto name = code == 0 ? std::string_view("unknown") : wire::relayErrorName(code);
        // The relay sends most codes once per connection: the count is of reports, not of frames.
        out << command << ": " << m_who << " reported " << name << " (error " << code;
        if (report.count > 1) out << ", " << report.count << " reports";
        out << ')';
        if (report.relatedType != 0 || report.relatedSequence != 0) { // a report about the connection has neither
            out << (report.count > 1 ? " first" : "") << " for " << typeText(report.relatedType) << " sequence "
                << report.relatedSequence;
        }
        out << ": " << relayErrorAdvice(code);
        if (!report.message.empty()) out << " (" << m_label << ": \"" << report.message << "\")";
        out << '\n';
    }
}

} // namespace alphapulse::cli
