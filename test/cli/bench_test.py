#!/usr/bin/env python3
"""`alphapulse bench` run as a process: the JSON it prints, that every
transport delivers --frames exactly to each consumer, usage errors (exit 2),
--use-running against a relay this test starts, a small bounded --compare,
and the progress bar on a terminal. Runs are small (thousands of frames) and
each has a time limit; bench starts and removes its own relays, segments and
nats-server.

    python3 bench_test.py path/to/alphapulse [unittest args, e.g. BenchUsageTest]
"""
import json
import os
import pty
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

BINARY = None
TIMEOUT = 120


def nats_server_present():
    return bool(os.environ.get("ALPHAPULSE_NATS_SERVER") or shutil.which("nats-server")
                or os.access("/usr/sbin/nats-server", os.X_OK))


def bench(*args, timeout=TIMEOUT):
    """Returns (returncode, stdout text, stderr text)."""
    proc = subprocess.run([BINARY, "bench", "--no-progress", *args], capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def bench_json(*args):
    rc, out, err = bench("--json", *args)
    return rc, json.loads(out), err


class BenchJsonTest(unittest.TestCase):
    def test_one_run_has_the_documented_shape(self):
        rc, doc, err = bench_json("--transport", "unix_socket", "--frames", "2000", "--consumers", "2")
        self.assertEqual(rc, 0, err)
        self.assertEqual(doc["compare"], False)
        self.assertTrue(doc["ok"])
        self.assertEqual(doc["settings"], {"size": 64, "frames": 2000, "batch": 1, "rate": 0.0, "consumers": 2,
                                           "spin": False})
        (run,) = doc["runs"]
        for key in ("transport", "endpoint", "bus", "kind", "settings", "ran", "complete", "error", "published",
                    "producer", "consumers", "frames_per_s_per_consumer", "latency_us"):
            self.assertIn(key, run)
        self.assertEqual(run["transport"], "unix_socket")
        self.assertEqual(run["bus"], "started by bench")
        self.assertEqual(run["kind"], "throughput")
        self.assertEqual(run["published"], 2000)
        self.assertEqual(len(run["consumers"]), 2)
        for consumer in run["consumers"] + [run]:
            lat = consumer["latency_us"]
            self.assertLessEqual(lat["p50"], lat["p90"])
            self.assertLessEqual(lat["p90"], lat["p99"])
            self.assertLessEqual(lat["p99"], lat["max"])
        for consumer in run["consumers"]:
            self.assertEqual(consumer["latency_us"]["count"], 2000)
            self.assertGreater(consumer["frames_per_s"], 0)
            self.assertGreater(consumer["mb_per_s"], 0)
        self.assertEqual(run["latency_us"]["count"], 4000)
        # bench removes what it started: its temporary directory is gone
        self.assertFalse(os.path.exists(os.path.dirname(run["endpoint"])))

    def test_paced_run_is_a_latency_run_and_takes_its_time(self):
        rc, doc, err = bench_json("--transport", "unix_socket", "--frames", "2000", "--rate", "10000")
        self.assertEqual(rc, 0, err)
        (run,) = doc["runs"]
        self.assertEqual(run["kind"], "latency")
        # 2000 frames at 10,000/s is 0.2 s; loosely: not much faster than the pacing allows
        self.assertGreater(run["producer"]["seconds"], 0.1)
        self.assertEqual(run["consumers"][0]["received"], 2000)

    def test_text_output_names_the_run_and_its_latency(self):
        rc, out, err = bench("--transport", "tcp", "--frames", "1000")
        self.assertEqual(rc, 0, err)
        self.assertIn("tcp (127.0.0.1:", out)
        self.assertIn("consumer 0  1000 frames (all, in order)", out)
        self.assertIn("latency, frame timestamp to receipt", out)


class BenchTransportTest(unittest.TestCase):
    """Every transport: each consumer gets every frame, in order, for single and batched publishes and a size
    other than 64 (an OrderBook)."""

    def check_exact(self, transport, *extra):
        rc, doc, err = bench_json("--transport", transport, "--frames", "3000", "--consumers", "2", *extra)
        self.assertEqual(rc, 0, err)
        (run,) = doc["runs"]
        self.assertTrue(run["complete"], run)
        self.assertEqual(run["published"], 3000)
        for consumer in run["consumers"]:
            self.assertEqual(consumer["received"], 3000)
            self.assertEqual(consumer["missing"], 0)
            self.assertEqual(consumer["out_of_sequence"], 0)

    def test_unix_socket(self):
        self.check_exact("unix_socket")
        self.check_exact("unix_socket", "--batch", "64", "--size", "128")

    def test_tcp(self):
        self.check_exact("tcp")
        self.check_exact("tcp", "--batch", "64", "--size", "128")

    def test_shared_memory(self):
        self.check_exact("shared_memory")
        self.check_exact("shared_memory", "--batch", "64", "--size", "128")

    def test_channel(self):
        self.check_exact("channel", "--batch", "16")

    @unittest.skipUnless(nats_server_present(), "nats-server not installed")
    def test_nats(self):
        self.check_exact("nats")
        self.check_exact("nats", "--batch", "64", "--size", "128")


class BenchUsageTest(unittest.TestCase):
    def check_usage(self, args, expected):
        rc, out, err = bench(*args, timeout=30)
        self.assertEqual(rc, 2, (args, out, err))
        self.assertIn(expected, err)

    def test_bad_values_exit_2_naming_the_option(self):
        self.check_usage(["--size", "70"], "--size 70: 64 (a Trade) or 64 + a multiple of 16")
        self.check_usage(["--size", "16"], "--size 16: a frame is 64 to 65536 bytes")
        self.check_usage(["--frames", "0"], "--frames")
        self.check_usage(["--consumers", "0"], "--consumers")
        self.check_usage(["--batch", "0"], "--batch")
        self.check_usage(["--rate", "-5"], "--rate")
        self.check_usage(["--transport", "carrier_pigeon"], "--transport 'carrier_pigeon': expected unix_socket")
        self.check_usage(["--frames", "many"], "--frames")

    def test_conflicting_options_exit_2(self):
        self.check_usage(["--compare", "--transport", "tcp"], "not with --transport or --use-running")
        self.check_usage(["--use-running"], "--use-running needs --config FILE")
        self.check_usage(["--config", "/nonexistent/deploy.yaml"], "/nonexistent/deploy.yaml")


class BenchRunningRelayTest(unittest.TestCase):
    def test_use_running_measures_the_relay_the_file_names(self):
        with tempfile.TemporaryDirectory(prefix="alphapulse-bench-test-") as tmp:
            config = os.path.join(tmp, "deploy.yaml")
            with open(config, "w") as f:
                f.write("alphapulse:\n  runtime_dir: %s\n  market_data:\n    transport: unix_socket\n" % tmp)
            socket_path = os.path.join(tmp, "market_data.sock")
            relay = subprocess.Popen([BINARY, "relay", "market_data", "--config", config],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                deadline = time.time() + 10
                while not os.path.exists(socket_path) and time.time() < deadline:
                    time.sleep(0.02)
                rc, doc, err = bench_json("--config", config, "--use-running", "--frames", "1000")
                self.assertEqual(rc, 0, err)
                (run,) = doc["runs"]
                self.assertEqual(run["bus"], "running")
                self.assertEqual(run["endpoint"], socket_path)
                self.assertEqual(run["consumers"][0]["received"], 1000)
                self.assertIsNone(relay.poll(), "bench must leave a running relay running")
            finally:
                relay.send_signal(signal.SIGTERM)
                relay.wait(timeout=10)

    def test_use_running_without_a_relay_fails_with_exit_1(self):
        with tempfile.TemporaryDirectory(prefix="alphapulse-bench-test-") as tmp:
            config = os.path.join(tmp, "deploy.yaml")
            with open(config, "w") as f:
                f.write("alphapulse:\n  runtime_dir: %s\n  market_data:\n    transport: unix_socket\n" % tmp)
            rc, out, err = bench("--config", config, "--use-running", "--frames", "100", "--timeout", "20")
            self.assertEqual(rc, 1, out)
            self.assertIn("warm-up", err)


class BenchCompareTest(unittest.TestCase):
    def test_small_compare_runs_every_transport_and_zeromq(self):
        started = time.time()
        rc, doc, err = bench_json("--compare", "--frames", "3000", "--latency-frames", "300")
        self.assertEqual(rc, 0, err)
        self.assertLess(time.time() - started, 60)  # loose: the defaults must finish in 60 s, this is far smaller
        self.assertTrue(doc["compare"])
        runs = {(r["transport"], r["kind"]): r for r in doc["runs"]}
        expected = ["unix_socket", "tcp", "shared_memory", "nats", "zmq_ipc"]
        self.assertEqual(sorted(runs), sorted((t, k) for t in expected for k in ("throughput", "latency")))
        for (transport, kind), run in runs.items():
            if transport == "nats" and not nats_server_present():
                self.assertIn("nats-server", run["error"])
                continue
            if transport == "zmq_ipc" and not doc["zmq"]["built_in"]:
                self.assertIn("not built in", run["error"])
                continue
            self.assertTrue(run["complete"], run)
            self.assertEqual(run["published"], 3000 if kind == "throughput" else 300)
        self.assertEqual(sorted(doc["ratios_to_zmq"]), sorted(expected[:-1]))
        if doc["zmq"]["built_in"]:
            self.assertGreater(doc["ratios_to_zmq"]["unix_socket"]["throughput"], 0)

    def test_compare_text_is_a_table_with_ratios(self):
        rc, out, err = bench("--compare", "--frames", "2000", "--latency-frames", "200")
        self.assertEqual(rc, 0, err)
        self.assertIn("transport", out.splitlines()[1])
        for transport in ("unix_socket", "tcp", "shared_memory", "zmq_ipc"):
            self.assertRegex(out, r"(?m)^%s\s" % transport)
        self.assertTrue("vs zmq: throughput ours / ZeroMQ's" in out or "ZeroMQ: not built in" in out, out)


class BenchSignalTest(unittest.TestCase):
    def test_sigint_stops_the_run_and_removes_what_bench_started(self):
        for transport in ("unix_socket", "shared_memory"):
            proc = subprocess.Popen([BINARY, "bench", "--no-progress", "--json", "--transport", transport,
                                     "--frames", "1000000", "--rate", "1000"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(1.5)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=20)
            self.assertEqual(proc.returncode, 1, err)
            self.assertIn("stopped by SIGINT", err)
            (run,) = json.loads(out)["runs"]
            self.assertFalse(run["complete"])
            self.assertGreater(run["published"], 0)
            if transport == "shared_memory":
                self.assertFalse(os.path.exists(run["endpoint"]), run["endpoint"])  # /dev/shm/<segment>
            else:
                self.assertFalse(os.path.exists(os.path.dirname(run["endpoint"])))


class BenchProgressTest(unittest.TestCase):
    def test_progress_bar_only_on_a_terminal(self):
        master, slave = pty.openpty()
        try:
            proc = subprocess.run([BINARY, "bench", "--transport", "unix_socket", "--frames", "300000"],
                                  stdout=subprocess.PIPE, stderr=slave, timeout=TIMEOUT)
            os.close(slave)
            slave = -1
            chunks = []
            while True:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    break
                if not data:
                    break
                chunks.append(data)
            tty = b"".join(chunks).decode("utf-8", "replace")
        finally:
            if slave >= 0:
                os.close(slave)
            os.close(master)
        self.assertEqual(proc.returncode, 0)
        self.assertIn("unix_socket", tty)
        self.assertRegex(tty, r"\[[#-]{30}\]\s+\d+%")
        # and none when stderr is a pipe
        proc = subprocess.run([BINARY, "bench", "--transport", "unix_socket", "--frames", "1000"],
                              capture_output=True, text=True, timeout=TIMEOUT)
        self.assertNotIn("[#", proc.stderr)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main()
