#!/usr/bin/env bash
# The demonstration: real market data becomes frames, travels through a pipe,
# and is decoded back and printed.
#   scripts/demo.sh <path to alphapulse>
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build-release/tools/cli/alphapulse}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "== alphapulse replay --data data/samples | alphapulse decode"
"$BIN" replay --data "$ROOT/data/samples" | "$BIN" decode > "$out"
echo
echo "== decoded $(wc -l < "$out") frames (checksums verified); by message type:"
grep -o '"message_type_name":"[A-Za-z]*"' "$out" | cut -d'"' -f4 | sort | uniq -c
echo
for type in PoolDiscovered Trade Quote OrderBook; do
  echo "== first $type"
  grep -m1 "\"message_type_name\":\"$type\"" "$out" | cut -c1-1200
  echo
done
echo "== the ids in them decode back to venue, asset type and symbol or address:"
"$BIN" id stock NASDAQ AAPL
"$BIN" id token Ethereum 0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48
"$BIN" id symbol Binance Pair BCHABCUSDT
