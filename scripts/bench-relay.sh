#!/usr/bin/env bash
# End-to-end relay benchmark: builds bench/relay_bench in Release (-O2) in
# build-bench-relay/ and runs it. Producer, relay and consumers are separate
# processes; ZeroMQ ipc PUB/SUB and a plain Unix socket run in the same run.
# Prints per-repetition figures, then medians, ratios (ours / zmq) and the
# targets met or not. Bounded: about 2-3 minutes with the defaults.
#
#   scripts/bench-relay.sh                      # 5 repetitions
#   scripts/bench-relay.sh --reps 3 --no-latency   # extra args go to relay_bench
#   # issue 12, one frame per publish (the unix floor then does ~0.35 M/s: fewer frames):
#   BENCH_TIMEOUT=900 scripts/bench-relay.sh --reps 3 --batch 1 --frames 5000000 --frames-fan 4000000 \
#       --zmq-frames 2000000 --zmq-frames-fan 1000000
#   # our producer's write mode and its tuning: --write-mode batched|immediate, --idle-gap-ns N,
#   # --direct-burst N, --flusher-spin-ns N; --no-tcp skips the TCP pair (relay on TCP vs zmq tcp://)
#
# Environment: BUILD_DIR (default build-bench-relay), BENCH_JOBS (default 2),
# CXX (default: CMake's choice), BENCH_TIMEOUT (seconds, default 280).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench-relay}"
JOBS="${BENCH_JOBS:-2}"
TIMEOUT="${BENCH_TIMEOUT:-280}"

cmake_args=(-S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG"
  -DALPHAPULSE_BENCHMARKS=ON -DALPHAPULSE_INSTALL=OFF -DALPHAPULSE_FUZZ=OFF)
[ -n "${CXX:-}" ] && cmake_args+=(-DCMAKE_CXX_COMPILER="$CXX")
cmake "${cmake_args[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS" --target relay_bench

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
# timeout sends SIGTERM to relay_bench only; its children end on their own deadlines.
timeout --foreground "$TIMEOUT" "$BUILD_DIR/bench/relay_bench" "$@"
status=$?
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
