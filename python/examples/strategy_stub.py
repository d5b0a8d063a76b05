#!/usr/bin/env python3
"""A strategy stub in the running pipeline: reads quotes from market_data, and when an
instrument's spread is wider than --min-spread-bps publishes an ArbitrageOpportunity (with the
spread and the quote's prices) and a StrategyAlert on the signals relay, where risk and the
dashboard see them.

    alphapulse up &
    python3 python/examples/strategy_stub.py [--config deploy.yaml] [--min-spread-bps 20] [--count 5]
"""
import argparse
import time

import numpy as np

import alphapulse as ap

parser = argparse.ArgumentParser()
parser.add_argument("--config")
parser.add_argument("--min-spread-bps", type=float, default=20)
parser.add_argument("--count", type=int, default=0, help="stop after publishing this many signals (0: never)")
parser.add_argument("--timeout", type=float, default=0, help="stop after this many seconds without quotes (0: never)")
args = parser.parse_args()

try:
    quotes = ap.Bus("market_data", config=args.config, name="py_strategy", types=["Quote"])
    signals = ap.Bus("signals", config=args.config, name="py_strategy", types=[], source="ArbitrageStrategy")
except (ap.RelayNotRunning, ap.ConfigError) as e:
    raise SystemExit(f"strategy_stub: {e}")
published = 0
with quotes, signals:
    for batch in quotes.batches(timeout=args.timeout or None):
        q = batch.get("Quote")
        if q is None:
            continue
        bid, ask = q["bid_price"].astype(np.float64), q["ask_price"].astype(np.float64)
        mid = (bid + ask) / 2
        spread_bps = np.divide(ask - bid, mid, out=np.zeros_like(mid), where=mid > 0) * 1e4
        for i in np.flatnonzero(spread_bps >= args.min_spread_bps):  # the rare rows: a Python step each
            ident = ap.InstrumentId.coerce(q["instrument_id"][i])
            signals.publish("ArbitrageOpportunity", base_id=ident, quote_id=ident, venue_a=ident.venue,
                            venue_b=ident.venue, spread_bps=int(spread_bps[i]), confidence=5000,
                            estimated_profit=int(ask[i] - bid[i]), expires_at=time.time_ns() + 1_000_000_000)
            signals.publish("StrategyAlert", severity="Info", alert_code=1, instrument_id=ident,
                            value=int(spread_bps[i] * 1e8), threshold=int(args.min_spread_bps * 1e8),
                            message=f"py spread {spread_bps[i]:.1f} bps")
            published += 1
            print(f"{ident.text()}: spread {spread_bps[i]:.1f} bps -> ArbitrageOpportunity, StrategyAlert")
            if args.count and published >= args.count:
                raise SystemExit(0)
print(f"strategy_stub: published {published} signals")
