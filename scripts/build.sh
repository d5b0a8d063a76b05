#!/usr/bin/env bash
# scripts/build.sh <build-dir> [cmake options...] [--target T...]: configure and build.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# Options before --target go to cmake's configure step; --target T... limits the build.
dir=$1; shift
configure=()
targets=()
while (($#)); do
  if [[ $1 == --target ]]; then shift; targets=("$@"); break; fi
  configure+=("$1"); shift
done
jobs=${JOBS:-$(nproc)}
cmake -S "$ROOT" -B "$dir" "${configure[@]}" >/dev/null
if ((${#targets[@]})); then
  cmake --build "$dir" -j "$jobs" --target "${targets[@]}"
else
  cmake --build "$dir" -j "$jobs"
fi
