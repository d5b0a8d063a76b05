#!/usr/bin/env python3
"""Bus receive speed with batch iteration: a relay (`alphapulse relay market_data` on a temporary
socket), a producer process (`alphapulse publish --raw`) sending N Trades, and Bus.batches()
counting them (checksums verified or not), from the first batch to the last frame.

    PYTHONPATH=build/python /usr/bin/python3 python/bench/bench_bus.py [--frames 2000000] [--alphapulse BIN]
"""
import argparse
import os
import signal
import subprocess
import tempfile
import time

import numpy as np

import alphapulse as ap
from alphapulse._crc import crc32_rows


def trades(n: int) -> bytes:
    one = np.frombuffer(ap.encode("Trade", instrument_id="Binance Pair BTCUSDT", price=6_500_012_000_000,
                                  volume=1_500_000, side="Buy", source="BinanceCollector"), np.uint8)
    rows = np.tile(one, (n, 1))
    rows[:, 12:20] = np.arange(1, n + 1, dtype="<u8").view(np.uint8).reshape(-1, 8)
    rows[:, 28:32] = crc32_rows(rows).astype("<u4").view(np.uint8).reshape(-1, 4)
    return rows.tobytes()


def run(binary: str, n: int, verify: bool) -> float:
    data = trades(n)
    with tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "market_data.sock")
        relay = subprocess.Popen([binary, "relay", "market_data", "--socket", sock], stderr=subprocess.DEVNULL)
        try:
            with ap.Bus("market_data", path=sock, types=["Trade"], verify=verify) as bus:
                time.sleep(0.3)
                producer = subprocess.Popen([binary, "publish", "--raw", sock], stdin=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL)
                producer.stdin.write(data)
                producer.stdin.close()
                got, start, last = 0, None, None
                for batch in bus.batches(timeout=3):
                    last = time.perf_counter()
                    if start is None:
                        start = last
                    got += len(batch["Trade"])
                    if got >= n:
                        break
                producer.wait(timeout=60)
                c = bus.counters
                return got, last - start, c
        finally:
            relay.send_signal(signal.SIGTERM)
            relay.wait(timeout=10)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--frames", type=int, default=2_000_000)
    p.add_argument("--alphapulse", default="build/tools/cli/alphapulse")
    args = p.parse_args()
    for verify in (False, True):
        got, t, c = run(args.alphapulse, args.frames, verify)
        print(f"Bus.batches(verify={verify}): {got} of {args.frames} Trades received in {t:.3f} s = "
              f"{got / t / 1e6:.2f} M frames/s (gaps {c['gaps']}, missed {c['missed_frames']}, refused {c['refused']})")


if __name__ == "__main__":
    main()
