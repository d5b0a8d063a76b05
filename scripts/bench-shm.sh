#!/usr/bin/env bash
# Shared-memory transport benchmark: builds bench/shm_bench (and the alphapulse
# command, whose relay it runs) in Release (-O2) in build-bench-shm/ and runs
# it. Producer and consumer are separate processes pinned to CPUs 0 and 1; a
# bare SPSC ring and the Unix-socket relay run in the same run, interleaved.
# Prints per-repetition figures, then medians, ratios and the targets met or not.
# Bounded: about 1-2 minutes with the defaults.
#
#   scripts/bench-shm.sh                        # 5 repetitions, 64 MiB rings
#   scripts/bench-shm.sh --reps 3 --ring-bytes 4194304   # extra args go to shm_bench
#
# As root the benchmark's processes run in their own scheduler autogroup at
# nice -20 (--nice 0 turns that off): with autogroups, builds in other
# sessions would otherwise preempt a spinning consumer for milliseconds.
# Environment: BUILD_DIR (default build-bench-shm), BENCH_JOBS (default 2),
# CXX (default: CMake's choice), BENCH_TIMEOUT (seconds, default 280).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench-shm}"
JOBS="${BENCH_JOBS:-2}"
TIMEOUT="${BENCH_TIMEOUT:-280}"

cmake_args=(-S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG"
  -DALPHAPULSE_BENCHMARKS=ON -DALPHAPULSE_INSTALL=OFF -DALPHAPULSE_FUZZ=OFF)
[ -n "${CXX:-}" ] && cmake_args+=(-DCMAKE_CXX_COMPILER="$CXX")
command -v ccache >/dev/null && cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake "${cmake_args[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS" --target shm_bench alphapulse

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
set +e
timeout --foreground "$TIMEOUT" "$BUILD_DIR/bench/shm_bench" "$@"
status=$?
set -e
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
