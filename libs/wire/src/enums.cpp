#include "alphapulse/wire/enums.hpp"

#include <span>
#include <utility>

#include "alphapulse/wire/detail/text.hpp"
#include "alphapulse/wire/message_type.hpp"

namespace alphapulse::wire {
namespace {

using Named = std::pair<std::uint8_t, std::string_view>;

constexpr Named SIDES[] = {{1, "Buy"}, {2, "Sell"}};
constexpr Named ORDER_TYPES[] = {{1, "Market"}, {2, "Limit"}, {3, "Stop"}, {4, "StopLimit"}};
constexpr Named TIME_IN_FORCE[] = {
    {0, "Day"}, {1, "GoodTillCancel"}, {3, "ImmediateOrCancel"}, {4, "FillOrKill"}, {6, "GoodTillDate"}};
constexpr Named ORDER_STATUS[] = {{1, "PendingNew"}, {2, "New"}, {3, "PartiallyFilled"},
                                  {4, "Filled"}, {5, "Canceled"}, {6, "Replaced"},
                                  {7, "Rejected"}, {8, "Expired"}, {9, "PendingCancel"}};
constexpr Named EXEC_TYPES[] = {{1, "New"}, {2, "Trade"}, {3, "Canceled"}, {4, "Replaced"},
                                {5, "Rejected"}, {6, "Expired"}, {7, "PendingCancel"}, {8, "Restated"}};
constexpr Named LIQUIDITY[] = {{1, "Maker"}, {2, "Taker"}};
constexpr Named VENUE_STATUS[] = {{1, "Open"}, {2, "Halted"}, {3, "Closed"}, {4, "Maintenance"}, {5, "PreOpen"}};
constexpr Named SEVERITY[] = {{1, "Info"}, {2, "Warning"}, {3, "Error"}, {4, "Critical"}};
constexpr Named DOMAINS[] = {{1, "market_data"}, {2, "signals"}, {3, "execution"}, {4, "system"}, {5, "custom"}};

std::span<const Named> tableFor(EnumKind kind) noexcept {
    switch (kind) {
    case EnumKind::Side: return SIDES;
    case EnumKind::OrderType: return ORDER_TYPES;
    case EnumKind::TimeInForce: return TIME_IN_FORCE;
    case EnumKind::OrderStatus: return ORDER_STATUS;
    case EnumKind::ExecType: return EXEC_TYPES;
    case EnumKind::Liquidity: return LIQUIDITY;
    case EnumKind::VenueStatus: return VENUE_STATUS;
    case EnumKind::Severity: return SEVERITY;
    case EnumKind::Domain: return DOMAINS;
    case EnumKind::None:
    case EnumKind::Venue:
    case EnumKind::MessageType: break;
    }
    return {};
}

} // namespace

std::string_view enumValueName(EnumKind kind, std::uint64_t value) noexcept {
    if (kind == EnumKind::Venue) {
        const VenueInfo* v = value <= 0xFFFF ? findVenue(static_cast<std::uint16_t>(value)) : nullptr;
        return v != nullptr ? v->name : std::string_view{};
    }
    if (kind == EnumKind::MessageType) {
        return value <= 0xFF ? messageTypeName(static_cast<std::uint8_t>(value)) : std::string_view{};
    }
    for (const auto& [number, name] : tableFor(kind)) {
        if (number == value) return name;
    }
    return {};
}

std::optional<std::uint64_t> enumValueFromName(EnumKind kind, std::string_view name) noexcept {
    if (kind == EnumKind::Venue) {
        const VenueInfo* v = findVenueByName(name);
        return v != nullptr ? std::optional<std::uint64_t>{static_cast<std::uint16_t>(v->id)} : std::nullopt;
    }
    if (kind == EnumKind::MessageType) {
        const auto t = messageTypeFromName(name);
        return t ? std::optional<std::uint64_t>{*t} : std::nullopt;
    }
    for (const auto& [number, known] : tableFor(kind)) {
        if (detail::equalsIgnoreCase(known, name)) return number;
    }
    return std::nullopt;
}

} // namespace alphapulse::wire
