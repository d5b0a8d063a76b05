#!/usr/bin/env bash
# scripts/build.sh <build-dir> [cmake options...]: configure and build.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
dir=$1; shift
jobs=${JOBS:-$(nproc)}
cmake -S "$ROOT" -B "$dir" "$@" >/dev/null
cmake --build "$dir" -j "$jobs"
