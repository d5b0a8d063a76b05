#pragma once
// The Error frames a relay sends a producer (wire/relay_errors.hpp), kept
// by code so that `publish` can say at the end what the relay did with its
// frames, and how to fix it.
#include <array>
#include <cstdint>
#include <ostream>
#include <string>

#include "alphapulse/wire/frame.hpp"
#include "alphapulse/wire/relay_errors.hpp"

namespace alphapulse::cli {

class RelayReports {
public:
    /// Takes any frame the relay sent; keeps the relays' Error frames.
    void onFrame(const wire::FrameView& frame);
    /// A report learnt otherwise (a shared-memory domain's producer-side
    /// checks refuse frames without a relay to send Error frames).
    void add(std::uint16_t code, std::uint8_t relatedType, std::uint64_t relatedSequence, std::string message);
    /// Who reports, for the lines print() writes ("the relay" and "relay" unless told).
    void setReporter(std::string who, std::string label) {
        m_who = std::move(who);
        m_label = std::move(label);
    }

    [[nodiscard]] bool any() const noexcept { return m_total != 0; }
    /// One line per code reported: "the relay reported no_consumer (error 6) for OrderRequest
    /// sequence 1: <what it means and what to do> (relay: "<its text>")".
    void print(std::ostream& out, const std::string& command) const;

private:
    struct Report {
        std::uint64_t count = 0;
        std::uint8_t relatedType = 0;
        std::uint64_t relatedSequence = 0;
        std::string message;
    };
    static constexpr std::size_t CODES = 8; ///< 0 collects codes this build does not know
    std::array<Report, CODES> m_reports{};
    std::uint64_t m_total = 0;
    std::string m_who = "the relay";
    std::string m_label = "relay"; ///< before the message it gave
};

/// What a code means for the frames a producer sent, and what to do.
[[nodiscard]] std::string_view relayErrorAdvice(std::uint16_t code) noexcept;

} // namespace alphapulse::cli
