#!/usr/bin/env python3
"""A live monitor: frames per second by type, the last price per instrument, and the client's gap
counters, from any relay of a deployment (default: the one `alphapulse up` starts).

    python3 python/examples/live_monitor.py market_data [--config deploy.yaml] [--seconds 10]
"""
import argparse
import time

import alphapulse as ap
from alphapulse.ids import texts

parser = argparse.ArgumentParser()
parser.add_argument("domain", nargs="?", default="market_data")
parser.add_argument("--config")
parser.add_argument("--seconds", type=float, default=0, help="stop after this long (0: Ctrl-C)")
args = parser.parse_args()

try:
    bus = ap.Bus(args.domain, config=args.config, name="live_monitor")
except (ap.RelayNotRunning, ap.ConfigError) as e:
    raise SystemExit(f"live_monitor: {e}")
counts, last_price = {}, {}
started = report = time.monotonic()
with bus:
    try:
        while True:
            batch = bus.recv_batch(timeout=0.25)  # None when nothing came: the report still prints
            for name, arr in (batch.items() if batch is not None else ()):
                counts[name] = counts.get(name, 0) + len(arr)
            if batch is not None and "Trade" in batch:
                trades = batch["Trade"]
                for name, price in zip(texts(trades["instrument_id"]), trades["price"] / 1e8):
                    last_price[name] = price
            now = time.monotonic()
            if now - report >= 1.0:
                rates = ", ".join(f"{k} {v / (now - report):.0f}/s" for k, v in sorted(counts.items()))
                print(f"[{time.strftime('%H:%M:%S')}] {rates or 'nothing'} | gaps {bus.counters['gaps']} "
                      f"missed {bus.counters['missed_frames']} reconnects {bus.counters['reconnects']}")
                for name, price in sorted(last_price.items())[:8]:
                    print(f"    {name:32} {price:.8g}")
                counts, report = {}, now
            if args.seconds and now - started >= args.seconds:
                break
    except KeyboardInterrupt:
        pass
