#!/usr/bin/env python3
"""Notebook-style: load a capture, compute each instrument's bid-ask spread, plot it.

    alphapulse record market_data -o rec/ --duration 60 &   # while `alphapulse up` runs
    python3 python/examples/capture_spreads.py rec/ [--plot spreads.png]

Without a recording it writes one from the sample data (`alphapulse replay`). The plot needs
matplotlib (pip install ./python[plot]); without it the spreads are printed.
"""
import argparse
import subprocess
import tempfile
from pathlib import Path

import alphapulse as ap

# %% Load: a capture file or a recording's directory, straight into numpy arrays per type.
parser = argparse.ArgumentParser()
parser.add_argument("capture", nargs="?")
parser.add_argument("--plot", help="write the plot here (PNG)")
parser.add_argument("--alphapulse", default="alphapulse")
args = parser.parse_args()
path = args.capture
if path is None:
    path = Path(tempfile.mkdtemp()) / "sample.apcap"
    frames = subprocess.run([args.alphapulse, "replay"], capture_output=True, check=True).stdout
    with ap.CaptureWriter(path, "market_data") as writer:
        writer.write_frames(frames)
cap = ap.read_capture(path)
print(cap)

# %% Quotes as a DataFrame: readable instruments, float prices, UTC datetimes.
quotes = cap.to_pandas("Quote")
quotes["spread_bps"] = (quotes["ask_price"] - quotes["bid_price"]) / ((quotes["ask_price"] + quotes["bid_price"]) / 2) * 1e4
summary = quotes.groupby("instrument_id", observed=True)["spread_bps"].describe()[["count", "mean", "50%", "max"]]
print(summary.sort_values("count", ascending=False).head(15).to_string(float_format="%.2f"))

# %% Plot the spreads of the most quoted instruments over time.
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("matplotlib is not installed (pip install ./python[plot]): no plot")
if plt is not None:
    top = summary.sort_values("count", ascending=False).head(5).index
    fig, ax = plt.subplots(figsize=(10, 5))
    for name in top:
        rows = quotes[quotes["instrument_id"] == name]
        ax.plot(rows["timestamp"], rows["spread_bps"], marker=".", label=name)
    ax.set_ylabel("spread (bps)")
    ax.legend()
    out = args.plot or "spreads.png"
    fig.savefig(out, dpi=100)
    print("plot written to", out)
