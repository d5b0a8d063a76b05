#include "alphapulse/schema/registry.hpp"

#include "alphapulse/wire/detail/text.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#include "alphapulse/wire/frame.hpp"
#include "alphapulse/wire/messages.hpp"

namespace alphapulse::schema {
namespace {

using wire::FieldKind;
constexpr std::size_t SLOTS = 256 * 256;

std::size_t slotOf(std::uint8_t type, std::uint8_t version) noexcept {
    return static_cast<std::size_t>(type) << 8 | version;
}

bool isIdentifier(std::string_view name) noexcept {
    if (name.empty() || name.size() > 64) return false;
    const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
    if (!alpha(name.front())) return false;
    return std::all_of(name.begin(), name.end(), [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

std::uint16_t fixedKindSize(FieldKind kind) noexcept {
    switch (kind) {
    case FieldKind::U8: case FieldKind::I8: return 1;
    case FieldKind::U16: case FieldKind::I16: return 2;
    case FieldKind::U32: case FieldKind::I32: return 4;
    case FieldKind::U64: case FieldKind::I64: return 8;
    case FieldKind::U128: case FieldKind::I128: return 16;
    case FieldKind::Instrument: return 12;
    case FieldKind::Bytes: case FieldKind::Text: case FieldKind::Padding: return 0;
    }
    return 0;
}

SchemaError error(SchemaErrc code, const SchemaSpec& spec, std::string field, const std::string& what) {
    return SchemaError{code, spec.label(), std::move(field), "schema " + spec.label() + ": " + what};
}

std::uint16_t effectiveSize(const SchemaSpec& spec) noexcept {
    if (spec.size != 0) return spec.size;
    std::uint32_t end = wire::header::SIZE;
    for (const auto& f : spec.fields) end = std::max<std::uint32_t>(end, static_cast<std::uint32_t>(f.offset) + f.size);
    return static_cast<std::uint16_t>(std::min<std::uint32_t>(end, 0xFFFF));
}

wire::SizeRule ruleOf(const SchemaSpec& spec) noexcept { return spec.rule; }

const FieldSpec* fieldNamed(const SchemaSpec& spec, std::string_view name) noexcept {
    for (const auto& f : spec.fields) {
        if (f.name == name) return &f;
    }
    return nullptr;
}

/// Whether `spec` describes exactly `layout` (name, domain, size rule, every field).
bool sameLayout(const SchemaSpec& spec, const wire::MessageLayout& layout) noexcept {
    if (spec.name != layout.name || spec.domain != layout.domain || effectiveSize(spec) != layout.size ||
        ruleOf(spec) != layout.rule || spec.fields.size() != layout.fields.size()) {
        return false;
    }
    for (std::size_t i = 0; i < spec.fields.size(); ++i) {
        const FieldSpec& a = spec.fields[i];
        const wire::FieldDescriptor& b = layout.fields[i];
        if (a.name != b.name || a.offset != b.offset || a.size != b.size || a.kind != b.kind || a.enumKind != b.enumKind) {
            return false;
        }
    }
    return true;
}

} // namespace

struct SchemaRegistry::Owned {
    explicit Owned(const SchemaSpec& s) : spec(s) {
        fields.reserve(spec.fields.size());
        bool hasText = false;
        for (const FieldSpec& f : spec.fields) {
            // The views point into spec, which is never changed again and never moves (Owned is on the heap).
            fields.push_back(wire::FieldDescriptor{f.name, f.offset, f.size, f.kind, f.enumKind});
            hasText = hasText || f.kind == FieldKind::Text;
        }
        layout.type = spec.type;
        layout.version = spec.version;
        layout.name = spec.name;
        layout.domain = spec.domain;
        layout.size = effectiveSize(spec);
        layout.rule = ruleOf(spec);
        layout.fields = fields;
        layout.hasText = hasText;
        const auto [a, b] = wire::ruleFieldNames(spec.rule);
        if (!a.empty()) {
            layout.ruleFieldA = fieldNamed(spec, a)->offset;
            layout.ruleFieldB = fieldNamed(spec, b)->offset;
        }
    }
    SchemaSpec spec;
    std::vector<wire::FieldDescriptor> fields;
    wire::MessageLayout layout{};
};

std::optional<SchemaError> checkLayout(const SchemaSpec& spec) {
    if (!isIdentifier(spec.name)) {
        return error(SchemaErrc::BadFieldName, spec, "name",
                     "the name must be an identifier of 1-64 letters, digits and _ (not starting with a digit)");
    }
    const bool builtinType = wire::isKnownType(spec.type);
    if (!builtinType && spec.type < 200) {
        return error(SchemaErrc::ReservedType, spec, "type",
                     "type " + std::to_string(spec.type) +
                         " is not a built-in type and not in the custom range 200-255");
    }
    if (spec.domain == wire::Domain::None) return error(SchemaErrc::BadValue, spec, "domain", "a schema needs a domain");
    if (builtinType && spec.type < 200 && spec.domain != wire::domainOf(spec.type)) {
        return error(SchemaErrc::BadValue, spec, "domain",
                     "type " + std::to_string(spec.type) + " belongs to the " +
                         std::string{wire::domainName(wire::domainOf(spec.type))} + " domain");
    }
    std::uint32_t end = wire::header::SIZE;
    const FieldSpec* previous = nullptr;
    for (std::size_t i = 0; i < spec.fields.size(); ++i) {
        const FieldSpec& f = spec.fields[i];
        const std::string named = "field \"" + f.name + "\"";
        const bool clashes = (spec.rule == wire::SizeRule::Opaque && f.name == "data") ||
                             (spec.rule == wire::SizeRule::Tlv && f.name == "tlv") ||
                             (spec.rule == wire::SizeRule::Discovery && (f.name == "symbol" || f.name == "metadata")) ||
                             (spec.rule == wire::SizeRule::Levels && (f.name == "bids" || f.name == "asks"));
        if (!isIdentifier(f.name) || f.name == "header" || clashes) {
            return error(SchemaErrc::BadFieldName, spec, f.name,
                         named + ": a field name is an identifier other than header (and data for variable, "
                                 "tlv for tlv schemas)");
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (spec.fields[j].name == f.name) return error(SchemaErrc::BadFieldName, spec, f.name, named + " is declared twice");
        }
        const std::uint16_t fixed = fixedKindSize(f.kind);
        if ((fixed != 0 && f.size != fixed) || f.size == 0) {
            return error(SchemaErrc::UnknownFieldType, spec, f.name, named + ": size " + std::to_string(f.size) +
                                                                        " does not match its type");
        }
        if (f.offset < wire::header::SIZE) {
            return error(SchemaErrc::FieldInHeader, spec, f.name,
                         named + " at offset " + std::to_string(f.offset) +
                             " is inside the 32-byte header (offsets count from the start of the frame)");
        }
        if (f.offset < end) {
            return error(SchemaErrc::FieldOverlap, spec, f.name,
                         named + " at offset " + std::to_string(f.offset) + " overlaps field \"" +
                             (previous != nullptr ? previous->name : std::string{"header"}) + "\" (bytes up to " +
                             std::to_string(end) + ")");
        }
        if (f.offset > end) {
            return error(SchemaErrc::FieldGap, spec, f.name,
                         named + " at offset " + std::to_string(f.offset) + " leaves " +
                             std::to_string(f.offset - end) + " bytes unused before it; declare them as pad[" +
                             std::to_string(f.offset - end) + "] (W1: no implicit padding)");
        }
        end = static_cast<std::uint32_t>(f.offset) + f.size;
        if (end > 0xFFFF) return error(SchemaErrc::TooLarge, spec, f.name, named + " ends past byte 65535");
        if (spec.size != 0 && end > spec.size) {
            return error(SchemaErrc::FieldPastSize, spec, f.name,
                         named + " ends at byte " + std::to_string(end) + ", past the size " + std::to_string(spec.size));
        }
        if (f.enumKind != wire::EnumKind::None &&
            f.kind != (f.enumKind == wire::EnumKind::Venue ? FieldKind::U16 : FieldKind::U8)) {
            return error(SchemaErrc::BadValue, spec, f.name, named + ": its enum does not fit its type");
        }
        if (f.enumKind != wire::EnumKind::None && fieldNamed(spec, f.name + "_name") != nullptr) {
            return error(SchemaErrc::BadFieldName, spec, f.name + "_name",
                         "field \"" + f.name + "_name\" clashes with the name JSON gives enum field \"" + f.name + "\"");
        }
        previous = &f;
    }
    if (spec.size != 0 && spec.size < wire::header::SIZE) {
        return error(SchemaErrc::BadValue, spec, "size", "size counts the 32-byte header: at least 32");
    }
    if (spec.size != 0 && spec.size > end) {
        return error(SchemaErrc::FieldGap, spec, previous != nullptr ? previous->name : std::string{"size"},
                     "bytes " + std::to_string(end) + ".." + std::to_string(spec.size - 1) + " after the last field" +
                         (previous != nullptr ? " \"" + previous->name + "\"" : std::string{}) + " are not declared; add a pad field (W1: no implicit padding)");
    }
    if (const auto [a, b] = wire::ruleFieldNames(spec.rule); !a.empty()) {
        const FieldKind kindA = spec.rule == wire::SizeRule::Discovery ? FieldKind::U8 : FieldKind::U16;
        const FieldSpec* fa = fieldNamed(spec, a);
        const FieldSpec* fb = fieldNamed(spec, b);
        if (fa == nullptr || fa->kind != kindA || fb == nullptr || fb->kind != FieldKind::U16) {
            const bool aBad = fa == nullptr || fa->kind != kindA;
            return error(SchemaErrc::BadTlvFields, spec, std::string{aBad ? a : b},
                         "tail " + std::string{tailName(spec.rule)} + " needs fields " + std::string{a} + " (" +
                             (kindA == FieldKind::U8 ? "u8" : "u16") + ") and " + std::string{b} +
                             " (u16) that give its length");
        }
    }
    if (!spec.cacheKey.empty()) {
        const FieldSpec* key = fieldNamed(spec, spec.cacheKey);
        if (key == nullptr || key->kind != FieldKind::Instrument) {
            return error(SchemaErrc::BadValue, spec, "cache_key",
                         "cache_key \"" + spec.cacheKey + "\" must name an InstrumentId field");
        }
    }
    return std::nullopt;
}

SchemaRegistry::SchemaRegistry()
    : m_table(new std::atomic<const wire::MessageLayout*>[SLOTS]()),
      m_cacheKey(new std::atomic<std::uint16_t>[SLOTS]()),
      m_typeKnown(new std::atomic<bool>[256]()) {
    for (const wire::MessageLayout* layout : wire::allLayouts()) {
        m_table[slotOf(layout->type, layout->version)].store(layout, std::memory_order_relaxed);
        m_typeKnown[layout->type].store(true, std::memory_order_relaxed);
    }
    // Published to other threads by whatever hands them the registry (thread start, a mutex, ...).
}

SchemaRegistry::~SchemaRegistry() = default;

bool SchemaRegistry::isBuiltin(const wire::MessageLayout* layout) noexcept {
    return layout != nullptr && wire::findLayout(layout->type, layout->version) == layout;
}

RegisterResult SchemaRegistry::registerSchema(const SchemaSpec& spec) {
    RegisterResult result;
    if (auto err = checkLayout(spec)) {
        result.error = std::move(err);
        return result;
    }
    const std::lock_guard lock{m_writeMutex};
    const std::size_t slot = slotOf(spec.type, spec.version);
    if (const wire::MessageLayout* existing = m_table[slot].load(std::memory_order_relaxed)) {
        const bool builtin = isBuiltin(existing);
        std::string existingKey;
        if (!builtin) {
            for (const auto& owned : m_owned) {
                if (&owned->layout == existing) existingKey = owned->spec.cacheKey;
            }
        }
        if (sameLayout(spec, *existing) && spec.cacheKey == existingKey) {
            result.layout = existing;
            return result; // the same schema again: a no-op
        }
        if (builtin) {
            result.error = error(SchemaErrc::BuiltinReplaced, spec, "version",
                                 "version " + std::to_string(spec.version) + " of " + std::string{existing->name} +
                                     " is built in with another layout; register a new version instead");
        } else {
            result.error = error(SchemaErrc::Conflict, spec, "version",
                                 "type " + std::to_string(spec.type) + " version " + std::to_string(spec.version) +
                                     " is already registered as " + std::string{existing->name} +
                                     " with another layout");
        }
        return result;
    }
    if (spec.rule == wire::SizeRule::Discovery || spec.rule == wire::SizeRule::Levels) {
        result.error = error(SchemaErrc::BadValue, spec, "tail",
                             "tail " + std::string{tailName(spec.rule)} +
                                 " belongs to the built-in layouts (their rules read fixed offsets); use opaque or tlv");
        return result;
    }
    // A name names one message type: the encoder finds types by name.
    const auto builtinNumber = wire::messageTypeFromName(spec.name);
    if (builtinNumber && *builtinNumber != spec.type) {
        result.error = error(SchemaErrc::NameTaken, spec, "name",
                             "the name " + spec.name + " is built-in type " + std::to_string(*builtinNumber));
        return result;
    }
    const std::string_view builtinName = wire::messageTypeName(spec.type);
    if (!builtinName.empty() && !wire::detail::equalsIgnoreCase(builtinName, spec.name)) {
        result.error = error(SchemaErrc::NameTaken, spec, "name",
                             "type " + std::to_string(spec.type) + " is named " + std::string{builtinName});
        return result;
    }
    for (const auto& owned : m_owned) {
        if (owned->spec.type != spec.type && wire::detail::equalsIgnoreCase(owned->spec.name, spec.name)) {
            result.error = error(SchemaErrc::NameTaken, spec, "name",
                                 "the name " + spec.name + " is already type " + std::to_string(owned->spec.type));
            return result;
        }
        if (owned->spec.type == spec.type && owned->spec.name != spec.name) {
            result.error = error(SchemaErrc::NameTaken, spec, "name",
                                 "type " + std::to_string(spec.type) + " is named " + owned->spec.name);
            return result;
        }
    }
    m_owned.push_back(std::make_unique<Owned>(spec));
    const Owned& owned = *m_owned.back();
    const std::uint16_t keyOffset = spec.cacheKey.empty() ? 0 : fieldNamed(owned.spec, spec.cacheKey)->offset;
    m_cacheKey[slot].store(keyOffset, std::memory_order_relaxed); // ordered before the release below
    // SYNC POINT "publish": the layout is complete; readers acquire-load this pointer.
    m_table[slot].store(&owned.layout, std::memory_order_release);
    m_typeKnown[spec.type].store(true, std::memory_order_release);
    result.layout = &owned.layout;
    result.added = true;
    return result;
}

LoadResult SchemaRegistry::registerAll(ParseResult parsed, std::string_view origin) {
    LoadResult out;
    if (!parsed) {
        out.error = std::move(parsed.error);
        return out;
    }
    for (const SchemaSpec& spec : parsed.schemas) {
        RegisterResult r = registerSchema(spec);
        if (!r) {
            out.error = std::move(r.error);
            if (!origin.empty()) out.error->message = std::string{origin} + ": " + out.error->message;
            return out;
        }
        out.layouts.push_back(r.layout);
        out.added += r.added ? 1U : 0U;
    }
    return out;
}

LoadResult SchemaRegistry::loadText(std::string_view text, std::string_view origin) {
    return registerAll(parseSchemas(text, origin), origin);
}

LoadResult SchemaRegistry::loadFile(const std::string& path) { return registerAll(loadSchemaFile(path), path); }

RegisterResult SchemaRegistry::registerFromFrame(const std::uint8_t* frame, std::size_t length, bool verifyChecksum) {
    using L = wire::SchemaDefinitionLayout;
    RegisterResult result;
    const auto bad = [&](const std::string& what) {
        result.error = SchemaError{SchemaErrc::BadFrame, "", "", "SchemaDefinition frame: " + what};
        return result;
    };
    const auto parsed = wire::parseFrame(frame, length, wire::ParseOptions{verifyChecksum, wire::header::DEFAULT_MAX_PAYLOAD});
    if (!parsed) return bad(std::string{wire::errorName(parsed.error())} + ": " + std::string{wire::errorMessage(parsed.error())});
    if (parsed->messageType() != static_cast<std::uint8_t>(L::TYPE) || parsed->version() != L::VERSION) {
        return bad("message type " + std::to_string(parsed->messageType()) + " v" + std::to_string(parsed->version()) +
                   " is not SchemaDefinition (105 v1)");
    }
    const std::uint8_t type = frame[L::OFFSET_schema_type];
    const std::uint8_t version = frame[L::OFFSET_schema_version];
    const std::string_view json{reinterpret_cast<const char*>(frame + L::SIZE), parsed->size() - L::SIZE};
    const std::size_t first = json.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || json[first] != '{') return bad("the definition must be one JSON object");
    ParseResult specs = parseSchemas(json, "SchemaDefinition frame");
    if (!specs) {
        result.error = std::move(specs.error);
        return result;
    }
    const SchemaSpec& spec = specs.schemas.front();
    if (spec.type != type || spec.version != version) {
        return bad("schema_type/schema_version " + std::to_string(type) + " v" + std::to_string(version) +
                   " disagree with the definition's " + spec.label());
    }
    return registerSchema(spec);
}

std::optional<SchemaSpec> SchemaRegistry::specOf(std::uint8_t type, std::uint8_t version) const {
    const std::lock_guard lock{m_writeMutex};
    for (const auto& owned : m_owned) {
        if (owned->spec.type == type && owned->spec.version == version) return owned->spec;
    }
    return std::nullopt;
}

std::vector<const wire::MessageLayout*> SchemaRegistry::dynamicLayouts() const {
    const std::lock_guard lock{m_writeMutex};
    std::vector<const wire::MessageLayout*> out;
    out.reserve(m_owned.size());
    for (const auto& owned : m_owned) out.push_back(&owned->layout);
    return out;
}

Resolver SchemaRegistry::resolver() const {
    return [this](std::uint8_t type, std::uint8_t version) { return find(type, version); };
}

bool buildSchemaFrame(const SchemaSpec& spec, std::vector<std::uint8_t>& out, std::uint8_t source,
                      std::uint64_t sequence, std::uint64_t timestamp) {
    using L = wire::SchemaDefinitionLayout;
    const std::string json = schemaToJson(spec);
    if (L::SIZE - wire::header::SIZE + json.size() > wire::header::DEFAULT_MAX_PAYLOAD) return false;
    const std::size_t start = out.size();
    out.resize(start + L::SIZE + json.size(), 0);
    std::uint8_t* frame = out.data() + start;
    wire::MessageHeader h;
    h.messageType = static_cast<std::uint8_t>(L::TYPE);
    h.version = L::VERSION;
    h.source = source;
    h.payloadSize = static_cast<std::uint32_t>(L::SIZE - wire::header::SIZE + json.size());
    h.sequence = sequence;
    h.timestamp = timestamp;
    h.write(frame);
    frame[L::OFFSET_schema_type] = spec.type;
    frame[L::OFFSET_schema_version] = spec.version;
    std::memcpy(frame + L::SIZE, json.data(), json.size());
    wire::sealFrame(frame, out.size() - start);
    return true;
}

} // namespace alphapulse::schema
