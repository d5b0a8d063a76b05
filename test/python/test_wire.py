#!/usr/bin/env python3
"""The package's wire layer against the C++ implementation (the `alphapulse` command):

- InstrumentIds built in Python from real symbols and token addresses (../shared/data) have the
  bytes and text `alphapulse id` gives, and refusals have the same reason;
- decode() of the real sample data (`alphapulse replay`) gives the values `alphapulse decode` gives;
- property: random fields for every message type -> Python encode -> C++ decode -> C++ encode ->
  Python decode is the identity, and the C++ JSON has the values Python wrote;
- malformed input (bad magic, truncation, bad checksum, unknown type, bad size, bad TLV) gives a
  WireError with the protocol's reason and the byte offset; bad values an EncodeError naming the field.
"""
import csv
import json
import random
import struct
import unittest
from decimal import Decimal


import support
from alphapulse import (LAYOUTS, EncodeError, IdError, InstrumentId, WireError, decode, decode_frame, dtype, encode,
                        frame_offsets, to_decimal)
from alphapulse.ids import VENUES

RNG = random.Random(20240515)


def cpp_decode(frames: bytes):
    out = support.run(["decode"], frames)
    return [json.loads(line) for line in out.stdout.decode().splitlines()]


def jsonable(value):
    """A Python-decoded value in the C++ JSON form (docs/design/json-lines.md)."""
    if isinstance(value, InstrumentId):
        out = {"venue": value.venue, "asset_type": value.asset_type, "asset_id": value.asset_id, "text": value.text()}
        if value.reserved:
            out["reserved"] = value.reserved
        return out
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def same_as_json(py: dict, js: dict, big_fields=()) -> bool:
    mine = jsonable(py)
    for k in big_fields:  # 128-bit values are decimal strings in JSON
        if k in mine:
            mine[k] = str(mine[k])
    return mine == js


class InstrumentIds(unittest.TestCase):
    def test_real_symbols_match_alphapulse_id(self):
        venues = {"binance": "Binance", "coinbase": "Coinbase", "kraken": "Kraken"}
        with open(support.SHARED_DATA / "exchange_symbols.csv") as fh:
            rows = [r for r in csv.DictReader(fh)]
        long_ones = [r for r in rows if len(r["symbol"]) > 8]
        sample = RNG.sample(rows, 12) + RNG.sample(long_ones, 8)
        with open(support.SHARED_DATA / "stock_symbols.csv") as fh:
            stocks = [r["symbol"] for r in csv.DictReader(fh)]
        cases = [("symbol", venues[r["exchange"]], "Pair", r["symbol"]) for r in sample]
        cases += [("stock", "NASDAQ", s) for s in RNG.sample(stocks, 10)]
        with open(support.SHARED_DATA / "tokens.json") as fh:
            tokens = json.load(fh)
        chains = {chain: name for _n, (name, kind, chain) in VENUES.items() if kind == "chain"}
        evm = [t for t in tokens if t["chainId"] in chains and t["address"].startswith("0x") and len(t["address"]) == 42]
        cases += [("token", chains[t["chainId"]], t["address"]) for t in RNG.sample(evm, 10)]
        cases += [("pool", "SushiSwap", "0x397FF1542f962076d0BFE58eA045FfA2d347ACa0")]
        for case in cases:
            with self.subTest(case=case):
                result = support.run(["id", *case], check=False)
                try:
                    if case[0] == "symbol":
                        ident = InstrumentId.symbol(*case[1:])
                    else:
                        ident = getattr(InstrumentId, case[0])(*case[1:])
                except IdError as e:
                    self.assertNotEqual(result.returncode, 0, f"Python refused {case}: {e}")
                    self.assertIn(e.reason, result.stderr.decode())
                    continue
                self.assertEqual(result.returncode, 0, result.stderr.decode())
                cpp = json.loads(result.stdout)
                self.assertEqual("0x" + ident.to_bytes().hex(), cpp["hex"])
                self.assertEqual(ident.text(), cpp["text"])
                self.assertEqual(InstrumentId.from_text(ident.text()), ident)

    def test_refusals_have_the_cpp_reason(self):
        cases = [("symbol", "Binance", "Pair", "bad symbol!!x"), ("symbol", "Binance", "Pair", "btcusdtlong"),
                 ("token", "Ethereum", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB4A"),
                 ("token", "Ethereum", "0x1234"), ("token", "NASDAQ", "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"),
                 ("stock", "Ethereum", "AAPL"), ("symbol", "Nowhere", "Pair", "X")]
        for case in cases:
            with self.subTest(case=case):
                result = support.run(["id", *case], check=False)
                self.assertNotEqual(result.returncode, 0)
                with self.assertRaises(IdError) as ctx:
                    (InstrumentId.symbol if case[0] == "symbol" else getattr(InstrumentId, case[0]))(*case[1:])
                self.assertIn(ctx.exception.reason + ":", result.stderr.decode())

    def test_non_canonical_bytes_print_like_cpp(self):
        raw = [InstrumentId(1, 1, 0, 0), InstrumentId(1, 1, 7, 0x4141504C00000000), InstrumentId(999, 1, 0, 1),
               InstrumentId(300, 3, 0, 5), InstrumentId(100, 132, 0, 1 << 61), InstrumentId(100, 9, 0, 3)]
        # `alphapulse id decode` refuses them; a frame carrying them prints their text.
        cpp = cpp_decode(b"".join(encode("Trade", instrument_id=ident) for ident in raw))
        self.assertEqual([ident.text() for ident in raw], [j["instrument_id"]["text"] for j in cpp])
        self.assertTrue(all(ident.validate() for ident in raw))


class DecodeRealData(unittest.TestCase):
    def test_replay_matches_alphapulse_decode(self):
        frames = support.run(["replay"]).stdout
        expected = cpp_decode(frames)
        got = decode(frames)
        self.assertEqual(len(got), len(expected))
        self.assertEqual(got.end, len(frames))
        for name, arr in got.items():
            wanted = [e for e in expected if e["header"]["message_type_name"] == name]
            self.assertEqual(len(arr), len(wanted), name)
        trades = [e for e in expected if e["header"]["message_type_name"] == "Trade"]
        t = got["Trade"]
        self.assertEqual(t["price"].tolist(), [e["price"] for e in trades])
        self.assertEqual(t["volume"].tolist(), [e["volume"] for e in trades])
        self.assertEqual(t["header"]["sequence"].tolist(), [e["header"]["sequence"] for e in trades])
        self.assertEqual([InstrumentId.coerce(i).text() for i in t["instrument_id"]],
                         [e["instrument_id"]["text"] for e in trades])
        # Every frame, variable ones included, decodes one by one to the C++ JSON.
        bounds = list(got.offsets) + [got.end]
        for i, e in enumerate(expected):
            py = decode_frame(frames[bounds[i]:bounds[i + 1]])
            self.assertTrue(same_as_json(py, e), f"frame {i}: {jsonable(py)} != {e}")

    def test_dtypes_have_the_documented_sizes(self):
        for t, lay in LAYOUTS.items():
            self.assertEqual(dtype(t).itemsize, lay.size)
            for f in lay.fields:
                if f.kind != "pad":
                    self.assertEqual(dtype(t).fields[f.name][1], f.offset, f"{lay.name}.{f.name}")
        self.assertEqual(to_decimal(15000000000), Decimal("150.00000000"))


def random_value(f):
    if f.kind == "instrument":
        return RNG.choice([InstrumentId.stock("NASDAQ", "AAPL"), InstrumentId.symbol("Binance", "Pair", "BCHABCUSDT"),
                           InstrumentId.token("Ethereum", "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"),
                           InstrumentId(RNG.randrange(1 << 16), RNG.randrange(256), 0, RNG.randrange(1 << 64))])
    if f.kind == "bytes":
        return bytes(RNG.randrange(256) for _ in range(f.size))
    if f.kind == "text":
        return "".join(RNG.choice("abcXYZ 019é") for _ in range(RNG.randrange(f.size // 2)))
    if f.kind == "pad":
        return None
    bits = {"u8": 8, "u16": 16, "u32": 32, "u64": 64, "i8": 8, "i16": 16, "i32": 32, "i64": 64, "u128": 128, "i128": 128}[f.kind]
    if f.kind.startswith("i"):
        return RNG.randrange(-(1 << (bits - 1)), 1 << (bits - 1))
    return RNG.randrange(1 << bits)


def random_message(lay):
    fields = {f.name: random_value(f) for f in lay.fields if f.kind != "pad" and f.name not in lay.rule_fields}
    if lay.rule == "Levels":
        fields["bids"] = [(RNG.randrange(-(1 << 63), 1 << 63), RNG.randrange(1 << 64)) for _ in range(RNG.randrange(4))]
        fields["asks"] = [(RNG.randrange(1 << 40), RNG.randrange(1 << 40)) for _ in range(RNG.randrange(4))]
    elif lay.rule == "Discovery":
        address = "0x" + bytes(RNG.randrange(256) for _ in range(20)).hex()
        ident = InstrumentId.token("Ethereum", address) if lay.name == "InstrumentDiscovered" else InstrumentId.pool("UniswapV2", address)
        fields["instrument_id"] = ident
        fields["symbol"] = RNG.choice(["USDC", "WETH/USDC", "Ünïcode"])
        fields["metadata"] = [{"type": "Address", "address": address}, {"type": "Name", "name": "A Token"},
                              {"type": "ChainId", "chain_id": 1}]
        if lay.name == "PoolDiscovered":
            t0, t1 = ("0x" + bytes(RNG.randrange(256) for _ in range(20)).hex() for _ in range(2))
            fields["metadata"].append({"type": "PoolTokens", "token0_id": InstrumentId.token("Ethereum", t0),
                                       "token1_id": InstrumentId.token("Ethereum", t1), "token0_address": t0,
                                       "token1_address": t1, "fee_tier": 3000})
    elif lay.rule == "Tlv":
        fields["tlv"] = [{"type": "PoolAddresses", "venue_a_pool": bytes(20), "venue_b_pool": bytes(range(20))},
                         {"type": 77, "data": b"opaque"},
                         {"type": "MEVBundle", "target_builder": 1, "bundle_uuid": 2, "max_bundle_size": 3,
                          "priority_fee_gwei": 4, "target_block_range": 2, "submission_strategy": 1,
                          "relay_preferences": 5}][:RNG.randrange(4)]
    elif lay.rule == "Opaque":
        fields["data"] = bytes(RNG.randrange(256) for _ in range(RNG.randrange(1, 40)))
        if lay.name in ("SchemaDefinition", "Subscribe"):
            fields["data"] = b""  # what follows their fixed part has its own rules (a schema, resume points)
    return fields


class Property(unittest.TestCase):
    ROUNDS = 12  # frames per message type

    def test_python_encode_cpp_decode_encode_python_decode_is_identity(self):
        sent, frames = [], []
        for lay in LAYOUTS.values():
            if lay.name == "SchemaDefinition":
                continue  # its payload is a run-time schema the C++ registry parses; covered by its own tests
            for i in range(self.ROUNDS):
                fields = random_message(lay)
                frame = encode(lay.name, sequence=len(frames) + 1, timestamp=RNG.randrange(1 << 64),
                               source=RNG.choice([1, 5, 40, 100, 250]), **fields)
                sent.append((lay, fields))
                frames.append(frame)
        blob = b"".join(frames)
        cpp = cpp_decode(blob)
        self.assertEqual(len(cpp), len(frames))
        back = support.run(["encode"], "\n".join(json.dumps(j) for j in cpp).encode() + b"\n").stdout
        self.assertEqual(back, blob, "C++ encode of C++ decode of Python's frames is not byte-exact")
        got = decode(back)
        self.assertEqual(len(got), len(frames))
        for i, ((lay, fields), frame, js) in enumerate(zip(sent, frames, cpp)):
            py = decode_frame(back[sum(map(len, frames[:i])):sum(map(len, frames[:i + 1]))])
            big = [f.name for f in lay.fields if f.kind in ("u128", "i128")]
            self.assertTrue(same_as_json(py, js, big), f"{lay.name}: {jsonable(py)} != {js}")
            for name, value in fields.items():
                if name in ("bids", "asks"):
                    self.assertEqual([tuple(l.values()) for l in py[name]], value)
                elif name in ("metadata", "tlv"):
                    self.assertEqual(len(py[name]), len(value))
                elif isinstance(value, str) and lay.by_name.get(name) and lay.by_name[name].kind == "instrument":
                    self.assertEqual(py[name].text(), value)
                else:
                    self.assertEqual(py.get(name, b"" if name == "data" else None), value, f"{lay.name}.{name}")
        # The arrays of the batch hold the same values as the per-frame decode.
        for name, arr in got.items():
            if hasattr(arr, "dtype"):
                idx = got.indices[name]
                for field in arr.dtype.names:
                    if field != "header" and arr.dtype[field].kind in "iu":
                        self.assertEqual(arr[field].tolist(), [sent[i][1][field] for i in idx], f"{name}.{field}")


class Malformed(unittest.TestCase):
    def setUp(self):
        self.trade = encode("Trade", sequence=1, instrument_id="NASDAQ Stock AAPL", price=Decimal("150"), volume=100,
                            side="Buy")
        self.quote = encode("Quote", sequence=2, instrument_id="NASDAQ Stock AAPL", bid_price=1, ask_price=2)

    def reason(self, data, **kw):
        with self.assertRaises(WireError) as ctx:
            decode(data, **kw)
        return ctx.exception

    def test_framing_errors_name_reason_and_offset(self):
        e = self.reason(self.trade + b"\x00" * 40)
        self.assertEqual((e.reason, e.offset, e.frame), ("bad_magic", 64, 1))
        e = self.reason(self.trade + self.quote[:50])
        self.assertEqual((e.reason, e.offset), ("truncated", 64))
        big = bytearray(self.quote)
        struct.pack_into("<I", big, 8, 70000)
        e = self.reason(self.trade + bytes(big))
        self.assertEqual((e.reason, e.offset), ("payload_too_large", 64))
        self.assertEqual(self.reason(b"GET / HTTP/1.1\r\n" * 4).reason, "bad_magic")
        offsets, end, partial = frame_offsets(self.trade + self.quote[:10])
        self.assertEqual((list(offsets), end, partial), ([0], 64, ("partial", 64)))

    def test_content_errors(self):
        bad = bytearray(self.quote)
        bad[50] ^= 1
        e = self.reason(self.trade + bytes(bad))
        self.assertEqual((e.reason, e.offset, e.frame), ("bad_checksum", 64, 1))
        got = decode(self.trade + bytes(bad) + self.trade, errors="skip")
        self.assertEqual((got.counts(), got.skipped), ({"Trade": 2}, [(64, "bad_checksum")]))
        self.assertEqual(len(decode(self.trade + bytes(bad), verify=False)["Quote"]), 1)
        unknown = bytearray(self.trade)
        unknown[4] = 77
        struct.pack_into("<I", unknown, 28, decode_frame.__globals__["frame_checksum"](unknown))
        self.assertEqual(self.reason(bytes(unknown)).reason, "unknown_type")
        short = encode("Custom", data=b"x" * 24)
        short = bytearray(short)
        short[4] = 1  # a Trade with 24 payload bytes instead of 32
        struct.pack_into("<I", short, 28, decode_frame.__globals__["frame_checksum"](short))
        self.assertEqual(self.reason(bytes(short)).reason, "bad_size")
        with self.assertRaises(WireError) as ctx:
            decode_frame(encode("DeFiSignal", tlv=[{"type": 1, "data": b"short"}]))
        self.assertEqual(ctx.exception.reason, "bad_tlv")

    def test_encode_errors_name_the_field(self):
        for fields, name in [({"price": 1 << 63}, "price"), ({"side": "Sideways"}, "side"),
                             ({"instrument_id": "NASDAQ Stock lowercase_too_long"}, "instrument_id"),
                             ({"price": Decimal("1.123456789")}, "price"), ({"colour": 1}, "colour")]:
            with self.assertRaises(EncodeError) as ctx:
                encode("Trade", **fields)
            self.assertEqual(ctx.exception.field, name)
        with self.assertRaises(EncodeError) as ctx:
            encode("StrategyAlert", message="x" * 33)
        self.assertEqual(ctx.exception.field, "message")
        with self.assertRaises(KeyError):
            encode("NoSuchType")


if __name__ == "__main__":
    support.main_with_bin()
