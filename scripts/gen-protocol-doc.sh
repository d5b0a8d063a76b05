#!/usr/bin/env bash
# Regenerates the generated sections of docs/PROTOCOL.md (layout tables,
# venues, enumerations, ...) from the wire library.
#   scripts/gen-protocol-doc.sh [BUILD_DIR]     (default: build)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$repo/build}"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$repo" -B "$build" -DALPHAPULSE_BENCHMARKS=OFF
fi
cmake --build "$build" --target protocol_tables -j"${JOBS:-2}"
generator="$(find "$build" -type f -name protocol_tables -perm -u+x | head -n1)"
if [[ -z "$generator" ]]; then
  echo "protocol_tables was not built in $build (is test/protocol added to the build?)" >&2
  exit 1
fi
python3 "$repo/test/protocol/check_protocol_doc.py" --generator "$generator" --doc "$repo/docs/PROTOCOL.md" --update
