#!/usr/bin/env python3
"""read_capture on files written to PROTOCOL.md section 13 (the package's CaptureWriter, and the C++
`alphapulse record` when the build has it): same frames and receive times as written, directories
in file_index order, zstd blocks, frame checksums, a torn tail at every cut point of the last block
(everything before it kept, the offset reported), append after a torn tail, and to_pandas."""
import shutil
import struct
import subprocess
import tempfile
import time
import unittest
from decimal import Decimal
from pathlib import Path

import numpy as np

import support
from alphapulse import CaptureError, CaptureWriter, decode, read_capture
from alphapulse.capture import _ZSTD


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


if __name__ == "__main__":
    support.main_with_bin()
