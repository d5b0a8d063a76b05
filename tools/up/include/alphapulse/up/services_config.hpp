#pragma once
// The `services:` section of a deployment file: the processes `alphapulse up`
// starts, in order, and how it restarts them.
//
//   alphapulse:
//     services:
//       - name: risk
//         command: [alphapulse-risk, --config, "{config}", --name, risk]
//         restart: on-failure     # always | on-failure (default) | never
//         backoff_ms: 200         # first restart delay, doubled after each crash ...
//         max_backoff_ms: 5000    # ... up to this
//         stop_timeout_ms: 5000   # SIGTERM, then SIGKILL after this long
//         enabled: true
//
// In a command, {config} is the deployment file's absolute path, {run_dir}
// the run directory and {runtime_dir} the deployment's runtime directory.
// libs/config parses the rest of the file and skips this key.
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace alphapulse::up {

enum class RestartPolicy { Always, OnFailure, Never };

struct ServiceSpec {
    std::string name;
    std::vector<std::string> command;
    RestartPolicy restart = RestartPolicy::OnFailure;
    std::chrono::milliseconds backoff{200};
    std::chrono::milliseconds maxBackoff{5000};
    std::chrono::milliseconds stopTimeout{5000};
    bool enabled = true;
    int line = 0; ///< where it is in the file (messages)
};

/// A services section that is wrong; what() names the file, line and key.
class ServicesError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Reads `alphapulse: services:` from a deployment file (none: an empty list).
/// Strict: unknown keys, a missing name or command, duplicate names and bad
/// values are refused.
[[nodiscard]] std::vector<ServiceSpec> loadServices(const std::string& path);
[[nodiscard]] std::vector<ServiceSpec> parseServices(const std::string& yaml, const std::string& name = "<string>");

} // namespace alphapulse::up
