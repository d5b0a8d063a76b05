#pragma once
// CLI11, included once for all commands: GCC 12's -Wnull-dereference flags
// its string helpers once inlined (false positives inside the library), so
// the warning is silenced for that header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <CLI/CLI.hpp>
#pragma GCC diagnostic pop
