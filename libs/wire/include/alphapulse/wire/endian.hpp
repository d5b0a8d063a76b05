#pragma once
// Little-endian loads and stores at any alignment (W1).
//
// Every wire field is read and written through these helpers: memcpy is the
// only well-defined way to touch an unaligned field in C++, and on x86-64 the
// compiler turns it into a single mov. On a big-endian host the byte swap is
// explicit, so the wire stays little-endian whatever the host.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace alphapulse::wire {

/// 128-bit integers (a GCC/Clang extension; __extension__ keeps -Wpedantic quiet).
__extension__ typedef unsigned __int128 Uint128;
__extension__ typedef __int128 Int128;

namespace detail {
template <typename T>
[[nodiscard]] constexpr T byteSwap(T value) noexcept {
    if constexpr (sizeof(T) == 2) {
        return static_cast<T>(__builtin_bswap16(static_cast<std::uint16_t>(value)));
    } else if constexpr (sizeof(T) == 4) {
        return static_cast<T>(__builtin_bswap32(static_cast<std::uint32_t>(value)));
    } else if constexpr (sizeof(T) == 8) {
        return static_cast<T>(__builtin_bswap64(static_cast<std::uint64_t>(value)));
    } else {
        return value;
    }
}
} // namespace detail

template <typename T>
[[nodiscard]] inline T loadLe(const std::uint8_t* p) noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    std::memcpy(&value, p, sizeof(T));
    if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1) {
        value = detail::byteSwap(value);
    }
    return value;
}

template <typename T>
inline void storeLe(std::uint8_t* p, T value) noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1) {
        value = detail::byteSwap(value);
    }
    std::memcpy(p, &value, sizeof(T));
}

/// 128-bit values (Q64.64 fixed point) are 16 little-endian bytes (W1).
[[nodiscard]] inline Uint128 loadLeU128(const std::uint8_t* p) noexcept {
    const auto lo = loadLe<std::uint64_t>(p);
    const auto hi = loadLe<std::uint64_t>(p + 8);
    return (static_cast<Uint128>(hi) << 64) | lo;
}

inline void storeLeU128(std::uint8_t* p, Uint128 value) noexcept {
    storeLe<std::uint64_t>(p, static_cast<std::uint64_t>(value));
    storeLe<std::uint64_t>(p + 8, static_cast<std::uint64_t>(value >> 64));
}

/// Big-endian u64 (used by InstrumentId payloads built from symbols and addresses).
[[nodiscard]] inline std::uint64_t loadBe64(const std::uint8_t* p) noexcept {
    std::uint64_t value;
    std::memcpy(&value, p, 8);
    if constexpr (std::endian::native == std::endian::little) {
        value = __builtin_bswap64(value);
    }
    return value;
}

inline void storeBe64(std::uint8_t* p, std::uint64_t value) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        value = __builtin_bswap64(value);
    }
    std::memcpy(p, &value, 8);
}

} // namespace alphapulse::wire
