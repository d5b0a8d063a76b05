#!/usr/bin/env python3
"""The dashboard under synthetic load (what `./scripts/run.sh --profile load`
shows): a market_data relay on a temporary socket, `alphapulse dashboard` on a
free port, and alphapulse-synthetic publishing 50,000 frames/s for a bounded
number of frames. While it runs, the snapshot must show the market_data rate
near the configured one (loosely, within 50%), end-to-end latency percentiles
for those frames, and the feed as its own producer; when it is done, the
dashboard must have counted exactly the frames the feed sent, with no gap.

    load_test.py <alphapulse binary> <alphapulse-synthetic binary>
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN, SYNTHETIC = sys.argv[1], sys.argv[2]
RATE = 50_000
FRAMES = 200_000  # 4 s at RATE


def wait_for(what, fn, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = fn()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def stats(sock):
    r = subprocess.run([BIN, "stats", sock, "--timeout", "1"], capture_output=True, text=True, timeout=10)
    return json.loads(r.stdout) if r.returncode == 0 else None


def snapshot(url):
    with urllib.request.urlopen(url + "api/snapshot", timeout=5) as r:
        return json.loads(r.read())


def by_name(items, name):
    return next((x for x in items if x.get("name") == name), None)


def main():
    with tempfile.TemporaryDirectory(prefix="alphapulse-dashboard-load-") as tmp:
        sock = os.path.join(tmp, "market_data.sock")
        config = os.path.join(tmp, "deploy.yaml")
        with open(config, "w") as f:
            f.write(f"alphapulse:\n  runtime_dir: {tmp}\n  market_data:\n    transport: unix_socket\n")
        procs = []
        try:
            procs.append(subprocess.Popen([BIN, "relay", "market_data", "--config", config], stderr=subprocess.DEVNULL))
            wait_for("the relay", lambda: stats(sock))
            dash = subprocess.Popen([BIN, "dashboard", "--config", config, "--port", "0"], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, text=True)
            procs.append(dash)
            url = re.search(r"(http://\S+/)", dash.stdout.readline()).group(1)
            wait_for("the dashboard to connect", lambda: len((stats(sock) or {}).get("clients", [])) >= 1)
            feed = subprocess.Popen([SYNTHETIC, "--config", config, "--name", "load", "--rate", str(RATE),
                                     "--frames", str(FRAMES), "--instruments", "1000", "--stats-interval", "0"],
                                    stderr=subprocess.PIPE, text=True)
            procs.append(feed)

            # Mid-run: rates over complete seconds, so wait until two have passed.
            time.sleep(2.5)
            mid = snapshot(url)
            md = by_name(mid["domains"], "market_data")
            print("mid-run market_data:", {k: md[k] for k in ("frames", "rate", "gaps", "missed_frames")})
            assert 0.5 * RATE < md["rate"] < 1.5 * RATE, md
            lat = mid["latency"]["by_domain"]["market_data"]
            print("mid-run latency (us):", lat)
            assert lat["count"] > 0
            assert 0 < lat["p50_us"] <= lat["p90_us"] <= lat["p99_us"] <= lat["max_us"], lat
            assert lat["p50_us"] < 1_000_000, "p50 of a second or more: the dashboard is not keeping up"
            producer = by_name(mid["sources"], "AlpacaCollector")
            assert producer is not None and 0.5 * RATE < producer["rate"] < 1.5 * RATE, mid["sources"]
            assert mid["history"]["frames_per_second"]["market_data"], mid["history"]
            # 1,000 instruments, more than the table keeps: the rest are counted.
            assert len(mid["instruments"]) <= 512 and mid["instruments_not_shown"] > 0

            _, err = feed.communicate(timeout=60)
            assert feed.returncode == 0, err
            sent = int(re.search(r"stats load sent=(\d+) ", err).group(1))
            assert sent == FRAMES, err

            def all_counted():
                s = snapshot(url)
                m = by_name(s["domains"], "market_data")
                return s if m["frames"] == sent else None

            final = wait_for("every frame counted", all_counted)
            md = by_name(final["domains"], "market_data")
            assert md["gaps"] == 0 and md["missed_frames"] == 0, md
            assert by_name(final["sources"], "AlpacaCollector")["frames"] == sent
        finally:
            for p in reversed(procs):
                if p.poll() is None:
                    p.terminate()
                    p.wait(timeout=10)
    print("load_test: ok")


if __name__ == "__main__":
    main()
