#pragma once
// ALPHAPULSE_DEFINE_TLV: like ALPHAPULSE_DEFINE_MESSAGE, for the value of a
// known TLV type. Generates <Name>Layout (TYPE, LENGTH, SIZE, OFFSET_<field>,
// FIELD_TABLE, INFO), <Name>View (from a TlvEntry) and <Name>Builder
// (reserves the entry in a TlvWriter).
#include "alphapulse/wire/detail/define_message.hpp"
#include "alphapulse/wire/tlv.hpp"

#define ALPHAPULSE_TLV_OFFSET(name, type) static constexpr std::size_t OFFSET_##name = \
        ::alphapulse::wire::layoutOffset(SIZES, Field::name, ::alphapulse::wire::TLV_HEADER_SIZE);

#define ALPHAPULSE_DEFINE_TLV(Name, EnumType, TypeEnumerator, FIELDS)                                             \
    struct Name##Layout {                                                                                      \
        static constexpr std::uint8_t TYPE = static_cast<std::uint8_t>(EnumType::TypeEnumerator); \
        static constexpr std::string_view NAME = #TypeEnumerator;                                              \
        struct Field {                                                                                         \
            enum : std::size_t { FIELDS(ALPHAPULSE_FIELD_ENUM) COUNT_ };                                       \
        };                                                                                                     \
        static constexpr std::size_t FIELD_COUNT = Field::COUNT_;                                              \
        static constexpr std::array<std::size_t, FIELD_COUNT> SIZES{FIELDS(ALPHAPULSE_FIELD_SIZE)};            \
        static constexpr std::size_t SIZE =                                                                    \
            ::alphapulse::wire::layoutOffset(SIZES, FIELD_COUNT, ::alphapulse::wire::TLV_HEADER_SIZE);         \
        static constexpr std::size_t LENGTH = SIZE - ::alphapulse::wire::TLV_HEADER_SIZE;                      \
        static_assert(LENGTH <= ::alphapulse::wire::TLV_MAX_VALUE, "a TLV value is at most 255 bytes");        \
        FIELDS(ALPHAPULSE_TLV_OFFSET)                                                                          \
        static constexpr std::array<::alphapulse::wire::FieldDescriptor, FIELD_COUNT> FIELD_TABLE{             \
            FIELDS(ALPHAPULSE_FIELD_DESC)};                                                                    \
        static constexpr ::alphapulse::wire::TlvLayout INFO{TYPE, NAME, static_cast<std::uint8_t>(LENGTH),     \
                                                            FIELD_TABLE};                                      \
    };                                                                                                         \
    class Name##View {                                                                                         \
    public:                                                                                                    \
        using Layout = Name##Layout;                                                                           \
        Name##View() = default;                                                                                \
        /** WrongType or BadTlv unless `entry` is this extension with its exact length. */                     \
        [[nodiscard]] static ::alphapulse::wire::Expected<Name##View> of(const ::alphapulse::wire::TlvEntry& entry) noexcept { \
            if (entry.type != Layout::TYPE) return ::alphapulse::wire::WireError::WrongType;                   \
            if (entry.length != Layout::LENGTH || entry.value == nullptr) return ::alphapulse::wire::WireError::BadTlv; \
            return Name##View{entry.value - ::alphapulse::wire::TLV_HEADER_SIZE};                             \
        }                                                                                                      \
        FIELDS(ALPHAPULSE_FIELD_GET)                                                                           \
    private:                                                                                                   \
        explicit Name##View(const std::uint8_t* data) noexcept : m_data(data) {}                               \
        const std::uint8_t* m_data = nullptr;                                                                  \
    };                                                                                                         \
    class Name##Builder {                                                                                      \
    public:                                                                                                    \
        using Layout = Name##Layout;                                                                           \
        using Self = Name##Builder;                                                                            \
        Name##Builder() = default;                                                                             \
        /** Reserves the entry in `writer`, zero-filled; BufferTooSmall when it does not fit. */               \
        [[nodiscard]] static ::alphapulse::wire::Expected<Name##Builder> in(::alphapulse::wire::TlvWriter& writer) noexcept { \
            std::uint8_t* value = writer.reserve(Layout::TYPE, Layout::LENGTH);                                \
            if (value == nullptr) return ::alphapulse::wire::WireError::BufferTooSmall;                        \
            return Name##Builder{value - ::alphapulse::wire::TLV_HEADER_SIZE};                                 \
        }                                                                                                      \
        FIELDS(ALPHAPULSE_FIELD_SET)                                                                           \
    private:                                                                                                   \
        explicit Name##Builder(std::uint8_t* data) noexcept : m_data(data) {}                                  \
        std::uint8_t* m_data = nullptr;                                                                        \
    };
