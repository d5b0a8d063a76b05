#!/usr/bin/env python3
"""read_capture on files written to PROTOCOL.md section 13 (the package's CaptureWriter, and the C++
`alphapulse record` when the build has it): same frames and receive times as written, directories
in file_index order, zstd blocks, frame checksums, a torn tail at every cut point of the last block
(everything before it kept, the offset reported), append after a torn tail, and to_pandas."""
import gc
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import weakref
import zlib
from decimal import Decimal
from pathlib import Path

import numpy as np

import support
from alphapulse import LAYOUTS, CaptureError, CaptureWriter, WireError, decode, encode, read_capture
from alphapulse import _capread, capture
from alphapulse.capture import _ZSTD, _decompress
from alphapulse.wire import frame_checksum


class Captures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.frames = support.run(["replay"]).stdout
        cls.decoded = decode(cls.frames)
        cls.tmp = tempfile.mkdtemp(prefix="ap-pycap-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def write(self, name, **kw) -> Path:
        path = Path(self.tmp) / name
        times = np.arange(len(self.decoded), dtype=np.int64) * 1000 + 1_700_000_000_000_000_000
        with CaptureWriter(path, "market_data", host="testhost", start_time=123, **kw) as w:
            w.write_frames(self.frames, receive_times=times.tolist())
        return path

    def check_same(self, cap, upto=None):
        for name in ("Trade", "Quote"):
            want = self.decoded[name] if upto is None else self.decoded[name][self.decoded.indices[name] < upto]
            self.assertTrue(np.array_equal(cap[name], want), name)
            idx = self.decoded.indices[name] if upto is None else self.decoded.indices[name][self.decoded.indices[name] < upto]
            self.assertEqual(cap.receive_times[name].tolist(), (idx * 1000 + 1_700_000_000_000_000_000).tolist())

    def test_round_trip(self):
        cap = read_capture(self.write("a.apcap", max_frames=100), verify=True)
        self.check_same(cap)
        self.assertEqual(cap.counts(), self.decoded.counts())
        self.assertEqual(cap.torn, [])
        info = cap.files[0]
        self.assertEqual((info.domain, info.host, info.start_time, info.frames), (1, "testhost", 123, len(self.decoded)))
        self.assertEqual([m["symbol"] for m in cap["PoolDiscovered"].messages()[:3]],
                         [m["symbol"] for m in self.decoded["PoolDiscovered"].messages()[:3]])

    def test_fixed_size_frames_written_in_bulk(self):
        fixed = b"".join(self.frames[o:o + 64 if t == 1 else o + 80] for o, t in
                         zip(self.decoded.offsets.tolist(), self.decoded.types.tolist()) if t in (1, 2))
        path = Path(self.tmp) / "bulk.apcap"
        with CaptureWriter(path, "market_data", max_frames=50, index_every=3) as w:
            w.write_frames(fixed, receive_times=list(range(1, 329)))
        cap = read_capture(path, verify=True)
        self.assertTrue(np.array_equal(cap["Trade"], self.decoded["Trade"]))
        self.assertTrue(np.array_equal(cap["Quote"], self.decoded["Quote"]))
        self.assertEqual(sorted(np.concatenate(list(cap.receive_times.values())).tolist()), list(range(1, 329)))
        self.assertEqual((cap.files[0].blocks, cap.files[0].frames), (7 + 3, 328))  # 7 frames blocks, 3 index blocks

    @unittest.skipIf(_ZSTD is None, "libzstd is not installed")
    def test_zstd_blocks(self):
        path = self.write("z.apcap", compress=True)
        self.assertLess(path.stat().st_size, len(self.frames))
        self.check_same(read_capture(path))

    def test_directory_in_file_index_order(self):
        d = Path(self.tmp) / "dir"
        d.mkdir()
        half = int(self.decoded.offsets[700])
        for index, (name, part) in enumerate([("market_data-20240101T000000-000001.apcap", self.frames[half:]),
                                              ("market_data-20240101T000000-000000.apcap", self.frames[:half])]):
            start = 700 if index == 0 else 0
            with CaptureWriter(d / name, "market_data", file_index=1 - index) as w:
                n = len(decode(part))
                w.write_frames(part, receive_times=[(start + i) * 1000 + 1_700_000_000_000_000_000 for i in range(n)])
        self.check_same(read_capture(d))

    def test_torn_tail_at_every_cut_of_the_last_block(self):
        path = self.write("t.apcap", max_frames=200, index_every=1000)
        data = path.read_bytes()
        last_block = read_capture(path).files[0].end
        cut_file = Path(self.tmp) / "cut.apcap"
        block_starts = []
        pos = 128
        while pos < len(data):
            block_starts.append(pos)
            stored = struct.unpack_from("<I", data, pos + 8)[0]
            pos += 32 + ((stored + 7) & ~7)
        start = block_starts[-2]  # the index block is last; the last frames block before it
        for cut in list(range(start, start + 40)) + list(range(start + 40, block_starts[-1], 997)):
            cut_file.write_bytes(data[:cut])
            cap = read_capture(cut_file)
            self.assertEqual(cap.frame_count, 1200, f"cut at {cut}")
            if cut > start:
                self.assertEqual(cap.torn[0][1], start, f"cut at {cut}")
            self.check_same(cap, upto=1200)
        self.assertEqual(last_block, len(data))
        # A bit flip in a payload: the same, reported as a CRC mismatch.
        flipped = bytearray(data)
        flipped[start + 100] ^= 0x10
        cut_file.write_bytes(bytes(flipped))
        cap = read_capture(cut_file)
        self.assertEqual((cap.frame_count, cap.torn[0][1]), (1200, start))
        self.assertIn("CRC", cap.torn[0][2])
        # Appending truncates at the cut first, then continues.
        cut_file.write_bytes(data[:start + 77])
        with CaptureWriter(cut_file, append=True) as w:
            first_trade = int(self.decoded.offsets[self.decoded.indices["Trade"][0]])
            w.write(self.frames[first_trade:first_trade + 64], receive_time=5)
        cap = read_capture(cut_file)
        self.assertEqual((cap.frame_count, cap.torn), (1201, []))

    def test_backend_follows_the_environment(self):
        """ALPHAPULSE_CAPREAD picks read_capture's engine (the ctest entries run this file with each)."""
        wanted = os.environ.get("ALPHAPULSE_CAPREAD")
        if wanted in ("native", "numpy"):
            self.assertEqual(_capread.BACKEND, wanted)
        code = "import alphapulse._capread as c; print(c.BACKEND)"
        numpy_only = subprocess.run([sys.executable, "-c", code], env={**os.environ, "ALPHAPULSE_CAPREAD": "numpy"},
                                    capture_output=True, text=True, check=True)
        self.assertEqual(numpy_only.stdout.strip(), "numpy")
        wrong = subprocess.run([sys.executable, "-c", code], env={**os.environ, "ALPHAPULSE_CAPREAD": "fast"},
                               capture_output=True, text=True)
        self.assertIn("ALPHAPULSE_CAPREAD=fast", wrong.stderr)

    def test_not_a_capture(self):
        bad = Path(self.tmp) / "bad.apcap"
        bad.write_bytes(b"not a capture file" * 10)
        with self.assertRaises(CaptureError) as ctx:
            read_capture(bad)
        self.assertIn("not a capture file", str(ctx.exception))
        with self.assertRaises(FileNotFoundError):
            read_capture(Path(self.tmp) / "missing.apcap")

    def test_to_pandas(self):
        cap = read_capture(self.write("p.apcap"))
        quotes = cap.to_pandas("Quote")
        self.assertEqual(len(quotes), 209)
        first = self.decoded["Quote"][0]
        self.assertAlmostEqual(quotes["bid_price"].iloc[0], first["bid_price"] / 1e8)
        self.assertTrue(quotes["instrument_id"].iloc[0].startswith("Coinbase Pair "))
        self.assertEqual(str(quotes["timestamp"].dtype), "datetime64[ns, UTC]")
        exact = cap.to_pandas("Trade", decimals=True)
        self.assertEqual(exact["price"].iloc[0], Decimal(int(self.decoded["Trade"][0]["price"])).scaleb(-8))
        self.assertEqual(set(exact["side"].astype(str)) <= {"Buy", "Sell"}, True)

    def test_cpp_recorder_files(self):
        if support.run(["help", "record"], check=False).returncode != 0:
            self.skipTest("this build's alphapulse has no record command yet")
        with support.relay("market_data") as (path, _):
            out = Path(self.tmp) / "rec"
            rec = subprocess.Popen([support.BIN, "record", "market_data", "--socket", str(path), "-o", str(out),
                                    "--count", str(len(self.decoded)), "--duration", "30"], stderr=subprocess.PIPE)
            try:
                time.sleep(0.5)
                support.run(["publish", "--raw", str(path)], self.frames)
                _, err = rec.communicate(timeout=30)
                self.assertEqual(rec.returncode, 0, err.decode())
            finally:
                if rec.poll() is None:
                    rec.kill()
                    rec.wait()
            cap = read_capture(out, verify=True)
            self.assertEqual(cap.torn, [])
            self.assertEqual(cap.counts(), self.decoded.counts())
            for name in ("Trade", "Quote"):
                self.assertTrue(np.array_equal(cap[name], self.decoded[name]), name)
            self.assertEqual([m["symbol"] for m in cap["PoolDiscovered"].messages()],
                             [m["symbol"] for m in self.decoded["PoolDiscovered"].messages()])
            times = np.concatenate(list(cap.receive_times.values()))
            self.assertTrue(np.all(times > 1_600_000_000_000_000_000))


def reference_read(path, verify=False, errors="skip"):
    """The obviously-correct reader: one Python step per block and per frame, straight from PROTOCOL.md
    section 13 and section 10. Returns ({type name: [frame bytes]}, {type name: [receive time]},
    skipped [(offset, reason)], (end, torn or None)); refused frames raise with errors="raise"."""
    data = Path(path).read_bytes()
    header_size = struct.unpack_from("<I", data, 12)[0]
    frames, times, skipped = {}, {}, []
    pos = header_size
    while pos < len(data):
        if pos + 32 > len(data):
            return frames, times, skipped, (pos, "header")
        magic, kind, compression, _r, stored, raw_size, count, payload_crc, header_crc = \
            struct.unpack_from("<4sBBHIIII4xI", data, pos)
        if magic != b"APBK" or zlib.crc32(data[pos:pos + 28]) != header_crc:
            return frames, times, skipped, (pos, "header crc")
        payload = data[pos + 32:pos + 32 + stored]
        if len(payload) < stored or zlib.crc32(payload) != payload_crc:
            return frames, times, skipped, (pos, "payload")
        if kind == 1:
            raw = bytes(_decompress(np.frombuffer(payload, np.uint8), raw_size)) if compression == 1 else payload
            if compression not in (0, 1) or len(raw) != raw_size or count < 1:
                return frames, times, skipped, (pos, "block")
            start = 12 * count + (4 if count % 2 else 0)
            if start + 32 * count > raw_size:  # not even a header a frame
                return frames, times, skipped, (pos, "block")
            block = []
            prev_end = start
            for i in range(count):
                at = start + struct.unpack_from("<I", raw, 8 * count + 4 * i)[0]
                if at % 8 or at < prev_end or at + 32 > raw_size or raw[at:at + 4] != b"\xef\xbe\xad\xde":
                    break
                size = 32 + struct.unpack_from("<I", raw, at + 8)[0]
                if at + size > raw_size:
                    break
                prev_end = at + size
                block.append((raw[at:at + size], struct.unpack_from("<Q", raw, 8 * i)[0],
                              pos + 32 + at if compression == 0 else pos))
            if len(block) < count:
                return frames, times, skipped, (pos, "framing")
            for frame, when, offset in block:
                kind_, version = frame[4], frame[5]
                lay = LAYOUTS.get(kind_)
                reason = None
                if verify and struct.unpack_from("<I", frame, 28)[0] != frame_checksum(frame):
                    reason = "bad_checksum"
                elif lay is None:
                    reason = "unknown_type"
                elif version != lay.version:
                    reason = "unknown_version"
                elif (len(frame) != lay.size) if lay.fixed else (len(frame) < lay.size):
                    reason = "bad_size"
                if reason and errors == "raise":
                    raise WireError(reason, "reference", offset)
                if reason:
                    skipped.append((offset, reason))
                else:
                    frames.setdefault(lay.name, []).append(frame)
                    times.setdefault(lay.name, []).append(when)
        pos += 32 + ((stored + 7) & ~7)
    return frames, times, skipped, (min(pos, len(data)), None)


def every_type_frames(rng: random.Random, n: int):
    """n frames of every message type (variable parts of varying length), randomly interleaved."""
    out = []
    names = [lay.name for lay in LAYOUTS.values()]
    for i in range(n):
        name = rng.choice(names)
        lay = LAYOUTS[[t for t, l in LAYOUTS.items() if l.name == name][0]]
        extra = {}
        if lay.rule == "Levels":
            extra = dict(bids=[(rng.randrange(1, 10**9), rng.randrange(1, 10**6)) for _ in range(rng.randrange(0, 12))],
                         asks=[(rng.randrange(1, 10**9), rng.randrange(1, 10**6)) for _ in range(rng.randrange(0, 40))])
        elif lay.rule == "Discovery":
            extra = dict(symbol="S" * rng.randrange(0, 30))
        elif lay.rule == "Opaque" and name == "Custom":
            extra = dict(data=bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300))))
        out.append(encode(name, sequence=i + 1, timestamp=1_700_000_000_000_000_000 + i, **extra))
    return out


def damaged(frame: bytes, how: str) -> bytes:
    """A frame a reader must refuse (checksum resealed unless the checksum is the damage)."""
    f = bytearray(frame)
    if how == "unknown_type":
        f[4] = 250
    elif how.startswith("type_zero"):  # no layout either, and the numpy path's old marker for frames to drop
        f[4] = 0
    elif how == "unknown_version":
        f[5] = 9
    elif how == "bad_size":
        f += bytes(8)
        struct.pack_into("<I", f, 8, len(f) - 32)
    if how not in ("bad_checksum", "type_zero_bad_checksum"):
        struct.pack_into("<I", f, 28, frame_checksum(f))
    else:
        f[-1] ^= 1
    return bytes(f)


def plain_frames_blocks(data: bytes) -> list:
    """File offsets of the uncompressed frames blocks of a capture."""
    starts, pos = [], 128
    while pos < len(data):
        starts.append(pos)
        pos += 32 + ((struct.unpack_from("<I", data, pos + 8)[0] + 7) & ~7)
    return [p for p in starts if data[p + 4] == 1 and data[p + 5] == 0]


def BROKEN_FRAMING(plain: list) -> list:
    """(block, how) for broken_block: every way a block's framing breaks, at several places."""
    return [(plain[len(plain) // 2], "inside"), (plain[-1], "inside"), (plain[1], "overlap"), (plain[2], "outside"),
            (plain[-1], "outside"), (plain[-1], "past"), (plain[-2], "unaligned"), (plain[3], "magic"),
            (plain[4], "count")]


def broken_block(data, block: int, how: str) -> bytearray:
    """The capture with the frames block at `block` broken as `how` says, its CRCs resealed."""
    broken = bytearray(data)
    count = struct.unpack_from("<I", broken, block + 16)[0]
    column = block + 32 + 8 * count
    frames = column + 4 * count + (4 if count % 2 else 0)
    if how == "inside":  # frame 1 at offset 8, inside frame 0
        struct.pack_into("<I", broken, column + 4, 8)
    elif how == "overlap":  # frame 1 where frame 2 is: a magic there, but frame 1 runs into it
        struct.pack_into("<I", broken, column + 4, struct.unpack_from("<I", broken, column + 8)[0])
    elif how == "outside":  # the last frame past the block
        struct.pack_into("<I", broken, column + 4 * (count - 1), 1 << 30)
    elif how == "past":  # the last frame's payload_size runs past the block
        struct.pack_into("<I", broken, frames + struct.unpack_from("<I", broken, column + 4 * (count - 1))[0] + 8, 1 << 16)
    elif how == "magic":  # frame 1's magic damaged
        broken[frames + struct.unpack_from("<I", broken, column + 4)[0]] ^= 0xFF
    elif how == "count":  # a count the block cannot hold (the header's, so it is resealed too)
        struct.pack_into("<I", broken, block + 16, 1 << 20)
    else:
        struct.pack_into("<I", broken, column + 4, struct.unpack_from("<I", broken, column + 4)[0] + 4)
    stored = struct.unpack_from("<I", broken, block + 8)[0]
    struct.pack_into("<I", broken, block + 20, zlib.crc32(broken[block + 32:block + 32 + stored]))
    struct.pack_into("<I", broken, block + 28, zlib.crc32(broken[block:block + 28]))
    return broken


class FastPathMatchesReference(unittest.TestCase):
    """read_capture's vectorised path returns exactly what a per-frame Python loop reads."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ap-pyref-")
        rng = random.Random(15)
        frames = every_type_frames(rng, 3000)
        sample = support.run(["replay"]).stdout
        decoded = decode(sample)
        bounds = decoded.offsets.tolist() + [len(sample)]
        frames[100:100] = [sample[a:b] for a, b in zip(bounds, bounds[1:])]   # the recorded sample too
        for i, how in zip(range(40, 3000, 97), ["unknown_type", "unknown_version", "bad_size", "bad_checksum", "type_zero",
                                                          "type_zero_bad_checksum"] * 6):
            frames[i] = damaged(frames[i], how)
        cls.frames = frames
        cls.times = [1_700_000_000_000_000_000 + 7 * i + rng.randrange(5) for i in range(len(frames))]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def write(self, name, compress=(False,), **kw) -> Path:
        """A capture of the frames; `compress` cycles per flushed block (mixed plain and zstd blocks)."""
        path = Path(self.tmp) / name
        with CaptureWriter(path, "mixed", host="ref", start_time=1, **kw) as w:
            for i, (frame, when) in enumerate(zip(self.frames, self.times)):
                w.compress = compress[(i // 97) % len(compress)]
                w.write(frame, when)
                if i % 97 == 96:
                    w.flush()
        return path

    def check(self, path, **kw):
        """read_capture(path) equals the reference, reading in the usual batches, in batches of a few
        blocks, and in a buffer smaller than one block (it grows)."""
        saved = capture.CHUNK_BYTES
        try:
            for chunk in (saved, 50_000, 4096):
                capture.CHUNK_BYTES = chunk
                cap = self.check_once(path, **kw)
        finally:
            capture.CHUNK_BYTES = saved
        return cap

    def check_once(self, path, **kw):
        want_frames, want_times, want_skipped, (end, torn) = reference_read(path, **kw)
        cap = read_capture(path, **kw)
        self.assertEqual(sorted(cap.arrays), sorted(want_frames))
        for name, frames in want_frames.items():
            got = cap[name]
            lay = LAYOUTS[[t for t, l in LAYOUTS.items() if l.name == name][0]]
            if lay.fixed:
                self.assertEqual(got.dtype, lay.dtype, name)
                self.assertEqual(got.tobytes(), b"".join(frames), name)
            else:
                self.assertEqual([bytes(f) for f in got.frames()], frames, name)
                self.assertEqual(got.fixed.tobytes(), b"".join(f[:lay.size] for f in frames), name)
            self.assertEqual(cap.receive_times[name].tolist(), want_times[name], name)
        self.assertEqual([(off, why) for _f, off, why in cap.skipped], want_skipped)
        info = cap.files[0]
        self.assertEqual((info.end, info.torn is not None), (end, torn is not None), (info, torn))
        return cap

    def test_mixed_every_type(self):
        cap = self.check(self.write("mixed.apcap", max_frames=300, index_every=4))
        self.assertEqual(len(cap.arrays), len(LAYOUTS))
        self.assertEqual(sorted({why for _f, _o, why in cap.skipped}), ["bad_size", "unknown_type", "unknown_version"])
        self.check(self.write("mixed-big.apcap", max_frames=4096, max_bytes=1 << 20), verify=True)

    def test_verify_and_raise(self):
        path = self.write("verify.apcap", max_frames=500)
        cap = self.check(path, verify=True)
        self.assertIn("bad_checksum", {why for _f, _o, why in cap.skipped})
        for verify in (False, True):
            with self.assertRaises(WireError) as want:
                reference_read(path, verify=verify, errors="raise")
            with self.assertRaises(WireError) as got:
                read_capture(path, verify=verify, errors="raise")
            self.assertEqual((got.exception.reason, got.exception.offset), (want.exception.reason, want.exception.offset))

    @unittest.skipIf(_ZSTD is None, "libzstd is not installed")
    def test_zstd_and_mixed_blocks(self):
        self.check(self.write("zstd.apcap", compress=(True,), max_frames=250))
        self.check(self.write("both.apcap", compress=(True, False, False), max_frames=250), verify=True)

    def test_torn_tails_and_broken_framing(self):
        for compress in ((False,), (False, True)) if _ZSTD is not None else ((False,),):
            path = self.write("whole.apcap", compress=compress, max_frames=200, index_every=3)
            data = path.read_bytes()
            cut = Path(self.tmp) / "cut.apcap"
            rng = random.Random(len(data))
            for at in sorted(rng.sample(range(128, len(data)), 25)) + [len(data) - 1, 129, 160]:
                cut.write_bytes(data[:at])
                self.check(cut)
            # an offsets column pointing into the next frame, CRCs resealed: the file ends at that block,
            # the blocks before it in the same read are kept
            plain = plain_frames_blocks(data)
            for block, how in BROKEN_FRAMING(plain):
                cut.write_bytes(bytes(broken_block(data, block, how)))
                cap = self.check(cut)
                self.assertEqual(cap.torn[0][1], block)

    def test_the_first_broken_block_of_a_batch_ends_the_file(self):
        """Two broken blocks read in one batch, the later one broken by a check made first (an
        unaligned offset, a block too small for its count): the file ends at the earlier one."""
        data = self.write("two.apcap", max_frames=200, index_every=1000).read_bytes()
        plain = plain_frames_blocks(data)
        cut = Path(self.tmp) / "two-broken.apcap"
        for first, later in [("inside", "unaligned"), ("magic", "unaligned"), ("magic", "outside"), ("past", "count")]:
            broken = broken_block(broken_block(data, plain[1], first), plain[3], later)
            cut.write_bytes(bytes(broken))
            cap = self.check(cut)
            self.assertEqual(cap.torn[0][1], plain[1], (first, later))

    def test_single_type_and_types_filter(self):
        trades = [f for f in self.frames if f[4] == 1 and len(f) == 64]
        path = Path(self.tmp) / "trades.apcap"
        with CaptureWriter(path, "market_data") as w:
            w.write_frames(b"".join(trades * 20), receive_times=list(range(len(trades) * 20)))
        self.check(path)
        cap = read_capture(self.write("filter.apcap", max_frames=333), types=["Quote", "OrderBook"])
        want, want_times, _s, _e = reference_read(Path(self.tmp) / "filter.apcap")
        self.assertEqual(sorted(cap.arrays), ["OrderBook", "Quote"])
        self.assertEqual(cap["Quote"].tobytes(), b"".join(want["Quote"]))
        self.assertEqual([bytes(f) for f in cap["OrderBook"].frames()], want["OrderBook"])
        self.assertEqual(cap.receive_times["OrderBook"].tolist(), want_times["OrderBook"])

    def test_large_outputs_equal_a_small_buffer_read_and_are_freed(self):
        """Outputs of several MB: the same as a read through a buffer smaller than one block, writable,
        to_pandas works, and every array's mapping is given back with the Capture (weak references to
        the objects owning the buffers; _arena keeps the mappings for the next read, test_capture_memory)."""
        trades = [f for f in self.frames if f[4] == 1 and len(f) == 64]
        copies = 100_000 // len(trades) + 1  # Trades alone: over 6 MB of records
        path = Path(self.tmp) / "large.apcap"
        with CaptureWriter(path, "mixed", max_frames=4096, max_bytes=1 << 20) as w:
            for frame, when in zip(self.frames, self.times):  # every type, refused frames too
                w.write(frame, when)
            w.flush()
            w.write_frames(b"".join(trades * copies), receive_times=list(range(len(trades) * copies)))
        big = read_capture(path)
        self.assertGreater(big["Trade"].nbytes, 6 << 20)
        self.assertEqual(big["Trade"].tobytes()[-len(trades) * 64:], b"".join(trades))
        saved = capture.CHUNK_BYTES
        try:
            capture.CHUNK_BYTES = 4096
            small = read_capture(path)
        finally:
            capture.CHUNK_BYTES = saved
        self.assertEqual(sorted(big.arrays), sorted(small.arrays))
        self.assertEqual(big.skipped, small.skipped)
        owners = []
        for name in big.arrays:
            got, want = big[name], small[name]
            if isinstance(got, np.ndarray):
                self.assertEqual(got.tobytes(), want.tobytes(), name)
                arrays = [got]
            else:
                self.assertEqual([bytes(f) for f in got.frames()], [bytes(f) for f in want.frames()], name)
                arrays = [got._u8, got.offsets, got.sizes, got.fixed]
            self.assertTrue(np.array_equal(big.receive_times[name], small.receive_times[name]), name)
            for arr in arrays + [big.receive_times[name]]:
                owner = arr
                while isinstance(owner, np.ndarray) and owner.base is not None:
                    owner = owner.base.obj if isinstance(owner.base, memoryview) else owner.base
                owners.append(weakref.ref(owner))
        trade = big["Trade"]
        self.assertTrue(trade.flags.writeable)
        trade["price"][0] += 1
        self.assertEqual(trade["price"][0], small["Trade"]["price"][0] + 1)
        try:
            import pandas  # noqa: F401
        except ImportError:
            pass
        else:
            self.assertEqual(len(big.to_pandas("Trade")), len(trade))
        del big, got, want, arrays, arr, owner, trade
        gc.collect()
        self.assertEqual([ref for ref in owners if ref() is not None], [])


def order_books(rng: random.Random, n: int) -> list:
    """n OrderBooks of 0 to 40 levels a side (96 to 1376 bytes): many sizes, interleaved."""
    return [encode("OrderBook", sequence=i + 1, timestamp=1_700_000_000_000_000_000 + i, instrument_id="NASDAQ Stock AAPL",
                   bids=[(rng.randrange(1, 10**9), rng.randrange(1, 10**6)) for _ in range(rng.randrange(0, 41))],
                   asks=[(rng.randrange(1, 10**9), rng.randrange(1, 10**6)) for _ in range(rng.randrange(0, 11))])
            for i in range(n)]


@unittest.skipIf(_capread.BACKEND != "native", "the C kernel is not loaded (ALPHAPULSE_CAPREAD=numpy, or not built)")
class BackendsAgree(unittest.TestCase):
    """The C kernel and the numpy path return the same bytes: arrays, VariableFrames' buffers, receive
    times, skipped frames, where files end, and the same WireError."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ap-pyback-")
        rng = random.Random(1515)
        sample = support.run(["replay"]).stdout
        bounds = decode(sample).offsets.tolist() + [len(sample)]
        frames = [sample[a:b] for a, b in zip(bounds, bounds[1:])] * 3 + order_books(rng, 1500) + every_type_frames(rng, 1500)
        rng.shuffle(frames)
        cls.clean = list(frames)
        for i, how in zip(range(7, len(frames), 53), ["unknown_type", "unknown_version", "bad_size", "bad_checksum",
                                                      "type_zero", "type_zero_bad_checksum"] * 40):
            frames[i] = damaged(frames[i], how)
        cls.frames = frames
        cls.times = [1_700_000_000_000_000_000 + 3 * i for i in range(len(frames))]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def write(self, name, frames=None, compress=(False,), **kw) -> Path:
        path = Path(self.tmp) / name
        with CaptureWriter(path, "mixed", host="back", start_time=1, **kw) as w:
            for i, (frame, when) in enumerate(zip(frames or self.frames, self.times)):
                w.compress = compress[(i // 211) % len(compress)]
                w.write(frame, when)
                if i % 211 == 210:
                    w.flush()
        return path

    def read(self, backend, path, **kw):
        saved = _capread.BACKEND
        _capread.BACKEND = backend
        try:
            return read_capture(path, **kw)
        except WireError as e:
            return e
        finally:
            _capread.BACKEND = saved

    def agree(self, path, small_buffer=False, **kw):
        """Both backends' reads of `path` in the usual batches (and with small_buffer, through a buffer
        smaller than a block: a batch per block)."""
        saved = capture.CHUNK_BYTES
        try:
            for chunk in (saved, 3000) if small_buffer else (saved,):
                capture.CHUNK_BYTES = chunk
                self.same(self.read("native", path, **kw), self.read("numpy", path, **kw))
        finally:
            capture.CHUNK_BYTES = saved

    def same(self, got, want):
        if isinstance(want, WireError):
            self.assertIsInstance(got, WireError)
            self.assertEqual((str(got), got.reason, got.offset), (str(want), want.reason, want.offset))
            return
        self.assertEqual(list(got.arrays), list(want.arrays))
        for name, arr in want.arrays.items():
            mine = got[name]
            if isinstance(arr, np.ndarray):
                self.assertEqual((mine.dtype, mine.tobytes()), (arr.dtype, arr.tobytes()), name)
            else:
                self.assertEqual(bytes(mine._u8), bytes(arr._u8), name)
                self.assertEqual((mine.offsets.tolist(), mine.sizes.tolist()), (arr.offsets.tolist(), arr.sizes.tolist()), name)
                self.assertEqual((mine.fixed.dtype, mine.fixed.tobytes()), (arr.fixed.dtype, arr.fixed.tobytes()), name)
            self.assertEqual(got.receive_times[name].tobytes(), want.receive_times[name].tobytes(), name)
        self.assertEqual(got.skipped, want.skipped)
        self.assertEqual([repr(f) for f in got.files], [repr(f) for f in want.files])

    def test_market_mix_and_every_type(self):
        path = self.write("mix.apcap", max_frames=4096, max_bytes=1 << 20)
        self.agree(path, small_buffer=True)
        self.agree(path, verify=True)
        self.agree(self.write("clean.apcap", frames=self.clean, max_frames=300), verify=True)
        self.assertEqual(self.read("native", path).counts(), self.read("numpy", path).counts())

    def test_types_filters(self):
        path = self.write("filter.apcap", max_frames=500)
        for types, verify in ((["Quote"], False), (["OrderBook"], True), (["Trade", "OrderBook", "PoolDiscovered"], False),
                              ([], True), (list(LAYOUTS), True)):
            self.agree(path, types=types, verify=verify)

    def test_refused_frames_skip_and_raise(self):
        path = self.write("refused.apcap", max_frames=700)
        for verify in (False, True):
            self.agree(path, verify=verify)
            self.agree(path, verify=verify, errors="raise")
            self.assertIsInstance(self.read("native", path, verify=verify, errors="raise"), WireError)

    @unittest.skipIf(_ZSTD is None, "libzstd is not installed")
    def test_compressed_blocks(self):
        path = self.write("z.apcap", compress=(True, False), max_frames=400)
        self.agree(path, verify=True)
        self.agree(path, errors="raise")

    def test_torn_tails_and_broken_framing(self):
        data = self.write("whole.apcap", max_frames=250, index_every=3).read_bytes()
        cut = Path(self.tmp) / "cut.apcap"
        for at in sorted(random.Random(7).sample(range(128, len(data)), 12)) + [len(data) - 1]:
            cut.write_bytes(data[:at])
            self.agree(cut)
        plain = plain_frames_blocks(data)
        for block, how in BROKEN_FRAMING(plain) + [(plain[0], "count")]:
            cut.write_bytes(bytes(broken_block(data, block, how)))
            self.agree(cut, small_buffer=True)
            self.assertIsNotNone(self.read("native", cut).files[0].torn)

    def test_single_type_blocks(self):
        """Blocks of one fixed-size type back to back (the kernel copies them whole), and such blocks
        with one refused frame or one frame of another type."""
        trades = [f for f in self.clean if f[4] == 1 and len(f) == 64][:100]
        frames = trades * 30
        frames[150] = damaged(frames[150], "bad_size")
        frames[777] = damaged(frames[777], "unknown_version")
        frames[1234] = [f for f in self.clean if f[4] == 2][0]
        path = self.write("trades.apcap", frames=frames, max_frames=256)
        for kw in ({}, {"verify": True}, {"types": ["Quote"]}, {"errors": "raise"}):
            self.agree(path, **kw)
        self.agree(self.write("clean-trades.apcap", frames=trades * 30, max_frames=256), small_buffer=True)

    def test_outputs_and_refused_lists_that_grow(self):
        """Outputs sized far too small (the kernel asks for room, then resumes where it stopped), and
        more refused frames in one batch than the kernel's first list holds."""
        unknown = [damaged(f, "unknown_type") for f in self.clean[:3000]]
        path = self.write("grow.apcap", frames=self.frames[:1500] + unknown, max_frames=4096, max_bytes=4 << 20)
        results = []
        for backend in (_capread.NativeReader, _capread.Reader):
            reader = backend(0, verify=True)
            info = capture.read_header(path.read_bytes()[:128], path)
            capture._scan_file(path, info, reader)
            results.append((reader.final(), reader.skipped))
        (got, got_skipped), (want, want_skipped) = results
        self.assertEqual(sorted(got), sorted(want))
        for t, (arr, times) in want.items():
            mine = got[t][0]
            if isinstance(arr, np.ndarray):
                self.assertEqual(mine.tobytes(), arr.tobytes(), t)
            else:
                self.assertEqual((bytes(mine._u8), mine.fixed.tobytes()), (bytes(arr._u8), arr.fixed.tobytes()), t)
            self.assertEqual(got[t][1].tolist(), times.tolist(), t)
        self.assertEqual(got_skipped, want_skipped)
        self.assertGreater(len(got_skipped), 3000)


if __name__ == "__main__":
    support.main_with_bin()
