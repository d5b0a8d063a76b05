#!/usr/bin/env bash
# Builds the wire and capture libFuzzer targets, and read_capture's C kernel's (python/native), with
# clang (ASan + UBSan) in build-fuzz/ and runs each for a bounded time. Fails (non-zero) on any crash, leak,
# sanitizer report, broken invariant, or a failing saved regression input.
#
#   scripts/fuzz.sh                     # 20 s per target
#   FUZZ_SECONDS=60 scripts/fuzz.sh     # longer
#   FUZZ_TARGETS="fuzz_tlv" scripts/fuzz.sh
#
# Environment: FUZZ_SECONDS (default 20), FUZZ_JOBS (build parallelism,
# default 2), FUZZ_TARGETS (default all five), BUILD_DIR (default build-fuzz),
# CXX (default clang++), CC (default clang), PYTHON (for fuzz_capread's seeds, default /usr/bin/python3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-fuzz}"
SECONDS_EACH="${FUZZ_SECONDS:-20}"
JOBS="${FUZZ_JOBS:-2}"
TARGETS="${FUZZ_TARGETS:-fuzz_frame fuzz_tlv fuzz_discovery fuzz_capture fuzz_capread}"

# Where a target's sources (corpus/, regressions/) and binary live, below the source and build trees.
target_dir() {
  case "$1" in
    fuzz_capture) echo libs/capture/fuzz ;;
    fuzz_capread) echo python/native ;;
    *) echo libs/wire/fuzz ;;
  esac
}

cmake -S "$ROOT" -B "$BUILD_DIR" \
  -DCMAKE_CXX_COMPILER="${CXX:-clang++}" -DCMAKE_C_COMPILER="${CC:-clang}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DALPHAPULSE_FUZZ=ON \
  -DALPHAPULSE_TESTS=OFF -DALPHAPULSE_BENCHMARKS=OFF -DALPHAPULSE_INSTALL=OFF >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS" --target fuzz_seed_corpus fuzz_capture_seeds $TARGETS

# Seeds: freshly generated with the library's builders, plus the committed copies.
SEEDS="$BUILD_DIR/fuzz-seeds"
rm -rf "$SEEDS"
"$BUILD_DIR/libs/wire/fuzz/fuzz_seed_corpus" "$SEEDS"
"$BUILD_DIR/libs/capture/fuzz/fuzz_capture_seeds" "$SEEDS"
case " $TARGETS " in
  *" fuzz_capread "*) PYTHONPATH="$ROOT/python" "${PYTHON:-/usr/bin/python3}" "$ROOT/python/native/fuzz_seeds.py" "$SEEDS/capread" ;;
esac

status=0
for target in $TARGETS; do
  corpus_name="${target#fuzz_}"
  FUZZ_DIR="$ROOT/$(target_dir "$target")"
  bin="$BUILD_DIR/$(target_dir "$target")/$target"
  work="$BUILD_DIR/fuzz-corpus/$corpus_name"
  artifacts="$BUILD_DIR/fuzz-artifacts/$corpus_name/"
  mkdir -p "$work" "$artifacts"

  # Saved crashers must stay fixed.
  regressions="$FUZZ_DIR/regressions/$corpus_name"
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions" 2>/dev/null | grep -v '^\.gitkeep$' || true)" ]; then
    echo "== $target: regression inputs in ${regressions#$ROOT/}"
    if ! "$bin" $(ls -d "$regressions"/* | grep -v '\.gitkeep$') >"$BUILD_DIR/$target.regressions.log" 2>&1; then
      echo "FAIL: $target crashes on a saved regression input (see $BUILD_DIR/$target.regressions.log)"
      status=1
    fi
  fi

  echo "== $target: fuzzing for ${SECONDS_EACH}s"
  log="$BUILD_DIR/$target.log"
  set +e
  seeds=("$SEEDS/$corpus_name")
  [ -d "$FUZZ_DIR/corpus/$corpus_name" ] && seeds+=("$FUZZ_DIR/corpus/$corpus_name")
  "$bin" "$work" "${seeds[@]}" \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts" >"$log" 2>&1
  rc=$?
  set -e
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|cov: ' "$log" | tail -n 3 || true
  if [ $rc -ne 0 ]; then
    echo "FAIL: $target exited $rc; crash input(s) in $artifacts, log $log:"
    grep -E 'ERROR|SUMMARY|invariant|runtime error' "$log" | head -n 10 || true
    status=1
  else
    echo "ok: $target"
  fi
done
exit $status
