#include "stop_signals.hpp"

#include <csignal>

namespace alphapulse::cli {
namespace {
volatile std::sig_atomic_t g_stopSignal = 0;
extern "C" void onStopSignal(int signal) { g_stopSignal = signal; }
} // namespace

void installStopSignals() {
    struct sigaction action {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

int stopSignal() noexcept { return g_stopSignal; }

bool stopRequested() noexcept { return g_stopSignal != 0; }

const char* stopSignalName() noexcept { return g_stopSignal == SIGINT ? "SIGINT" : "SIGTERM"; }

} // namespace alphapulse::cli
