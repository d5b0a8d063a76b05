#!/usr/bin/env python3
"""read_capture speed: a capture of N frames (Trades and Quotes, 2:1, the real sample data's
instruments and prices, distinct sequences and checksums) written once, then read into per-type
arrays (best of --repeat, from the page cache).

    PYTHONPATH=build/python /usr/bin/python3 python/bench/bench_capture.py [--frames 10000000] [--dir /tmp]
"""
import argparse
import os
import subprocess
import tempfile
import time

import numpy as np

import alphapulse as ap
from alphapulse._crc import BACKEND, crc32_rows


def make_frames(n: int, binary: str) -> bytes:
    sample = ap.decode(subprocess.run([binary, "replay"], capture_output=True, check=True).stdout)
    trades, quotes = sample["Trade"], sample["Quote"]
    n_trades = n * 2 // 3
    is_trade = np.zeros(n, bool)
    is_trade[np.linspace(0, n - 1, n_trades).astype(np.int64)] = True
    sizes = np.where(is_trade, 64, 80)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    buf = np.zeros(int(sizes.sum()), np.uint8)
    for arr, mask in ((trades, is_trade), (quotes, ~is_trade)):
        rows = arr.view(np.uint8).reshape(len(arr), arr.dtype.itemsize) if arr.flags.c_contiguous else \
            np.ascontiguousarray(arr).view(np.uint8).reshape(len(arr), arr.dtype.itemsize)
        idx = np.flatnonzero(mask)
        block = rows[np.arange(len(idx)) % len(rows)].copy()
        block[:, 12:20] = np.arange(1, len(idx) + 1, dtype="<u8").view(np.uint8).reshape(-1, 8)
        block[:, 28:32] = crc32_rows(block).astype("<u4").view(np.uint8).reshape(-1, 4)
        window = np.lib.stride_tricks.as_strided(buf, shape=(len(buf) - arr.dtype.itemsize + 1, arr.dtype.itemsize),
                                                 strides=(1, 1))
        for start in range(0, len(idx), 1 << 20):  # scatter rows back
            part = idx[start:start + (1 << 20)]
            dest = offsets[part][:, None] + np.arange(arr.dtype.itemsize)
            buf[dest] = block[start:start + len(part)]
        del window
    return buf.tobytes()


def main():
    ap_ = argparse.ArgumentParser()
    ap_.add_argument("--frames", type=int, default=10_000_000)
    ap_.add_argument("--repeat", type=int, default=3)
    ap_.add_argument("--dir", default=tempfile.gettempdir())
    ap_.add_argument("--alphapulse", default="build/tools/cli/alphapulse")
    args = ap_.parse_args()
    path = os.path.join(args.dir, f"bench-{args.frames}.apcap")
    t0 = time.perf_counter()
    frames = make_frames(args.frames, args.alphapulse)
    with ap.CaptureWriter(path, "market_data") as w:
        w.write_frames(frames, receive_times=np.arange(args.frames, dtype=np.uint64) + 1_700_000_000_000_000_000)
    del frames
    print(f"wrote {path}: {os.path.getsize(path) / 1e6:.0f} MB in {time.perf_counter() - t0:.1f} s (crc backend {BACKEND})")
    for verify in (False, True):
        best = None
        for _ in range(args.repeat if not verify else 1):
            t = time.perf_counter()
            cap = ap.read_capture(path, verify=verify)
            elapsed = time.perf_counter() - t
            best = elapsed if best is None else min(best, elapsed)
            assert cap.frame_count == args.frames, cap
            del cap
        print(f"read_capture(verify={verify}): {args.frames} frames in {best:.3f} s = {args.frames / best / 1e6:.1f} M frames/s")
    os.unlink(path)


if __name__ == "__main__":
    main()
