#pragma once
// Files alphapulse ships beside its commands: the default deployment, the
// sample data. An installed command (<prefix>/bin/alphapulse) reads them from
// <prefix>/share/alphapulse, wherever the prefix was moved; a command run from
// the build tree reads the source checkout's copies.
#include <string>
#include <string_view>

namespace alphapulse::config {

// <prefix>/share/alphapulse/<relative> when the running executable sits in
// <prefix>/bin and that path exists; otherwise `buildTreePath`.
std::string installedFile(std::string_view relative, std::string_view buildTreePath);

}  // namespace alphapulse::config
