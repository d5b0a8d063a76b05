#!/usr/bin/env bash
# Installs what building, testing and running alphapulse needs on a fresh
# Debian 12 machine: Debian packages only, through apt-get.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git python3
  clang libclang-rt-14-dev            # libFuzzer targets
  libisal-dev                         # CRC-32 (W3)
  libcrypto++-dev                     # Keccak-256 for EIP-55 address checksums
  nlohmann-json3-dev libcli11-dev     # the alphapulse command line
  libyaml-cpp-dev                     # relay and deployment configuration
  libgtest-dev libgmock-dev libbenchmark-dev
  libprotobuf-dev protobuf-compiler   # serializer peer in the benchmarks
  zlib1g-dev                          # zlib crc32, the reference the benchmarks compare with
  socat                               # a plain consumer in the tests
  libzmq3-dev                         # ZeroMQ PUB/SUB, the peer in the relay benchmark
  nats-server libnats-dev             # the NATS transport, its tests and the nats.c peer
  libcpp-httplib-dev                  # the dashboard's web server
  openssl                             # certificates for the NATS TLS test
  chromium                            # the dashboard's browser test (playwright-core from npm, with the machine's Node.js)
  libzstd-dev                         # optional block compression in capture files
  tshark                              # the Wireshark dissector's test
  python3-numpy python3-pandas        # the Python package (python/alphapulse) and its tests
  python3-pip python3-venv            # pip install ./python, as the README shows
  python3-yaml python3-setuptools     # the Python package: deployment files, pip install --no-build-isolation
)

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PACKAGES[@]} packages present"
else
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The dashboard's chart library and its browser test's driver come from the npm
# registry, pinned by their package-lock.json (Node.js: the machine's, else Debian's).
if ! command -v npm >/dev/null; then
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
for dir in tools/dashboard/web test/dashboard; do
  # npm ci starts from scratch; skip it when the installed tree matches the lock file.
  if ! cmp -s "$ROOT/$dir/package-lock.json" "$ROOT/$dir/node_modules/.alphapulse-lock"; then
    echo "setup: npm ci in $dir"
    npm ci --prefix "$ROOT/$dir" --no-audit --no-fund --loglevel=error
    cp "$ROOT/$dir/package-lock.json" "$ROOT/$dir/node_modules/.alphapulse-lock"
  fi
done
