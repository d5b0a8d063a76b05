#!/usr/bin/env python3
"""python/examples against real relays: the strategy stub reads the replayed quotes and its
ArbitrageOpportunity reaches `alphapulse tap` on the signals relay; the live monitor reports
rates; the capture notebook loads a capture and summarises spreads."""
import json
import os
import subprocess
import sys
import time
import unittest
from pathlib import Path

import support

EXAMPLES = Path(__file__).resolve().parents[2] / "python" / "examples"


def example(name, *args, **kw):
    return subprocess.Popen([sys.executable, str(EXAMPLES / name), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, **kw)


class Examples(unittest.TestCase):
    def test_strategy_stub_and_live_monitor_in_a_pipeline(self):
        with support.relay("market_data") as (market, _), support.relay("signals") as (signals, _):
            deploy = Path(market).parent / "deploy.yaml"
            deploy.write_text(f"alphapulse:\n  market_data: {{ transport: unix_socket, path: {market} }}\n"
                              f"  signals: {{ transport: unix_socket, path: {signals} }}\n")
            tap = subprocess.Popen([support.BIN, "tap", str(signals), "--types", "ArbitrageOpportunity", "--count", "1"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            stub = example("strategy_stub.py", "--config", str(deploy), "--count", "1", "--timeout", "10",
                           "--min-spread-bps", "10")
            monitor = example("live_monitor.py", "market_data", "--config", str(deploy), "--seconds", "3")
            try:
                time.sleep(1.0)
                support.run(["publish", "--raw", str(market)], support.run(["replay"]).stdout)
                out, _ = stub.communicate(timeout=30)
                self.assertEqual(stub.returncode, 0, out)
                self.assertIn("-> ArbitrageOpportunity", out)
                line, _ = tap.communicate(timeout=10)
                frame = json.loads(line)
                self.assertEqual(frame["header"]["source_name"], "ArbitrageStrategy")
                self.assertGreaterEqual(frame["spread_bps"], 10)
                report, _ = monitor.communicate(timeout=30)
                self.assertIn("Quote", report)
                self.assertIn("gaps 0", report)
            finally:
                for p in (tap, stub, monitor):
                    if p.poll() is None:
                        p.kill()
                        p.wait()

    def test_capture_notebook(self):
        nb = example("capture_spreads.py", "--alphapulse", support.BIN)
        out, _ = nb.communicate(timeout=60)
        self.assertEqual(nb.returncode, 0, out)
        self.assertIn("Coinbase Pair", out)
        self.assertIn("Capture(1 files, 1352 frames", out)

    def test_no_relay_is_a_clear_message(self):
        env = dict(os.environ, ALPHAPULSE_RUNTIME_DIR="/tmp/ap-pytest-no-such-runtime")
        out, _ = example("live_monitor.py", "market_data", env=env).communicate(timeout=30)
        self.assertIn("no market_data relay at /tmp/ap-pytest-no-such-runtime/market_data.sock", out)
        self.assertIn("alphapulse relay market_data --socket", out)
        self.assertNotIn("Traceback", out)


if __name__ == "__main__":
    support.main_with_bin()
