#pragma once
// Field types of the wire layouts, and the descriptors generic code walks.
//
// Each message layout is declared once (messages.hpp) as a list of
// (name, field type). From that one list come the compile-time offsets, the
// zero-copy accessors, the builders' setters, and the FieldDescriptor table
// that the JSON codec, the schema registry and docs/PROTOCOL.md use.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "alphapulse/wire/endian.hpp"
#include "alphapulse/wire/instrument_id.hpp"

namespace alphapulse::wire {

enum class FieldKind : std::uint8_t {
    U8, U16, U32, U64,
    I8, I16, I32, I64,
    U128, I128,       ///< 16 little-endian bytes (W1); Q64.64 where the document says so
    Instrument,       ///< InstrumentId, 12 bytes
    Bytes,            ///< fixed byte array (addresses, hashes)
    Text,             ///< fixed-size UTF-8, zero-filled after the text
    Padding,          ///< written as zero, ignored on read (W1)
};

/// Names for numeric fields that hold an enumeration (for "..._name" in JSON).
enum class EnumKind : std::uint8_t {
    None, Venue, Side, OrderType, TimeInForce, OrderStatus, ExecType, Liquidity,
    VenueStatus, Severity, MessageType, Domain,
};

/// The C++ enumeration of an EnumKind (Side for EnumKind::Side, ...), for the
/// builders' typed setters; specialised in enums.hpp (void: no enumeration).
template <EnumKind E>
struct EnumTypeOf {
    using type = void;
};

struct FieldDescriptor {
    std::string_view name;
    std::uint16_t offset; ///< from the start of the frame (the header is at 0)
    std::uint16_t size;
    FieldKind kind;
    EnumKind enumKind;
};

/// Field type tags: size, kind, and how a value is read and written.
namespace ft {

template <typename T, FieldKind K, EnumKind E = EnumKind::None>
struct Scalar {
    using Value = T;
    static constexpr std::size_t SIZE = sizeof(T);
    static constexpr FieldKind KIND = K;
    static constexpr EnumKind ENUM = E;
    static Value load(const std::uint8_t* p) noexcept { return loadLe<T>(p); }
    static void store(std::uint8_t* p, Value v) noexcept { storeLe<T>(p, v); }
};

using u8 = Scalar<std::uint8_t, FieldKind::U8>;
using u16 = Scalar<std::uint16_t, FieldKind::U16>;
using u32 = Scalar<std::uint32_t, FieldKind::U32>;
using u64 = Scalar<std::uint64_t, FieldKind::U64>;
using i8 = Scalar<std::int8_t, FieldKind::I8>;
using i16 = Scalar<std::int16_t, FieldKind::I16>;
using i32 = Scalar<std::int32_t, FieldKind::I32>;
using i64 = Scalar<std::int64_t, FieldKind::I64>;
template <EnumKind E>
using enum8 = Scalar<std::uint8_t, FieldKind::U8, E>;
using venue16 = Scalar<std::uint16_t, FieldKind::U16, EnumKind::Venue>;

struct u128 {
    using Value = Uint128;
    static constexpr std::size_t SIZE = 16;
    static constexpr FieldKind KIND = FieldKind::U128;
    static constexpr EnumKind ENUM = EnumKind::None;
    static Value load(const std::uint8_t* p) noexcept { return loadLeU128(p); }
    static void store(std::uint8_t* p, Value v) noexcept { storeLeU128(p, v); }
};

struct i128 {
    using Value = Int128;
    static constexpr std::size_t SIZE = 16;
    static constexpr FieldKind KIND = FieldKind::I128;
    static constexpr EnumKind ENUM = EnumKind::None;
    static Value load(const std::uint8_t* p) noexcept { return static_cast<Value>(loadLeU128(p)); }
    static void store(std::uint8_t* p, Value v) noexcept { storeLeU128(p, static_cast<Uint128>(v)); }
};

struct instrument {
    using Value = InstrumentId;
    static constexpr std::size_t SIZE = InstrumentId::SIZE;
    static constexpr FieldKind KIND = FieldKind::Instrument;
    static constexpr EnumKind ENUM = EnumKind::None;
    static Value load(const std::uint8_t* p) noexcept { return InstrumentId::read(p); }
    static void store(std::uint8_t* p, const Value& v) noexcept { v.write(p); }
};

/// Fixed byte array, read in place (a span into the frame).
template <std::size_t N>
struct bytes {
    using Value = std::span<const std::uint8_t, N>;
    static constexpr std::size_t SIZE = N;
    static constexpr FieldKind KIND = FieldKind::Bytes;
    static constexpr EnumKind ENUM = EnumKind::None;
    static Value load(const std::uint8_t* p) noexcept { return Value{p, N}; }
    static void store(std::uint8_t* p, Value v) noexcept { std::memcpy(p, v.data(), N); }
};

/// Fixed-size UTF-8 text, zero-filled; reads up to the first zero byte.
template <std::size_t N>
struct text {
    using Value = std::string_view;
    static constexpr std::size_t SIZE = N;
    static constexpr FieldKind KIND = FieldKind::Text;
    static constexpr EnumKind ENUM = EnumKind::None;
    static Value load(const std::uint8_t* p) noexcept {
        std::size_t len = 0;
        while (len < N && p[len] != 0) ++len;
        return Value{reinterpret_cast<const char*>(p), len};
    }
    /// Writes at most N bytes: a longer text is cut at a character boundary,
    /// and at its first NUL, so a builder never writes a text field that a
    /// receiver would refuse. (The JSON encoder refuses such texts instead.)
    static void store(std::uint8_t* p, Value v) noexcept {
        std::size_t len = v.size() < N ? v.size() : N;
        if (len < v.size()) {
            while (len > 0 && (static_cast<std::uint8_t>(v[len]) & 0xC0) == 0x80) --len; // v[len] continues a character
        }
        for (std::size_t i = 0; i < len; ++i) {
            if (v[i] == '\0') {
                len = i;
                break;
            }
        }
        std::memcpy(p, v.data(), len);
        std::memset(p + len, 0, N - len);
    }
};

template <std::size_t N>
struct pad {
    using Value = std::span<const std::uint8_t, N>;
    static constexpr std::size_t SIZE = N;
    static constexpr FieldKind KIND = FieldKind::Padding;
    static constexpr EnumKind ENUM = EnumKind::None;
    static Value load(const std::uint8_t* p) noexcept { return Value{p, N}; }
    static void store(std::uint8_t* p, Value v) noexcept { std::memcpy(p, v.data(), N); }
};

} // namespace ft

/// Sum of the sizes before field i, starting after `base` bytes.
template <std::size_t N>
constexpr std::size_t layoutOffset(const std::array<std::size_t, N>& sizes, std::size_t index,
                                   std::size_t base) noexcept {
    std::size_t offset = base;
    for (std::size_t i = 0; i < index; ++i) offset += sizes[i];
    return offset;
}

} // namespace alphapulse::wire
