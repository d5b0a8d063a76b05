#!/usr/bin/env python3
"""`alphapulse decode/encode --schemas` and `alphapulse cache`, as processes.

Frames of the custom types are also built here with struct and zlib, so the
schema file's layout is checked from outside the C++ code.

    python3 cli_schema_test.py --cli path/to/alphapulse --data libs/schema/test/data
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

CLI = None
DATA = None
MAGIC = 0xDEADBEEF


def frame(message_type, payload, version=1, source=0, sequence=1, timestamp=0):
    head = struct.pack("<IBBBBIQQ", MAGIC, message_type, version, source, 0, len(payload), sequence, timestamp)
    return head + struct.pack("<I", zlib.crc32(head + payload)) + payload


def run(args, data=b""):
    return subprocess.run([CLI] + args, input=data, capture_output=True, timeout=30)


def lines(out):
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


AAPL = struct.pack("<HBBQ", 1, 1, 0, int.from_bytes(b"AAPL\0\0\0\0", "big"))


def volume_bar(close=19050000000):
    # VolumeBar (201 v1): instrument_id@32, open/high/low/close i64, volume u64, side u8, note text[11]; 96 bytes.
    body = AAPL + struct.pack("<qqqqQB", 18900000000, 19100000000, 18850000000, close, 12345, 1) + b"regular".ljust(11, b"\0")
    assert len(body) == 64
    return frame(201, body, source=1, sequence=1, timestamp=1700000000000000000)


def discovery(message_type, venue, asset_type, address, symbol, decimals, meta):
    asset_id = int.from_bytes(address[12:], "big")
    head = struct.pack("<HBBQ", venue, asset_type, 0, asset_id) + struct.pack("<BBH", decimals, len(symbol), len(meta))
    return frame(message_type, head + symbol + meta, timestamp=1700000000000000000)


def token(address_hex, symbol, decimals=18, name=b""):
    address = bytes.fromhex(address_hex[2:])
    meta = bytes([1, 20]) + address + bytes([3, 8]) + struct.pack("<Q", 1)
    if name:
        meta += bytes([2, len(name)]) + name
    return discovery(10, 300, 2, address, symbol, decimals, meta)


USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"
TWIN = "0x0000000000000000000000002e9eb0ce3606eb48"


class SchemasOption(unittest.TestCase):
    def test_decode_without_schemas_refuses_and_with_them_decodes(self):
        bar = volume_bar()
        plain = run(["decode"], bar)
        self.assertEqual(plain.returncode, 1)
        self.assertEqual(json.loads(plain.stderr)["error"], "unknown_type")
        out = run(["decode", "--schemas", os.path.join(DATA, "custom.yaml")], bar)
        self.assertEqual(out.returncode, 0, out.stderr)
        (obj,) = lines(out.stdout)
        self.assertEqual(obj["header"]["message_type_name"], "VolumeBar")
        self.assertEqual(obj["instrument_id"]["text"], "NASDAQ Stock AAPL")
        self.assertEqual(obj["close"], 19050000000)
        self.assertEqual(obj["side_name"], "Buy")
        self.assertEqual(obj["note"], "regular")

    def test_encode_with_schemas_then_decode_gives_back_the_json(self):
        schemas = ["--schemas", os.path.join(DATA, "custom.yaml"), "--schemas", os.path.join(DATA, "custom.json")]
        with open(os.path.join(DATA, "custom_frames.jsonl"), "rb") as f:
            source = f.read()
        enc = run(["encode"] + schemas + [os.path.join(DATA, "custom_frames.jsonl")])
        self.assertEqual(enc.returncode, 0, enc.stderr)
        self.assertEqual(enc.stdout[: len(volume_bar())], volume_bar(), "the first frame is the one built here")
        dec = run(["decode"] + schemas, enc.stdout)
        self.assertEqual(dec.returncode, 0, dec.stderr)
        objs = lines(dec.stdout)
        self.assertEqual([o["header"]["message_type"] for o in objs], [201, 202, 1, 210])
        self.assertEqual(objs[1]["data"], "0x68656c6c6f")
        self.assertEqual(objs[2]["header"]["version"], 2)
        self.assertEqual(objs[2]["trade_id"], 99)
        self.assertEqual(objs[3]["chain_venue_name"], "Ethereum")
        self.assertEqual(objs[3]["base_fee_wei"], "12000000000")
        again = run(["encode"] + schemas, dec.stdout)
        self.assertEqual(again.stdout, enc.stdout, "encode(decode(frames)) == frames")
        self.assertTrue(source)

    def test_a_bad_schema_file_is_refused_naming_the_field(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("name: Bad\ntype: 220\nfields:\n  - {name: price, type: i64}\n  - {name: ratio, type: f64}\n")
        try:
            for command in (["decode"], ["encode"], ["cache"]):
                out = run(command + ["--schemas", f.name], b"")
                self.assertEqual(out.returncode, 2)
                self.assertIn("ratio", out.stderr.decode())
                self.assertIn("f64", out.stderr.decode())
        finally:
            os.unlink(f.name)


class CacheCommand(unittest.TestCase):
    def test_objects_then_collisions_as_json_lines_and_save_load(self):
        stream = (token(USDC, b"USDC", 6, b"USD Coin") + volume_bar() + token(TWIN, b"FAKE")
                  + frame(1, AAPL + struct.pack("<qQBB2x", 1, 2, 1, 0)))
        with tempfile.TemporaryDirectory() as tmp:
            saved = os.path.join(tmp, "cache.bin")
            out = run(["cache", "--schemas", os.path.join(DATA, "custom.yaml"), "--save", saved], stream)
            self.assertEqual(out.returncode, 0, out.stderr)
            objs = lines(out.stdout)
            self.assertEqual(len(objs), 3, objs)
            self.assertEqual(objs[0]["object"], "token")
            self.assertEqual(objs[0]["symbol"], "USDC")
            self.assertEqual(objs[0]["address"], "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48")
            self.assertEqual(objs[0]["chain_id"], 1)
            self.assertEqual(objs[1]["object"], "custom")
            self.assertEqual(objs[1]["custom_type"], 201)
            self.assertEqual(objs[2]["collision"], objs[0]["id"])
            self.assertEqual(objs[2]["held_symbol"], "USDC")
            self.assertEqual(objs[2]["new_address"].lower(), TWIN)
            summary = json.loads(out.stderr.decode().splitlines()[-1])
            self.assertEqual(summary["frames"], 4)
            self.assertEqual(summary["objects_cached"], 2)
            self.assertEqual(summary["collisions"], 1)
            # Restored: the same token again only refreshes (no new object), and no new collision.
            again = run(["cache", "--load", saved], token(USDC, b"USDC", 6, b"USD Coin"))
            self.assertEqual(again.returncode, 0, again.stderr)
            summary = json.loads(again.stderr.decode().splitlines()[-1])
            self.assertEqual(summary["objects_cached"], 2)
            self.assertEqual(summary["collisions"], 0)
            with open(saved, "r+b") as f:
                f.seek(20)
                f.write(b"\xff")
            bad = run(["cache", "--load", saved], b"")
            self.assertEqual(bad.returncode, 2)
            self.assertIn("checksum", bad.stderr.decode())

    def test_a_schema_definition_frame_in_the_stream_teaches_decode_the_type(self):
        with open(os.path.join(DATA, "custom.yaml")) as f:
            del f  # the JSON below is the canonical form of its first schema
        schema = {"name": "VolumeBar", "type": 201, "version": 1, "domain": "market_data", "size": 96, "tail": "none",
                  "fields": [{"name": "instrument_id", "type": "InstrumentId", "offset": 32},
                             {"name": "open", "type": "i64", "offset": 44}, {"name": "high", "type": "i64", "offset": 52},
                             {"name": "low", "type": "i64", "offset": 60}, {"name": "close", "type": "i64", "offset": 68},
                             {"name": "volume", "type": "u64", "offset": 76},
                             {"name": "side", "type": "u8", "offset": 84, "enum": "Side"},
                             {"name": "note", "type": "text[11]", "offset": 85}]}
        definition = frame(105, struct.pack("<BB6x", 201, 1) + json.dumps(schema).encode(), source=23)
        out = run(["decode"], definition + volume_bar())
        self.assertEqual(out.returncode, 0, out.stderr)
        objs = lines(out.stdout)
        self.assertEqual(objs[0]["header"]["message_type_name"], "SchemaDefinition")
        self.assertEqual(objs[0]["schema_type"], 201)
        self.assertEqual(objs[1]["header"]["message_type_name"], "VolumeBar")
        self.assertEqual(objs[1]["volume"], 12345)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--data", required=True)
    args, rest = parser.parse_known_args()
    CLI, DATA = args.cli, args.data
    unittest.main(argv=[sys.argv[0]] + rest)
