#!/usr/bin/env bash
# Regenerates tools/wireshark/alphapulse.lua from the wire library's layout
# tables (gen_dissector.cpp), keeping the hand-written engine at its end.
#   tools/wireshark/regenerate.sh [BUILD_DIR]     (default: build)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$repo/build}"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$repo" -B "$build" -DALPHAPULSE_BENCHMARKS=OFF
fi
cmake --build "$build" --target gen_dissector -j"${JOBS:-2}"
generator="$(find "$build" -type f -name gen_dissector -perm -u+x | head -n1)"
if [[ -z "$generator" ]]; then
  echo "gen_dissector was not built in $build (is test/wireshark added to the build?)" >&2
  exit 1
fi
python3 "$repo/test/wireshark/check_in_sync.py" --generator "$generator" \
  --dissector "$repo/tools/wireshark/alphapulse.lua" --update
