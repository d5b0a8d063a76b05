#!/usr/bin/env bash
# The main job: set up this machine, build, and run the demonstration.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh" "$ROOT/build-release" -DCMAKE_BUILD_TYPE=Release -DALPHAPULSE_TESTS=OFF -DALPHAPULSE_BENCHMARKS=OFF
exec "$ROOT/scripts/demo.sh" "$ROOT/build-release/tools/cli/alphapulse" "$@"
