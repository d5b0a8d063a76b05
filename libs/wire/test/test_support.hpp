#pragma once
// Helpers shared by the wire unit tests.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "alphapulse/wire.hpp"

namespace alphapulse::wire::test {

using Bytes = std::vector<std::uint8_t>;

/// The value of an Expected the test relies on; a failed precondition
/// throws, which GoogleTest reports as a failure of the test.
template <typename T>
T must(const Expected<T>& e) {
    if (!e) throw std::runtime_error(std::string{"unexpected error: "} + std::string{errorName(e.error())});
    return *e;
}

/// A value for one field of a layout, held as the bytes the wire must carry
/// (little-endian, decoded here by hand, independently of the library).
template <typename FT>
struct Sample {
    std::array<std::uint8_t, FT::SIZE> wire{};

    [[nodiscard]] std::uint64_t leBits(std::size_t from, std::size_t count) const {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < count; ++i) v |= static_cast<std::uint64_t>(wire[from + i]) << (8 * i);
        return v;
    }

    [[nodiscard]] typename FT::Value value() const {
        using V = typename FT::Value;
        if constexpr (FT::KIND == FieldKind::U128 || FT::KIND == FieldKind::I128) {
            const Uint128 v = (static_cast<Uint128>(leBits(8, 8)) << 64) | leBits(0, 8);
            return static_cast<V>(v);
        } else if constexpr (FT::KIND == FieldKind::Instrument) {
            return InstrumentId{static_cast<std::uint16_t>(leBits(0, 2)), wire[2], wire[3], leBits(4, 8)};
        } else if constexpr (FT::KIND == FieldKind::Bytes || FT::KIND == FieldKind::Padding) {
            return V{wire.data(), FT::SIZE};
        } else if constexpr (FT::KIND == FieldKind::Text) {
            std::size_t len = 0;
            while (len < FT::SIZE && wire[len] != 0) ++len;
            return V{reinterpret_cast<const char*>(wire.data()), len};
        } else {
            return static_cast<V>(leBits(0, FT::SIZE));
        }
    }

    /// What a view returned equals this sample.
    [[nodiscard]] bool matches(const typename FT::Value& got) const {
        if constexpr (FT::KIND == FieldKind::Bytes || FT::KIND == FieldKind::Padding) {
            return std::memcmp(got.data(), wire.data(), FT::SIZE) == 0;
        } else {
            return got == value();
        }
    }
};

} // namespace alphapulse::wire::test
