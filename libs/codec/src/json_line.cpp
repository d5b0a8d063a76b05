#include <optional>

#include "alphapulse/codec/encoder.hpp"
#include "field_json.hpp"
#include "alphapulse/wire/utf8.hpp"

namespace alphapulse::codec {
namespace {

// U+FFFF, a noncharacter: stands in for each invalid byte so that the line
// still parses and the string holding the bad byte can be named.
constexpr std::string_view MARK = "\xEF\xBF\xBF";

std::optional<std::string> pathOfMark(const Json& value, const std::string& path) {
    if (value.is_string()) {
        if (value.get_ref<const std::string&>().find(MARK) != std::string::npos) return path;
    } else if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it) {
            const std::string child = detail::joinPath(path, it.key());
            if (it.key().find(MARK) != std::string::npos) return child;
            if (auto found = pathOfMark(*it, child)) return found;
        }
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (auto found = pathOfMark(value[i], detail::indexPath(path, i))) return found;
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<EncodeError> parseJsonLine(std::string_view line, Json& out) {
    std::size_t bad = wire::firstInvalidUtf8(line);
    if (bad != line.size()) {
        const std::string message = "invalid UTF-8 at byte " + std::to_string(bad) + " of the line";
        std::string marked;
        marked.reserve(line.size() + 16);
        while (bad != line.size()) {
            marked.append(line.substr(0, bad));
            marked.append(MARK);
            line.remove_prefix(bad + 1);
            bad = wire::firstInvalidUtf8(line);
        }
        marked.append(line);
        const Json parsed = Json::parse(marked, nullptr, false);
        const auto path = parsed.is_discarded() ? std::nullopt : pathOfMark(parsed, "");
        return EncodeError{EncodeErrc::InvalidUtf8, path.value_or(""), message};
    }
    try {
        out = Json::parse(line);
    } catch (const Json::exception& e) {
        return EncodeError{EncodeErrc::BadJson, "", e.what()};
    }
    if (!out.is_object()) return EncodeError{EncodeErrc::BadJson, "", "a line holds one JSON object"};
    return std::nullopt;
}

} // namespace alphapulse::codec
