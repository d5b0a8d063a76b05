#pragma once
// SIGINT and SIGTERM for the commands that attach to a bus (tap, publish):
// they end the command's loop instead of killing it, so that it detaches
// (a shared-memory segment is removed by the last one) and prints its
// summary. Installed before attaching. No SA_RESTART: a blocking read or
// wait returns at once.
namespace alphapulse::cli {

void installStopSignals();
/// The signal that asked us to stop (SIGINT or SIGTERM), 0 while none did.
[[nodiscard]] int stopSignal() noexcept;
/// stopSignal() != 0 (for ByteInput::stopWhen).
[[nodiscard]] bool stopRequested() noexcept;
/// "SIGINT" or "SIGTERM".
[[nodiscard]] const char* stopSignalName() noexcept;

} // namespace alphapulse::cli
