#!/usr/bin/env bash
# The main job: set up this machine, build, and run the pipeline with
# `alphapulse up` and the default deployment (config/alphapulse.yaml) for a
# bounded time: relays for the four domains, the collectors replaying the real
# sample data, the arbitrage strategy, portfolio and risk, the execution
# simulator and the dashboard. Prints where to look while it runs and each
# stage's counts at the end.
#   scripts/run.sh [--duration SECONDS] [other `alphapulse up` options]
# ALPHAPULSE_DEMO_DURATION (default 20) sets the duration when none is given.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh" "$ROOT/build-release" -DCMAKE_BUILD_TYPE=Release -DALPHAPULSE_TESTS=OFF -DALPHAPULSE_BENCHMARKS=OFF
BIN="$ROOT/build-release/tools/cli/alphapulse"

args=("$@")
has_duration=no
for arg in "$@"; do [[ $arg == --duration* ]] && has_duration=yes; done
[[ $has_duration == yes ]] || args+=(--duration "${ALPHAPULSE_DEMO_DURATION:-20}")
# Sockets and logs go under $ALPHAPULSE_RUNTIME_DIR (default /tmp/alphapulse).
echo "== alphapulse up --config config/alphapulse.yaml ${args[*]}"
exec "$BIN" up --config "$ROOT/config/alphapulse.yaml" "${args[@]}"
