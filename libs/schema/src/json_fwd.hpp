#pragma once
// nlohmann/json with GCC 12's -Wnull-dereference false positives silenced
// (as in libs/codec/include/alphapulse/codec/json.hpp).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <nlohmann/json.hpp>
#pragma GCC diagnostic pop

namespace alphapulse::schema::detail {
using Json = nlohmann::ordered_json;
}
