#!/usr/bin/env python3
"""Bus and AsyncBus against real relays (`alphapulse relay` on temporary sockets, each stopped):
receiving what `alphapulse publish` sends (batches and single frames, with a subscription), what
`alphapulse tap` receives from Python's publish(), gap counters, reconnection after the relay
restarts, and the errors for a missing socket, a path that is not a socket and a bad config."""
import asyncio
import json
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

import support
from alphapulse import AsyncBus, Bus, ConfigError, RelayNotRunning, encode

REPLAY = None


def replay_frames() -> bytes:
    global REPLAY
    if REPLAY is None:
        REPLAY = support.run(["replay"]).stdout
    return REPLAY


def publish_raw(path, data: bytes):
    support.run(["publish", "--raw", str(path)], data)


class LiveRelay(unittest.TestCase):
    def test_batches_receive_what_alphapulse_publishes(self):
        with support.relay("market_data") as (path, _):
            with Bus("market_data", path=path, types=["Trade", "Quote"]) as bus:
                time.sleep(0.2)  # the relay applies the subscription before the data arrives
                publish_raw(path, replay_frames())
                counts = {}
                prices = []
                for batch in bus.batches(timeout=2):
                    for name, arr in batch.items():
                        counts[name] = counts.get(name, 0) + len(arr)
                    if "Trade" in batch:
                        prices += batch["Trade"]["price"].tolist()
                    if counts.get("Trade") == 119 and counts.get("Quote") == 209:
                        break
                self.assertEqual(counts, {"Trade": 119, "Quote": 209})
                cpp = [json.loads(l) for l in support.run(["decode"], replay_frames()).stdout.decode().splitlines()]
                self.assertEqual(prices, [j["price"] for j in cpp if j["header"]["message_type_name"] == "Trade"])
                self.assertEqual(bus.counters["refused"], 0)
                self.assertEqual(bus.counters["frames_received"], 328)

    def test_frames_one_by_one_and_gap_counters(self):
        with support.relay("signals") as (path, _):
            with Bus("signals", path=path) as reader, Bus("signals", path=path, types=[]) as writer:
                time.sleep(0.2)
                for seq in [1, 2, 3, 7, 8, 2]:  # a gap of 3 (4..6), then a restart (back to 2)
                    writer.publish("StrategyAlert", sequence=seq, severity="Warning", message=f"alert {seq}",
                                   instrument_id="Binance Pair BTCUSDT", value=seq)
                got = []
                for frame in reader.frames(timeout=2):
                    got.append(frame)
                    if len(got) == 6:
                        break
                self.assertEqual([f.sequence for f in got], [1, 2, 3, 7, 8, 2])
                self.assertEqual(got[3].decode()["message"], "alert 7")
                self.assertEqual(got[0].name, "StrategyAlert")
                c = reader.counters
                self.assertEqual((c["gaps"], c["missed_frames"], c["sequence_resets"]), (1, 3, 1))

    def test_tap_receives_python_publish(self):
        with support.relay("signals") as (path, _):
            tap = subprocess.Popen([support.BIN, "tap", str(path), "--count", "1"], stdout=subprocess.PIPE, text=True)
            try:
                time.sleep(0.5)
                with Bus("signals", path=path, types=[]) as bus:
                    bus.publish("StrategyAlert", severity="Info", message="hello from alphapulse.Bus")
                out, _ = tap.communicate(timeout=10)
            finally:
                if tap.poll() is None:
                    tap.kill()
            frame = json.loads(out)
            self.assertEqual(frame["message"], "hello from alphapulse.Bus")
            self.assertEqual(frame["severity_name"], "Info")

    def test_reconnects_after_the_relay_restarts(self):
        with tempfile.TemporaryDirectory(prefix="ap-pytest-") as tmp:
            path = Path(tmp) / "market_data.sock"
            first = subprocess.Popen([support.BIN, "relay", "market_data", "--socket", str(path)],
                                     stderr=subprocess.DEVNULL)
            second = None
            try:
                with Bus("market_data", path=path, timeout=10) as bus:
                    first.terminate()
                    first.wait(timeout=10)
                    second = subprocess.Popen([support.BIN, "relay", "market_data", "--socket", str(path)],
                                              stderr=subprocess.DEVNULL)
                    def later():
                        time.sleep(1.0)
                        publish_raw(path, encode("Trade", sequence=1, instrument_id="NASDAQ Stock AAPL", price=5))
                    threading.Thread(target=later, daemon=True).start()
                    batch = next(bus.batches(timeout=8))
                    self.assertEqual(batch["Trade"]["price"].tolist(), [5])
                    self.assertEqual(bus.counters["reconnects"], 1)
            finally:
                for p in (first, second):
                    if p is not None and p.poll() is None:
                        p.terminate()
                        p.wait(timeout=10)

    def test_asyncio_bus(self):
        async def run(path):
            bus = await AsyncBus.connect("market_data", path=str(path), types=["Quote"])
            async with bus:
                await asyncio.sleep(0.2)
                await asyncio.get_running_loop().run_in_executor(None, publish_raw, path, replay_frames())
                n = 0
                async for batch in bus.batches(timeout=2):
                    self.assertEqual(list(batch), ["Quote"])
                    n += len(batch["Quote"])
                    if n == 209:
                        break
                return n
        with support.relay("market_data") as (path, _):
            self.assertEqual(asyncio.run(run(path)), 209)


class Errors(unittest.TestCase):
    def test_missing_socket_says_path_and_how_to_start(self):
        path = "/tmp/ap-pytest-no-such-dir/market_data.sock"
        with self.assertRaises(RelayNotRunning) as ctx:
            Bus("market_data", path=path, timeout=0.2)
        msg = str(ctx.exception)
        self.assertIn(path, msg)
        self.assertIn(f"alphapulse relay market_data --socket {path}", msg)
        self.assertIn("alphapulse up", msg)

    def test_not_a_socket_and_config_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            regular = Path(tmp) / "file.sock"
            regular.write_text("x")
            with self.assertRaises(RelayNotRunning) as ctx:
                Bus("market_data", path=regular, timeout=0.2)
            self.assertIn("is not a socket", str(ctx.exception))
            deploy = Path(tmp) / "deploy.yaml"
            deploy.write_text("alphapulse:\n  runtime_dir: %s\n  market_data:\n    transport: shared_memory\n"
                              "  execution:\n    transport: tcp\n    address: 127.0.0.1:1\n" % tmp)
            with self.assertRaises(ConfigError) as ctx:
                Bus("market_data", config=str(deploy))
            self.assertIn("shared_memory", str(ctx.exception))
            with self.assertRaises(RelayNotRunning) as ctx:
                Bus("execution", config=str(deploy), timeout=0.2)
            self.assertIn("127.0.0.1:1", str(ctx.exception))
            self.assertIn(f"--config {deploy}", str(ctx.exception))
            with self.assertRaises(ConfigError):
                Bus("signals", config=str(deploy))

    def test_deployment_file_unix_socket_and_consumer_subscription(self):
        with support.relay("market_data") as (path, _):
            deploy = Path(path).parent / "deploy.yaml"
            deploy.write_text(f"alphapulse:\n  market_data:\n    transport: unix_socket\n    path: {path}\n"
                              f"  consumers:\n    quotes_only:\n      market_data: {{ message_types: [Quote] }}\n")
            with Bus("market_data", config=str(deploy), name="quotes_only") as bus:
                self.assertEqual(bus.subscription, [2])
                time.sleep(0.2)
                publish_raw(path, replay_frames())
                n = 0
                for batch in bus.batches(timeout=2):
                    self.assertEqual(list(batch), ["Quote"])
                    n += len(batch["Quote"])
                    if n == 209:
                        break
                self.assertEqual(n, 209)


if __name__ == "__main__":
    support.main_with_bin()
