#!/usr/bin/env bash
# NATS throughput benchmark: builds bench/nats_bench in Release (-O2) in
# build-bench-nats/ and runs it. It starts its own nats-server on a free
# loopback port and moves 64-byte frames from one publisher to one
# subscriber, plain nats.c and NatsTransport alternating in the same run;
# prints each repetition, the medians, the ratio and the targets
# (>= 500,000 frames/s, >= 0.9x plain nats.c). Bounded: about a minute.
#
#   scripts/bench-nats.sh                         # 1,000,000 frames x 5 repetitions
#   scripts/bench-nats.sh --frames 2000000 --reps 7   # extra args go to nats_bench
#
# Environment: BUILD_DIR (default build-bench-nats), BENCH_JOBS (default 2),
# CXX (default: CMake's choice), BENCH_TIMEOUT (seconds, default 280),
# NATS_SERVER (default /usr/sbin/nats-server).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench-nats}"
JOBS="${BENCH_JOBS:-2}"
TIMEOUT="${BENCH_TIMEOUT:-280}"
NATS_SERVER="${NATS_SERVER:-/usr/sbin/nats-server}"

cmake_args=(-S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG"
  -DALPHAPULSE_BENCHMARKS=ON -DALPHAPULSE_INSTALL=OFF -DALPHAPULSE_FUZZ=OFF)
[ -n "${CXX:-}" ] && cmake_args+=(-DCMAKE_CXX_COMPILER="$CXX")
cmake "${cmake_args[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS" --target nats_bench

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg), $("$NATS_SERVER" --version)"
# nats_bench kills its nats-server on exit (and the server dies with it: PR_SET_PDEATHSIG).
status=0
timeout --foreground "$TIMEOUT" "$BUILD_DIR/bench/nats_bench" --server "$NATS_SERVER" "$@" || status=$?
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
