#pragma once
// The JSON type and the layout lookup shared by the decoder and the encoder.
//
// ordered_json keeps keys in insertion order, which is what makes the
// output follow docs/design/json-lines.md (header first, then fields in
// wire order) and keeps it stable for people who diff it.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

// GCC 12's -Wnull-dereference flags nlohmann's own iterator and get_ref
// code once it is inlined into ours (false positives: each access is behind
// a type check); silence it for that header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <nlohmann/json.hpp>
#pragma GCC diagnostic pop

#include "alphapulse/wire/layout.hpp"

namespace alphapulse::codec {

using Json = nlohmann::ordered_json;

/// Finds the layout of (message_type, version), or nullptr. The built-in
/// catalog (wire::findLayout) by default; a schema registry plugs in here so
/// that types registered at run time decode and encode the same way.
using LayoutResolver = std::function<const wire::MessageLayout*(std::uint8_t type, std::uint8_t version)>;

[[nodiscard]] inline LayoutResolver builtinLayouts() { return &wire::findLayout; }

/// One line of JSON Lines (no newline): invalid UTF-8 cannot occur in a
/// validated frame, but is replaced rather than thrown on if it ever does.
[[nodiscard]] std::string toLine(const Json& json);

/// Writes `json` as one line of JSON Lines to `out` and flushes it (a line
/// at a time, so a reader of the pipe sees each as it comes). False when
/// the write fails: the reader went away.
bool writeLine(const Json& json, std::FILE* out);

} // namespace alphapulse::codec
