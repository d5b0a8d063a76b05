#pragma once
// The test peer's modes as a library: alphapulse_test_peer runs one per
// process; tests of in-process transports (channel) run them as threads.
#include <string>
#include <vector>

namespace alphapulse::test {

/// Runs one mode (argv[0] = produce | consume | both | raw | strategy, then
/// its options, as peer.cpp describes). The JSON lines it prints are
/// collected into `output` (and echoed to stdout as they come when `echo`).
/// Returns the exit status a process would have.
int runPeer(const std::vector<std::string>& argv, std::string& output, bool echo);

} // namespace alphapulse::test
