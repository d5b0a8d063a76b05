"""read_capture's engine: the frames of frames blocks (PROTOCOL.md section 13) into per-type arrays.

capture.py walks a file's block headers (a few Python lines per block of up to 4096 frames) through
a reused read buffer, and hands this module batches of whole frames blocks sitting in that buffer
(or one decompressed block). A reader (new_reader) locates, checks and gathers their frames, with
no Python per frame, in one of two ways that give the same bytes (BACKEND says which is in use):

  * NativeReader: the C kernel python/native/capread.c (built next to this file as
    _capread_native*.so by CMake, or by `pip install` when a compiler is at hand), loaded with
    ctypes; one call per batch does the checks below and copies every accepted frame and its
    receive time into its type's outputs. ALPHAPULSE_CAPREAD=numpy forces the numpy path,
    ALPHAPULSE_CAPREAD=native makes a missing kernel an import error.
  * Reader: a fixed number of numpy passes per batch, whatever the number of frames.

Per batch (Reader; the kernel does the same per frame, in the same order, with the same outcomes):
  * word positions: each block's u32 offsets column plus where its frames part starts; frames are
    8-byte aligned (section 13), so the buffer is read as u64 words;
  * two gathers (np.take into reused work arrays): each header's first word (magic, type, version)
    and second (payload_size);
  * framing, block level (a failure ends the file at the first such block, everything before it is
    kept): every frame inside its block, in order, not running into the next, the magic in place;
  * the frame checks of section 10, frame level (refused frames are skipped or raise): checksum
    (verify=True), a layout for (type, version), payload_size exact for fixed-size types or at
    least the fixed part otherwise: lookup tables by type number compared at once; a batch of one
    fixed-size type needs no lookup;
  * per type one gather of whole frames (a fancy index over a view of the buffer as S-byte records
    at every 8-byte position: the copy loop runs in C) and one of the receive times; frames of one
    type back to back are copied block by block. Variable-size frames: one gather per distinct size,
    written back to back in receive order.
Outputs are taken once at an upper bound of their count (bytes to read / frame size) from _arena's
pool: the mappings an earlier read's dropped arrays gave back, else fresh ones; pages never written
cost nothing, and the arrays handed out are views of the filled part. Work arrays
are reused from batch to batch: on the machine measured, page-faulting fresh temporaries in again
and again cost more than the arithmetic on them.
"""
import ctypes
import ctypes.util
import glob
import os
import zlib
from typing import Dict, List, Optional

import numpy as np

from . import _arena, _crc
from .wire import HEADER_SIZE, LAYOUTS, MAGIC, VariableFrames, WireError, _rows

MAX_RAW_SIZE = 64 << 20
_MASK48 = np.uint64((1 << 48) - 1)   # magic, message_type, version
_NEVER = np.uint64(1 << 63)          # a key no header has (variable-size and unknown types)
_DROP = 256                          # not a type number: marks frames not to gather (type 0 is refused, not dropped)

_KEY = np.full(256, _NEVER, np.uint64)        # expected first 6 header bytes of a fixed-size type
_PAYLOAD = np.zeros(256, np.uint32)           # its payload_size
_VARIABLE_MIN = np.full(256, -1, np.int64)    # the fixed part's payload of a variable-size type
_VERSION = np.zeros(256, np.uint8)            # 0: no layout
for _t, _lay in LAYOUTS.items():
    _VERSION[_t] = _lay.version
    if _lay.fixed:
        _KEY[_t] = MAGIC | (_t << 32) | (_lay.version << 40)
        _PAYLOAD[_t] = _lay.size - HEADER_SIZE
    else:
        _VARIABLE_MIN[_t] = _lay.size - HEADER_SIZE


def crc_of(arr: np.ndarray, value: int = 0) -> int:
    """zlib.crc32 of a contiguous array's bytes, continuing from `value`."""
    if _crc._isal is not None and arr.nbytes >= 4096:
        return _crc._isal(value, arr.ctypes.data, arr.nbytes)
    return zlib.crc32(memoryview(arr).cast("B"), value)


def _view(u8: np.ndarray, dt, skip: int = 0) -> np.ndarray:
    """`dt` values (or S-byte records) starting at every byte of u8[skip:]: index it by byte position."""
    dt = np.dtype(dt)
    count = len(u8) - skip - dt.itemsize + 1
    return np.ndarray(shape=(max(count, 0),), dtype=dt, buffer=u8, offset=skip if count > 0 else 0, strides=(1,))


def _copy_into(dest: np.ndarray, records: np.ndarray):
    """Byte copy (memcpy) of equally long contiguous arrays of any dtype."""
    np.copyto(dest.view(np.uint8), records.view(np.uint8))


def _refusal_detail(reason: str, number: int, version: int) -> str:
    """WireError's detail for a frame of type `number` and `version` refused for `reason`."""
    lay = LAYOUTS.get(number)
    if reason == "bad_checksum":
        return "CRC-32 over header bytes 0..27 and the payload does not match"
    if reason == "unknown_type":
        return f"message_type {number} has no known layout"
    if reason == "unknown_version":
        return f"{lay.name} has no version {version}"
    return f"a {lay.name} frame is {lay.size} bytes" + ("" if lay.fixed else " or more")


class _Column:
    """A growable 1-D array: slot(k) gives the next k elements to fill; final() the filled ones.

    Its memory comes from _arena's pool under `role` (a message type's column): the mapping an
    earlier read's array of that role gave back, pages already in place, or a fresh one. It is
    sized at `bound` elements; pages never written cost nothing."""

    def __init__(self, role, dtype, bound: int):
        self.role, self.n = role, 0
        capacity = max(int(bound), 16)
        while True:
            try:
                self.a, self.region = _arena.POOL.take(role, dtype, capacity)
                break
            except MemoryError:
                if capacity <= 1 << 20:
                    raise
                capacity //= 16

    def reserve(self, total: int):
        """Room for `total` elements (at least twice as many as now when it grows)."""
        if total > len(self.a):
            a, region = _arena.POOL.take(self.role, self.a.dtype, max(total, 2 * len(self.a)))
            a[:self.n] = self.a[:self.n]
            self.region.settle(self.n * self.a.itemsize)
            self.a, self.region = a, region

    def slot(self, k: int) -> np.ndarray:
        self.reserve(self.n + k)
        out = self.a[self.n:self.n + k]
        self.n += k
        return out

    def final(self) -> np.ndarray:
        self.region.settle(self.n * self.a.itemsize)
        return self.a[:self.n]


class _VariableSink:
    """Frames of one variable-size type copied into one buffer, in receive order."""

    def __init__(self, lay, bound_bytes: int):
        self.layout = lay
        t = lay.type
        self.data = _Column((t, "frames"), np.uint8, bound_bytes)
        self.offsets = _Column((t, "offsets"), np.int64, bound_bytes // lay.size)
        self.sizes = _Column((t, "sizes"), np.int64, bound_bytes // lay.size)
        self.times = _Column((t, "times"), np.uint64, bound_bytes // lay.size)

    def add(self, u8: np.ndarray, pos: np.ndarray, sizes: np.ndarray, times: np.ndarray):
        """Copies the frames at byte positions `pos` of `sizes` bytes, back to back in receive order:
        one gather and one scatter per distinct size (the C kernel writes the same bytes)."""
        k = len(pos)
        if k == 0:
            return
        where = self.offsets.slot(k)
        np.cumsum(sizes, out=where)
        where -= sizes - self.data.n
        dest = self.data.slot(int(sizes.sum()))
        base = self.data.n - len(dest)
        for c in np.unique(sizes).tolist():
            sel = np.flatnonzero(sizes == c)
            _view(dest, (np.void, c))[where[sel] - base] = _view(u8, (np.void, c))[pos[sel]]
        self.sizes.slot(k)[:] = sizes
        self.times.slot(k)[:] = times

    def final(self):
        return (VariableFrames(self.layout, self.data.final(), self.offsets.final(), self.sizes.final()),
                self.times.final())


class _Lazy:
    """A batch's receive times, concatenated on first use (or straight into an output)."""

    def __init__(self, make):
        self.make, self.value = make, None

    def __call__(self, out=None):
        if out is not None:
            return self.make(out)
        if self.value is None:
            self.value = self.make()
        return self.value


class BrokenBlock(Exception):
    """Framing that does not hold in block `index` of a batch (the file ends before it)."""

    def __init__(self, index: int, why: str):
        super().__init__(why)
        self.index = index


class Reader:
    """Per-type outputs of every batch of frames blocks handed to blocks(), in order.

    bound_bytes: at most this many frame bytes will be read (sizes the outputs; they grow if not).
    wanted: type numbers to keep (None: all). verify: check frame checksums. errors: "skip" lists
    refused frames in `skipped` as (file, offset, reason); "raise" raises WireError.
    """

    def __init__(self, bound_bytes: int, *, verify: bool = False, errors: str = "skip", wanted=None):
        self.bound = bound_bytes
        self.verify, self.errors = verify, errors
        self.wanted = None
        if wanted is not None:
            self.wanted = np.zeros(_DROP + 1, bool)
            self.wanted[list(wanted)] = True
        self.fixed: Dict[int, tuple] = {}
        self.variable: Dict[int, _VariableSink] = {}
        self.skipped: List[tuple] = []
        self._work: Dict[str, np.ndarray] = {}
        self._batch = None
        self._uniform = None

    def blocks(self, u8: np.ndarray, blocks: List[tuple], file: str, file_base: Optional[int]) -> Optional[BrokenBlock]:
        """Reads frames blocks held in u8: (payload byte position, count, raw_size, file offset of the
        block) each. Offsets of refused frames are file_base + position, or the block's file offset
        when file_base is None (a decompressed block). Returns the first block whose framing is
        broken (nothing of it or after it is read), else None."""
        broken = self._framing(u8, blocks)
        if broken is not None:
            # the blocks before it may hold an earlier broken block (framing stops at the first
            # failure of each kind of check): the first broken block in file order ends the file
            earlier = self.blocks(u8, blocks[:broken.index], file, file_base) if broken.index else None
            return earlier or broken
        self._read(u8, blocks, file, file_base)
        return None

    def _scratch(self, name: str, dtype, n: int) -> np.ndarray:
        """A work array reused from batch to batch (fresh temporaries would be page-faulted in again
        and again, which costs more than the arithmetic on them)."""
        have = self._work.get(name)
        if have is None or len(have) < n or have.dtype != np.dtype(dtype):
            have = self._work[name] = np.empty(max(n, 1 << 16), dtype)
        return have[:n]

    # -- framing (block level) ------------------------------------------------------------------
    def _framing(self, u8, blocks) -> Optional[BrokenBlock]:
        """Every frame 8-byte aligned inside its block, in order, not running into the next, the
        magic where the offsets column points. Leaves word positions, headers, payload sizes and
        types for _read."""
        starts, ends, counts = [], [], []
        for i, (p, count, raw_size, _where) in enumerate(blocks):
            if count < 1 or raw_size > MAX_RAW_SIZE:
                return BrokenBlock(i, f"count {count}, raw_size {raw_size}")
            frames_start = 12 * count + (4 if count % 2 else 0)
            if frames_start + HEADER_SIZE * count > raw_size or p % 8:
                return BrokenBlock(i, f"{count} frames do not fit in {raw_size} bytes")
            starts.append(p + frames_start)
            ends.append(p + raw_size)
            counts.append(count)
        n = sum(counts)
        pos8 = self._scratch("pos8", np.int64, n)
        at = 0
        for (p, count, _r, _w), start in zip(blocks, starts):
            np.add(u8[p + 8 * count:p + 12 * count].view("<u4"), start, out=pos8[at:at + count])
            at += count
        first = np.cumsum([0] + counts[:-1])
        last = np.append(first[1:], n) - 1
        ends = np.array(ends, np.int64)
        if np.bitwise_or.reduce(pos8) & 7:
            misaligned = [bool(np.bitwise_or.reduce(pos8[a:a + c]) & 7) for a, c in zip(first.tolist(), counts)]
            return BrokenBlock(misaligned.index(True), "a frame offset that is not a multiple of 8")
        np.right_shift(pos8, 3, out=pos8)
        w = u8[:len(u8) & ~7].view("<u8")
        head = np.take(w, pos8, out=self._scratch("head", np.uint64, n), mode="clip")  # clip: checked below
        word1 = np.take(w[1:], pos8, out=self._scratch("word1", np.uint64, n), mode="clip")
        payload = word1.view("<u4")[::2]
        end8 = self._scratch("end8", np.int64, n)  # the word after each frame's padding
        np.add(payload, HEADER_SIZE + 7, out=end8, dtype=np.int64)
        np.right_shift(end8, 3, out=end8)
        np.add(end8, pos8, out=end8)
        flags = self._scratch("flags", np.bool_, n)
        np.greater(end8[:-1], pos8[1:], out=flags[:-1])
        tail = (pos8[last] * 8 + HEADER_SIZE + payload[last]) > ends
        if tail.any() or flags[:-1].any():  # an end after the next frame's start, or after its block's end
            i = min(int(first[np.argmax(tail)]) if tail.any() else n, int(np.argmax(flags[:-1])) if flags[:-1].any() else n)
            return self._broken(first, i, "a frame offset outside its block, out of order, or a frame that runs "
                                          "past its block or into the next frame")
        types = self._scratch("types", np.intp, n)
        ok = self._scratch("ok", np.bool_, n)
        masked = np.bitwise_and(head, _MASK48, out=self._scratch("masked", np.uint64, n))
        t0 = int(head[0] >> np.uint64(32)) & 0xFF
        self._uniform = None  # every frame of one fixed-size type t0 (a single-type capture): no lookups
        if _KEY[t0] != _NEVER and np.equal(masked, _KEY[t0], out=ok).all() and \
                np.equal(payload, _PAYLOAD[t0], out=flags).all():
            types.fill(t0)
            self._uniform = t0
            ok.fill(False)
        else:
            np.copyto(types, head.view(np.uint8)[4::8])
            np.equal(masked, np.take(_KEY, types, out=self._scratch("key", np.uint64, n), mode="clip"), out=ok)
            np.equal(payload, np.take(_PAYLOAD, types, out=self._scratch("expect", np.uint32, n), mode="clip"), out=flags)
            np.logical_and(ok, flags, out=ok)
            np.logical_not(ok, out=ok)
        odd = np.flatnonzero(ok)  # variable-size frames, refused frames, a broken magic
        if len(odd):
            no_magic = (head[odd] & np.uint64(0xFFFFFFFF)) != MAGIC
            if no_magic.any():
                return self._broken(first, odd[np.argmax(no_magic)], "a frame without the magic where the offsets column points")
        self._batch = (pos8, head, payload, types, odd, end8, first)
        return None

    @staticmethod
    def _broken(first, i, why):
        return BrokenBlock(int(np.searchsorted(first, i, side="right")) - 1, why)

    # -- frame checks (frame level) and gathers ------------------------------------------------
    def _read(self, u8, blocks, file, file_base):
        pos8, head, payload, types, odd, end8, first = self._batch
        n = len(pos8)
        odd_all = len(odd)
        if self.wanted is not None:
            types[~self.wanted[types]] = _DROP
            odd = odd[types[odd] != _DROP]
            self._uniform = None
        if file_base is not None:
            where = lambda i: file_base + 8 * pos8[i]
        else:
            where = lambda i: np.repeat(np.array([b[3] for b in blocks], np.int64), [b[1] for b in blocks])[i]
        refused = [self._checksums(u8, pos8, payload, types)] if self.verify else []
        if refused and len(refused[0][0]):
            odd = odd[~np.isin(odd, refused[0][0])]
        variable, wrong = self._sizes(odd, types, head, payload)
        refused.extend(wrong)
        if refused:
            self._refuse(refused, where, file, types)
        times = _Lazy(lambda out=None: np.concatenate([u8[p:p + 8 * count].view("<u8") for p, count, _r, _w in blocks],
                                                      out=self._scratch("times", np.uint64, n) if out is None else out))
        left = n - odd_all  # frames of fixed-size types to gather
        if self.wanted is not None or self.verify:
            left = n - int(np.count_nonzero(types == _DROP)) - sum(len(v) for v in variable.values())
        for t in list(self.fixed) + [None]:  # fixed-size types seen before first (no count pass)
            if t is None:
                if left <= 0:
                    break
                counts = np.bincount(types, minlength=_DROP + 1)
                counts[list(self.fixed) + [_DROP]] = 0
                counts[[v for v in range(256) if v in LAYOUTS and not LAYOUTS[v].fixed]] = 0
                for t in np.flatnonzero(counts).tolist():
                    self._gather(u8, blocks, t, times, first)
                break
            left -= self._gather(u8, blocks, t, times, first)
        for t, sel in variable.items():
            sel = sel[types[sel] != _DROP]
            if t not in self.variable:
                self.variable[t] = _VariableSink(LAYOUTS[t], self.bound)
            self.variable[t].add(u8, 8 * pos8[sel], payload[sel].astype(np.int64) + HEADER_SIZE, times()[sel])

    def _gather(self, u8, blocks, t: int, times, first) -> int:
        """Copies the frames of fixed-size type t (and their receive times) to its output; their count."""
        pos8, _head, _payload, types, _odd, end8, _first = self._batch
        n = len(pos8)
        if self._uniform == t:
            flags, k = None, n
        else:
            flags = np.equal(types, t, out=self._scratch("flags", np.bool_, n))
            k = int(np.count_nonzero(flags))
        if not k:
            return 0
        lay = LAYOUTS[t]
        if t not in self.fixed:
            bound = self.bound // lay.size + 1
            self.fixed[t] = (_Column((t, "frames"), lay.dtype, bound), _Column((t, "times"), np.uint64, bound))
        records, stamps = self.fixed[t]
        dest = records.slot(k)
        if k == n and lay.size % 8 == 0 and self._contiguous(end8, pos8, first):  # one type, back to back
            out = dest.view(np.uint8)
            for (p, count, _r, _w), a in zip(blocks, first.tolist()):
                frames = 8 * int(pos8[a])
                out[a * lay.size:(a + count) * lay.size] = u8[frames:frames + count * lay.size]
            times(stamps.slot(k))
            return k
        sel = np.flatnonzero(flags) if k < n else np.arange(n)
        at = np.take(pos8, sel, out=self._scratch("at", np.int64, k), mode="clip")
        _copy_into(dest, np.ndarray(((len(u8) - lay.size) // 8 + 1,), (np.void, lay.size), u8, 0, (8,))[at])
        np.take(times(), sel, out=stamps.slot(k), mode="clip")
        return k

    def _contiguous(self, end8, pos8, first) -> bool:
        """Each block's frames back to back (every frame ends where the next begins)."""
        flags = np.equal(end8[:-1], pos8[1:], out=self._scratch("flags", np.bool_, len(pos8))[:-1])
        flags[first[1:] - 1] = True
        return bool(flags.all())

    def _checksums(self, u8, pos8, payload, types):
        """Frames whose checksum does not match (indices, reason, detail)."""
        keep = np.flatnonzero(types != _DROP)
        pos = 8 * pos8
        sizes = payload[keep].astype(np.int64) + HEADER_SIZE
        stored = _view(u8, "<u4", 28)[pos[keep]]
        bad = [np.zeros(0, np.int64)]
        for size in np.unique(sizes).tolist():
            sel = np.flatnonzero(sizes == size)
            crc = _crc.crc32_rows(_rows(u8, pos[keep[sel]], size))
            bad.append(keep[sel[crc != stored[sel]]])
        return np.sort(np.concatenate(bad)), "bad_checksum", _refusal_detail("bad_checksum", 0, 0)

    @staticmethod
    def _sizes(odd, types, head, payload):
        """Among frames that are not a fixed-size type's exact header and size: the variable-size
        ones by type, and the refused ones [(indices, reason, detail)] (unknown_type,
        unknown_version, bad_size: the first that applies)."""
        if not len(odd):
            return {}, []
        t = types[odd]
        version = head[odd].view(np.uint8)[5::8]
        fixed = _KEY[t] != _NEVER
        size_ok = np.where(fixed, payload[odd] == _PAYLOAD[t], payload[odd].astype(np.int64) >= _VARIABLE_MIN[t])
        reason = np.where(size_ok, 0, 3)
        reason[_VERSION[t] != version] = 2
        reason[_VERSION[t] == 0] = 1
        wrong = []
        for code, name in ((1, "unknown_type"), (2, "unknown_version"), (3, "bad_size")):
            sel = odd[reason == code]
            if len(sel):
                wrong.append((sel, name, _refusal_detail(name, int(types[sel[0]]), int(version[reason == code][0]))))
        fine = odd[reason == 0]
        return {t: fine[types[fine] == t] for t in np.unique(types[fine]).tolist()}, wrong

    def _refuse(self, refused, where, file, types):
        """Refused frames: WireError for the first in receive order (errors="raise"), else listed in
        `skipped` in receive order; none of them is gathered."""
        refused = [r for r in refused if len(r[0])]
        if not refused:
            return
        idx = np.concatenate([r[0] for r in refused])
        code = np.concatenate([np.full(len(r[0]), k) for k, r in enumerate(refused)])
        order = np.argsort(idx, kind="stable")
        idx, code = idx[order], code[order]
        if self.errors == "raise":
            _i, reason, detail = refused[code[0]]
            raise WireError(reason, detail, int(where(idx[:1])[0]))
        names = [r[1] for r in refused]
        self.skipped.extend((file, o, names[c]) for o, c in zip(where(idx).tolist(), code.tolist()))
        types[idx] = _DROP
        self._uniform = None

    def final(self):
        """{type number: (array or VariableFrames, receive times)} in type-number order."""
        out = {}
        for t in sorted(set(self.fixed) | set(self.variable)):
            if t in self.fixed:
                records, stamps = self.fixed[t]
                out[t] = (records.final(), stamps.final())
            else:
                out[t] = self._variable_final(t)
        return out

    def _variable_final(self, t: int) -> tuple:
        return self.variable[t].final()



# -- the C kernel (python/native/capread.c) ------------------------------------------------------
class _Tables(ctypes.Structure):
    _fields_ = [("key", ctypes.c_void_p), ("payload", ctypes.c_void_p), ("variable_min", ctypes.c_void_p),
                ("version", ctypes.c_void_p), ("wanted", ctypes.c_void_p)]


class _Output(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("times", ctypes.c_void_p), ("offsets", ctypes.c_void_p),
                ("sizes", ctypes.c_void_p), ("fixed", ctypes.c_void_p), ("fixed_size", ctypes.c_int64),
                ("count", ctypes.c_int64), ("count_cap", ctypes.c_int64), ("bytes", ctypes.c_int64),
                ("bytes_cap", ctypes.c_int64)]


class _Batch(ctypes.Structure):
    _fields_ = [("buf", ctypes.c_void_p), ("buf_len", ctypes.c_int64), ("blocks", ctypes.c_void_p),
                ("block_count", ctypes.c_int64), ("crc_isal", ctypes.c_void_p), ("crc_zlib", ctypes.c_void_p),
                ("stop_at_refused", ctypes.c_int64), ("block", ctypes.c_int64), ("frame", ctypes.c_int64),
                ("detail", ctypes.c_int64), ("room", ctypes.c_int64), ("refused_pos", ctypes.c_void_p),
                ("refused_why", ctypes.c_void_p), ("refused", ctypes.c_int64), ("refused_cap", ctypes.c_int64)]


_OK, _BROKEN, _NEEDS_ROOM, _REFUSED = range(4)  # capread_blocks' results
_BROKEN_WHY = {1: lambda count, raw: f"count {count}, raw_size {raw}",
               2: lambda count, raw: f"{count} frames do not fit in {raw} bytes",
               3: lambda count, raw: "a block outside the read buffer",
               4: lambda count, raw: "a frame offset that is not a multiple of 8",
               5: lambda count, raw: "a frame offset outside its block, out of order, or a frame that runs past its "
                                     "block or into the next frame",
               6: lambda count, raw: "a frame without the magic where the offsets column points"}
_REFUSED_NAMES = {1: "bad_checksum", 2: "unknown_type", 3: "unknown_version", 4: "bad_size"}
_ROOM_FOR_REFUSED = 256


def _load_native():
    """The kernel built next to this file (CMake, or pip's optional extension), unless
    ALPHAPULSE_CAPREAD=numpy; ALPHAPULSE_CAPREAD=native makes its absence an error."""
    choice = os.environ.get("ALPHAPULSE_CAPREAD", "auto")
    if choice not in ("auto", "native", "numpy"):
        raise ImportError(f"ALPHAPULSE_CAPREAD={choice}: expected native, numpy or auto")
    if choice == "numpy":
        return None
    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, "_capread_native*.so"))):
        try:
            lib = ctypes.CDLL(path)
            fn = lib.capread_blocks
        except (OSError, AttributeError):
            continue
        fn.restype = ctypes.c_int
        fn.argtypes = [ctypes.POINTER(_Batch), ctypes.POINTER(_Tables), ctypes.POINTER(_Output)]
        return fn
    if choice == "native":
        raise ImportError(f"ALPHAPULSE_CAPREAD=native, and no loadable _capread_native*.so in {here}")
    return None


def _frame_crc():
    """A zlib.crc32-compatible C function for the kernel's checksum checks: the _Batch field to set
    (crc_isal: ISA-L's signature, crc_zlib: zlib's) and its address, or None."""
    if _crc._isal is not None:
        return "crc_isal", ctypes.cast(_crc._isal, ctypes.c_void_p).value
    for name in ("libz.so.1", ctypes.util.find_library("z")):
        if not name:
            continue
        try:
            return "crc_zlib", ctypes.cast(ctypes.CDLL(name).crc32, ctypes.c_void_p).value
        except (OSError, AttributeError, TypeError):
            continue
    return None


_capread_blocks = _load_native()
_FRAME_CRC = _frame_crc() if _capread_blocks is not None else None
BACKEND = "native" if _capread_blocks is not None else "numpy"


def new_reader(bound_bytes: int, *, verify: bool = False, errors: str = "skip", wanted=None) -> Reader:
    """The reader of the backend in use (BACKEND): the C kernel's, or numpy's (also for verify=True
    when no C CRC function could be found)."""
    native = BACKEND == "native" and _capread_blocks is not None and (not verify or _FRAME_CRC is not None)
    return (NativeReader if native else Reader)(bound_bytes, verify=verify, errors=errors, wanted=wanted)


class NativeReader(Reader):
    """Reader's reads done by the C kernel: one call per batch (and one more each time a type's
    outputs must grow), no numpy pass and no Python per frame. The outputs are the same _Column and
    _VariableSink arrays, written by the kernel through their addresses, and final() is Reader's."""

    def __init__(self, bound_bytes: int, *, verify: bool = False, errors: str = "skip", wanted=None):
        super().__init__(bound_bytes, verify=verify, errors=errors, wanted=wanted)
        self._wanted8 = np.ones(256, np.uint8) if wanted is None else self.wanted[:256].astype(np.uint8)
        self._tables = _Tables(_KEY.ctypes.data, _PAYLOAD.ctypes.data, _VARIABLE_MIN.ctypes.data,
                               _VERSION.ctypes.data, self._wanted8.ctypes.data)
        self._outputs = (_Output * 256)()
        self._fixed_parts: Dict[int, _Column] = {}  # variable-size types' fixed parts (VariableFrames.fixed)
        self._batch = _Batch()
        if verify:
            setattr(self._batch, *_FRAME_CRC)
        self._batch.stop_at_refused = errors == "raise"
        self._refused_room(1024)
        self._args = (ctypes.byref(self._batch), ctypes.byref(self._tables), self._outputs)

    def blocks(self, u8: np.ndarray, blocks: List[tuple], file: str, file_base: Optional[int]) -> Optional[BrokenBlock]:
        assert u8.dtype == np.uint8 and u8.flags.c_contiguous
        rows = np.array([b[:3] for b in blocks], np.int64)
        b = self._batch
        b.buf, b.buf_len, b.blocks, b.block_count = u8.ctypes.data, len(u8), rows.ctypes.data, len(rows)
        b.block = b.frame = b.refused = 0
        while True:
            status = _capread_blocks(*self._args)
            if status != _NEEDS_ROOM:
                break
            if b.detail == _ROOM_FOR_REFUSED:
                self._refused_room(2 * b.refused_cap)
            else:
                self._room(b.detail, b.room)
        if b.refused:
            self._refused(u8, blocks, file, file_base, raise_last=status == _REFUSED)
        if status == _BROKEN:
            _p, count, raw_size, _w = blocks[b.block]
            return BrokenBlock(b.block, _BROKEN_WHY[b.detail](count, raw_size))
        return None

    def _refused(self, u8: np.ndarray, blocks, file: str, file_base: Optional[int], raise_last: bool):
        """The batch's refused frames into `skipped`; or WireError for the last, where the kernel stopped."""
        b = self._batch
        where = self._refused_offsets(blocks, file_base)
        if raise_last:
            at = b.refused - 1
            reason = _REFUSED_NAMES[int(self._refused_why[at])]
            pos = int(self._refused_pos[at])
            raise WireError(reason, _refusal_detail(reason, int(u8[pos + 4]), int(u8[pos + 5])), int(where[at]))
        names = [_REFUSED_NAMES[int(c)] for c in self._refused_why[:b.refused]]
        self.skipped.extend((file, o, name) for o, name in zip(where.tolist(), names))

    def _refused_offsets(self, blocks, file_base) -> np.ndarray:
        """File offsets of the refused frames: their own, or their (decompressed) block's."""
        pos = self._refused_pos[:self._batch.refused]
        if file_base is not None:
            return pos + file_base
        starts = np.array([b[0] for b in blocks], np.int64)
        return np.array([b[3] for b in blocks], np.int64)[np.searchsorted(starts, pos, side="right") - 1]

    def _refused_room(self, n: int):
        kept = self._batch.refused
        pos, why = np.empty(n, np.int64), np.empty(n, np.uint8)
        if kept:
            pos[:kept], why[:kept] = self._refused_pos[:kept], self._refused_why[:kept]
        self._refused_pos, self._refused_why = pos, why
        b = self._batch
        b.refused_pos, b.refused_why, b.refused_cap = pos.ctypes.data, why.ctypes.data, n

    def _columns(self, t: int) -> tuple:
        """Type t's outputs (data, times, then offsets, sizes and fixed parts or None for fixed-size
        types), made on first use."""
        if t in self.fixed:
            records, stamps = self.fixed[t]
            return records, stamps, None, None, None
        if t in self.variable:
            sink = self.variable[t]
            return sink.data, sink.times, sink.offsets, sink.sizes, self._fixed_parts[t]
        lay = LAYOUTS[t]
        if lay.fixed:
            bound = self.bound // lay.size + 1
            self.fixed[t] = (_Column((t, "frames"), lay.dtype, bound), _Column((t, "times"), np.uint64, bound))
        else:
            self.variable[t] = _VariableSink(lay, self.bound)
            self._fixed_parts[t] = _Column((t, "fixed"), lay.dtype, self.bound // lay.size + 1)
            self._outputs[t].fixed_size = lay.dtype.itemsize
        return self._columns(t)

    def _room(self, t: int, frame_bytes: int):
        """Grows type t's outputs (or makes them) for at least one more frame of frame_bytes."""
        out = self._outputs[t]
        data, *per_frame = self._columns(t)
        self._filled(out, data, per_frame)  # what a grown column copies over
        data.reserve(-(-(out.bytes + frame_bytes) // data.a.itemsize))
        out.data, out.bytes_cap = data.a.ctypes.data, data.a.nbytes
        for name, col in zip(("times", "offsets", "sizes", "fixed"), per_frame):
            if col is not None:
                col.reserve(out.count + 1)
                setattr(out, name, col.a.ctypes.data)
        out.count_cap = min(len(col.a) for col in per_frame if col is not None)

    def final(self):
        for t in list(self.fixed) + list(self.variable):
            data, *per_frame = self._columns(t)
            self._filled(self._outputs[t], data, per_frame)
        return super().final()

    @staticmethod
    def _filled(out, data: _Column, per_frame: list):
        """The columns' element counts from what the kernel wrote (it does not update them)."""
        data.n = out.bytes // data.a.itemsize
        for col in per_frame:
            if col is not None:
                col.n = out.count

    def _variable_final(self, t: int) -> tuple:
        """VariableFrames with the fixed parts the kernel copied out as it went (gathering them
        again would cost about 0.1 s for 1.5M OrderBooks)."""
        sink = self.variable[t]
        frames = VariableFrames(sink.layout, sink.data.final(), sink.offsets.final(), sink.sizes.final(),
                                fixed=self._fixed_parts[t].final())
        return frames, sink.times.final()
