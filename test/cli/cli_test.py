#!/usr/bin/env python3
"""Runs the built `alphapulse` binary as a process.

Frames are built here independently of the C++ code, with struct and zlib
(W2, W3), so these tests also check the wire format from the outside.

    python3 cli_test.py path/to/alphapulse [unittest args, e.g. DecodeTest]
"""
import json
import re
import os
import random
import select
import struct
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
import zlib

BINARY = None
MAGIC = 0xDEADBEEF
TIMEOUT = 20

AAPL = struct.pack("<HBBQ", 1, 1, 0, int.from_bytes(b"AAPL\0\0\0\0", "big"))


def frame(message_type, payload, version=1, source=0, flags=0, sequence=1, timestamp=0, checksum=None):
    head = struct.pack("<IBBBBIQQ", MAGIC, message_type, version, source, flags, len(payload), sequence, timestamp)
    crc = zlib.crc32(head + payload) if checksum is None else checksum
    return head + struct.pack("<I", crc) + payload


def trade(price=15000000000, volume=100, side=1, sequence=1):
    return frame(1, AAPL + struct.pack("<qQBB2x", price, volume, side, 0), source=5, sequence=sequence,
                 timestamp=1618677810244075000)


def custom(data):
    return frame(200, data)


def run(args, data=b"", timeout=TIMEOUT):
    """Returns (returncode, stdout bytes, stderr text)."""
    proc = subprocess.run([BINARY] + args, input=data, capture_output=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace")


def json_lines(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class DecodeTest(unittest.TestCase):
    def test_trade_decodes_to_the_documented_shape(self):
        rc, out, err = run(["decode"], trade())
        self.assertEqual(rc, 0, err)
        (obj,) = json_lines(out)
        self.assertEqual(list(obj)[0], "header")
        self.assertEqual(obj["header"]["message_type_name"], "Trade")
        self.assertEqual(obj["header"]["source_name"], "AlpacaCollector")
        self.assertEqual(obj["header"]["payload_size"], 32)
        self.assertEqual(obj["instrument_id"]["text"], "NASDAQ Stock AAPL")
        self.assertEqual(obj["price"], 15000000000)
        self.assertEqual(obj["side_name"], "Buy")
        self.assertNotIn("_padding", obj)

    def test_back_to_back_frames_from_a_file(self):
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "alphapulse_cli_test_%d.bin" % os.getpid())
        with open(path, "wb") as f:
            f.write(trade(sequence=1) + custom(b"\x01\x02") + trade(sequence=3))
        try:
            rc, out, err = run(["decode", path])
        finally:
            os.unlink(path)
        self.assertEqual(rc, 0, err)
        lines = json_lines(out)
        self.assertEqual([o["header"]["sequence"] for o in lines], [1, 1, 3])
        self.assertEqual(lines[1]["data"], "0x0102")

    def test_empty_input_is_no_output(self):
        self.assertEqual(run(["decode"], b""), (0, b"", ""))

    def test_garbage_is_bad_magic_at_offset_zero(self):
        rc, out, err = run(["decode"], b"hello, this is not a frame at all" * 3)
        self.assertEqual(rc, 1)
        self.assertEqual(out, b"")
        (e,) = json_lines(err)
        self.assertEqual((e["error"], e["offset"], e["frame"]), ("bad_magic", 0, 0))
        self.assertTrue(e["message"])

    def test_truncated_frame_after_a_good_one(self):
        rc, out, err = run(["decode"], trade() + trade()[:-5])
        self.assertEqual(rc, 1)
        self.assertEqual(len(json_lines(out)), 1)
        (e,) = json_lines(err)
        self.assertEqual((e["error"], e["offset"], e["frame"]), ("truncated", 64, 1))

    def test_truncated_header(self):
        rc, _, err = run(["decode"], trade()[:10])
        self.assertEqual(rc, 1)
        self.assertEqual(json_lines(err)[0]["error"], "truncated")

    def test_bad_checksum_and_no_verify(self):
        bad = bytearray(trade())
        bad[50] ^= 0xFF
        rc, out, err = run(["decode"], bytes(bad))
        self.assertEqual(rc, 1)
        self.assertEqual(json_lines(err)[0]["error"], "bad_checksum")
        rc, out, err = run(["decode", "--no-verify"], bytes(bad))
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(json_lines(out)), 1)

    def test_huge_payload_size_is_refused_without_waiting_for_it(self):
        head = struct.pack("<IBBBBIQQI", MAGIC, 1, 1, 0, 0, 0xFFFFFFF0, 0, 0, 0)
        rc, _, err = run(["decode"], head)
        self.assertEqual(rc, 1)
        self.assertEqual(json_lines(err)[0]["error"], "payload_too_large")

    def test_max_payload_option(self):
        rc, _, err = run(["decode", "--max-payload", "16"], trade())
        self.assertEqual(rc, 1)
        self.assertEqual(json_lines(err)[0]["error"], "payload_too_large")
        rc, _, err = run(["decode", "--max-payload", "32"], trade())
        self.assertEqual(rc, 0, err)

    def test_unknown_type_and_bad_size(self):
        rc, _, err = run(["decode"], frame(99, b""))
        self.assertEqual((rc, json_lines(err)[0]["error"]), (1, "unknown_type"))
        rc, _, err = run(["decode"], frame(1, b"\0" * 31))
        self.assertEqual((rc, json_lines(err)[0]["error"]), (1, "bad_size"))

    def test_stdin_is_read_incrementally(self):
        """A frame is printed as soon as it is in, before stdin ends (socat ... | alphapulse decode)."""
        proc = subprocess.Popen([BINARY, "decode"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            for sequence in (1, 2):
                proc.stdin.write(trade(sequence=sequence))
                proc.stdin.flush()
                ready, _, _ = select.select([proc.stdout], [], [], TIMEOUT)
                self.assertTrue(ready, "no output while stdin stays open")
                self.assertEqual(json.loads(proc.stdout.readline())["header"]["sequence"], sequence)
            # Half a frame: nothing yet, and no error while more may come.
            proc.stdin.write(trade()[:40])
            proc.stdin.flush()
            ready, _, _ = select.select([proc.stdout], [], [], 0.3)
            self.assertFalse(ready)
            proc.stdin.write(trade()[40:])
            proc.stdin.close()
            self.assertEqual(len(json_lines(proc.stdout.read())), 1)
            self.assertEqual(proc.wait(TIMEOUT), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for stream in (proc.stdout, proc.stderr):
                stream.close()


class KeepGoingTest(unittest.TestCase):
    def test_reports_skips_and_resynchronises(self):
        bad_checksum = bytearray(trade(sequence=2))
        bad_checksum[-1] ^= 1
        data = (trade(sequence=1) + bytes(bad_checksum) + trade(sequence=3) + b"garbage" + trade(sequence=4) +
                frame(99, b"xyz") + trade(sequence=5) + trade(sequence=6)[:20])
        rc, out, err = run(["decode", "--keep-going"], data)
        self.assertEqual(rc, 1)
        self.assertEqual([o["header"]["sequence"] for o in json_lines(out)], [1, 3, 4, 5])
        errors = json_lines(err)
        self.assertEqual([e["error"] for e in errors], ["bad_checksum", "bad_magic", "unknown_type", "truncated"])
        self.assertEqual(errors[0]["offset"], 64)
        self.assertEqual(errors[1]["offset"], 192)
        self.assertEqual(errors[2]["offset"], 192 + 7 + 64)

    def test_without_keep_going_stops_at_the_first_error(self):
        bad = bytearray(trade(sequence=2))
        bad[-1] ^= 1
        rc, out, err = run(["decode"], trade(sequence=1) + bytes(bad) + trade(sequence=3))
        self.assertEqual(rc, 1)
        self.assertEqual(len(json_lines(out)), 1)
        self.assertEqual(len(json_lines(err)), 1)

    def test_huge_payload_size_then_resync(self):
        head = struct.pack("<IBBBBIQQI", MAGIC, 1, 1, 0, 0, 0x7FFFFFFF, 0, 0, 0)
        rc, out, err = run(["decode", "--keep-going"], head + trade(sequence=9))
        self.assertEqual(rc, 1)
        self.assertEqual([o["header"]["sequence"] for o in json_lines(out)], [9])
        self.assertEqual([e["error"] for e in json_lines(err)], ["payload_too_large"])

    def test_clean_input_exits_zero(self):
        rc, out, err = run(["decode", "--keep-going"], trade() + trade())
        self.assertEqual((rc, len(json_lines(out)), err), (0, 2, ""))


class RobustnessTest(unittest.TestCase):
    def check(self, data, args):
        rc, out, err = run(["decode"] + args, data)
        self.assertIn(rc, (0, 1), "exit %d (signal?) on input %s" % (rc, data[:64].hex()))
        json_lines(out)
        for e in json_lines(err):
            self.assertIn("error", e)

    def test_random_bytes_never_crash_or_hang(self):
        rng = random.Random(4242)
        frames = [trade(), custom(b"abc"), frame(3, b"\0" * 32)]
        for i in range(200):
            kind = i % 4
            if kind == 0:
                data = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 300)))
            elif kind == 1:
                # A magic then random header and bytes: exercises every length check.
                data = struct.pack("<I", MAGIC) + bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 200)))
            else:
                # Valid frames with a few bytes flipped.
                data = bytearray(b"".join(rng.choice(frames) for _ in range(rng.randrange(1, 4))))
                for _ in range(rng.randrange(1, 4)):
                    data[rng.randrange(len(data))] = rng.getrandbits(8)
                data = bytes(data)
            self.check(data, ["--keep-going"] if i % 2 else [])
            if kind == 2:
                self.check(data, ["--no-verify", "--keep-going"])


class EncodeTest(unittest.TestCase):
    def test_encodes_names_and_fills_in_sequence(self):
        lines = ('{"header":{"message_type_name":"Trade","timestamp":5},"instrument_id":"NASDAQ Stock AAPL","side":"Sell"}\n'
                 '\n'
                 '{"header":{"message_type":1,"timestamp":5},"price":-1}\n')
        rc, out, err = run(["encode"], lines.encode())
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(out), 128)
        self.assertEqual(out[:64], frame(1, AAPL + struct.pack("<qQBB2x", 0, 0, 2, 0), sequence=1, timestamp=5))
        self.assertEqual(struct.unpack_from("<Q", out, 64 + 12)[0], 2)

    def test_error_names_line_and_field(self):
        lines = b'{"header":{"message_type":1}}\n{"header":{"message_type":1},"prize":1}\n{"header":{"message_type":1}}\n'
        rc, out, err = run(["encode"], lines)
        self.assertEqual((rc, len(out)), (1, 64))
        (e,) = json_lines(err)
        self.assertEqual((e["error"], e["line"], e["field"]), ("unknown_key", 2, "prize"))
        rc, out, err = run(["encode", "--keep-going"], lines)
        self.assertEqual((rc, len(out)), (1, 128))
        self.assertEqual(len(json_lines(err)), 1)

    def test_each_error_kind(self):
        cases = [
            (b'{"header":{"message_type":1},"side":256}', "value_out_of_range", "side"),
            (b'{"header":{"message_type":34},"asset_address":"0xzz"}', "bad_hex", "asset_address"),
            (b'{"header":{"message_type":34},"asset_address":"0x00"}', "wrong_length", "asset_address"),
            (b'{"header":{"message_type":102},"message":"\xff"}', "invalid_utf8", "message"),
            (b'{"header":{"message_type":22},"message":"' + b"x" * 33 + b'"}', "text_too_long", "message"),
            (b'{"header":{"message_type":99}}', "unknown_message_type", "header.message_type"),
            (b'not json', "bad_json", ""),
        ]
        for line, reason, field in cases:
            rc, out, err = run(["encode"], line + b"\n")
            self.assertEqual(rc, 1)
            self.assertEqual(out, b"")
            (e,) = json_lines(err)
            self.assertEqual((e["error"], e["field"]), (reason, field), line)


ALL_TYPES = [1, 2, 3, 10, 12, 20, 21, 22, 23, 24, 25, 30, 31, 32, 33, 34, 35, 36, 37,
             40, 41, 42, 43, 44, 45, 100, 101, 102, 103, 200]
POOL_DISCOVERED = (
    '{"header":{"message_type":11},"instrument_id":"UniswapV3 Pool 0x2c41296fcb3f5640","symbol":"USDC/WETH",'
    '"metadata":[{"type":1,"address":"0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640"},{"type":2,"name":"USD Coin"},'
    '{"type":4,"token0_id":"Ethereum Token 0x2e9eb0ce3606eb48","token1_id":"Ethereum Token 0x27ead9083c756cc2",'
    '"token0_address":"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",'
    '"token1_address":"0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2","fee_tier":500},{"type":42,"data":"0xff"}]}')


class RoundTripTest(unittest.TestCase):
    def pipeline(self, data, *stages):
        """Runs data through `alphapulse <stage>` processes joined by pipes."""
        procs = []
        stdin = subprocess.PIPE
        for stage in stages:
            proc = subprocess.Popen([BINARY] + stage, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if procs:
                procs[-1].stdout.close()  # the next stage owns it now
            procs.append(proc)
            stdin = proc.stdout
        procs[0].stdin.write(data)
        procs[0].stdin.close()
        out = procs[-1].stdout.read()
        procs[-1].stdout.close()
        codes = []
        for proc in procs:
            codes.append(proc.wait(TIMEOUT))
            err = proc.stderr.read()
            proc.stderr.close()
            self.assertEqual(err, b"", err)
        self.assertEqual(codes, [0] * len(procs))
        return out

    def test_every_message_type_through_pipes(self):
        lines = "".join('{"header":{"message_type":%d,"sequence":%d,"timestamp":7}}\n' % (t, i)
                        for i, t in enumerate(ALL_TYPES))
        lines += POOL_DISCOVERED + "\n"
        frames = self.pipeline(lines.encode(), ["encode"])
        again = self.pipeline(frames, ["decode"], ["encode"])
        self.assertEqual(again, frames)
        self.assertEqual(len(json_lines(self.pipeline(frames, ["decode"]))), len(ALL_TYPES) + 1)

    def test_python_built_frames_come_back_byte_exact(self):
        rng = random.Random(7)
        pad = bytes([0, 9])  # nonzero padding must survive too
        frames = [trade(price=-5, volume=2**64 - 1), custom(bytes(range(256))), custom(b""),
                  frame(1, AAPL + struct.pack("<qQBB", 1, 2, 3, 4) + pad, source=77, flags=3),
                  frame(3, AAPL + struct.pack("<QHHB7x", 5, 1, 2, 1) + struct.pack("<qQ", -1, 1) * 3)]
        frames += [custom(bytes(rng.getrandbits(8) for _ in range(rng.randrange(50)))) for _ in range(10)]
        data = b"".join(frames)
        self.assertEqual(self.pipeline(data, ["decode"], ["encode"]), data)


class IdTest(unittest.TestCase):
    def id(self, *args):
        rc, out, err = run(["id"] + list(args))
        self.assertEqual(rc, 0, err)
        (obj,) = json_lines(out)
        return obj

    def refused(self, reason, *args):
        rc, out, err = run(["id"] + list(args))
        self.assertEqual(rc, 2, args)
        self.assertEqual(out, b"")
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn(reason, err)

    def test_stock(self):
        obj = self.id("stock", "nasdaq", "AAPL")
        self.assertEqual(obj["hex"], "0x" + AAPL.hex())
        self.assertEqual((obj["venue"], obj["venue_name"], obj["asset_type"], obj["asset_type_name"]),
                         (1, "NASDAQ", 1, "Stock"))
        self.assertEqual(obj["asset_id"], int.from_bytes(b"AAPL\0\0\0\0", "big"))
        self.assertEqual(obj["text"], "NASDAQ Stock AAPL")
        self.assertEqual(list(obj), ["hex", "venue", "venue_name", "asset_type", "asset_type_name", "asset_id", "text"])

    def test_long_symbol_and_back(self):
        obj = self.id("symbol", "Binance", "Pair", "BCHABCUSDT")
        self.assertEqual(obj["text"], "Binance Pair BCHABCUSDT")
        self.assertEqual(self.id("decode", obj["hex"]), obj)
        self.assertEqual(self.id("decode", obj["hex"][2:]), obj)
        self.assertEqual(self.id("text", "Binance Pair BCHABCUSDT"), obj)

    def test_token_and_pool(self):
        token = self.id("token", "ethereum", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48")
        self.assertEqual(token["text"], "Ethereum Token 0x2e9eb0ce3606eb48")
        self.assertEqual(token["asset_type_name"], "Token")
        pool = self.id("pool", "UniswapV3", "0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640")
        self.assertEqual(pool["text"], "UniswapV3 Pool 0x2c41296fcb3f5640")
        self.assertEqual(self.id("decode", pool["hex"]), pool)

    def test_invalid_input_exits_two_naming_the_reason(self):
        self.refused("invalid_symbol", "stock", "NASDAQ", "")
        self.refused("invalid_symbol", "stock", "NASDAQ", "WAYTOOLONGSYMBOL")
        self.refused("unknown_venue", "stock", "Atlantis", "AAPL")
        self.refused("wrong_venue_kind", "token", "NASDAQ", "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48")
        self.refused("invalid_address", "token", "Ethereum", "0x1234")
        self.refused("invalid_address", "token", "Ethereum", "0xA0B86991c6218b36c1d19D4a2e9Eb0cE3606eB48")
        self.refused("unknown_asset_type", "symbol", "Binance", "Spaceship", "BTC")
        self.refused("bad_length", "decode", "0x0102")
        self.refused("bad_length", "decode", "zz" * 12)
        self.refused("non_canonical_id", "decode", "0x0100010100000000" + "4c504141")
        self.refused("unknown_venue", "text", "Atlantis Stock AAPL")

    def test_usage_errors_exit_two(self):
        rc, _, _ = run(["id", "stock"])
        self.assertEqual(rc, 2)

    def test_version(self):
        rc, out, _ = run(["version"])
        self.assertEqual(rc, 0)
        self.assertTrue(out.startswith(b"alphapulse "))



# ---------------------------------------------------------------------------
# Failures that must speak: exit codes and messages of the relay tools, and
# `up`. Every test that needs a relay starts `alphapulse relay` on a socket in
# a temporary directory and stops it; every wait is bounded.

def order(sequence, source="RiskManager"):
    return json.dumps({"header": {"message_type_name": "OrderRequest", "source_name": source, "sequence": sequence},
                       "client_order_id": sequence, "instrument_id": "NASDAQ Stock AAPL", "side": "Buy",
                       "order_type": "Limit", "time_in_force": "Day", "price": 15000000000,
                       "quantity": 100000000, "account_id": 1}) + "\n"


def trade_line(sequence, source=5):
    return json.dumps({"header": {"message_type_name": "Trade", "source": source, "sequence": sequence},
                       "instrument_id": "NASDAQ Stock AAPL", "price": 15000000000, "volume": 100,
                       "side": "Buy"}) + "\n"


def stats_answer(path, timeout=1.0):
    """The JSON a relay's stats socket answers, or None."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(path)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        return json.loads(data)
    except (OSError, ValueError):
        return None


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


class Relay:
    """`alphapulse relay DOMAIN --socket PATH`, serving once its stats socket answers."""

    def __init__(self, domain, path, log, config=None, settings=None):
        """`config`: a deployment file saying where the relay is (then `path` is its stats socket's base);
        `settings`: a file of relay settings for the relay on `path`."""
        self.domain, self.path = domain, path
        self.log = open(log, "ab")
        where = ["--config", config] if config else ["--socket", path] + (["--config", settings] if settings else [])
        self.proc = subprocess.Popen([BINARY, "relay", domain] + where, stdout=self.log, stderr=self.log)
        wait_until(lambda: self.proc.poll() is not None or stats_answer(path + ".stats"), 10, "the relay")
        assert self.proc.poll() is None, "the relay did not start; see " + log

    def stats(self):
        return stats_answer(self.path + ".stats")

    def kill9(self):
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class RelayCase(unittest.TestCase):
    """A temporary directory, relays started in it, all stopped at the end."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="alphapulse-cli-")
        os.chmod(self.dir, 0o755)  # another user may reach a socket (its mode permitting)
        self.relays, self.procs = [], []

    def tearDown(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            for stream in (getattr(proc, "out", None), getattr(proc, "err", None), proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
        for relay in self.relays:
            relay.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def relay(self, domain, name=None):
        path = os.path.join(self.dir, (name or domain) + ".sock")
        relay = Relay(domain, path, os.path.join(self.dir, "relay-%d.log" % len(self.relays)))
        self.relays.append(relay)
        return relay

    def spawn(self, args, **kwargs):
        proc = subprocess.Popen([BINARY] + args, **kwargs)
        self.procs.append(proc)
        return proc

    def tap(self, relay, *extra):
        """A tap on `relay`, connected (the relay lists it) before this returns."""
        before = len(relay.stats()["clients"])
        out = open(os.path.join(self.dir, "tap-%d.out" % len(self.procs)), "w+")
        err = open(os.path.join(self.dir, "tap-%d.err" % len(self.procs)), "w+")
        proc = self.spawn(["tap", relay.path] + list(extra), stdout=out, stderr=err, text=True)
        wait_until(lambda: len((relay.stats() or {"clients": []})["clients"]) > before, 10, "the tap to connect")
        proc.out, proc.err = out, err
        return proc


def timed(args, data=b"", timeout=TIMEOUT, **kwargs):
    """run(), and how long it took."""
    started = time.monotonic()
    result = run(args, data, timeout)
    return result + (time.monotonic() - started,)


class UsageTest(unittest.TestCase):
    def test_version_flag_prints_the_version(self):
        rc, out, err = run(["--version"])
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.startswith(b"alphapulse "), out)

    def test_help_command_prints_the_help(self):
        rc, out, err = run(["help"])
        self.assertEqual(rc, 0, err)
        self.assertIn(b"tap", out)
        self.assertIn(b"publish", out)
        rc, out, err = run(["help", "tap"])
        self.assertEqual(rc, 0, err)
        self.assertIn(b"--timeout", out)

    def test_an_unknown_command_is_named(self):
        rc, _, err = run(["frobnicate"])
        self.assertEqual(rc, 2)
        self.assertIn("unknown command 'frobnicate'", err)

    def test_dashboard_port_out_of_range_is_refused(self):
        rc, _, err = run(["dashboard", "--port", "70000"], timeout=10)
        self.assertEqual(rc, 2, err)
        self.assertIn("70000", err)

    def test_dashboard_port_zero_prints_the_port_it_listens_on(self):
        proc = subprocess.Popen([BINARY, "dashboard", "--port", "0"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        try:
            ready, _, _ = select.select([proc.stdout], [], [], 10)
            self.assertTrue(ready, "no line from the dashboard")
            port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", proc.stdout.readline()).group(1))
            self.assertTrue(1 <= port <= 65535)
            with urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=5) as page:
                self.assertEqual(page.status, 200)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


class RelayPathTest(RelayCase):
    """tap, stats and publish on paths that are not a relay: fail at once, or
    after --timeout for a relay that may be starting, naming the fix."""

    def test_a_regular_file_fails_at_once(self):
        path = os.path.join(self.dir, "execution.sock")
        open(path, "w").close()
        for args, data in ((["tap", path], b""), (["stats", path], b""), (["publish", path], order(1).encode())):
            rc, _, err, took = timed(args, data, timeout=10)
            self.assertNotEqual(rc, 0, args)
            self.assertLess(took, 3, args)
            self.assertIn(path, err)
            self.assertIn("regular file, not a socket", err)

    def test_a_missing_socket_fails_after_the_timeout_saying_how_to_start_the_relay(self):
        path = os.path.join(self.dir, "execution.sock")
        for command in ("tap", "stats"):
            rc, _, err, took = timed([command, path, "--timeout", "1"], timeout=15)
            self.assertEqual(rc, 1, err)
            self.assertTrue(0.9 < took < 8, (command, took))
            self.assertIn("waiting for a relay on " + path, err)
            self.assertIn("no such socket", err)
            self.assertIn("alphapulse relay execution --socket " + path, err)

    def test_a_stats_socket_is_recognised(self):
        relay = self.relay("market_data")
        rc, _, err, took = timed(["tap", relay.path + ".stats"], timeout=10)
        self.assertEqual(rc, 1, err)
        self.assertLess(took, 3)
        self.assertIn("stats socket", err)
        self.assertIn("use the relay's socket " + relay.path, err)
        rc, out, err = run(["stats", relay.path + ".stats"], timeout=10)
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["domain"], "market_data")
        self.assertIn("is the stats socket of the relay", err)

    def test_permission_denied_fails_at_once(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to run a command as another user")
        relay = self.relay("market_data")  # socket mode 0660, owned by root
        for command in ("tap", "stats"):
            started = time.monotonic()
            proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", BINARY, command,
                                   relay.path], capture_output=True, text=True, timeout=15)
            took = time.monotonic() - started
            self.assertEqual(proc.returncode, 1, proc.stderr)
            self.assertLess(took, 3, command)
            self.assertIn("permission denied", proc.stderr)

    def test_a_refusing_socket_is_waited_for_then_fails(self):
        path = os.path.join(self.dir, "signals.sock")
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(path)  # a socket file nobody listens on: what a killed relay leaves
        stale.close()
        rc, _, err, took = timed(["tap", path, "--timeout", "1"], timeout=15)
        self.assertEqual(rc, 1, err)
        self.assertGreater(took, 0.9)
        self.assertIn("waiting for a relay on " + path, err)
        self.assertIn("refuses connections", err)
        self.assertIn("alphapulse relay signals --socket " + path, err)

    def test_a_relay_that_comes_up_within_the_timeout_is_tapped(self):
        path = os.path.join(self.dir, "market_data.sock")
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(path)
        stale.close()
        tap = self.spawn(["tap", path, "--count", "1", "--timeout", "20"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([tap.stderr], [], [], 10)
        self.assertTrue(ready, "tap said nothing")
        self.assertIn("waiting for a relay on " + path, tap.stderr.readline())
        relay = Relay("market_data", path, os.path.join(self.dir, "relay.log"))
        self.relays.append(relay)
        deadline = time.monotonic() + 10
        while not relay.stats()["clients"] and tap.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if not relay.stats()["clients"]:
            tap.kill()
            self.fail("the tap did not connect (exit %s): %s" % (tap.wait(), tap.stderr.read()))
        rc, _, err = run(["publish", path], trade_line(1).encode())
        self.assertEqual(rc, 0, err)
        out, err = tap.communicate(timeout=10)
        self.assertEqual(tap.returncode, 0, err)
        self.assertEqual(json_lines(out)[0]["header"]["message_type_name"], "Trade")


class GapTest(RelayCase):
    def test_tap_prints_each_gap_and_a_summary(self):
        relay = self.relay("market_data")
        tap = self.tap(relay, "--count", "5")
        rc, _, err = run(["publish", relay.path], "".join(trade_line(s) for s in (1, 2, 3, 10, 11)).encode())
        self.assertEqual(rc, 0, err)
        tap.wait(timeout=10)
        self.assertEqual(tap.returncode, 0)
        tap.err.seek(0)
        lines = json_lines(tap.err.read())
        gaps = [line["gap"] for line in lines if "gap" in line]
        self.assertEqual(gaps, [{"source": 5, "source_name": "AlpacaCollector", "first_missing": 4, "missing": 6}])
        (summary,) = [line["gap_summary"] for line in lines if "gap_summary" in line]
        self.assertEqual((summary["gaps"], summary["missing"], summary["frames_received"]), (1, 6, 5))

    def test_sigterm_ends_tap_with_the_summary(self):
        relay = self.relay("market_data")
        tap = self.tap(relay)
        self.assertEqual(run(["publish", relay.path], trade_line(1).encode())[0], 0)
        tap.out.flush()
        wait_until(lambda: open(tap.out.name).read().strip(), 10, "the frame")
        tap.send_signal(signal.SIGTERM)
        self.assertEqual(tap.wait(timeout=10), 0)
        tap.err.seek(0)
        (summary,) = [line["gap_summary"] for line in json_lines(tap.err.read()) if "gap_summary" in line]
        self.assertEqual((summary["gaps"], summary["frames_received"]), (0, 1))


class PublishVerdictTest(RelayCase):
    """publish exits 0 only when nothing says a frame may not have arrived."""

    def test_no_consumer_on_execution_exits_non_zero_saying_so(self):
        relay = self.relay("execution")
        rc, _, err = run(["publish", relay.path], "".join(order(s) for s in range(1, 6)).encode())
        self.assertEqual(rc, 3, err)
        self.assertIn("no_consumer (error 6", err)
        self.assertIn("reached no consumer", err)
        self.assertEqual(relay.stats()["drops"]["no_consumer"], 5)

    def test_a_type_outside_the_domain_is_refused_before_sending(self):
        relay = self.relay("execution")
        rc, _, err = run(["publish", relay.path], trade_line(1).encode())
        self.assertEqual(rc, 1, err)
        (report,) = json_lines(err)
        self.assertEqual(report["error"], "out_of_domain")
        self.assertIn("Trade", report["message"])
        self.assertIn("not execution", report["message"])
        stats = relay.stats()
        self.assertEqual(stats["drops"]["out_of_domain"], 0, "it was sent")
        self.assertEqual(stats["frames_in"], 1, "only publish's subscription reached the relay")

    def test_out_of_domain_with_a_deployment(self):
        relay = self.relay("execution")
        config = os.path.join(self.dir, "deploy.yaml")
        with open(config, "w") as f:
            f.write("alphapulse:\n  execution:\n    transport: unix_socket\n    path: %s\n" % relay.path)
        rc, _, err = run(["publish", "--domain", "execution", "--config", config], trade_line(1).encode())
        self.assertEqual(rc, 1, err)
        self.assertIn("belongs to the market_data domain, not execution", err)
        self.assertEqual(relay.stats()["drops"]["out_of_domain"], 0)

    def test_frames_left_unsent_exit_non_zero_saying_so(self):
        path = os.path.join(self.dir, "execution.sock")  # no relay: the frames stay in publish's buffer
        rc, _, err = run(["publish", path, "--timeout-ms", "500"], order(1).encode(), timeout=20)
        self.assertEqual(rc, 3, err)
        self.assertIn("left unsent after 500 ms (--timeout-ms)", err)
        self.assertIn("cannot check that the types belong to the relay's domain", err)

    def test_no_consumer_over_tcp(self):
        """The half-close and the relay's last answers over TCP too."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        runtime = os.path.join(self.dir, "rt")
        config = os.path.join(self.dir, "deploy.yaml")
        with open(config, "w") as f:
            f.write("alphapulse:\n  runtime_dir: %s\n  execution:\n    transport: tcp\n    address: 127.0.0.1:%d\n"
                    % (runtime, port))
        relay = Relay("execution", os.path.join(runtime, "execution.sock"), os.path.join(self.dir, "relay.log"),
                      config)
        self.relays.append(relay)
        rc, _, err = run(["publish", "--domain", "execution", "--config", config],
                         "".join(order(s) for s in range(1, 4)).encode())
        self.assertEqual(rc, 3, err)
        self.assertIn("no_consumer (error 6", err)
        self.assertEqual(relay.stats()["drops"]["no_consumer"], 3)

    def test_a_full_relay_is_reported(self):
        settings = os.path.join(self.dir, "full.yaml")
        with open(settings, "w") as f:
            f.write("max_clients: 1\n")
        path = os.path.join(self.dir, "execution.sock")
        relay = Relay("execution", path, os.path.join(self.dir, "relay.log"), settings=settings)
        self.relays.append(relay)
        self.tap(relay)  # the one client it takes
        rc, _, err = run(["publish", path, "--timeout-ms", "1000"], order(1).encode())
        self.assertEqual(rc, 3, err)
        self.assertIn("the relay reported relay_full (error 7): it has max_clients connections", err)

    def test_with_a_consumer_every_order_arrives_and_publish_exits_zero(self):
        relay = self.relay("execution")
        tap = self.tap(relay, "--count", "5")
        rc, _, err = run(["publish", relay.path], "".join(order(s) for s in range(1, 6)).encode())
        self.assertEqual(rc, 0, err)
        tap.wait(timeout=10)
        tap.out.seek(0)
        self.assertEqual([o["header"]["sequence"] for o in json_lines(tap.out.read())], [1, 2, 3, 4, 5])



class NoSilentLossTest(RelayCase):
    """The reported scenario: a tap on the execution relay, publish of 100k
    OrderRequests, and the relay killed with SIGKILL and restarted 0.8 s in.
    Either the tap has every order, or publish failed saying why AND the
    loss is visible (the tap's gaps, the new relay's no_consumer drops)."""

    COUNT = 100_000
    RATE = 50_000  # lines per second fed to publish, so that the kill lands mid-stream on any machine

    def feed(self, proc):
        """Writes the orders to publish's stdin at RATE, in a thread."""
        import threading

        def write():
            chunk = 1000
            started = time.monotonic()
            try:
                for first in range(1, self.COUNT + 1, chunk):
                    proc.stdin.write("".join(order(s) for s in range(first, first + chunk)))
                    due = started + (first + chunk - 1) / self.RATE
                    time.sleep(max(0.0, due - time.monotonic()))
                proc.stdin.close()
            except BrokenPipeError:
                pass

        thread = threading.Thread(target=write, daemon=True)
        thread.start()
        return thread

    def test_relay_killed_and_restarted_mid_publish(self):
        relay = self.relay("execution")
        tap = self.tap(relay)
        publish = self.spawn(["publish", relay.path], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        feeder = self.feed(publish)
        time.sleep(0.8)
        self.assertIsNone(publish.poll(), "publish had finished before the kill: nothing was tested")
        relay.kill9()
        relay.stop()
        self.relays.remove(relay)
        restarted = self.relay("execution")  # the same path: it replaces the dead relay's socket file
        feeder.join(timeout=120)  # first: communicate() would close publish's stdin
        self.assertFalse(feeder.is_alive(), "publish stopped reading its input")
        publish.wait(timeout=120)  # its few stderr lines fit the pipe
        publish_err = publish.stderr.read()
        tap.out.flush()

        def received():
            with open(tap.out.name) as f:
                return sum(1 for _ in f)
        # What reached the tap arrives within moments; wait until it stops growing.
        last = -1
        while received() != last:
            last = received()
            time.sleep(0.5)
        new_stats = restarted.stats()
        tap.send_signal(signal.SIGTERM)
        tap_status = tap.wait(timeout=10)
        tap.out.seek(0)
        sequences = [json.loads(line)["header"]["sequence"] for line in tap.out]
        tap.err.seek(0)
        tap_text = tap.err.read()  # JSON lines, and plain ones saying it waits for the relay
        tap_err = json_lines("\n".join(line for line in tap_text.splitlines() if line.startswith("{")))
        gaps = [line["gap"] for line in tap_err if "gap" in line]
        lost = self.COUNT - len(set(sequences))
        print("\n  restart scenario: tap received %d of %d (%d lost), tap gaps %s, publish exit %d, new relay "
              "no_consumer %d\n  publish said: %s" % (len(set(sequences)), self.COUNT, lost, gaps[:3],
                                                      publish.returncode, new_stats["drops"]["no_consumer"],
                                                      publish_err.strip()[:600]), file=sys.stderr)
        self.assertEqual(len(sequences), len(set(sequences)), "no order twice")
        if lost != 0:
            self.assertNotEqual(publish.returncode, 0, "orders were lost and publish exited 0:\n" + publish_err)
            self.assertIn("the connection to the relay broke", publish_err)
        self.assertEqual(tap_status, 0, "SIGTERM ends tap normally")
        self.assertIn("waiting for the relay to come back on " + relay.path, tap_text)
        (summary,) = [line["gap_summary"] for line in tap_err if "gap_summary" in line]
        if lost == 0:
            return
        self.assertTrue(summary["missing"] > 0 or new_stats["drops"]["no_consumer"] > 0,
                        "the loss is visible: the tap reported a gap, or the new relay counted frames that "
                        "reached no consumer")
        if sequences and max(sequences) == self.COUNT:
            # The tap saw the end, so every order it misses lies in a gap it reported.
            self.assertEqual(summary["missing"], lost, summary)


class UpTest(RelayCase):
    """`up` checks a deployment before starting it, and gives up (non-zero)
    on a service that cannot start instead of restarting it forever."""

    def deployment(self, services):
        runtime = os.path.join(self.dir, "rt")
        os.makedirs(runtime, exist_ok=True)
        path = os.path.join(self.dir, "deploy.yaml")
        with open(path, "w") as f:
            f.write("alphapulse:\n  runtime_dir: %s\n" % runtime)
            for domain in ("market_data", "signals", "execution", "system"):
                f.write("  %s: {transport: unix_socket}\n" % domain)
            f.write("  services:\n" + services)
        return path, runtime

    def test_check_names_a_missing_program_and_a_bad_port_and_starts_nothing(self):
        config, runtime = self.deployment(
            "    - name: ghost\n      command: [alphapulse-no-such-service]\n"
            "    - name: dashboard\n      command: [alphapulse, dashboard, --port, \"70000\"]\n")
        for extra in (["--check"], ["--duration", "5"]):
            rc, _, err = run(["up", "--config", config] + extra, timeout=30)
            self.assertEqual(rc, 2, err)
            self.assertIn("service ghost: program 'alphapulse-no-such-service' not found", err)
            self.assertIn("service dashboard: --port: port 70000 is outside 1..65535", err)
            self.assertEqual([f for f in os.listdir(runtime) if f.endswith(".sock")], [], "something was started")

    def test_check_of_a_good_deployment(self):
        config, runtime = self.deployment("    - name: dashboard\n      command: [alphapulse, dashboard, --port, \"0\"]\n")
        rc, out, err = run(["up", "--config", config, "--check"], timeout=30)
        self.assertEqual(rc, 0, err)
        self.assertIn(b"ok (4 relays, 1 services; nothing started)", out)
        self.assertEqual(os.listdir(runtime), [])

    def test_a_service_that_cannot_start_is_given_up_on(self):
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config, _ = self.deployment(
            "    - name: dashboard\n      command: [alphapulse, dashboard, --port, \"%d\"]\n"
            "      restart: always\n      backoff_ms: 50\n" % port)
        try:
            started = time.monotonic()
            proc = subprocess.run([BINARY, "up", "--config", config, "--duration", "120", "--run-dir",
                                   os.path.join(self.dir, "run")], capture_output=True, text=True, timeout=60)
        finally:
            taken.close()
        self.assertEqual(proc.returncode, 1, proc.stdout[-2000:] + proc.stderr)
        self.assertLess(time.monotonic() - started, 45)
        self.assertIn("up: dashboard failed (exit 1); its log", proc.stdout)
        self.assertIn("says: alphapulse dashboard: cannot listen on 127.0.0.1:%d" % port, proc.stdout)
        self.assertIn("giving up on it", proc.stdout)
        self.assertIn("GAVE UP", proc.stdout)
        self.assertIn("a service kept failing", proc.stderr)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(argv=sys.argv, verbosity=1)
