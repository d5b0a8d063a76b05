#pragma once
// Cached objects and collisions as JSON (one object per line in
// `alphapulse cache`; shape in docs/design/schema.md).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <nlohmann/json.hpp>
#pragma GCC diagnostic pop

#include "alphapulse/schema/object_cache.hpp"

namespace alphapulse::schema {

/// {"object":"token","id":"Ethereum Token 0x...","id_hex":"0x...","symbol":...,...}
[[nodiscard]] nlohmann::ordered_json objectToJson(const CachedObject& object);
/// {"collision":"Optimism Token 0x...","held_address":...,"new_address":...,...}
[[nodiscard]] nlohmann::ordered_json collisionToJson(const Collision& collision);

} // namespace alphapulse::schema
