#!/usr/bin/env python3
"""Runs the built `alphapulse` binary as a process.

Frames are built here independently of the C++ code, with struct and zlib
(W2, W3), so these tests also check the wire format from the outside.

    python3 cli_test.py path/to/alphapulse [unittest args, e.g. DecodeTest]
"""
import json
import os
import random
import select
import struct
import subprocess
import sys
import unittest
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


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(argv=sys.argv, verbosity=1)
