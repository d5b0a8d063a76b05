#include "alphapulse/schema/object_cache.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <unordered_set>

#include "alphapulse/wire/crc32.hpp"
#include "alphapulse/wire/endian.hpp"
#include "alphapulse/wire/utf8.hpp"

namespace alphapulse::schema {
namespace {

constexpr std::size_t MIN_SLOTS = 1024;
constexpr std::uint8_t MAGIC[8] = {'A', 'P', 'C', 'A', 'C', 'H', 'E', 0};

std::size_t nextPowerOfTwo(std::size_t n) noexcept {
    std::size_t p = MIN_SLOTS;
    while (p < n) p <<= 1;
    return p;
}

// ---- binary format helpers (little-endian, W1 style) ----

class Writer {
public:
    explicit Writer(std::vector<std::uint8_t>& out) : m_out(out) {}
    void u8(std::uint8_t v) { m_out.push_back(v); }
    void u16(std::uint16_t v) { put<std::uint16_t>(v); }
    void u32(std::uint32_t v) { put<std::uint32_t>(v); }
    void u64(std::uint64_t v) { put<std::uint64_t>(v); }
    void bytes(const std::uint8_t* p, std::size_t n) { m_out.insert(m_out.end(), p, p + n); }
    void id(const wire::InstrumentId& id) {
        std::uint8_t b[wire::InstrumentId::SIZE];
        id.write(b);
        bytes(b, sizeof b);
    }
    void address(const wire::EvmAddress& a) { bytes(a.data(), a.size()); }
    void str(const std::string& s) {
        u32(static_cast<std::uint32_t>(s.size()));
        bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
    }

private:
    template <typename T>
    void put(T v) {
        std::uint8_t b[sizeof(T)];
        wire::storeLe<T>(b, v);
        bytes(b, sizeof b);
    }
    std::vector<std::uint8_t>& m_out;
};

class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> in) : m_in(in) {}
    [[nodiscard]] bool failed() const noexcept { return m_failed; }
    [[nodiscard]] std::size_t left() const noexcept { return m_in.size() - m_pos; }
    const std::uint8_t* take(std::size_t n) {
        if (m_failed || left() < n) {
            m_failed = true;
            return nullptr;
        }
        const std::uint8_t* p = m_in.data() + m_pos;
        m_pos += n;
        return p;
    }
    std::uint8_t u8() { const auto* p = take(1); return p ? *p : 0; }
    std::uint16_t u16() { const auto* p = take(2); return p ? wire::loadLe<std::uint16_t>(p) : 0; }
    std::uint32_t u32() { const auto* p = take(4); return p ? wire::loadLe<std::uint32_t>(p) : 0; }
    std::uint64_t u64() { const auto* p = take(8); return p ? wire::loadLe<std::uint64_t>(p) : 0; }
    wire::InstrumentId id() {
        const auto* p = take(wire::InstrumentId::SIZE);
        return p ? wire::InstrumentId::read(p) : wire::InstrumentId{};
    }
    wire::EvmAddress address() {
        wire::EvmAddress a{};
        if (const auto* p = take(a.size())) std::memcpy(a.data(), p, a.size());
        return a;
    }
    std::string str() {
        const std::uint32_t n = u32();
        const auto* p = take(n);
        if (p == nullptr) return {};
        std::string s{reinterpret_cast<const char*>(p), n};
        if (!wire::isValidUtf8(s)) m_failed = true;
        return s;
    }

private:
    std::span<const std::uint8_t> m_in;
    std::size_t m_pos = 0;
    bool m_failed = false;
};

} // namespace

std::string_view objectKindName(ObjectKind kind) noexcept {
    switch (kind) {
    case ObjectKind::Instrument: return "instrument";
    case ObjectKind::Token: return "token";
    case ObjectKind::Pool: return "pool";
    case ObjectKind::Custom: return "custom";
    }
    return "unknown";
}

ObjectCache::ObjectCache(CacheOptions options) : m_options(options) { rehash(MIN_SLOTS); }

std::size_t ObjectCache::slotFor(const wire::InstrumentId& id) const noexcept {
    const std::uint64_t a = id.assetId;
    const std::uint32_t b = packedMeta(id);
    std::size_t i = wire::InstrumentIdHash{}(id) & m_mask;
    while (m_slots[i].index != EMPTY && !(m_slots[i].assetId == a && m_slots[i].meta == b)) i = (i + 1) & m_mask;
    return i;
}

void ObjectCache::rehash(std::size_t slots) {
    m_slots.assign(slots, Slot{0, 0, EMPTY});
    m_mask = slots - 1;
    for (std::size_t k = 0; k < m_objects.size(); ++k) {
        m_slots[slotFor(m_objects[k].id)] = Slot{m_objects[k].id.assetId, packedMeta(m_objects[k].id),
                                                 static_cast<std::uint32_t>(k)};
    }
}

void ObjectCache::reserve(std::size_t objects) {
    objects = std::min(objects, m_options.maxObjects);
    m_objects.reserve(objects);
    const std::size_t wanted = nextPowerOfTwo(objects * 2);
    if (wanted > m_slots.size()) rehash(wanted);
}

void ObjectCache::clear() {
    m_objects.clear();
    m_collisions.clear();
    m_collisionsSeen = 0;
    m_refused = 0;
    rehash(MIN_SLOTS);
}

void ObjectCache::recordCollision(Collision collision) {
    ++m_collisionsSeen;
    if (m_collisions.size() < m_options.maxCollisions) m_collisions.push_back(std::move(collision));
}

InsertOutcome ObjectCache::put(CachedObject object) {
    std::size_t slot = slotFor(object.id);
    if (m_slots[slot].index != EMPTY) {
        CachedObject& held = m_objects[m_slots[slot].index];
        if (object.kind == ObjectKind::Custom) {
            // A custom payload attaches to whatever the id holds.
            held.customType = object.customType;
            held.customVersion = object.customVersion;
            held.data = std::move(object.data);
            return InsertOutcome::Updated;
        }
        if (held.hasAddress && object.hasAddress && held.address != object.address) {
            recordCollision(Collision{object.id, held.address, object.address, held.symbol, object.symbol,
                                      object.discoveredAt});
            return InsertOutcome::Collision;
        }
        if (held.kind != ObjectKind::Custom) object.discoveredAt = held.discoveredAt; // first discovery
        if (!object.hasAddress && held.hasAddress) {
            object.hasAddress = true;
            object.address = held.address;
        }
        object.customType = held.customType;
        object.customVersion = held.customVersion;
        object.data = std::move(held.data);
        held = std::move(object);
        return InsertOutcome::Updated;
    }
    if (m_objects.size() >= m_options.maxObjects) {
        ++m_refused;
        return InsertOutcome::Full;
    }
    if ((m_objects.size() + 1) * 2 > m_slots.size()) {
        rehash(m_slots.size() * 2);
        slot = slotFor(object.id);
    }
    m_slots[slot] = Slot{object.id.assetId, packedMeta(object.id), static_cast<std::uint32_t>(m_objects.size())};
    m_objects.push_back(std::move(object));
    return InsertOutcome::Added;
}

CachedObject ObjectCache::objectOf(const wire::DiscoveryView& discovery) {
    CachedObject object;
    object.id = discovery.instrumentId();
    const auto assetType = static_cast<wire::AssetType>(object.id.assetType & ~wire::PACKED_SYMBOL);
    if (discovery.isPool() || assetType == wire::AssetType::Pool) {
        object.kind = ObjectKind::Pool;
    } else if (assetType == wire::AssetType::Token) {
        object.kind = ObjectKind::Token;
    } else {
        object.kind = ObjectKind::Instrument;
    }
    object.decimals = discovery.decimals();
    object.discoveredAt = discovery.frame().timestamp();
    object.symbol = std::string{discovery.symbol()};
    object.name = std::string{discovery.name()};
    if (const auto address = discovery.address()) {
        object.hasAddress = true;
        object.address = *address;
    }
    object.chainId = discovery.chainId().value_or(0);
    if (const auto pool = discovery.poolTokens()) {
        object.token0 = pool->token0_id();
        object.token1 = pool->token1_id();
        std::memcpy(object.token0Address.data(), pool->token0_address().data(), object.token0Address.size());
        std::memcpy(object.token1Address.data(), pool->token1_address().data(), object.token1Address.size());
        object.feeTier = pool->fee_tier();
    }
    return object;
}

InsertOutcome ObjectCache::putDiscovery(const wire::DiscoveryView& discovery) { return put(objectOf(discovery)); }

CacheStats ObjectCache::stats() const noexcept {
    return CacheStats{m_objects.size(), m_collisionsSeen, m_refused, m_slots.size()};
}

// ---- persistence ----
//
//   magic "APCACHE\0" | u32 format version | u32 object count | u32 collision count
//   | u64 collisions seen | u64 refused | objects | collisions | u32 CRC-32 of all before it
//   object: u8 kind, id[12], u8 decimals, u64 discovered_at, str symbol, str name,
//           u8 has_address, address[20], u64 chain_id, id[12] token0, id[12] token1,
//           address[20] token0, address[20] token1, u32 fee_tier,
//           u8 custom_type, u8 custom_version, u32 data_len + data
//   collision: id[12], address[20] held, address[20] new, str held_symbol, str new_symbol, u64 seen_at
//   str: u32 length + UTF-8 bytes. All integers little-endian.

void ObjectCache::serialize(std::vector<std::uint8_t>& out) const {
    const std::size_t start = out.size();
    Writer w{out};
    w.bytes(MAGIC, sizeof MAGIC);
    w.u32(FORMAT_VERSION);
    w.u32(static_cast<std::uint32_t>(m_objects.size()));
    w.u32(static_cast<std::uint32_t>(m_collisions.size()));
    w.u64(m_collisionsSeen);
    w.u64(m_refused);
    for (const CachedObject& o : m_objects) {
        w.u8(static_cast<std::uint8_t>(o.kind));
        w.id(o.id);
        w.u8(o.decimals);
        w.u64(o.discoveredAt);
        w.str(o.symbol);
        w.str(o.name);
        w.u8(o.hasAddress ? 1 : 0);
        w.address(o.address);
        w.u64(o.chainId);
        w.id(o.token0);
        w.id(o.token1);
        w.address(o.token0Address);
        w.address(o.token1Address);
        w.u32(o.feeTier);
        w.u8(o.customType);
        w.u8(o.customVersion);
        w.u32(static_cast<std::uint32_t>(o.data.size()));
        w.bytes(o.data.data(), o.data.size());
    }
    for (const Collision& c : m_collisions) {
        w.id(c.id);
        w.address(c.heldAddress);
        w.address(c.newAddress);
        w.str(c.heldSymbol);
        w.str(c.newSymbol);
        w.u64(c.seenAt);
    }
    w.u32(wire::crc32(out.data() + start, out.size() - start));
}

std::optional<std::string> ObjectCache::deserialize(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < sizeof MAGIC + 4 || std::memcmp(bytes.data(), MAGIC, sizeof MAGIC) != 0) {
        return "not an alphapulse cache file (magic)";
    }
    Reader header{bytes.subspan(sizeof MAGIC)};
    if (const auto version = header.u32(); version != FORMAT_VERSION) {
        return "cache file format version " + std::to_string(version) + ", this build reads " +
               std::to_string(FORMAT_VERSION);
    }
    if (bytes.size() < sizeof MAGIC + 4 + 4 + 4 + 8 + 8 + 4) return "cache file truncated";
    const std::size_t body = bytes.size() - 4;
    if (wire::crc32(bytes.data(), body) != wire::loadLe<std::uint32_t>(bytes.data() + body)) {
        return "cache file checksum mismatch (corrupt or truncated)";
    }
    Reader r{bytes.subspan(sizeof MAGIC + 4, body - sizeof MAGIC - 4)};
    const std::uint32_t objectCount = r.u32();
    const std::uint32_t collisionCount = r.u32();
    const std::uint64_t seen = r.u64();
    const std::uint64_t refused = r.u64();
    if (objectCount > m_options.maxObjects) {
        return "cache file holds " + std::to_string(objectCount) + " objects, more than the limit of " +
               std::to_string(m_options.maxObjects);
    }
    std::vector<CachedObject> objects;
    std::unordered_set<wire::InstrumentId, wire::InstrumentIdHash> ids;
    for (std::uint32_t i = 0; i < objectCount && !r.failed(); ++i) {
        CachedObject o;
        const std::uint8_t kind = r.u8();
        if (kind < 1 || kind > 4) return "cache file: object " + std::to_string(i) + " has an unknown kind";
        o.kind = static_cast<ObjectKind>(kind);
        o.id = r.id();
        o.decimals = r.u8();
        o.discoveredAt = r.u64();
        o.symbol = r.str();
        o.name = r.str();
        o.hasAddress = r.u8() != 0;
        o.address = r.address();
        o.chainId = r.u64();
        o.token0 = r.id();
        o.token1 = r.id();
        o.token0Address = r.address();
        o.token1Address = r.address();
        o.feeTier = r.u32();
        o.customType = r.u8();
        o.customVersion = r.u8();
        const std::uint32_t dataLen = r.u32();
        if (const std::uint8_t* p = r.take(dataLen)) o.data.assign(p, p + dataLen);
        if (r.failed()) break;
        if (!ids.insert(o.id).second) return "cache file: id " + o.id.text() + " appears twice";
        objects.push_back(std::move(o));
    }
    std::vector<Collision> collisions;
    for (std::uint32_t i = 0; i < collisionCount && !r.failed(); ++i) {
        Collision c;
        c.id = r.id();
        c.heldAddress = r.address();
        c.newAddress = r.address();
        c.heldSymbol = r.str();
        c.newSymbol = r.str();
        c.seenAt = r.u64();
        collisions.push_back(std::move(c));
    }
    if (r.failed()) return "cache file: a record is truncated or holds invalid UTF-8";
    if (r.left() != 0) return "cache file: " + std::to_string(r.left()) + " bytes after the last record";
    m_objects = std::move(objects);
    m_collisions = std::move(collisions);
    m_collisionsSeen = static_cast<std::size_t>(seen);
    m_refused = static_cast<std::size_t>(refused);
    rehash(nextPowerOfTwo(m_objects.size() * 2));
    return std::nullopt;
}

std::optional<std::string> ObjectCache::save(const std::string& path) const {
    std::vector<std::uint8_t> bytes;
    serialize(bytes);
    const std::string temp = path + ".tmp";
    {
        std::ofstream out{temp, std::ios::binary | std::ios::trunc};
        if (!out) return path + ": cannot write " + temp;
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) return path + ": write failed";
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        std::remove(temp.c_str());
        return path + ": cannot rename " + temp + " into place";
    }
    return std::nullopt;
}

std::optional<std::string> ObjectCache::load(const std::string& path) {
    std::ifstream in{path, std::ios::binary};
    if (!in) return path + ": cannot open";
    const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (auto err = deserialize(bytes)) return path + ": " + *err;
    return std::nullopt;
}

} // namespace alphapulse::schema
