#pragma once
// SchemaTransformCache: the one place every frame a service receives goes
// through (the design document's "Schema and Transform System"): validate
// it, find its schema by (type, version) in the shared SchemaRegistry,
// parse it, and turn discovery messages into cached objects.
//
//   SchemaRegistry registry;                  // shared by every thread
//   SchemaTransformCache cache{registry};     // one per processing thread
//   auto r = cache.processMessage(data, len); // per frame
//   if (const CachedObject* o = cache.objects().find(id)) ...
//
// Cost: a Trade (any fixed-size message without text) is framing checks,
// one wait-free registry lookup and the size rule: no allocation, no lock
// (see docs/PERFORMANCE.md). Discovery frames allocate (the object's
// strings). SchemaDefinition frames (type 105) register their schema when
// options.registerSchemas is set (the default), so a service learns schemas
// published on the system domain.
//
// Thread contract: processMessage and objects() from the owning thread
// only; the registry may be changed by any thread meanwhile.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "alphapulse/schema/object_cache.hpp"
#include "alphapulse/schema/registry.hpp"
#include "alphapulse/wire/error.hpp"
#include "alphapulse/wire/header.hpp"

namespace alphapulse::schema {

struct ProcessOptions {
    bool verifyChecksum = true;
    std::uint32_t maxPayload = wire::header::DEFAULT_MAX_PAYLOAD;
    bool registerSchemas = true; ///< register the schema of SchemaDefinition frames
};

enum class ProcessOutcome : std::uint8_t {
    Refused,          ///< error says why (framing, checksum, unknown schema, content)
    Parsed,           ///< valid; nothing to cache
    ObjectAdded,      ///< a discovery (or cached custom message) added an object
    ObjectUpdated,    ///< ... refreshed an object already held
    Collision,        ///< ... carried another address for an id held: recorded, not merged
    CacheFull,        ///< ... was refused: the cache holds maxObjects
    SchemaRegistered, ///< a SchemaDefinition added a schema
    SchemaKnown,      ///< a SchemaDefinition repeated a schema already registered
    SchemaRefused,    ///< a SchemaDefinition the registry refused (lastSchemaError() says why)
};

[[nodiscard]] std::string_view processOutcomeName(ProcessOutcome outcome) noexcept;

struct ProcessResult {
    wire::WireError error = wire::WireError::Ok;
    ProcessOutcome outcome = ProcessOutcome::Refused;
    const wire::MessageLayout* layout = nullptr; ///< the frame's schema when found
    std::size_t frameLength = 0;                 ///< when delimited (also after a content error); 0 after a framing error
    /// The object added, updated or kept (Collision); valid until the cache changes again.
    const CachedObject* object = nullptr;

    [[nodiscard]] bool ok() const noexcept { return error == wire::WireError::Ok; }
};

class SchemaTransformCache {
public:
    explicit SchemaTransformCache(SchemaRegistry& registry, CacheOptions cacheOptions = {},
                                  ProcessOptions options = {});

    /// Processes the frame at the start of `data` (`available` bytes; bytes
    /// after it are left alone). See ProcessOutcome.
    ProcessResult processMessage(const std::uint8_t* data, std::size_t available);

    [[nodiscard]] ObjectCache& objects() noexcept { return m_objects; }
    [[nodiscard]] const ObjectCache& objects() const noexcept { return m_objects; }
    [[nodiscard]] SchemaRegistry& registry() noexcept { return m_registry; }
    [[nodiscard]] const ProcessOptions& options() const noexcept { return m_options; }
    /// Why the last SchemaRefused happened.
    [[nodiscard]] const std::optional<SchemaError>& lastSchemaError() const noexcept { return m_lastSchemaError; }

private:
    ProcessResult slowPath(const wire::MessageLayout& layout, const std::uint8_t* data, std::size_t length);

    SchemaRegistry& m_registry;
    ObjectCache m_objects;
    ProcessOptions m_options;
    std::optional<SchemaError> m_lastSchemaError;
};

} // namespace alphapulse::schema
