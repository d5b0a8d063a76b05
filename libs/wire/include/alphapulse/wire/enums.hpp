#pragma once
// Enumerations carried in message fields, with FIX semantics for orders.
// Fields hold the raw number; a receiver keeps numbers it does not know.
#include <cstdint>
#include <optional>
#include <string_view>

#include "alphapulse/wire/field.hpp"
#include "alphapulse/wire/message_type.hpp"
#include "alphapulse/wire/venue.hpp"

namespace alphapulse::wire {

enum class Side : std::uint8_t { Buy = 1, Sell = 2 };
enum class OrderType : std::uint8_t { Market = 1, Limit = 2, Stop = 3, StopLimit = 4 };
/// FIX tag 59 numbers.
enum class TimeInForce : std::uint8_t { Day = 0, GoodTillCancel = 1, ImmediateOrCancel = 3, FillOrKill = 4, GoodTillDate = 6 };
enum class OrderStatus : std::uint8_t {
    PendingNew = 1, New = 2, PartiallyFilled = 3, Filled = 4, Canceled = 5,
    Replaced = 6, Rejected = 7, Expired = 8, PendingCancel = 9,
};
enum class ExecType : std::uint8_t {
    New = 1, Trade = 2, Canceled = 3, Replaced = 4, Rejected = 5, Expired = 6, PendingCancel = 7, Restated = 8,
};
enum class Liquidity : std::uint8_t { Maker = 1, Taker = 2 };
enum class VenueStatus : std::uint8_t { Open = 1, Halted = 2, Closed = 3, Maintenance = 4, PreOpen = 5 };
enum class Severity : std::uint8_t { Info = 1, Warning = 2, Error = 3, Critical = 4 };

// Which enumeration each EnumKind field holds: `.side(Side::Buy)` compiles,
// `.side(OrderType::Limit)` does not (the raw-number setter stays, for
// numbers a newer peer defined).
template <> struct EnumTypeOf<EnumKind::Venue> { using type = VenueId; };
template <> struct EnumTypeOf<EnumKind::Side> { using type = Side; };
template <> struct EnumTypeOf<EnumKind::OrderType> { using type = OrderType; };
template <> struct EnumTypeOf<EnumKind::TimeInForce> { using type = TimeInForce; };
template <> struct EnumTypeOf<EnumKind::OrderStatus> { using type = OrderStatus; };
template <> struct EnumTypeOf<EnumKind::ExecType> { using type = ExecType; };
template <> struct EnumTypeOf<EnumKind::Liquidity> { using type = Liquidity; };
template <> struct EnumTypeOf<EnumKind::VenueStatus> { using type = VenueStatus; };
template <> struct EnumTypeOf<EnumKind::Severity> { using type = Severity; };
template <> struct EnumTypeOf<EnumKind::MessageType> { using type = MessageType; };
template <> struct EnumTypeOf<EnumKind::Domain> { using type = Domain; };

/// Name of a value ("Buy"), or empty when the number is not defined.
[[nodiscard]] std::string_view enumValueName(EnumKind kind, std::uint64_t value) noexcept;
/// Case-insensitive name to number.
[[nodiscard]] std::optional<std::uint64_t> enumValueFromName(EnumKind kind, std::string_view name) noexcept;

} // namespace alphapulse::wire
