#!/usr/bin/env python3
"""Seeds for fuzz_capread (its input format is in fuzz_capread.c): batches of frames blocks from real
captures, written with the package's CaptureWriter, with frames of the fuzz target's types, some
refused (unknown type, version, size, checksum), in blocks of a few frames, some of one type.

    fuzz_seeds.py OUT_DIR        (run with the package importable: PYTHONPATH=python)"""
import struct
import sys
import tempfile
import zlib
from pathlib import Path

from alphapulse.capture import CaptureWriter

MAGIC = 0xDEADBEEF
# the fuzz target's tables: (type, version, size); sizes above the fixed one are variable-size types' frames
SHAPES = [(1, 1, 64), (2, 1, 80), (3, 1, 96), (3, 1, 160), (7, 2, 40), (9, 1, 37), (1, 2, 64), (250, 1, 48), (2, 1, 88)]


def frame(kind: int, version: int, size: int, sequence: int, bad_checksum: bool = False) -> bytes:
    head = struct.pack("<IBBBBIQQ", MAGIC, kind, version, 1, 0, size - 32, sequence, 1_700_000_000_000_000_000 + sequence)
    body = bytes((sequence + i) & 0xFF for i in range(size - 32))
    crc = zlib.crc32(body, zlib.crc32(head)) ^ (1 if bad_checksum else 0)
    return head + struct.pack("<I", crc) + body


def batch(path: Path, options: int) -> bytes:
    """The capture's plain frames blocks as one fuzz input: options, block list, the payloads."""
    data = path.read_bytes()
    pos, rows, payload = 128, [], b""
    while pos + 32 <= len(data):
        kind, stored, raw, count = data[pos + 4], *struct.unpack_from("<III", data, pos + 8)
        if kind == 1 and len(rows) < 15:
            rows.append((len(payload), count, raw))
            payload += data[pos + 32:pos + 32 + stored] + bytes(-stored % 8)
        pos += 32 + ((stored + 7) & ~7)
    return bytes([options, len(rows)]) + b"".join(struct.pack("<III", *r) for r in rows) + payload


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for n, (frames_per_block, picks) in enumerate([(3, range(0, 6)), (5, range(0, 9)), (1, [0, 1, 2]), (4, range(9)),
                                                       (4, [0] * 4), (3, [1] * 6)]):  # the last two: single-type blocks
            path = Path(tmp) / f"{n}.apcap"
            with CaptureWriter(path, "mixed", max_frames=frames_per_block) as w:
                for i, k in enumerate(list(picks) * 2):
                    w.write(frame(*SHAPES[k], sequence=i + 1, bad_checksum=(i == 4)), receive_time=i)
            for options in (0, 1, 3, 5, 9):
                (out / f"seed-{n}-{options}").write_bytes(batch(path, options))


if __name__ == "__main__":
    main()
