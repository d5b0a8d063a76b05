#pragma once
// Helpers shared by the schema library's tests.
#include <string>

#include "alphapulse/schema/definition.hpp"
#include "alphapulse/wire/layout.hpp"

namespace alphapulse::schema::test {

inline std::string dataPath(const std::string& file) { return std::string{ALPHAPULSE_REPO_DIR} + "/libs/schema/test/data/" + file; }
inline std::string sharedPath(const std::string& file) { return std::string{ALPHAPULSE_SHARED_DATA_DIR} + "/" + file; }

/// The declarative spec of a layout (as a schema file would describe it).
inline SchemaSpec specOf(const wire::MessageLayout& layout) {
    SchemaSpec spec;
    spec.name = std::string{layout.name};
    spec.type = layout.type;
    spec.version = layout.version;
    spec.domain = layout.domain;
    spec.rule = layout.rule;
    spec.size = layout.size;
    for (const auto& f : layout.fields) spec.fields.push_back(FieldSpec{std::string{f.name}, f.kind, f.size, f.offset, f.enumKind});
    return spec;
}

} // namespace alphapulse::schema::test
