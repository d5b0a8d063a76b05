#!/usr/bin/env bash
# The README's install snippet, as a new user runs it: install the build into a
# temporary prefix, build the installed C++ examples with find_package and a
# program of the user's own (wire, schema, client) with pkg-config, in a clean
# directory. Then the installed commands and examples run against each other.
#   install_test.sh <build dir> <consumer source dir> <README.md>
set -euo pipefail
build=$1
consumer=$2
readme=$3
work=$(mktemp -d)
relay_pid=""
cleanup() {
  [[ -n $relay_pid ]] && kill "$relay_pid" 2>/dev/null && wait "$relay_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The snippet between the README's install-snippet markers, without the fence.
snippet=$(sed -n '/<!-- BEGIN install-snippet -->/,/<!-- END install-snippet -->/p' "$readme" | sed '1,2d;$d' | sed '$d')
first=$(printf '%s\n' "$snippet" | head -n 1)
# Its first line builds and installs from the source tree; here the build
# exists already, so only its install step runs (the line must still read so).
expected='cmake -S . -B build && cmake --build build -j && cmake --install build --prefix "$PREFIX"'
if [[ $first != "$expected" ]]; then
  echo "README's install snippet starts with '$first', not the build-and-install line this test knows"
  exit 1
fi
rest=$(printf '%s\n' "$snippet" | tail -n +2)

export PREFIX=$work/prefix
cmake --install "$build" --prefix "$PREFIX" >/dev/null
test -x "$PREFIX/bin/alphapulse"
test -f "$PREFIX/share/alphapulse/config/alphapulse.yaml"
test -d "$PREFIX/share/alphapulse/data/samples"

echo "-- the README's snippet, in a clean directory"
mkdir "$work/user"
cp "$consumer/main.cpp" "$work/user/my_service.cpp"
(cd "$work/user" && bash -euo pipefail -c "$rest") >"$work/snippet.log" 2>&1 || {
  cat "$work/snippet.log"
  exit 1
}
"$work/user/my_service"

echo "-- find_package(alphapulse COMPONENTS wire schema client), no C++ standard set by the project"
cmake -S "$consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/consumer"

echo "-- alphapulse-wire alone brings neither NATS nor yaml-cpp"
libs=$(PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" pkg-config --libs alphapulse-wire)
if [[ $libs == *nats* || $libs == *yaml* ]]; then
  echo "pkg-config --libs alphapulse-wire: $libs"
  exit 1
fi

echo "-- the installed command finds its own default deployment"
(cd / && "$PREFIX/bin/alphapulse" up --check) | grep -q "$PREFIX/share/alphapulse/config/alphapulse.yaml" || {
  (cd / && "$PREFIX/bin/alphapulse" up --check) || true
  echo "alphapulse up --check did not read $PREFIX/share/alphapulse/config/alphapulse.yaml"
  exit 1
}

echo "-- the installed examples through an installed relay"
export ALPHAPULSE_RUNTIME_DIR=$work/run
mkdir -p "$ALPHAPULSE_RUNTIME_DIR"
"$PREFIX/bin/alphapulse" relay market_data >"$work/relay.log" 2>&1 &
relay_pid=$!
for _ in $(seq 100); do
  [[ -S $ALPHAPULSE_RUNTIME_DIR/market_data.sock ]] && break
  sleep 0.05
done
examples=$work/user/examples
timeout 30 "$examples/consumer" "" 500 >"$work/consumer.out" 2>"$work/consumer.err" &
consumer_pid=$!
timeout 30 "$examples/multi_domain_consumer" "" 500 >"$work/multi.out" 2>&1 &
multi_pid=$!
# Both consumers connected before the first trade (the relay lists its clients).
for _ in $(seq 200); do
  clients=$("$PREFIX/bin/alphapulse" stats --domain market_data --timeout 5 |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)["clients"]))')
  ((clients >= 2)) && break
  sleep 0.05
done
timeout 30 "$examples/producer" "" 500
wait "$consumer_pid" || { cat "$work/consumer.err"; exit 1; }
wait "$multi_pid" || { cat "$work/multi.out"; exit 1; }
test "$(grep -c '^trade NASDAQ Stock AAPL' "$work/consumer.out")" -eq 500
grep -Eq '^Trade +500$' "$work/multi.out" || { cat "$work/multi.out"; exit 1; }
echo "ok: 500 trades from the installed producer reached both installed consumers"
