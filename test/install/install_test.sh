#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds a consumer project
# against it twice: with find_package(alphapulse) and with pkg-config.
#   install_test.sh <build dir> <consumer source dir>
set -euo pipefail
build=$1
consumer=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -x "$work/prefix/bin/alphapulse"
test -f "$work/prefix/include/alphapulse/wire.hpp"
test -f "$work/prefix/lib/cmake/alphapulse/alphapulseConfig.cmake"
test -f "$work/prefix/lib/pkgconfig/alphapulse.pc"

echo "-- find_package(alphapulse)"
cmake -S "$consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/consumer"

echo "-- pkg-config alphapulse"
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
# shellcheck disable=SC2046
c++ -std=c++20 "$consumer/main.cpp" -o "$work/consumer-pc" $(pkg-config --cflags --libs --static alphapulse)
"$work/consumer-pc"

echo "-- installed command"
"$work/prefix/bin/alphapulse" id stock NASDAQ AAPL
