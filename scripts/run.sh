#!/usr/bin/env bash
# The main job: set up this machine, build, and run the pipeline with
# `alphapulse up` and the default deployment (config/alphapulse.yaml) for a
# bounded time: relays for the four domains, the collectors replaying the real
# sample data, the arbitrage strategy, portfolio and risk, the execution
# simulator and the dashboard. Prints where to look while it runs and each
# stage's counts at the end.
#   scripts/run.sh [--profile load] [--duration SECONDS] [other `alphapulse up` options]
# ALPHAPULSE_DEMO_DURATION (default 20) sets the duration when none is given.
# --profile NAME runs config/NAME.yaml instead: `load` is the default pipeline
# plus 200,000 synthetic market-data frames/s (config/load.yaml).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# Options first: a wrong --profile is said before the long set-up and build.
config="$ROOT/config/alphapulse.yaml"
args=()
while (($#)); do
  case $1 in
    --profile|--profile=*)
      if [[ $1 == --profile ]]; then
        (($# >= 2)) || { echo "run.sh: --profile needs a name (load)" >&2; exit 2; }
        profile=$2; shift
      else
        profile=${1#--profile=}
      fi
      config="$ROOT/config/$profile.yaml"
      [[ -f $config ]] || { echo "run.sh: no profile '$profile' (config/$profile.yaml); profiles: load" >&2; exit 2; }
      ;;
    *) args+=("$1") ;;
  esac
  shift
done
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh" "$ROOT/build-release" -DCMAKE_BUILD_TYPE=Release -DALPHAPULSE_TESTS=OFF -DALPHAPULSE_BENCHMARKS=OFF
BIN="$ROOT/build-release/tools/cli/alphapulse"

has_duration=no
for arg in "${args[@]}"; do [[ $arg == --duration* ]] && has_duration=yes; done
[[ $has_duration == yes ]] || args+=(--duration "${ALPHAPULSE_DEMO_DURATION:-20}")
# Sockets and logs go under $ALPHAPULSE_RUNTIME_DIR (default /tmp/alphapulse).
echo "== alphapulse up --config ${config#"$ROOT/"} ${args[*]}"
exec "$BIN" up --config "$config" "${args[@]}"
