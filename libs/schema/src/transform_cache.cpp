#include "alphapulse/schema/transform_cache.hpp"

#include "alphapulse/wire/discovery.hpp"
#include "alphapulse/wire/frame.hpp"
#include "alphapulse/wire/messages.hpp"

namespace alphapulse::schema {
namespace {

ProcessOutcome outcomeOf(InsertOutcome outcome) noexcept {
    switch (outcome) {
    case InsertOutcome::Added: return ProcessOutcome::ObjectAdded;
    case InsertOutcome::Updated: return ProcessOutcome::ObjectUpdated;
    case InsertOutcome::Collision: return ProcessOutcome::Collision;
    case InsertOutcome::Full: return ProcessOutcome::CacheFull;
    }
    return ProcessOutcome::Parsed;
}

constexpr auto INSTRUMENT_DISCOVERED = static_cast<std::uint8_t>(wire::MessageType::InstrumentDiscovered);
constexpr auto POOL_DISCOVERED = static_cast<std::uint8_t>(wire::MessageType::PoolDiscovered);
constexpr auto SCHEMA_DEFINITION = static_cast<std::uint8_t>(wire::MessageType::SchemaDefinition);

} // namespace

std::string_view processOutcomeName(ProcessOutcome outcome) noexcept {
    switch (outcome) {
    case ProcessOutcome::Refused: return "refused";
    case ProcessOutcome::Parsed: return "parsed";
    case ProcessOutcome::ObjectAdded: return "object_added";
    case ProcessOutcome::ObjectUpdated: return "object_updated";
    case ProcessOutcome::Collision: return "collision";
    case ProcessOutcome::CacheFull: return "cache_full";
    case ProcessOutcome::SchemaRegistered: return "schema_registered";
    case ProcessOutcome::SchemaKnown: return "schema_known";
    case ProcessOutcome::SchemaRefused: return "schema_refused";
    }
    return "unknown";
}

SchemaTransformCache::SchemaTransformCache(SchemaRegistry& registry, CacheOptions cacheOptions, ProcessOptions options)
    : m_registry(registry), m_objects(cacheOptions), m_options(options) {}

ProcessResult SchemaTransformCache::processMessage(const std::uint8_t* data, std::size_t available) {
    ProcessResult result;
    const auto length = wire::frameLength(data, available, m_options.maxPayload);
    if (!length) [[unlikely]] {
        result.error = length.error();
        return result;
    }
    result.frameLength = *length;
    const std::uint8_t type = data[wire::header::MESSAGE_TYPE_OFFSET];
    const std::uint8_t version = data[wire::header::VERSION_OFFSET];
    if (m_options.verifyChecksum && wire::frameChecksum(data, *length) !=
                                        wire::loadLe<std::uint32_t>(data + wire::header::CHECKSUM_OFFSET)) [[unlikely]] {
        result.error = wire::WireError::BadChecksum;
        return result;
    }
    const wire::MessageLayout* layout = m_registry.find(type, version);
    if (layout == nullptr) [[unlikely]] {
        result.error = m_registry.knowsType(type) ? wire::WireError::UnknownVersion : wire::WireError::UnknownType;
        return result;
    }
    result.layout = layout;
    if (const auto err = wire::validateBody(*layout, data, *length); err != wire::WireError::Ok) [[unlikely]] {
        result.error = err;
        return result;
    }
    // Everything that caches or registers is rare next to market data: out of line.
    if (type == INSTRUMENT_DISCOVERED || type == POOL_DISCOVERED || type == SCHEMA_DEFINITION || type >= 200)
        [[unlikely]] {
        return slowPath(*layout, data, *length);
    }
    result.outcome = ProcessOutcome::Parsed;
    return result;
}

ProcessResult SchemaTransformCache::slowPath(const wire::MessageLayout& layout, const std::uint8_t* data,
                                             std::size_t length) {
    ProcessResult result;
    result.layout = &layout;
    result.frameLength = length;
    result.outcome = ProcessOutcome::Parsed;
    const wire::FrameView frame{data, length};
    const std::uint8_t type = frame.messageType();
    if ((type == INSTRUMENT_DISCOVERED || type == POOL_DISCOVERED) && wire::isKnownType(type) &&
        layout.rule == wire::SizeRule::Discovery) {
        const auto view = wire::DiscoveryView::of(frame);
        result.outcome = outcomeOf(m_objects.putDiscovery(view));
        result.object = m_objects.find(view.instrumentId());
        return result;
    }
    if (type == SCHEMA_DEFINITION && frame.version() == wire::SchemaDefinitionLayout::VERSION) {
        if (!m_options.registerSchemas) return result;
        // Validated above (checksum as configured): not again.
        RegisterResult r = m_registry.registerFromFrame(data, length, false);
        if (!r) {
            m_lastSchemaError = std::move(r.error);
            result.outcome = ProcessOutcome::SchemaRefused;
        } else {
            result.outcome = r.added ? ProcessOutcome::SchemaRegistered : ProcessOutcome::SchemaKnown;
        }
        return result;
    }
    if (const std::uint16_t keyOffset = m_registry.cacheKeyOffset(type, frame.version()); keyOffset != 0) {
        CachedObject object;
        object.kind = ObjectKind::Custom;
        object.id = wire::InstrumentId::read(data + keyOffset);
        object.discoveredAt = frame.timestamp();
        object.customType = type;
        object.customVersion = frame.version();
        object.data.assign(data + wire::header::SIZE, data + length);
        const wire::InstrumentId id = object.id;
        result.outcome = outcomeOf(m_objects.put(std::move(object)));
        result.object = m_objects.find(id);
    }
    return result;
}

} // namespace alphapulse::schema
