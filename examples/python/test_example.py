#!/usr/bin/env python3
"""The Python example against real relays: test_example.py ALPHAPULSE_BIN

1. Reads: `alphapulse replay | alphapulse decode | alphapulse publish` puts the real sample data on a
   market-data relay; alphapulse_py.py listens, verifies every checksum and
   decodes the trades and quotes to the same values as `alphapulse decode`.
2. Writes: alphapulse_py.py publishes a StrategyAlert on a signals relay (which
   verifies checksums and drops bad frames); `alphapulse tap` receives and
   decodes it.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = sys.argv[1]
EXAMPLE = Path(__file__).resolve().parent / "alphapulse_py.py"


def start_relay(domain: str, path: Path) -> subprocess.Popen:
    relay = subprocess.Popen([BIN, "relay", domain, "--socket", str(path)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not path.exists():
        if time.monotonic() > deadline or relay.poll() is not None:
            raise RuntimeError(f"{domain} relay did not start")
        time.sleep(0.02)
    return relay


def main() -> int:
    failures = []
    with tempfile.TemporaryDirectory(prefix="ap-python-") as tmp:
        market = Path(tmp) / "market_data.sock"
        signals = Path(tmp) / "signals.sock"
        relays = [start_relay("market_data", market), start_relay("signals", signals)]
        try:
            # 1. Read what the C++ side publishes.
            expected = subprocess.run(f"'{BIN}' replay | '{BIN}' decode", shell=True, capture_output=True,
                                      text=True, check=True).stdout.splitlines()
            expected = [json.loads(line) for line in expected]
            wanted = [e for e in expected if e["header"]["message_type_name"] in ("Trade", "Quote")]
            listener = subprocess.Popen([sys.executable, str(EXAMPLE), "listen", str(market), "--types",
                                         "Trade,Quote", "--count", str(len(wanted)), "--timeout", "10"],
                                        stdout=subprocess.PIPE, text=True)
            time.sleep(0.5)  # the listener connects and subscribes before the data is sent
            subprocess.run(f"'{BIN}' replay | '{BIN}' decode | '{BIN}' publish '{market}'", shell=True, check=True,
                           stderr=subprocess.DEVNULL)
            out, _ = listener.communicate(timeout=30)
            got = [json.loads(line) for line in out.splitlines()]
            if len(got) != len(wanted):
                failures.append(f"listened to {len(got)} trades and quotes, expected {len(wanted)}")
            if not all(g["checksum_ok"] for g in got):
                failures.append("a checksum did not verify in Python")
            # Same frames, same values as the C++ decoder (alphapulse decode) reads.
            for g, e in zip(got, wanted):
                same = g["type"] == e["header"]["message_type_name"] and g["sequence"] == e["header"]["sequence"]
                if g["type"] == "Trade":
                    same = same and round(g["price"] * 1e8) == e["price"] and round(g["volume"] * 1e8) == e["volume"]
                else:
                    same = same and round(g["bid"] * 1e8) == e["bid_price"] and round(g["ask"] * 1e8) == e["ask_price"]
                symbol = g["instrument"].get("symbol")
                same = same and (symbol is None or e["instrument_id"]["text"].endswith(" " + symbol))
                if not same:
                    failures.append(f"python decoded {g}, alphapulse decode {e}")
                    break
            trades = [g for g in got if g["type"] == "Trade"]
            print(f"python listened to {len(got)} frames ({len(trades)} trades), e.g. {json.dumps(trades[0])}")

            # 2. Write: a StrategyAlert from Python, received by `alphapulse tap`.
            tap = subprocess.Popen([BIN, "tap", str(signals), "--count", "1"], stdout=subprocess.PIPE, text=True)
            time.sleep(0.5)
            subprocess.run([sys.executable, str(EXAMPLE), "alert", str(signals), "hello from Python"], check=True)
            try:
                line, _ = tap.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                tap.kill()
                line = ""
                failures.append("alphapulse tap did not receive the Python StrategyAlert")
            if line:
                frame = json.loads(line)
                print("alphapulse tap decoded:", line.strip()[:300])
                if frame["header"]["message_type_name"] != "StrategyAlert" or "hello from Python" not in line:
                    failures.append("tap decoded something else: " + line)
        finally:
            for relay in relays:
                relay.send_signal(signal.SIGTERM)
                relay.wait(timeout=10)
    for f in failures:
        print("FAIL", f)
    print("ok" if not failures else "FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
