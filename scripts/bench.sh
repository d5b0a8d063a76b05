#!/usr/bin/env bash
# Builds the wire benchmarks in Release (-O2) in build-bench/ and runs them
# with 5 repetitions, printing medians, the targets and the peer ratios.
#
#   scripts/bench.sh                       # everything
#   scripts/bench.sh --benchmark_filter=Trade   # extra args go to the binary
#
# Environment: BUILD_DIR (default build-bench), BENCH_JOBS (default 2),
# CXX (default: CMake's choice, g++ on Debian), BENCH_REPETITIONS (default 5).
# The JSON of the last run is kept in $BUILD_DIR/wire_benchmark.json.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
JOBS="${BENCH_JOBS:-2}"
REPS="${BENCH_REPETITIONS:-5}"

cmake_args=(-S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG"
  -DALPHAPULSE_BENCHMARKS=ON -DALPHAPULSE_TESTS=OFF -DALPHAPULSE_INSTALL=OFF -DALPHAPULSE_FUZZ=OFF)
[ -n "${CXX:-}" ] && cmake_args+=(-DCMAKE_CXX_COMPILER="$CXX")
cmake "${cmake_args[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS" --target wire_benchmark wire_crc32_check

bin="$BUILD_DIR/libs/wire/bench"
"$bin/wire_crc32_check"

json="$BUILD_DIR/wire_benchmark.json"
"$bin/wire_benchmark" --benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true \
  --benchmark_out="$json" --benchmark_out_format=json "$@"

python3 - "$json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
med = {}
errors = []
for b in data["benchmarks"]:
    if b.get("error_occurred"):
        errors.append(f'{b["name"]}: {b.get("error_message")}')
    if b.get("aggregate_name") == "median":
        unit = {"ns": 1, "us": 1e3, "ms": 1e6}[b.get("time_unit", "ns")]
        med[b["run_name"]] = (b["real_time"] * unit, b.get("allocs_per_iter"), b["cpu_time"] * unit)
ctx = data["context"]
print(f'\n== medians of {ctx.get("num_cpus")} CPUs @ {ctx.get("mhz_per_cpu")} MHz, {ctx.get("date")}')
print(f"  {'benchmark':<40} {'real':>9}    {'cpu':>9}")
for name, (ns, allocs, cpu) in med.items():
    a = "" if allocs is None else f"   allocs/iter {allocs:g}"
    print(f"  {name:<40} {ns:9.2f} ns {cpu:9.2f} ns{a}")

def get(n):  # CPU-time median
    return med[n][2] if n in med else None

# Targets are judged on CPU-time medians: on this shared 2-vCPU machine other
# workers preempt the benchmark thread, which inflates real time but not the
# CPU time the code costs. Real time is shown beside it, flagged when noisy.
print("\n== targets (CPU-time medians; real time beside, '(noisy)' when > 1.2x CPU)")
status = 0
for name, target in [("BM_TradeView/no_checksum", 5.0), ("BM_TradeView/checksum", 20.0),
                     ("BM_TradeBuild/checksum", 25.0)]:
    if name not in med:
        continue
    real, _, v = med[name]
    ok = v <= target
    noisy = " (noisy)" if real > 1.2 * v else ""
    print(f"  {name:<40} {v:7.2f} ns (real {real:.2f}{noisy})  target <= {target:g} ns  {'met' if ok else 'NOT MET'}")

print("\n== ratios (same run, CPU-time medians)")
pairs = [("zlib crc32 / ISA-L crc32 (64 B)", "BM_Crc32_64B_zlib", "BM_Crc32_64B_isal"),
         ("protobuf encode / our build+checksum", "BM_Protobuf_Encode", "BM_TradeBuild/checksum"),
         ("protobuf decode / our view+checksum", "BM_Protobuf_Decode", "BM_TradeView/checksum"),
         ("protobuf decode / our view, no checksum", "BM_Protobuf_Decode", "BM_TradeView/no_checksum")]
for label, a, b in pairs:
    va, vb = get(a), get(b)
    if va and vb:
        print(f"  {label:<42} {va / vb:6.1f}x  ({va:.2f} / {vb:.2f} ns)")
if errors:
    print("\n== errors")
    for e in errors:
        print("  " + e)
    sys.exit(1)
PY
