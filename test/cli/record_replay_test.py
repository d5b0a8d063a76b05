#!/usr/bin/env python3
"""`alphapulse record` and `alphapulse replay` as processes (issue 14).

    record_replay_test.py ALPHAPULSE CAPTURE_E2E_TOOL [TestClass] [FRAMES]

RecordReplayTest: a producer publishes FRAMES (default 10,000,000) 64-byte
frames into relay A; `record` writes them to a recording; the tool checks the
recording holds exactly the generated frames. `replay --to market_data` sends
the recording into relay B, where a second `record` is the tap; the tool
checks that recording holds the original frames byte for byte, with the
sequences renumbered per source from 1 (which is what the producer sent, so
here the frames are identical) and the timestamps kept. The relays apply
backpressure (overload: backpressure), so nothing may be dropped: both
recorders must report no gap. Time-bounded by each step's timeout, not timed.

ReplayOptionsTest: restamping of sequences that did not start at 1 (with
gaps), new timestamps, --types, --from/--until, replay to stdout, decode
and cache reading a capture, record's rotation and SIGTERM.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

ALPHAPULSE = None
TOOL = None
FRAMES = 10_000_000


def wait_for_consumer(sock, timeout=20):
    """Until the relay on `sock` has a client (the recorder) connected."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = subprocess.run([ALPHAPULSE, "stats", sock, "--timeout", "1"], capture_output=True, text=True)
        if out.returncode == 0 and json.loads(out.stdout).get("clients"):
            return
        time.sleep(0.1)
    raise AssertionError(f"no consumer on {sock} after {timeout} s")


def summary(stderr, key):
    for line in stderr.splitlines():
        if line.startswith("{") and key in line:
            return json.loads(line)[key]
    raise AssertionError(f"no {key} line in:\n{stderr}")


class Bus:
    """A market_data relay (backpressure, so nothing is dropped) in its own runtime dir."""

    def __init__(self, root, name):
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir)
        self.config = os.path.join(self.dir, "deploy.yaml")
        with open(self.config, "w") as f:
            f.write(f"alphapulse:\n  runtime_dir: {self.dir}\n  market_data:\n    transport: unix_socket\n"
                    "    overload: backpressure\n    slow_consumer_timeout_ms: 60000\n")
        self.sock = os.path.join(self.dir, "market_data.sock")
        self.log = open(os.path.join(self.dir, "relay.log"), "w")
        self.relay = subprocess.Popen([ALPHAPULSE, "relay", "market_data", "--config", self.config],
                                      stdout=self.log, stderr=subprocess.STDOUT)

    def record(self, out_dir, *extra):
        return subprocess.Popen([ALPHAPULSE, "record", "market_data", "-o", out_dir, "--config", self.config, *extra],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def stop(self):
        self.relay.send_signal(signal.SIGTERM)
        self.relay.wait(timeout=30)
        self.log.close()


class Case(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        self.addCleanup(self.tmp.cleanup)

    def bus(self, name):
        bus = Bus(self.root, name)
        # A cleanup, not tearDown: it also runs when setUp fails after starting a relay.
        self.addCleanup(lambda: bus.relay.poll() is None and bus.stop())
        return bus

    def tool(self, *args, timeout=600):
        out = subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=timeout)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def record_generated(self, bus, frames, rec, seq=("1", "1")):
        """Publishes `frames` generated frames through `bus`, recorded into `rec`."""
        recorder = bus.record(rec, "--count", str(frames))
        wait_for_consumer(bus.sock)
        gen = subprocess.Popen([TOOL, "generate", str(frames), *seq], stdout=subprocess.PIPE)
        pub = subprocess.run([ALPHAPULSE, "publish", "--raw", bus.sock, "--timeout-ms", "60000"], stdin=gen.stdout,
                             capture_output=True, text=True, timeout=900)
        gen.stdout.close()
        self.assertEqual(gen.wait(timeout=60), 0)
        self.assertEqual(pub.returncode, 0, pub.stderr)
        _, err = recorder.communicate(timeout=900)
        self.assertEqual(recorder.returncode, 0, err)
        s = summary(err, "record_summary")
        # A step of k leaves k-1 numbers out after every frame but each source's last: reported, not lost.
        step = int(seq[1])
        missed = (frames - len({0, 1, 2, 3} & set(range(frames)))) * (step - 1)
        self.assertEqual((s["frames"], s["missed_frames"]), (frames, missed), err[-2000:])
        return s


class RecordReplayTest(Case):
    def test_ten_million_frames_recorded_replayed_and_tapped_byte_for_byte(self):
        a, b = self.bus("a"), self.bus("b")
        rec_a, rec_b = os.path.join(self.root, "rec_a"), os.path.join(self.root, "rec_b")
        s = self.record_generated(a, FRAMES, rec_a)
        print(f"record: {s['frames']} frames in {s['seconds']} s ({s['frames_per_second']:.0f}/s)", file=sys.stderr)
        self.tool("check-generated", rec_a, str(FRAMES))

        tap = b.record(rec_b, "--count", str(FRAMES))
        wait_for_consumer(b.sock)
        replay = subprocess.run([ALPHAPULSE, "replay", rec_a, "--to", "market_data", "--config", b.config,
                                 "--keep-timestamps", "--timeout", "60"], capture_output=True, text=True, timeout=900)
        self.assertEqual(replay.returncode, 0, replay.stderr)
        self.assertEqual(summary(replay.stderr, "replay_summary")["frames"], FRAMES)
        _, err = tap.communicate(timeout=900)
        self.assertEqual(tap.returncode, 0, err)
        t = summary(err, "record_summary")
        self.assertEqual((t["frames"], t["gaps"], t["missed_frames"]), (FRAMES, 0, 0), err)
        self.tool("compare", rec_a, rec_b, "keep")
        # The producer numbered each source from 1, so the restamped frames are the original ones.
        self.tool("check-generated", rec_b, str(FRAMES))


class ReplayOptionsTest(Case):
    N = 20000

    def setUp(self):
        super().setUp()
        self.a = self.bus("a")
        self.rec = os.path.join(self.root, "rec")
        # Sequences from 1000 in steps of 3: replay must renumber them 1, 2, 3, ... per source.
        self.record_generated(self.a, self.N, self.rec, seq=("1000", "3"))

    def replay(self, *args):
        out = subprocess.run([ALPHAPULSE, "replay", self.rec, *args], capture_output=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr.decode())
        return out.stdout, out.stderr.decode()

    def test_restamps_sequences_per_source_and_stamps_now_unless_kept(self):
        raw, _ = self.replay()
        path = os.path.join(self.root, "out.bin")
        with open(path, "wb") as f:
            f.write(raw)
        self.tool("compare", self.rec, path, "now")
        stamped = int.from_bytes(raw[20:28], "little")
        self.assertLess(abs(stamped - time.time_ns()), 600 * 10**9, "a replayed frame is stamped when sent")
        kept, _ = self.replay("--keep-timestamps")
        with open(path, "wb") as f:
            f.write(kept)
        self.tool("compare", self.rec, path, "keep")
        # The comparison can fail: new timestamps are not the kept ones.
        with open(path, "wb") as f:
            f.write(raw)
        with self.assertRaises(AssertionError):
            self.tool("compare", self.rec, path, "keep")

    def test_types_from_and_until_select_frames(self):
        raw, err = self.replay("--types", "Quote")
        self.assertEqual(raw, b"")
        self.assertEqual(summary(err, "replay_summary")["filtered"], self.N)
        decoded = subprocess.run([ALPHAPULSE, "decode", self.rec], capture_output=True, text=True, timeout=120)
        self.assertEqual(decoded.returncode, 0, decoded.stderr)
        self.assertEqual(len(decoded.stdout.splitlines()), self.N)
        raw_all, _ = self.replay("--keep-timestamps", "--from", "0", "--until", str(2**63))
        self.assertEqual(len(raw_all), 64 * self.N)
        none, _ = self.replay("--from", str(2**63))
        self.assertEqual(none, b"")
        none, _ = self.replay("--to", "1970-01-02T00:00:00Z")
        self.assertEqual(none, b"")

    def test_cache_reads_a_capture(self):
        out = subprocess.run([ALPHAPULSE, "cache", self.rec], capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stderr.splitlines()[-1])["frames"], self.N)  # the summary, on stderr

    def test_speed_must_be_positive_or_max(self):
        out = subprocess.run([ALPHAPULSE, "replay", self.rec, "--speed", "0"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 2, "--speed 0 is a usage error")

    def test_record_rotates_by_size_and_stops_on_sigterm(self):
        rec = os.path.join(self.root, "rotated")
        recorder = self.a.record(rec, "--rotate-size", "64K", "--flush-ms", "10")
        wait_for_consumer(self.a.sock)
        gen = subprocess.Popen([TOOL, "generate", "10000"], stdout=subprocess.PIPE)
        pub = subprocess.run([ALPHAPULSE, "publish", "--raw", self.a.sock], stdin=gen.stdout, capture_output=True)
        gen.stdout.close()
        gen.wait()
        self.assertEqual(pub.returncode, 0, pub.stderr)
        time.sleep(0.5)
        recorder.send_signal(signal.SIGTERM)
        _, err = recorder.communicate(timeout=30)
        self.assertEqual(recorder.returncode, 0, err)
        files = sorted(os.listdir(rec))
        # 10,000 frames are 760 KB on disk: whatever the block sizes (they depend on how fast the
        # frames came), a file rotates only past 64 KiB, and then at once.
        self.assertGreaterEqual(len(files), 2)
        for f in files[:-1]:
            self.assertGreaterEqual(os.path.getsize(os.path.join(rec, f)), 64 * 1024, f)
        self.assertTrue(all(f.startswith("market_data-") and f.endswith(".apcap") for f in files), files)
        self.assertLessEqual(max(os.path.getsize(os.path.join(rec, f)) for f in files), 64 * 1024 + 300 * 1024)
        self.tool("check-generated", rec, "10000")


if __name__ == "__main__":
    ALPHAPULSE, TOOL = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    if len(rest) >= 2:
        FRAMES = int(rest.pop())
    unittest.main(argv=[sys.argv[0], *rest])
