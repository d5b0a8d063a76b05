#pragma once
// TLV extensions (W5): type u8, length u8 (value bytes), value.
//
// Extensions follow a base message (DeFiSignal) and also carry the metadata
// of discovery messages. Reading never goes past the bytes given: every
// length is checked before use, a truncated entry is an error, an unknown
// type is skipped (the backward-compatibility promise), and a known type
// whose length differs from its layout is an error.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "alphapulse/wire/error.hpp"
#include "alphapulse/wire/field.hpp"

namespace alphapulse::wire {

/// The document's TLV type registry (ranges: 1-10 core, 11-20 strategy,
/// 21-30 network, 100-199 custom strategies, 200-255 reserved).
enum class TlvType : std::uint8_t {
    PoolAddresses = 1,
    TertiaryVenue = 2,
    MEVBundle = 3,
    SlippageModel = 4,
    FlashLoanParams = 11,
    LiquidationTarget = 12,
    SandwichParams = 13,
    GasOptimization = 21,
    CrossChain = 22,
    Layer2Params = 23,
    CustomStrategy = 100,
    Reserved = 200,
};

inline constexpr std::size_t TLV_HEADER_SIZE = 2;
inline constexpr std::size_t TLV_MAX_VALUE = 255;

struct TlvEntry {
    std::uint8_t type = 0;
    std::uint8_t length = 0;
    const std::uint8_t* value = nullptr; ///< `length` bytes, inside the buffer given to the reader
    std::size_t offset = 0;              ///< of the entry's type byte, from the start of that buffer
};

/// Walks TLV entries; cannot read out of bounds whatever the bytes.
///
///     TlvReader reader{bytes, len};
///     TlvEntry e;
///     while (reader.next(e)) { ... }
///     if (reader.error() != WireError::Ok) { ... }
class TlvReader {
public:
    TlvReader() = default;
    TlvReader(const std::uint8_t* data, std::size_t len) noexcept : m_data(data), m_len(len) {}

    /// The next entry, or false at the end or on an error (then error() tells).
    bool next(TlvEntry& out) noexcept {
        if (m_error != WireError::Ok || m_pos >= m_len) return false;
        if (m_len - m_pos < TLV_HEADER_SIZE) return fail();
        const std::uint8_t type = m_data[m_pos];
        const std::uint8_t length = m_data[m_pos + 1];
        if (m_len - m_pos - TLV_HEADER_SIZE < length) return fail();
        out = TlvEntry{type, length, m_data + m_pos + TLV_HEADER_SIZE, m_pos};
        m_pos += TLV_HEADER_SIZE + length;
        return true;
    }
    [[nodiscard]] WireError error() const noexcept { return m_error; }
    /// Offset of the entry that failed, for error reports.
    [[nodiscard]] std::size_t position() const noexcept { return m_pos; }

private:
    bool fail() noexcept {
        m_error = WireError::BadTlv;
        return false;
    }
    const std::uint8_t* m_data = nullptr;
    std::size_t m_len = 0;
    std::size_t m_pos = 0;
    WireError m_error = WireError::Ok;
};

/// Appends TLV entries into a caller's buffer.
class TlvWriter {
public:
    TlvWriter(std::uint8_t* buffer, std::size_t capacity) noexcept : m_data(buffer), m_capacity(capacity) {}

    /// BufferTooSmall when it does not fit, ValueOutOfRange above 255 bytes.
    WireError append(std::uint8_t type, const std::uint8_t* value, std::size_t length) noexcept {
        if (length > TLV_MAX_VALUE) return WireError::ValueOutOfRange;
        if (m_capacity - m_size < TLV_HEADER_SIZE + length) return WireError::BufferTooSmall;
        m_data[m_size] = type;
        m_data[m_size + 1] = static_cast<std::uint8_t>(length);
        if (length != 0) std::memcpy(m_data + m_size + TLV_HEADER_SIZE, value, length);
        m_size += TLV_HEADER_SIZE + length;
        return WireError::Ok;
    }
    /// Reserves a zero-filled entry of `length` value bytes and returns its
    /// value pointer (nullptr when it does not fit), to be filled in place.
    std::uint8_t* reserve(std::uint8_t type, std::size_t length) noexcept {
        if (length > TLV_MAX_VALUE || m_capacity - m_size < TLV_HEADER_SIZE + length) return nullptr;
        m_data[m_size] = type;
        m_data[m_size + 1] = static_cast<std::uint8_t>(length);
        std::uint8_t* value = m_data + m_size + TLV_HEADER_SIZE;
        std::memset(value, 0, length);
        m_size += TLV_HEADER_SIZE + length;
        return value;
    }
    [[nodiscard]] std::size_t size() const noexcept { return m_size; }

private:
    std::uint8_t* m_data;
    std::size_t m_capacity;
    std::size_t m_size = 0;
};

/// A fixed layout for the value of a known TLV type (offsets from the
/// entry's type byte, so they match the document's struct listings).
struct TlvLayout {
    std::uint8_t type;
    std::string_view name;
    std::uint8_t length; ///< value bytes
    std::span<const FieldDescriptor> fields; ///< value fields, offsets from the entry start
};

/// Extension layouts (TLV after DeFiSignal): the document's three.
[[nodiscard]] const TlvLayout* findExtensionLayout(std::uint8_t type) noexcept;
[[nodiscard]] std::span<const TlvLayout* const> allExtensionLayouts() noexcept;

/// Checks a whole TLV region against `findLayout` (known types must have
/// their exact length; unknown types are skipped). `failedAt` gets the
/// offset of the bad entry.
[[nodiscard]] WireError validateTlv(const std::uint8_t* data, std::size_t len,
                                    const TlvLayout* (*findLayout)(std::uint8_t) noexcept,
                                    std::size_t* failedAt = nullptr) noexcept;

/// The first entry of `type`, or an entry with value == nullptr.
[[nodiscard]] TlvEntry findTlv(const std::uint8_t* data, std::size_t len, std::uint8_t type) noexcept;

} // namespace alphapulse::wire
