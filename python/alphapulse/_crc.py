"""CRC-32 as zlib computes it (PROTOCOL.md section 3), fast where it can be.

`crc32(data, value)` uses ISA-L's `crc32_gzip_refl` (libisal, which the C++ build links
too) through ctypes when the library is present, about 40x zlib's speed on large
buffers, and zlib otherwise: the same function either way. `crc32_rows` checks many
equal-length frames at once with numpy (one table lookup per byte column, no
per-frame Python).
"""
import ctypes
import ctypes.util
import zlib

import numpy as np

_ISAL_MIN_BYTES = 4096  # below this the ctypes call costs more than zlib


def _load_isal():
    for name in ("libisal.so.2", ctypes.util.find_library("isal")):
        if not name:
            continue
        try:
            fn = ctypes.CDLL(name).crc32_gzip_refl
        except (OSError, AttributeError):
            continue
        fn.restype = ctypes.c_uint32
        fn.argtypes = [ctypes.c_uint32, ctypes.c_void_p, ctypes.c_uint64]
        return fn
    return None


_isal = _load_isal()
BACKEND = "isal" if _isal is not None else "zlib"


def crc32(data, value: int = 0) -> int:
    """zlib.crc32(data, value) for bytes-like objects and contiguous numpy arrays."""
    if _isal is not None and len(data) >= _ISAL_MIN_BYTES:
        arr = data if isinstance(data, np.ndarray) else np.frombuffer(data, np.uint8)
        if arr.flags.c_contiguous:
            return _isal(value, arr.ctypes.data, arr.nbytes)
    return zlib.crc32(data, value)


def frame_checksum(frame) -> int:
    """The checksum a frame must carry: CRC-32 of bytes 0..27, then 32..end."""
    return zlib.crc32(frame[32:], zlib.crc32(frame[0:28]))


def _table() -> np.ndarray:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ np.uint32(0xEDB88320), table >> 1).astype(np.uint32)
    return table


_TABLE = _table()


def crc32_rows(rows: np.ndarray, skip=(28, 32)) -> np.ndarray:
    """Frame checksums of `rows` (k frames of one length, uint8 of shape (k, length)).

    Bytes skip[0]..skip[1]-1 (the checksum field) are not covered. Cost: one vectorised
    step per byte column, so about length * k table lookups.
    """
    cols = np.ascontiguousarray(rows.T)
    crc = np.full(rows.shape[0], 0xFFFFFFFF, dtype=np.uint32)
    for j in range(cols.shape[0]):
        if skip[0] <= j < skip[1]:
            continue
        crc = _TABLE[(crc ^ cols[j]) & 0xFF] ^ (crc >> 8)
    return crc ^ np.uint32(0xFFFFFFFF)
