#!/usr/bin/env python3
"""The output memory read_capture keeps between reads (alphapulse/_arena.py): a read's arrays are
views of mappings that go back to a pool when the caller drops them, the next read of the same
types takes them (pages already in place) and sees none of the earlier read's bytes, and a kept
mapping is unmapped after keep_seconds, by release(), or at once with keep_seconds 0."""
import ctypes
import gc
import mmap
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import numpy as np

import support
from alphapulse import CaptureWriter, _arena, decode, frame_offsets, read_capture


def mapping_of(arr: np.ndarray) -> int:
    """The address of the mapping an array of a read (or a VariableFrames' frames) is a view of."""
    owner = arr if isinstance(arr, np.ndarray) else arr._u8
    while isinstance(owner, np.ndarray):
        owner = owner.base
    return ctypes.addressof(owner)


class KeptMemory(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ap-pymem-")
        frames = support.run(["replay"]).stdout
        cls.sample = decode(frames)
        cls.big = cls.write("big.apcap", frames, copies=40)    # several MB of Trades and Quotes
        cls.small = cls.write("small.apcap", frames, copies=1)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    @classmethod
    def write(cls, name: str, frames: bytes, copies: int) -> Path:
        path = Path(cls.tmp) / name
        n = len(frame_offsets(frames)[0])
        with CaptureWriter(path, "market_data", host="testhost", start_time=1) as w:
            for k in range(copies):
                w.write_frames(frames, receive_times=list(range(k * n, (k + 1) * n)))
        return path

    def setUp(self):
        _arena.release()
        self.saved = _arena.POOL.keep_seconds
        _arena.POOL.keep_seconds = 3600.0  # nothing expires unless a test says so

    def tearDown(self):
        _arena.POOL.keep_seconds = self.saved
        _arena.release()

    def read_and_drop(self, path) -> dict:
        """Reads `path`, returns {type: (mapping of its frames, of its receive times)}, drops the read."""
        cap = read_capture(path)
        got = {name: (mapping_of(cap[name]), mapping_of(cap.receive_times[name])) for name in cap.arrays}
        del cap
        gc.collect()
        return got

    def test_a_dropped_reads_memory_serves_the_next_read_of_those_types(self):
        first = self.read_and_drop(self.big)
        self.assertGreater(_arena.POOL.kept_bytes(), 4 << 20)
        cap = read_capture(self.small)
        for name in ("Trade", "Quote"):
            self.assertEqual((mapping_of(cap[name]), mapping_of(cap.receive_times[name])), first[name], name)
            # the smaller read sees its own frames only, none of the bigger read's bytes
            self.assertTrue(np.array_equal(cap[name], self.sample[name]), name)
            self.assertEqual(len(cap.receive_times[name]), len(self.sample[name]), name)
        self.assertEqual(_arena.POOL.kept_bytes(), 0)  # every kept mapping is lent out again

    def test_a_read_still_held_is_not_lent_to_another(self):
        held = read_capture(self.small)
        other = read_capture(self.small)
        self.assertNotEqual(mapping_of(held["Trade"]), mapping_of(other["Trade"]))
        self.assertTrue(np.array_equal(held["Trade"], other["Trade"]))

    def test_kept_mappings_expire_and_release_unmaps_them(self):
        self.read_and_drop(self.big)
        kept = _arena.POOL.kept_bytes()
        self.assertGreater(kept, 0)
        self.assertEqual(_arena.POOL.expire(now=time.monotonic() + 1), 0)  # within keep_seconds
        self.assertEqual(_arena.POOL.kept_bytes(), kept)
        self.assertGreater(_arena.POOL.expire(now=time.monotonic() + 3601), 0)
        self.assertEqual(_arena.POOL.kept_bytes(), 0)
        self.read_and_drop(self.big)
        self.assertGreater(_arena.release(), 0)
        self.assertEqual(_arena.POOL.kept_bytes(), 0)

    def test_the_timer_unmaps_them_with_no_further_read(self):
        _arena.POOL.keep_seconds = 0.2
        self.read_and_drop(self.big)
        deadline = time.monotonic() + 30
        while _arena.POOL.kept_bytes() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(_arena.POOL.kept_bytes(), 0)

    def test_keep_seconds_zero_keeps_nothing(self):
        _arena.POOL.keep_seconds = 0
        self.read_and_drop(self.big)
        self.assertEqual(_arena.POOL.kept_bytes(), 0)

    def test_a_smaller_read_gives_back_the_pages_a_bigger_one_wrote(self):
        role = ("test", "settle")
        arr, region = _arena.POOL.take(role, np.uint64, 1 << 20)  # 8 MiB
        arr[:] = 7
        region.settle(arr.nbytes)
        self.assertEqual(region.touched, 8 << 20)
        address = mapping_of(arr)
        del arr
        gc.collect()
        again, same = _arena.POOL.take(role, np.uint64, 1 << 20)
        self.assertIs(same, region)
        self.assertEqual(mapping_of(again), address)
        again[:1000] = 1
        region.settle(8000)
        self.assertEqual(region.touched, 2 << 20)  # down to the huge page the 8000 bytes are in
        self.assertTrue((again[(2 << 20) // 8:] == 0).all())  # given back: read as fresh zero pages
        self.assertTrue((again[1000:(2 << 20) // 8] == 7).all())  # kept: the earlier bytes, never shown by a read

    def test_small_outputs_are_not_on_huge_pages(self):
        """A small array on a 2 MiB huge page would hold 2 MiB for a few bytes (a small capture of many
        types has dozens of columns): below 4 MiB a mapping has ordinary pages and is sized by them."""
        small, region = _arena.POOL.take(("test", "small"), np.uint8, 1000)
        self.assertEqual((region.grain, region.size), (mmap.PAGESIZE, mmap.PAGESIZE))
        big, huge = _arena.POOL.take(("test", "big"), np.uint8, (4 << 20) + 1)
        self.assertEqual((huge.grain, huge.size), (2 << 20, 6 << 20))
        self.assertEqual((len(small), len(big)), (1000, (4 << 20) + 1))

    def test_a_bad_keep_seconds_is_a_clear_error(self):
        env = dict(os.environ, ALPHAPULSE_CAPTURE_KEEP_SECONDS="ten")
        out = subprocess.run([sys.executable, "-c", "import alphapulse"], env=env, capture_output=True, text=True,
                             timeout=60)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("ALPHAPULSE_CAPTURE_KEEP_SECONDS=ten: expected seconds", out.stderr)


if __name__ == "__main__":
    support.main_with_bin()
