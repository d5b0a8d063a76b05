#pragma once
// What `alphapulse up --check` (and `up` before starting anything) finds
// wrong with a deployment's services without running them: a program that
// cannot be found or executed, a port outside 1..65535. Each problem names
// the service, its line in the file and the fix.
#include <string>
#include <vector>

#include "alphapulse/up/services_config.hpp"

namespace alphapulse::up {

/// Problems of the enabled services (commands with placeholders already
/// replaced); empty when there are none.
[[nodiscard]] std::vector<std::string> checkServices(const std::vector<ServiceSpec>& services,
                                                     const std::string& file);

/// Where `program` would be executed from (resolveProgram, then PATH), or "".
[[nodiscard]] std::string findProgram(const std::string& program);

} // namespace alphapulse::up
