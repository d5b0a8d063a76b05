#pragma once
// The macro that turns one field list into a layout, a view and a builder.
//
// A field list is an X-macro: X(name, field_type) per field, in wire order,
// after the 32-byte header. For a message Foo it generates:
//   FooLayout   TYPE, VERSION, NAME, DOMAIN, RULE, SIZE, offsetOf(Field),
//               FIELDS (FieldDescriptor table) and per-field OFFSET_ constants
//   FooView     parse() and one accessor per field, reading in place
//   FooBuilder  into() and one setter per field, writing in place, finish()
// Keeping this in one place is what guarantees that offsets, accessors,
// JSON and documentation can never disagree.
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "alphapulse/wire/error.hpp"
#include "alphapulse/wire/field.hpp"
#include "alphapulse/wire/frame.hpp"
#include "alphapulse/wire/header.hpp"
#include "alphapulse/wire/layout.hpp"

namespace alphapulse::wire::detail {

/// Validation shared by every typed view; inline so the fixed-size case
/// compiles down to a handful of compares.
template <typename Layout>
[[nodiscard]] inline WireError checkTypedFrame(const std::uint8_t* data, std::size_t available,
                                               bool verifyChecksum, std::uint32_t maxPayload,
                                               std::size_t& frameLen) noexcept {
    if (available < Layout::SIZE) [[unlikely]] {
        if (available < header::SIZE) return WireError::Truncated;
    }
    if (loadLe<std::uint32_t>(data + header::MAGIC_OFFSET) != header::MAGIC) [[unlikely]] return WireError::BadMagic;
    const std::uint32_t payload = loadLe<std::uint32_t>(data + header::PAYLOAD_SIZE_OFFSET);
    if (payload > maxPayload) [[unlikely]] return WireError::PayloadTooLarge;
    if (data[header::MESSAGE_TYPE_OFFSET] != static_cast<std::uint8_t>(Layout::TYPE)) [[unlikely]] return WireError::WrongType;
    if (data[header::VERSION_OFFSET] != Layout::VERSION) [[unlikely]] return WireError::UnknownVersion;
    frameLen = header::SIZE + payload;
    if constexpr (Layout::RULE == SizeRule::Fixed) {
        if (frameLen != Layout::SIZE) [[unlikely]] return WireError::BadSize;
    } else {
        if (frameLen < Layout::SIZE) [[unlikely]] return WireError::BadSize;
    }
    if (available < frameLen) [[unlikely]] return WireError::Truncated;
    if (verifyChecksum && frameChecksum(data, frameLen) != loadLe<std::uint32_t>(data + header::CHECKSUM_OFFSET))
        [[unlikely]] return WireError::BadChecksum;
    if constexpr (Layout::NEEDS_BODY_CHECK) {
        return validateBody(Layout::INFO, data, frameLen);
    }
    return WireError::Ok;
}

template <std::size_t N>
constexpr bool anyText(const std::array<FieldDescriptor, N>& fields) {
    for (const auto& f : fields) {
        if (f.kind == FieldKind::Text) return true;
    }
    return false;
}

/// A field of `Field`'s type holds enumeration E (EnumTypeOf, enums.hpp).
template <typename Field, typename E>
concept TypedEnumOf = std::is_enum_v<E> && std::same_as<E, typename EnumTypeOf<Field::ENUM>::type>;

} // namespace alphapulse::wire::detail

#define ALPHAPULSE_FIELD_ENUM(name, type) name,
#define ALPHAPULSE_FIELD_SIZE(name, type) type::SIZE,
#define ALPHAPULSE_FIELD_DESC(name, type)                                                        \
    ::alphapulse::wire::FieldDescriptor{#name, static_cast<std::uint16_t>(OFFSET_##name),         \
                                        static_cast<std::uint16_t>(type::SIZE), type::KIND, type::ENUM},
#define ALPHAPULSE_FIELD_OFFSET(name, type) static constexpr std::size_t OFFSET_##name = \
        ::alphapulse::wire::layoutOffset(SIZES, Field::name, ::alphapulse::wire::header::SIZE);
#define ALPHAPULSE_FIELD_GET(name, type)                                   \
    [[nodiscard]] type::Value name() const noexcept {                      \
        return type::load(m_data + Layout::OFFSET_##name);                 \
    }
#define ALPHAPULSE_FIELD_SET(name, type)                                   \
    Self& name(type::Value value) noexcept {                               \
        type::store(m_data + Layout::OFFSET_##name, value);                \
        return *this;                                                      \
    }                                                                      \
    template <typename E>                                                  \
        requires ::alphapulse::wire::detail::TypedEnumOf<type, E>          \
    Self& name(E value) noexcept {                                         \
        type::store(m_data + Layout::OFFSET_##name, static_cast<type::Value>(value)); \
        return *this;                                                      \
    }

/// Defines <Name>Layout, <Name>View and <Name>Builder from FIELDS.
#define ALPHAPULSE_DEFINE_MESSAGE(Name, TypeEnumerator, VersionNumber, SizeRuleValue, FIELDS)                 \
    struct Name##Layout {                                                                                      \
        static constexpr ::alphapulse::wire::MessageType TYPE =                                                \
            ::alphapulse::wire::MessageType::TypeEnumerator;                                                   \
        static constexpr std::uint8_t VERSION = VersionNumber;                                                 \
        static constexpr std::string_view NAME = #TypeEnumerator;                                              \
        static constexpr ::alphapulse::wire::SizeRule RULE = ::alphapulse::wire::SizeRule::SizeRuleValue;      \
        static constexpr ::alphapulse::wire::Domain DOMAIN =                                                   \
            ::alphapulse::wire::domainOf(static_cast<std::uint8_t>(TYPE));                                     \
        struct Field {                                                                                         \
            enum : std::size_t { FIELDS(ALPHAPULSE_FIELD_ENUM) COUNT_ };                                       \
        };                                                                                                     \
        static constexpr std::size_t FIELD_COUNT = Field::COUNT_;                                              \
        static constexpr std::array<std::size_t, FIELD_COUNT> SIZES{FIELDS(ALPHAPULSE_FIELD_SIZE)};            \
        static constexpr std::size_t offsetOf(std::size_t field) noexcept {                                    \
            return ::alphapulse::wire::layoutOffset(SIZES, field, ::alphapulse::wire::header::SIZE);           \
        }                                                                                                      \
        static constexpr std::size_t SIZE =                                                                    \
            ::alphapulse::wire::layoutOffset(SIZES, FIELD_COUNT, ::alphapulse::wire::header::SIZE);                                             \
        FIELDS(ALPHAPULSE_FIELD_OFFSET)                                                                        \
        static constexpr std::array<::alphapulse::wire::FieldDescriptor, FIELD_COUNT> FIELD_TABLE{             \
            FIELDS(ALPHAPULSE_FIELD_DESC)};                                                                    \
        static constexpr bool NEEDS_BODY_CHECK =                                                               \
            RULE != ::alphapulse::wire::SizeRule::Fixed || ::alphapulse::wire::detail::anyText(FIELD_TABLE);   \
        static constexpr ::alphapulse::wire::MessageLayout INFO{                                               \
            static_cast<std::uint8_t>(TYPE), VERSION, NAME, DOMAIN, static_cast<std::uint16_t>(SIZE), RULE,    \
            FIELD_TABLE, ::alphapulse::wire::detail::anyText(FIELD_TABLE),                                     \
            ::alphapulse::wire::fieldOffsetByName(FIELD_TABLE, ::alphapulse::wire::ruleFieldNames(RULE).first),  \
            ::alphapulse::wire::fieldOffsetByName(FIELD_TABLE, ::alphapulse::wire::ruleFieldNames(RULE).second)}; \
        static_assert(RULE == ::alphapulse::wire::SizeRule::Fixed || RULE == ::alphapulse::wire::SizeRule::Opaque || \
                          (INFO.ruleFieldA != 0 && INFO.ruleFieldB != 0),                                      \
                      "a variable-size layout needs the two fields its size rule reads");                      \
    };                                                                                                         \
    class Name##View {                                                                                         \
    public:                                                                                                    \
        using Layout = Name##Layout;                                                                           \
        Name##View() = default;                                                                                \
        /** Validates and views the frame at `data` (see frame.hpp); allocates nothing. */                     \
        [[nodiscard]] static ::alphapulse::wire::Expected<Name##View> parse(                                   \
            const std::uint8_t* data, std::size_t available, bool verifyChecksum = true,                       \
            std::uint32_t maxPayload = ::alphapulse::wire::header::DEFAULT_MAX_PAYLOAD) noexcept {             \
            std::size_t frameLen = 0;                                                                          \
            const auto error = ::alphapulse::wire::detail::checkTypedFrame<Layout>(data, available,            \
                                                                                  verifyChecksum, maxPayload,  \
                                                                                  frameLen);                   \
            if (error != ::alphapulse::wire::WireError::Ok) [[unlikely]] return error;                        \
            return Name##View{data, frameLen};                                                                 \
        }                                                                                                      \
        /** A frame parseFrame() already validated as this type. */                                            \
        [[nodiscard]] static Name##View of(const ::alphapulse::wire::FrameView& frame) noexcept {              \
            return Name##View{frame.data(), frame.size()};                                                     \
        }                                                                                                      \
        [[nodiscard]] ::alphapulse::wire::FrameView frame() const noexcept { return {m_data, m_size}; }        \
        [[nodiscard]] const std::uint8_t* data() const noexcept { return m_data; }                             \
        [[nodiscard]] std::size_t size() const noexcept { return m_size; }                                     \
        FIELDS(ALPHAPULSE_FIELD_GET)                                                                           \
    private:                                                                                                   \
        Name##View(const std::uint8_t* data, std::size_t size) noexcept : m_data(data), m_size(size) {}        \
        const std::uint8_t* m_data = nullptr;                                                                  \
        std::size_t m_size = 0;                                                                                \
    };                                                                                                         \
    class Name##Builder {                                                                                      \
    public:                                                                                                    \
        using Layout = Name##Layout;                                                                           \
        using Self = Name##Builder;                                                                            \
        Name##Builder() = default;                                                                             \
        /** Starts a frame in the caller's buffer: zero-fills the fixed part and writes magic, type,           \
            version and payload_size. BufferTooSmall when `capacity` < SIZE. */                                \
        [[nodiscard]] static ::alphapulse::wire::Expected<Name##Builder> into(std::uint8_t* buffer,            \
                                                                              std::size_t capacity) noexcept { \
            if (buffer == nullptr || capacity < Layout::SIZE) return ::alphapulse::wire::WireError::BufferTooSmall; \
            std::memset(buffer, 0, Layout::SIZE);                                                              \
            ::alphapulse::wire::storeLe<std::uint32_t>(buffer, ::alphapulse::wire::header::MAGIC);             \
            buffer[::alphapulse::wire::header::MESSAGE_TYPE_OFFSET] = static_cast<std::uint8_t>(Layout::TYPE); \
            buffer[::alphapulse::wire::header::VERSION_OFFSET] = Layout::VERSION;                              \
            ::alphapulse::wire::storeLe<std::uint32_t>(buffer + ::alphapulse::wire::header::PAYLOAD_SIZE_OFFSET, \
                                                       static_cast<std::uint32_t>(Layout::SIZE -               \
                                                                                  ::alphapulse::wire::header::SIZE)); \
            return Name##Builder{buffer, capacity};                                                            \
        }                                                                                                      \
        Self& source(std::uint8_t value) noexcept {                                                            \
            m_data[::alphapulse::wire::header::SOURCE_OFFSET] = value;                                         \
            return *this;                                                                                      \
        }                                                                                                      \
        Self& source(::alphapulse::wire::SourceType value) noexcept {                                          \
            return source(static_cast<std::uint8_t>(value));                                                   \
        }                                                                                                      \
        Self& headerFlags(std::uint8_t value) noexcept {                                                       \
            m_data[::alphapulse::wire::header::FLAGS_OFFSET] = value;                                          \
            return *this;                                                                                      \
        }                                                                                                      \
        Self& sequence(std::uint64_t value) noexcept {                                                         \
            ::alphapulse::wire::storeLe<std::uint64_t>(m_data + ::alphapulse::wire::header::SEQUENCE_OFFSET, value); \
            return *this;                                                                                      \
        }                                                                                                      \
        Self& timestamp(std::uint64_t value) noexcept {                                                        \
            ::alphapulse::wire::storeLe<std::uint64_t>(m_data + ::alphapulse::wire::header::TIMESTAMP_OFFSET, value); \
            return *this;                                                                                      \
        }                                                                                                      \
        FIELDS(ALPHAPULSE_FIELD_SET)                                                                           \
        /** Writes the checksum over the fixed part; returns the frame length. */                              \
        std::size_t finish() noexcept {                                                                        \
            ::alphapulse::wire::sealFrame(m_data, Layout::SIZE);                                               \
            return Layout::SIZE;                                                                               \
        }                                                                                                      \
        /** For layouts with a variable tail (TLV, discovery, levels) written after the fixed part by the     \
            caller: sets payload_size to include `tailBytes`, seals, returns the frame length. */              \
        [[nodiscard]] ::alphapulse::wire::Expected<std::size_t> finishWithTail(std::size_t tailBytes) noexcept { \
            if (tailBytes > m_capacity - Layout::SIZE) return ::alphapulse::wire::WireError::BufferTooSmall;   \
            const std::size_t total = Layout::SIZE + tailBytes;                                                \
            ::alphapulse::wire::storeLe<std::uint32_t>(m_data + ::alphapulse::wire::header::PAYLOAD_SIZE_OFFSET, \
                                                       static_cast<std::uint32_t>(total - ::alphapulse::wire::header::SIZE)); \
            ::alphapulse::wire::sealFrame(m_data, total);                                                      \
            return total;                                                                                      \
        }                                                                                                      \
        [[nodiscard]] std::uint8_t* data() const noexcept { return m_data; }                                   \
        [[nodiscard]] std::uint8_t* tail() const noexcept { return m_data + Layout::SIZE; }                    \
        [[nodiscard]] std::size_t capacity() const noexcept { return m_capacity; }                             \
    private:                                                                                                   \
        Name##Builder(std::uint8_t* data, std::size_t capacity) noexcept : m_data(data), m_capacity(capacity) {} \
        std::uint8_t* m_data = nullptr;                                                                        \
        std::size_t m_capacity = 0;                                                                            \
    };
