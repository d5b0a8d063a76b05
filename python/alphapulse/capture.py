"""Capture files (`.apcap`, PROTOCOL.md section 13): read into per-type numpy arrays, and write.

    cap = read_capture("recordings/market_data/")      # a file, or a directory in file_index order
    cap["Trade"]["price"]                               # every Trade of the recording, int64
    cap.receive_times["Trade"]                          # when the recorder received each one (ns)
    cap.to_pandas("Quote")                              # readable instruments, float prices, datetimes
    cap.torn                                            # [(file, byte offset, why)] where a file was cut

Reading walks block headers only: each frames block's columns (receive times, offsets) locate its
frames, so no Python runs per frame (_capread.py checks and gathers a few MB of blocks at a time,
with a small C kernel when it was built, else with numpy). The file is read with read() into two
reused buffers, the next 4 MB by a thread while the current ones are gathered, not mapped: on the
machines measured, the page faults of a mapping cost more than the copy. Block CRCs are checked
(ISA-L's CRC through ctypes when present); frame checksums too with verify=True (slower). A
block whose header or payload does not check, or that the file ends inside, ends that file:
everything before it is kept and `torn` says where (a recorder that crashed mid-write).

The arrays are views of memory that, once the caller drops them, is kept for the next read for 10 s
(ALPHAPULSE_CAPTURE_KEEP_SECONDS; release_memory() gives it back now): fresh memory, zeroed by the
kernel page by page, cost more than the copy into it (_arena.py).
"""
import ctypes
import ctypes.util
import os
import socket
import struct
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from . import _arena, _capread
from ._arena import release as release_memory  # noqa: F401 (public: alphapulse.capture.release_memory)
from ._capread import MAX_RAW_SIZE
from .wire import DOMAINS, LAYOUTS, TypeMap, WireError, _at, frame_offsets, layout

FILE_MAGIC = b"APCAPTR1"
BLOCK_MAGIC = b"APBK"
FILE_VERSION = 1
FILE_HEADER = struct.Struct("<8sHBBIQQ64s28xI")   # 128 bytes
BLOCK_HEADER = struct.Struct("<4sBBHIIII4xI")      # 32 bytes
INDEX_ENTRY = struct.Struct("<QQQQIH10x")          # 48 bytes
SOURCE_RANGE = struct.Struct("<B7xQQ")             # 24 bytes
KIND_FRAMES, KIND_INDEX = 1, 2
DOMAIN_NUMBERS = {**DOMAINS, "mixed": 0}


class CaptureError(ValueError):
    """A file that is not a capture, or one this reader cannot read (names the file and offset)."""


def _zstd():
    for name in ("libzstd.so.1", ctypes.util.find_library("zstd")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib.ZSTD_decompress.restype = ctypes.c_size_t
        lib.ZSTD_decompress.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t]
        lib.ZSTD_compress.restype = ctypes.c_size_t
        lib.ZSTD_compress.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        lib.ZSTD_compressBound.restype = ctypes.c_size_t
        lib.ZSTD_compressBound.argtypes = [ctypes.c_size_t]
        lib.ZSTD_isError.restype = ctypes.c_uint
        lib.ZSTD_isError.argtypes = [ctypes.c_size_t]
        return lib
    return None


_ZSTD = _zstd()


def _decompress(stored: np.ndarray, raw_size: int) -> np.ndarray:
    if _ZSTD is None:
        raise CaptureError("a zstd-compressed block, and libzstd (libzstd1) is not installed")
    out = np.empty(raw_size, np.uint8)
    src = np.ascontiguousarray(stored)
    got = _ZSTD.ZSTD_decompress(out.ctypes.data, raw_size, src.ctypes.data, src.nbytes)
    if _ZSTD.ZSTD_isError(got) or got != raw_size:
        raise ValueError("the zstd frame does not decompress to raw_size bytes")
    return out


def _compress(raw: bytes, level: int = 3) -> bytes:
    if _ZSTD is None:
        raise CaptureError("compression needs libzstd (libzstd1)")
    bound = _ZSTD.ZSTD_compressBound(len(raw))
    out = ctypes.create_string_buffer(bound)
    got = _ZSTD.ZSTD_compress(out, bound, raw, len(raw), level)
    if _ZSTD.ZSTD_isError(got):
        raise CaptureError("zstd compression failed")
    return out.raw[:got]


def _pad8(n: int) -> int:
    return (n + 7) & ~7


class FileInfo:
    """A capture file's header fields and what reading it found."""

    def __init__(self, path, domain, flags, header_size, start_time, file_index, host):
        self.path, self.domain, self.flags = path, domain, flags
        self.header_size, self.start_time, self.file_index, self.host = header_size, start_time, file_index, host
        self.frames = 0
        self.blocks = 0
        self.end = header_size  # byte after the last good block
        self.torn: Optional[str] = None

    def __repr__(self):
        return (f"FileInfo({self.path}, domain {self.domain}, index {self.file_index}, {self.frames} frames, "
                f"{self.blocks} blocks" + (f", torn at {self.end}: {self.torn}" if self.torn else "") + ")")


def read_header(raw, path="capture") -> FileInfo:
    if len(raw) < FILE_HEADER.size:
        raise CaptureError(f"{path}: {len(raw)} bytes, shorter than the 128-byte capture header")
    magic, version, domain, flags, header_size, start, index, host, crc = FILE_HEADER.unpack_from(raw)
    if magic != FILE_MAGIC:
        raise CaptureError(f"{path}: not a capture file (magic {magic!r}, expected {FILE_MAGIC!r})")
    if version != FILE_VERSION:
        raise CaptureError(f"{path}: capture version {version}, this reader knows {FILE_VERSION}")
    if zlib.crc32(bytes(raw[:124])) != crc:
        raise CaptureError(f"{path}: the file header's CRC does not match (a damaged file)")
    if header_size < FILE_HEADER.size or header_size % 8:
        raise CaptureError(f"{path}: header_size {header_size} is not a multiple of 8 from 128")
    return FileInfo(str(path), domain, flags, header_size, start, index, host.split(b"\0", 1)[0].decode("utf-8", "replace"))


CHUNK_BYTES = 4 << 20  # read() size: whole blocks of this much are checked and gathered at once


class _Prefetch:
    """Reads a file's next CHUNK_BYTES in a thread while the caller checks and gathers the chunk before
    it: read() copying out of the page cache and the reader copying into the outputs overlap (on the
    machine measured, a C loop of read() and a copy into fresh memory took 0.23 s for 1.1 GB one after
    the other, 0.15 s overlapped). Two buffers of 2 * CHUNK_BYTES take turns, a chunk read into the
    second half of one while the other is walked.

    The thread also follows the chain of block headers through what it reads and computes the CRC of
    each block payload it holds whole, in `crcs` by (block's file offset, stored_size): the caller
    takes them from there rather than computing them (about 0.04 s of a 0.3 s read of 1.1 GB). They
    are the CRCs of exactly those file bytes, whatever the headers say: a damaged header only makes
    the chain go astray and the caller compute the CRCs itself."""

    def __init__(self, fh, buffers: List[np.ndarray]):
        self.fh, self.buffers, self.turn = fh, buffers, 0
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="alphapulse-capture-read")
        self.reading = None
        self.crcs: Dict[tuple, int] = {}
        self.offset = self.next_block = fh.tell()  # file offset of the next byte to read, of the next block
        self.partial = b""  # a block header cut by the end of the previous chunk
        self.start()

    def start(self):
        """Starts reading the next chunk into the buffer whose turn it is."""
        self.reading = self.pool.submit(self._fill, self.buffers[self.turn][CHUNK_BYTES:])

    def _fill(self, chunk: np.ndarray) -> int:
        view = memoryview(chunk)
        got = 0
        while got < len(view):
            n = self.fh.readinto(view[got:])  # releases the GIL
            if not n:
                break
            got += n
        self._crcs_ahead(chunk, self.offset, got)
        self.offset += got
        return got

    def _crcs_ahead(self, chunk: np.ndarray, first: int, got: int):
        """The payload CRCs of the blocks whose header and payload lie in chunk[:got] (file offset `first`)."""
        at, end = self.next_block, first + got
        while at + BLOCK_HEADER.size <= end:
            if at < first:  # a header cut by the chunk's start: its end is here
                head = self.partial + bytes(chunk[:at + BLOCK_HEADER.size - first])
            else:
                head = chunk[at - first:at - first + BLOCK_HEADER.size]
            stored = int.from_bytes(head[8:12], "little")
            start = at + BLOCK_HEADER.size
            if start >= first and start + stored <= end:
                self.crcs[(at, stored)] = _capread.crc_of(chunk[start - first:start + stored - first])
            at = start + _pad8(stored)
        self.next_block = at
        self.partial = bytes(chunk[at - first:got]) if first <= at < end else b""

    def wait(self) -> tuple:
        """(buffer, bytes read into its second half) of the chunk started last."""
        got = self.reading.result()
        self.reading = None
        arr = self.buffers[self.turn]
        self.turn ^= 1
        return arr, got

    def close(self):
        if self.reading is not None:
            self.reading.cancel() or self.reading.exception()  # never leave a read() running on the file
        self.pool.shutdown(wait=True)


def _read_buffers(buffers=None) -> List[np.ndarray]:
    """_Prefetch's two buffers: those of an earlier file when they still fit CHUNK_BYTES."""
    if buffers is not None and all(len(b) == 2 * CHUNK_BYTES for b in buffers):
        return buffers
    return [_arena.POOL.take(("read buffer", i), np.uint8, 2 * CHUNK_BYTES)[0] for i in range(2)]


class _Walk:
    """Reads one file's blocks through reused buffers, in order, and hands the frames blocks to a
    Reader in batches (all the plain blocks a buffer holds, or one decompressed block). Stops at
    the first block that does not check and records it in `info`."""

    def __init__(self, path, info: FileInfo, reader: _capread.Reader, buffers: List[np.ndarray]):
        self.path, self.info, self.reader, self.buffers = str(path), info, reader, buffers
        self.buf = np.empty(0, np.uint8)  # the bytes being walked: a view of a buffer, or `own`
        self.own = None               # the buffer of a file read without _Prefetch (a block longer than a chunk)
        self.prefetch = None
        self.base = info.header_size  # file offset of buf[0]
        self.have = 0                 # bytes of buf holding the file
        self.eof = False
        self.pending = []             # plain frames blocks in buf: (payload pos, count, raw_size, file offset)
        self.before = []              # (blocks, frames) read before each pending block

    def run(self, fh):
        fh.seek(self.info.header_size)
        self.fh, self.size = fh, os.fstat(fh.fileno()).st_size
        self.prefetch = _Prefetch(fh, self.buffers)
        try:
            self._blocks()
        finally:
            if self.prefetch is not None:
                self.prefetch.close()

    def _blocks(self):
        info = self.info
        pos = 0
        while True:
            pos = self._have(pos, BLOCK_HEADER.size)
            if pos is None:
                return
            if pos + BLOCK_HEADER.size > self.have:
                if pos < self.have:
                    info.torn = f"the file ends inside a block header ({self.have - pos} of 32 bytes)"
                break
            buf = self.buf
            magic, kind, compression, _r, stored, raw_size, count, payload_crc, header_crc = BLOCK_HEADER.unpack_from(buf, pos)
            at = self.base + pos
            if magic != BLOCK_MAGIC or zlib.crc32(memoryview(buf)[pos:pos + 28]) != header_crc:
                info.torn = "a block header that does not check (magic or CRC)"
                break
            pos = self._have(pos, BLOCK_HEADER.size + stored)
            if pos is None:
                return
            buf, start = self.buf, pos + BLOCK_HEADER.size
            if start + stored > self.have:
                info.torn = f"the file ends inside a block ({self.have - start} of {stored} payload bytes)"
                break
            if self._payload_crc(start, stored) != payload_crc:
                info.torn = "a block payload whose CRC does not match"
                break
            if kind == KIND_FRAMES:
                if compression == 0 and raw_size == stored:
                    self.pending.append((start, count, raw_size, at))
                    self.before.append((info.blocks, info.frames))
                else:
                    if not self._flush():
                        return
                    try:
                        if compression != 1:
                            raise ValueError(f"compression {compression}, raw_size {raw_size}, stored_size {stored}")
                        if raw_size > MAX_RAW_SIZE:
                            raise ValueError(f"count {count}, raw_size {raw_size}")
                        raw = _decompress(buf[start:start + stored], raw_size)
                    except ValueError as e:
                        info.torn = f"a frames block that cannot be read: {e}"
                        break
                    broken = self.reader.blocks(raw, [(0, count, raw_size, at)], self.path, None)
                    if broken is not None:
                        info.torn = f"a frames block that cannot be read: {broken}"
                        break
                info.frames += count
            info.blocks += 1
            pos = start + _pad8(stored)
            info.end = min(self.base + pos, self.size)
        self._flush()

    def _payload_crc(self, start: int, stored: int) -> int:
        """The CRC of buf[start:start + stored], a block payload: _Prefetch's if it computed it."""
        crc = self.prefetch.crcs.pop((self.base + start - BLOCK_HEADER.size, stored), None) if self.prefetch else None
        return _capread.crc_of(self.buf[start:start + stored]) if crc is None else crc

    def _have(self, pos: int, n: int) -> Optional[int]:
        """Makes buf hold n bytes from pos (less at the end of the file); returns pos's new place.
        Reading more first reads the pending blocks (None if one is broken: the file ends there),
        then puts the rest (the bytes from pos on) just before the next chunk of the file."""
        if pos + n <= self.have or self.eof:
            return pos
        if not self._flush():
            return None
        rest = self.buf[pos:self.have]
        self.base += pos
        if self.prefetch is not None:
            self._next_chunk(rest, n)
        else:
            self._read(rest, n)
        return 0

    def _next_chunk(self, rest: np.ndarray, n: int):
        """buf: `rest`, then the chunk _Prefetch read; the next chunk is started. For a block longer
        than that, the rest of the file is read without _Prefetch (into a buffer that can grow)."""
        arr, got = self.prefetch.wait()
        k = len(rest)
        self.eof = got < CHUNK_BYTES
        if k <= CHUNK_BYTES:
            arr[CHUNK_BYTES - k:CHUNK_BYTES] = rest
            self.buf, self.have = arr[CHUNK_BYTES - k:CHUNK_BYTES + got], k + got
            if n <= self.have or self.eof:
                self.prefetch.start()
                return
            rest = self.buf
        else:
            rest = np.concatenate((rest, arr[CHUNK_BYTES:CHUNK_BYTES + got]))
        self.prefetch.close()
        self.prefetch = None
        self._read(rest, n)

    def _read(self, rest: np.ndarray, n: int):
        """buf: `rest` at the front of `own` (grown to hold n bytes), then read() until it is full."""
        k = len(rest)
        own = self.own
        if own is None or max(n, k) > len(own):
            own = np.empty(max(_pad8(n), k) + CHUNK_BYTES, np.uint8)
        own[:k] = rest  # (overlapping when rest is own's tail: numpy copies through a temporary)
        self.own = self.buf = own
        self.have = k
        view = memoryview(own)
        while self.have < len(own) and not self.eof:
            got = self.fh.readinto(view[self.have:])
            if not got:
                self.eof = True
                break
            self.have += got

    def _flush(self) -> bool:
        """Reads the pending plain blocks; False (and `info` says where) when one is broken."""
        if not self.pending:
            return True
        pending, before = self.pending, self.before
        self.pending, self.before = [], []
        broken = self.reader.blocks(self.buf, pending, self.path, self.base)
        if broken is None:
            return True
        info = self.info
        info.blocks, info.frames = before[broken.index]
        info.end = pending[broken.index][3]
        info.torn = f"a frames block that cannot be read: {broken}"
        return False


def _scan_file(path, info: FileInfo, reader: Optional[_capread.Reader] = None, buffers=None):
    """Walks a file's blocks (into `reader`; none: only checks them) and fills `info`. Returns the
    read buffers, for the next file."""
    reader = reader or _capread.new_reader(0, wanted=())
    walk = _Walk(path, info, reader, _read_buffers(buffers))
    with open(path, "rb", buffering=0) as fh:
        walk.run(fh)
    return walk.buffers


def capture_files(path) -> List[Path]:
    """The files of a recording: `path` itself, or a directory's *.apcap in file_index order."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such capture file or directory")
    if path.is_file():
        return [path]
    files = []
    for f in path.glob("*.apcap"):
        with open(f, "rb") as fh:
            files.append((read_header(fh.read(FILE_HEADER.size), f).file_index, f.name, f))
    if not files:
        raise CaptureError(f"{path}: a directory without .apcap files")
    return [f for _i, _n, f in sorted(files)]


class Capture(TypeMap):
    """What read_capture() read: per message type name, a structured array of the frames (fixed-size
    types) or VariableFrames (OrderBook, discovery, DeFiSignal, opaque), in receive order, and their
    receive times. `files` has each file's header and where it ended; `torn` the cut files."""

    def __init__(self):
        self.arrays: Dict[str, object] = {}
        self.receive_times: Dict[str, np.ndarray] = {}
        self.files: List[FileInfo] = []
        self.skipped: List[tuple] = []

    @property
    def torn(self):
        return [(f.path, f.end, f.torn) for f in self.files if f.torn]

    @property
    def frame_count(self) -> int:
        return sum(len(a) for a in self.arrays.values())

    def to_pandas(self, name=None, *, decimals: bool = False):
        """A DataFrame of one type (or {name: DataFrame} for every type): a receive_time column,
        the header's, then the fields (see alphapulse.tables.to_pandas)."""
        from .tables import to_pandas
        if name is None:
            return {n: self.to_pandas(n, decimals=decimals) for n in self.arrays}
        name = name if name in self.arrays else layout(name).name
        return to_pandas(self.arrays[name], receive_time=self.receive_times[name], decimals=decimals)

    def __repr__(self):
        torn = f", torn: {self.torn}" if self.torn else ""
        return f"Capture({len(self.files)} files, {self.frame_count} frames: {self.counts()}{torn})"


def read_capture(path, *, verify: bool = False, types=None, errors: str = "skip") -> Capture:
    """Reads a capture file or a recording's directory into per-type numpy arrays.

    verify: also check every frame's own checksum (blocks are always CRC-checked). types: only
    these message types (names or numbers). errors: "skip" keeps going past refused frames (listed
    in `skipped` as (file, offset, reason)), "raise" raises WireError.
    """
    cap = Capture()
    wanted = None if types is None else [layout(t).type for t in types]
    files = capture_files(path)
    reader = _capread.new_reader(sum(os.path.getsize(f) for f in files), verify=verify, errors=errors, wanted=wanted)
    buffers = None
    for f in files:
        with open(f, "rb") as fh:
            info = read_header(fh.read(FILE_HEADER.size), f)
        cap.files.append(info)
        buffers = _scan_file(f, info, reader, buffers)
    cap.skipped = reader.skipped
    for t, (arr, times) in reader.final().items():
        name = LAYOUTS[t].name
        cap.arrays[name] = arr
        cap.receive_times[name] = times
    return cap


class CaptureWriter:
    """Writes a capture file exactly as section 13 says (for tools, tests and exports).

    A frames block is closed at `max_frames` frames or `max_bytes` raw bytes, or by flush(); an
    index block follows every `index_every` frames blocks and close(). compress=True stores
    frames blocks as zstd frames (needs libzstd). With append=True an existing file is reopened:
    cut at its first bad block (a torn tail), then continued.
    """

    def __init__(self, path, domain="mixed", *, host: Optional[str] = None, start_time: Optional[int] = None,
                 file_index: int = 0, max_frames: int = 4096, max_bytes: int = 1 << 20, index_every: int = 16,
                 compress: bool = False, append: bool = False):
        self.path = str(path)
        self.max_frames, self.max_bytes, self.index_every, self.compress = max_frames, max_bytes, index_every, compress
        self._frames: List[bytes] = []
        self._times: List[int] = []
        self._raw_bytes = 0
        self._pending_index: List[bytes] = []
        self._frame_index = 0
        if append and os.path.exists(self.path) and os.path.getsize(self.path) > 0:
            with open(self.path, "rb") as fh:
                data = fh.read()
            info = read_header(data, self.path)
            _scan_file(self.path, info)
            self._file = open(self.path, "r+b")
            self._file.truncate(info.end)
            self._file.seek(info.end)
            self._frame_index = info.frames
            self.domain = info.domain
            return
        self.domain = domain if isinstance(domain, int) else DOMAIN_NUMBERS[domain]
        self._file = open(self.path, "wb")
        head = bytearray(FILE_HEADER.pack(FILE_MAGIC, FILE_VERSION, self.domain, 1 if compress else 0,
                                          FILE_HEADER.size, time.time_ns() if start_time is None else start_time,
                                          file_index, (host or socket.gethostname()).encode("utf-8")[:64], 0))
        struct.pack_into("<I", head, 124, zlib.crc32(bytes(head[:124])))
        self._file.write(head)

    def write(self, frame, receive_time: Optional[int] = None):
        """Appends one whole frame (as received: it is not checked)."""
        frame = bytes(frame)
        if self._frames and (len(self._frames) >= self.max_frames or self._raw_bytes + len(frame) > self.max_bytes):
            self.flush()
        self._frames.append(frame)
        self._times.append(time.time_ns() if receive_time is None else int(receive_time))
        self._raw_bytes += 12 + _pad8(len(frame))

    def write_frames(self, buffer, receive_times=None):
        """Appends back-to-back frames (e.g. a recv buffer); receive_times: one per frame, or now.

        Frames whose sizes are multiples of 8 (every fixed-size type) go into blocks without a
        Python step per frame; others one by one."""
        u8 = np.frombuffer(buffer, np.uint8)
        offsets, end, error = frame_offsets(u8)
        if error is not None:
            raise WireError("truncated" if isinstance(error, tuple) else error.reason, "the frames do not end whole", end)
        count = len(offsets)
        times = np.full(count, time.time_ns(), np.uint64) if receive_times is None else np.asarray(receive_times, np.uint64)
        sizes = np.diff(np.append(offsets, end))
        if np.any(sizes % 8):
            bounds = np.append(offsets, end).tolist()
            for i in range(count):
                self.write(u8[bounds[i]:bounds[i + 1]].tobytes(), int(times[i]))
            return
        self.flush()
        start = 0
        while start < count:
            # as many frames as fit the block limits
            cum = np.cumsum(12 + sizes[start:start + self.max_frames])
            stop = start + max(1, int(np.searchsorted(cum, self.max_bytes, side="right")))
            self._block(u8[int(offsets[start]):int(offsets[stop - 1] + sizes[stop - 1])], offsets[start:stop] - offsets[start],
                        times[start:stop], u8[offsets[start:stop] + 6],
                        _at(u8, offsets[start:stop] + 12, "<u8"))
            start = stop

    def flush(self):
        """Writes the open frames block (and an index block after every `index_every`)."""
        if not self._frames:
            return
        frames = [f + bytes(_pad8(len(f)) - len(f)) for f in self._frames]
        offsets = np.cumsum([0] + [len(f) for f in frames[:-1]])
        sources = np.array([f[6] for f in self._frames], np.uint8)
        sequences = np.array([struct.unpack_from("<Q", f, 12)[0] for f in self._frames], np.uint64)
        self._block(np.frombuffer(b"".join(frames), np.uint8), offsets, np.array(self._times, np.uint64), sources,
                    sequences)
        self._frames, self._times, self._raw_bytes = [], [], 0

    def _block(self, frames_part: np.ndarray, offsets, times, sources, sequences):
        """One frames block (frames already padded to 8 bytes each) and its index entry."""
        count = len(offsets)
        raw = b"".join([np.asarray(times, "<u8").tobytes(), np.asarray(offsets, "<u4").tobytes(),
                        bytes(4 if count % 2 else 0), frames_part.tobytes()])
        block_at = self._file.tell()
        self._write_block(KIND_FRAMES, raw, count, compress=self.compress)
        ranges = b""
        kinds = np.unique(sources)
        for s in kinds.tolist():
            mine = sequences[sources == s]
            ranges += SOURCE_RANGE.pack(s, int(mine.min()), int(mine.max()))
        self._pending_index.append(INDEX_ENTRY.pack(block_at, int(times[0]), int(times[-1]), self._frame_index, count,
                                                    len(kinds)) + ranges)
        self._frame_index += count
        if len(self._pending_index) >= self.index_every:
            self._write_index()
        self._file.flush()

    def _write_block(self, kind: int, raw: bytes, count: int, compress: bool = False):
        stored = _compress(raw) if compress else raw
        head = bytearray(BLOCK_HEADER.pack(BLOCK_MAGIC, kind, 1 if compress else 0, 0, len(stored), len(raw), count,
                                           zlib.crc32(stored), 0))
        struct.pack_into("<I", head, 28, zlib.crc32(bytes(head[:28])))
        self._file.write(bytes(head) + stored + bytes(_pad8(len(stored)) - len(stored)))

    def _write_index(self):
        if self._pending_index:
            self._write_block(KIND_INDEX, b"".join(self._pending_index), len(self._pending_index))
            self._pending_index = []

    def close(self):
        self.flush()
        self._write_index()
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
