#include "alphapulse/codec/json.hpp"

namespace alphapulse::codec {

std::string toLine(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

bool writeLine(const Json& json, std::FILE* out) {
    std::string line = toLine(json);
    line.push_back('\n');
    return std::fwrite(line.data(), 1, line.size(), out) == line.size() && std::fflush(out) == 0;
}

} // namespace alphapulse::codec
