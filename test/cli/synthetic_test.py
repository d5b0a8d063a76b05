#!/usr/bin/env python3
"""alphapulse-synthetic run as a process against a relay this test starts on a
temporary socket, with `alphapulse tap` as its consumer: the frames are valid
and decodable Quotes and Trades of the configured instruments, exactly
--frames of them with sequences 1..N and no gap, at roughly the configured
rate (loosely: within 50%, from the frames' own timestamps); and bad options
are refused.

    python3 synthetic_test.py path/to/alphapulse path/to/alphapulse-synthetic [unittest args]
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

ALPHAPULSE = None
SYNTHETIC = None


def wait_for(what, fn, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = fn()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def relay_stats(sock):
    r = subprocess.run([ALPHAPULSE, "stats", sock, "--timeout", "1"], capture_output=True, text=True, timeout=10)
    return json.loads(r.stdout) if r.returncode == 0 else None


class Bus:
    """A market_data relay on a temporary socket and the deployment file naming it."""

    def __enter__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="alphapulse-synthetic-")
        self.sock = os.path.join(self.tmp.name, "market_data.sock")
        self.config = os.path.join(self.tmp.name, "deploy.yaml")
        with open(self.config, "w") as f:
            f.write("alphapulse:\n  runtime_dir: %s\n  market_data:\n    transport: unix_socket\n" % self.tmp.name)
        self.relay = subprocess.Popen([ALPHAPULSE, "relay", "market_data", "--config", self.config],
                                      stderr=subprocess.DEVNULL)
        wait_for("the relay", lambda: relay_stats(self.sock))
        return self

    def __exit__(self, *exc):
        self.relay.terminate()
        self.relay.wait(timeout=10)
        self.tmp.cleanup()


class SyntheticFeedTest(unittest.TestCase):
    FRAMES = 20000
    RATE = 20000
    INSTRUMENTS = 200

    def test_frames_are_valid_complete_and_roughly_at_the_rate(self):
        with Bus() as bus:
            tap = subprocess.Popen([ALPHAPULSE, "tap", "--domain", "market_data", "--config", bus.config,
                                    "--count", str(self.FRAMES)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                wait_for("tap to connect", lambda: len((relay_stats(bus.sock) or {}).get("clients", [])) >= 1)
                feed = subprocess.run([SYNTHETIC, "--config", bus.config, "--name", "synthetic_test",
                                       "--rate", str(self.RATE), "--frames", str(self.FRAMES),
                                       "--instruments", str(self.INSTRUMENTS), "--stats-interval", "0"],
                                      capture_output=True, text=True, timeout=60)
                self.assertEqual(feed.returncode, 0, feed.stderr)
                out, err = tap.communicate(timeout=60)
            finally:
                if tap.poll() is None:
                    tap.kill()
                    tap.wait()
        self.assertEqual(tap.returncode, 0, err)
        stats = [l for l in feed.stderr.splitlines() if l.startswith("stats synthetic_test ")][-1]
        self.assertIn(" sent=%d " % self.FRAMES, stats)
        self.assertIn(" shed=0 ", stats)

        frames = [json.loads(l) for l in out.splitlines() if l.strip()]
        self.assertEqual(len(frames), self.FRAMES)
        self.assertEqual([f["header"]["sequence"] for f in frames], list(range(1, self.FRAMES + 1)))
        self.assertEqual({f["header"]["source_name"] for f in frames}, {"AlpacaCollector"})
        types = [f["header"]["message_type_name"] for f in frames]
        self.assertEqual(set(types), {"Quote", "Trade"})
        trade_share = types.count("Trade") / len(types)
        self.assertTrue(0.05 < trade_share < 0.2, trade_share)  # --trade-share 0.1 by default
        instruments = {f["instrument_id"]["text"] for f in frames}
        self.assertLessEqual(len(instruments), self.INSTRUMENTS)
        self.assertGreater(len(instruments), self.INSTRUMENTS // 4)  # activity is skewed, not concentrated
        self.assertTrue(all(re.fullmatch(r"(NASDAQ|NYSE) Stock [A-Z]+", i) for i in instruments), instruments)
        for f in frames:
            if f["header"]["message_type_name"] == "Quote":
                self.assertLess(f["bid_price"], f["ask_price"], f)
                self.assertGreater(f["bid_price"], 0)
                self.assertGreater(f["bid_size"], 0)
            else:
                self.assertGreater(f["price"], 0)
                self.assertIn(f["side_name"], ("Buy", "Sell"))
        # The rate, from the send times the frames carry: N frames at RATE/s span about N/RATE s.
        stamps = [f["header"]["timestamp"] for f in frames]
        span = (stamps[-1] - stamps[0]) / 1e9
        expected = self.FRAMES / self.RATE
        self.assertTrue(0.5 * expected < span < 1.5 * expected, "%.3f s for %.3f s" % (span, expected))

    def test_duration_bounds_a_run(self):
        with Bus() as bus:
            started = time.monotonic()
            feed = subprocess.run([SYNTHETIC, "--config", bus.config, "--rate", "5000", "--duration", "1",
                                   "--stats-interval", "0"], capture_output=True, text=True, timeout=30)
            elapsed = time.monotonic() - started
        self.assertEqual(feed.returncode, 0, feed.stderr)
        self.assertLess(elapsed, 10)
        sent = int(re.search(r" sent=(\d+) ", feed.stderr).group(1))
        self.assertTrue(2500 < sent <= 5000, sent)


class SyntheticUsageTest(unittest.TestCase):
    def run_synthetic(self, *args):
        return subprocess.run([SYNTHETIC, *args], capture_output=True, text=True, timeout=30)

    def test_bad_options_exit_2(self):
        for args, word in ((["--rate", "0"], "--rate"), (["--universe", "mars"], "--universe"),
                           (["--tick-us", "1"], "--tick-us"), (["--trade-share", "2"], "--trade-share")):
            r = self.run_synthetic(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(word, r.stderr)

    def test_more_instruments_than_symbols_is_refused(self):
        r = self.run_synthetic("--instruments", "5000", "--universe", "crypto")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--instruments 5000", r.stderr)


class LoadProfileTest(unittest.TestCase):
    ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

    def test_load_profile_checks_with_every_program_found(self):
        env = dict(os.environ, PATH=os.path.dirname(ALPHAPULSE) + os.pathsep + os.environ.get("PATH", ""))
        r = subprocess.run([ALPHAPULSE, "up", "--check", "--config", os.path.join(self.ROOT, "config", "load.yaml")],
                           capture_output=True, text=True, timeout=30, env=env)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        with open(os.path.join(self.ROOT, "config", "load.yaml")) as f:
            self.assertIn("alphapulse-synthetic", f.read())

    def test_run_sh_refuses_an_unknown_profile_before_setting_anything_up(self):
        r = subprocess.run([os.path.join(self.ROOT, "scripts", "run.sh"), "--profile", "no_such_profile"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no profile 'no_such_profile'", r.stderr)


if __name__ == "__main__":
    ALPHAPULSE = sys.argv.pop(1)
    SYNTHETIC = sys.argv.pop(1)
    unittest.main()
