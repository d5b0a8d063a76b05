#pragma once
// SchemaRegistry: every message layout a service knows, by (type, version).
//
// Static schemas are the built-in layouts of libs/wire (wire::allLayouts()),
// entered at construction. Dynamic schemas are described declaratively
// (definition.hpp) and registered while the service runs: from a file, from
// text, or from a SchemaDefinition frame (type 105) received on the system
// domain. A dynamic schema becomes an ordinary wire::MessageLayout, so
// wire::validateBody, the JSON codec (resolver()) and the relays work on it
// unchanged.
//
// Concurrency and memory (the design):
//  - The table is 256 x 256 atomic pointers (512 KiB, allocated at
//    construction), one per (type, version). A slot is written at most once,
//    from null to its layout, because registering a (type, version) again
//    is either a no-op (same layout) or refused (another layout). So a
//    reader needs no snapshot, no lock and no retry: find() is one acquire
//    load, wait-free, O(1).
//  - SYNC POINT "publish": the writer builds the layout completely (fields,
//    names), then stores its pointer with release; find() loads it with
//    acquire, so a reader that sees the pointer sees the whole layout.
//  - Writers (register*) serialise on one mutex: validation against what is
//    registered, the name index and the slot store happen under it.
//  - Retirement policy: none is needed. Layouts (with their FieldDescriptor
//    arrays and name strings) are owned by the registry and never freed or
//    changed while it lives, so a pointer from find() stays valid for the
//    registry's lifetime. Memory grows only with the number of distinct
//    schemas registered (at most 65,536).
//
// Refusals (each a SchemaError naming the schema and the field):
//  - the same (type, version) with another layout: conflict;
//  - a built-in (type, version) with another layout: builtin_replaced
//    (built-in types may get new versions, not replaced ones);
//  - a type number outside the custom range 200-255 that is not a built-in
//    type: reserved_type;
//  - fields that start in the header, overlap, leave a gap (W1: no implicit
//    padding), run past the declared size, or use unknown types.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "alphapulse/schema/definition.hpp"
#include "alphapulse/wire/layout.hpp"

namespace alphapulse::schema {

/// What register* did.
struct RegisterResult {
    const wire::MessageLayout* layout = nullptr; ///< the registered layout (new or already there)
    bool added = false;                          ///< false: the same layout was already registered (a no-op)
    std::optional<SchemaError> error;            ///< set when refused (layout is then null)
    explicit operator bool() const noexcept { return !error; }
};

/// What a file or document load did: the schemas added (or already there,
/// in file order) until the first refusal.
struct LoadResult {
    std::vector<const wire::MessageLayout*> layouts;
    std::size_t added = 0;
    std::optional<SchemaError> error;
    explicit operator bool() const noexcept { return !error; }
};

/// Same signature as codec::LayoutResolver.
using Resolver = std::function<const wire::MessageLayout*(std::uint8_t type, std::uint8_t version)>;

class SchemaRegistry {
public:
    /// Enters every built-in layout. Allocates the 512 KiB table.
    SchemaRegistry();
    ~SchemaRegistry();
    SchemaRegistry(const SchemaRegistry&) = delete;
    SchemaRegistry& operator=(const SchemaRegistry&) = delete;

    /// The layout of (type, version), or nullptr. Any thread; wait-free,
    /// one acquire load, no allocation. The pointer lives as long as the registry.
    [[nodiscard]] const wire::MessageLayout* find(std::uint8_t type, std::uint8_t version) const noexcept {
        // SYNC POINT "publish": pairs with the release store in registerSchema.
        return m_table[static_cast<std::size_t>(type) << 8 | version].load(std::memory_order_acquire);
    }
    /// Offset of the InstrumentId field that keys custom objects of this
    /// dynamic schema (its cache_key), or 0 when it is not cached. Any
    /// thread, after find() returned its layout.
    [[nodiscard]] std::uint16_t cacheKeyOffset(std::uint8_t type, std::uint8_t version) const noexcept {
        // Written before the layout is published (see registerSchema).
        return m_cacheKey[static_cast<std::size_t>(type) << 8 | version].load(std::memory_order_relaxed);
    }
    /// Whether some version of `type` is registered (built-in or dynamic). Any thread.
    [[nodiscard]] bool knowsType(std::uint8_t type) const noexcept {
        return m_typeKnown[type].load(std::memory_order_acquire);
    }

    /// Validates `spec` and registers it. Any thread (writers serialise).
    RegisterResult registerSchema(const SchemaSpec& spec);
    /// Parses a YAML/JSON document and registers each schema in it, in order.
    LoadResult loadText(std::string_view text, std::string_view origin = {});
    /// Reads a schema file (docs/design/schema.md) and registers its schemas.
    LoadResult loadFile(const std::string& path);
    /// Registers the schema a SchemaDefinition frame (type 105) carries. The
    /// frame must be valid (parseFrame rules; the checksum is checked when
    /// `verifyChecksum`), its JSON one schema whose type and version equal
    /// schema_type and schema_version.
    RegisterResult registerFromFrame(const std::uint8_t* frame, std::size_t length, bool verifyChecksum = true);

    /// The declarative spec of a dynamic schema (to publish it), or nullopt
    /// for built-in and unknown ones. Any thread.
    [[nodiscard]] std::optional<SchemaSpec> specOf(std::uint8_t type, std::uint8_t version) const;
    /// Every dynamic layout, in registration order. Any thread.
    [[nodiscard]] std::vector<const wire::MessageLayout*> dynamicLayouts() const;
    /// Whether `layout` is one of the built-in (static) ones.
    [[nodiscard]] static bool isBuiltin(const wire::MessageLayout* layout) noexcept;

    /// find() as a codec::LayoutResolver (the registry must outlive it).
    [[nodiscard]] Resolver resolver() const;

private:
    /// Registers every parsed schema in order, stopping at the first refusal.
    LoadResult registerAll(ParseResult parsed, std::string_view origin);
    struct Owned;

    std::unique_ptr<std::atomic<const wire::MessageLayout*>[]> m_table; // 65,536 slots, write-once
    std::unique_ptr<std::atomic<std::uint16_t>[]> m_cacheKey;           // 65,536, written before publishing
    std::unique_ptr<std::atomic<bool>[]> m_typeKnown;                   // 256, set once
    mutable std::mutex m_writeMutex;                                    // guards everything below
    std::vector<std::unique_ptr<Owned>> m_owned;                        // never shrinks
};

/// Builds a SchemaDefinition frame (type 105) publishing `spec`, checksum
/// included, appended to `out`. Refuses (returns false) a spec whose JSON
/// does not fit in a frame.
bool buildSchemaFrame(const SchemaSpec& spec, std::vector<std::uint8_t>& out, std::uint8_t source = 0,
                      std::uint64_t sequence = 0, std::uint64_t timestamp = 0);

/// The layout checks registerSchema applies that do not depend on what is
/// registered (fields, sizes, names): nullopt when `spec` is a valid layout.
[[nodiscard]] std::optional<SchemaError> checkLayout(const SchemaSpec& spec);

} // namespace alphapulse::schema
