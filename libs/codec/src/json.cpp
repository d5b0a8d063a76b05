#include "alphapulse/codec/json.hpp"

namespace alphapulse::codec {

std::string toLine(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

} // namespace alphapulse::codec
