#pragma once
// ObjectCache: what discovery messages said about instruments, kept by the
// full 12-byte InstrumentId (W4) so that later lookups find it in O(1).
//
// Objects: instruments (symbol-keyed: stocks, pairs, futures, ...), tokens
// (full 20-byte address, decimals, symbol, name, chain id), pools (the two
// token ids and addresses, fee tier) and custom objects (the payload of a
// frame whose dynamic schema names a cache_key).
//
// Collisions (W4): a token or pool id is built from the last 8 bytes of an
// address, so two different addresses can map to one id. When a discovery
// carries an address different from the one held for its id, the cache
// keeps the object it holds, records a Collision (both addresses, both
// symbols) and never merges the two.
//
// Table: open addressing with linear probing over 16-byte slots (asset_id,
// venue/asset_type/reserved, object index), load factor at most 1/2, a
// power-of-two size. Objects live in a vector in insertion order. Nothing
// is ever removed, so there are no tombstones and a probe ends at the first
// empty slot. find() allocates nothing. (std::unordered_map with reserve,
// a node per object, measured about 4x slower at 100,000 ids: 39.7 ns
// against 9.0 ns, random order; see docs/PERFORMANCE.md.)
//
// Memory bound (the policy): at most `maxObjects` objects (default
// 1,000,000) and `maxCollisions` collision records (default 10,000). When
// full, a discovery of a new id is refused (InsertOutcome::Full, counted in
// stats().refused); ids already held are still updated. Nothing is evicted:
// an id a service has seen stays resolvable, and a full cache is a
// configuration error that the counter makes visible rather than a silent
// loss of old instruments. Collisions past the limit are only counted.
//
// Persistence: save() writes a versioned binary file (magic "APCACHE\0",
// format version, counts, records, CRC-32 trailer), atomically (temp file
// then rename); load() checks all of it before replacing the contents.
//
// Thread contract: not synchronised. One thread owns a cache (the thread
// that processes frames into it); find() from other threads needs external
// synchronisation. The schema registry is the shared, thread-safe part.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "alphapulse/wire/discovery.hpp"
#include "alphapulse/wire/instrument_id.hpp"

namespace alphapulse::schema {

enum class ObjectKind : std::uint8_t { Instrument = 1, Token = 2, Pool = 3, Custom = 4 };

/// "instrument", "token", "pool", "custom".
[[nodiscard]] std::string_view objectKindName(ObjectKind kind) noexcept;

struct CachedObject {
    ObjectKind kind = ObjectKind::Instrument;
    wire::InstrumentId id;
    std::uint8_t decimals = 0;
    std::uint64_t discoveredAt = 0; ///< header timestamp of the first discovery, ns since the epoch
    std::string symbol;
    std::string name;               ///< full name (metadata Name), may be empty
    bool hasAddress = false;
    wire::EvmAddress address{};     ///< tokens and pools: the full contract address
    std::uint64_t chainId = 0;      ///< metadata ChainId, or 0
    // Pools.
    wire::InstrumentId token0;
    wire::InstrumentId token1;
    wire::EvmAddress token0Address{};
    wire::EvmAddress token1Address{};
    std::uint32_t feeTier = 0;      ///< hundredths of a basis point (3000 = 0.3%)
    // Custom objects.
    std::uint8_t customType = 0;
    std::uint8_t customVersion = 0;
    std::vector<std::uint8_t> data; ///< the frame's bytes after the header

    friend bool operator==(const CachedObject&, const CachedObject&) = default;
};

struct Collision {
    wire::InstrumentId id;
    wire::EvmAddress heldAddress{}; ///< the address of the object the cache keeps
    wire::EvmAddress newAddress{};  ///< the address of the discovery that was refused
    std::string heldSymbol;
    std::string newSymbol;
    std::uint64_t seenAt = 0;       ///< header timestamp of the refused discovery

    friend bool operator==(const Collision&, const Collision&) = default;
};

enum class InsertOutcome : std::uint8_t {
    Added,     ///< a new object
    Updated,   ///< the id was held (same address, if any): its fields were refreshed
    Collision, ///< the id was held with another address: recorded, not merged
    Full,      ///< a new id while the cache holds maxObjects: refused
};

struct CacheOptions {
    std::size_t maxObjects = 1'000'000;
    std::size_t maxCollisions = 10'000;
};

struct CacheStats {
    std::size_t objects = 0;
    std::size_t collisions = 0;        ///< all seen, including those past maxCollisions
    std::size_t refused = 0;           ///< new ids refused because the cache was full
    std::size_t slots = 0;             ///< hash table size
};

class ObjectCache {
public:
    explicit ObjectCache(CacheOptions options = {});

    /// The object for `id`, or nullptr. O(1), no allocation. The pointer is
    /// valid until the next call that changes the cache.
    [[nodiscard]] const CachedObject* find(const wire::InstrumentId& id) const noexcept {
        const std::uint64_t a = id.assetId;
        const std::uint32_t b = packedMeta(id);
        std::size_t i = wire::InstrumentIdHash{}(id) & m_mask;
        for (;;) {
            const Slot& s = m_slots[i];
            if (s.index == EMPTY) return nullptr;
            if (s.assetId == a && s.meta == b) return &m_objects[s.index];
            i = (i + 1) & m_mask;
        }
    }

    /// Adds or updates `object` (see InsertOutcome and the class comment).
    InsertOutcome put(CachedObject object);
    /// The object a discovery frame describes (InstrumentDiscovered or
    /// PoolDiscovered, already validated), put into the cache.
    InsertOutcome putDiscovery(const wire::DiscoveryView& discovery);
    /// Builds the object of a discovery without caching it.
    [[nodiscard]] static CachedObject objectOf(const wire::DiscoveryView& discovery);

    /// Sizes the table for `objects` ids up front (never beyond maxObjects).
    void reserve(std::size_t objects);
    void clear();

    [[nodiscard]] std::span<const CachedObject> objects() const noexcept { return m_objects; }
    [[nodiscard]] const std::vector<Collision>& collisions() const noexcept { return m_collisions; }
    [[nodiscard]] std::size_t size() const noexcept { return m_objects.size(); }
    [[nodiscard]] CacheStats stats() const noexcept;
    [[nodiscard]] const CacheOptions& options() const noexcept { return m_options; }

    /// Writes the objects and collisions to `path` (temp file, then rename).
    /// nullopt on success, else why not.
    [[nodiscard]] std::optional<std::string> save(const std::string& path) const;
    /// Replaces the contents with those of a file save() wrote. The file is
    /// checked whole (magic, format version, CRC-32, every length, valid
    /// UTF-8, no duplicate ids, at most maxObjects) before anything changes.
    [[nodiscard]] std::optional<std::string> load(const std::string& path);
    /// The same, to and from memory.
    void serialize(std::vector<std::uint8_t>& out) const;
    [[nodiscard]] std::optional<std::string> deserialize(std::span<const std::uint8_t> bytes);

    static constexpr std::uint32_t FORMAT_VERSION = 1;

private:
    struct Slot {
        std::uint64_t assetId;
        std::uint32_t meta;  ///< venue | asset_type << 16 | reserved << 24
        std::uint32_t index; ///< into m_objects; EMPTY when free
    };
    static_assert(sizeof(Slot) == 16, "four slots per cache line");
    static constexpr std::uint32_t EMPTY = 0xFFFFFFFF;

    [[nodiscard]] static std::uint32_t packedMeta(const wire::InstrumentId& id) noexcept {
        return static_cast<std::uint32_t>(id.venue) | static_cast<std::uint32_t>(id.assetType) << 16 |
               static_cast<std::uint32_t>(id.reserved) << 24;
    }
    [[nodiscard]] std::size_t slotFor(const wire::InstrumentId& id) const noexcept;
    void rehash(std::size_t slots);
    void recordCollision(Collision collision);

    CacheOptions m_options;
    std::vector<Slot> m_slots;
    std::size_t m_mask = 0;
    std::vector<CachedObject> m_objects;
    std::vector<Collision> m_collisions;
    std::size_t m_collisionsSeen = 0;
    std::size_t m_refused = 0;
};

} // namespace alphapulse::schema
