#!/usr/bin/env bash
# The whole test suite: set up this machine, build, run every test; then the
# unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer, the
# concurrency tests under ThreadSanitizer, and each libFuzzer target for a
# short bounded time.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
"$ROOT/scripts/setup.sh"

echo "== build and test (RelWithDebInfo) (at ${SECONDS} s)"
# -g0: optimised as RelWithDebInfo, without the debug information nothing here
# reads (it is most of the compile and link time of this stage).
"$ROOT/scripts/build.sh" "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g0 -DNDEBUG"
ctest --test-dir "$ROOT/build" -j "$(nproc)" --output-on-failure --timeout 300

echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer (at ${SECONDS} s)"
# -g1: line tables only, enough for the sanitizers' symbolized stack traces
# (about an eighth of this build's compile time less than full -g).
"$ROOT/scripts/build.sh" "$ROOT/build-asan" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
  -DALPHAPULSE_SANITIZE=address,undefined -DALPHAPULSE_BENCHMARKS=OFF -DALPHAPULSE_INSTALL=OFF --target unit_tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$ROOT/build-asan" -j "$(nproc)" --output-on-failure --timeout 600 -L unit

echo "== concurrency tests under ThreadSanitizer (at ${SECONDS} s)"
"$ROOT/scripts/build.sh" "$ROOT/build-tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DALPHAPULSE_SANITIZE=thread \
  -DALPHAPULSE_BENCHMARKS=OFF -DALPHAPULSE_INSTALL=OFF --target schema_concurrency_test transport_channel_test transport_shm_ring_test transport_shm_client_test client_batching_test
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir "$ROOT/build-tsan" -j "$(nproc)" --output-on-failure --timeout 300 -R "RegistryConcurrency|ChannelTransport|ShmRing|ShmClient|Batching"

echo "== fuzz targets (${FUZZ_SECONDS:-15} s each) (at ${SECONDS} s)"
FUZZ_SECONDS=${FUZZ_SECONDS:-15} "$ROOT/scripts/fuzz.sh"

echo "== the whole suite passed (at ${SECONDS} s)"
