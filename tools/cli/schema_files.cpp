#include "schema_files.hpp"

#include <cstdio>

namespace alphapulse::cli {

bool loadSchemaFiles(schema::SchemaRegistry& registry, const std::vector<std::string>& files,
                     std::string_view command) {
    for (const std::string& file : files) {
        if (const auto loaded = registry.loadFile(file); !loaded) {
            std::fprintf(stderr, "alphapulse %.*s: %s\n", static_cast<int>(command.size()), command.data(),
                         loaded.error->message.c_str());
            return false;
        }
    }
    return true;
}

} // namespace alphapulse::cli
