"""Frames as numpy arrays: layouts, decode, encode (PROTOCOL.md sections 2, 3, 5-10).

Every message type has a numpy structured dtype (`dtype("Trade")`) with the wire's exact offsets
and size: a field `header` (the 32-byte header) then the layout's fields under their wire names;
padding is left out of the names but not of the offsets. InstrumentIds are a nested
(venue, asset_type, reserved, asset_id) record, 128-bit integers a (lo, hi) record, byte arrays
`u1` sub-arrays, texts `S<n>`. The tables come from `_layouts.py`, which the build generates from
the C++ wire library.

    frames = decode(buffer)               # back-to-back frames, grouped by type
    frames["Trade"]["price"]              # int64 array, no Python per frame
    encode("Trade", sequence=7, instrument_id="NASDAQ Stock AAPL", price=Decimal("150"), ...)
"""
import struct
import time
from decimal import Decimal
from typing import Dict, List, Optional

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import _layouts as L
from ._crc import crc32_rows, frame_checksum
from .ids import INSTRUMENT_DTYPE, IdError, InstrumentId, venue_number

HEADER_SIZE = L.HEADER_SIZE
MAGIC = L.MAGIC
MAGIC_BYTES = struct.pack("<I", L.MAGIC)
DEFAULT_MAX_PAYLOAD = L.DEFAULT_MAX_PAYLOAD
PRICE_SCALE = 100_000_000
Q64_ONE = 1 << 64
_HEADER = struct.Struct("<IBBBBIQQI")

U128_DTYPE = np.dtype([("lo", "<u8"), ("hi", "<u8")])
I128_DTYPE = np.dtype([("lo", "<u8"), ("hi", "<i8")])
_SCALAR = {"u8": "u1", "u16": "<u2", "u32": "<u4", "u64": "<u8", "i8": "i1", "i16": "<i2", "i32": "<i4", "i64": "<i8"}
_STRUCT_CODE = {"u8": "B", "u16": "H", "u32": "I", "u64": "Q", "i8": "b", "i16": "h", "i32": "i", "i64": "q"}
_RANGE = {k: ((0, (1 << (8 * int(np.dtype(v).itemsize))) - 1) if k.startswith("u")
              else (-(1 << (8 * int(np.dtype(v).itemsize) - 1)), (1 << (8 * int(np.dtype(v).itemsize) - 1)) - 1))
          for k, v in _SCALAR.items()}
_RANGE["u128"] = (0, (1 << 128) - 1)
_RANGE["i128"] = (-(1 << 127), (1 << 127) - 1)


class WireError(ValueError):
    """A frame the protocol refuses. `reason` is its name in PROTOCOL.md section 10 (bad_magic,
    truncated, bad_checksum, ...), `offset` the frame's byte offset in the input, `frame` its index."""

    def __init__(self, reason: str, detail: str, offset: Optional[int] = None, frame: Optional[int] = None):
        where = "" if offset is None else f" at byte {offset}" + ("" if frame is None else f" (frame {frame})")
        super().__init__(f"{reason}{where}: {detail}")
        self.reason = reason
        self.offset = offset
        self.frame = frame


class EncodeError(ValueError):
    """A value encode() cannot write; `field` names it and `reason` is the protocol's name."""

    def __init__(self, field: str, reason: str, detail: str):
        super().__init__(f"{field}: {reason}: {detail}")
        self.field = field
        self.reason = reason


# --- tables ----------------------------------------------------------------------------------
class Field:
    __slots__ = ("name", "offset", "size", "kind", "enum", "unit")

    def __init__(self, name, offset, size, kind, enum, unit):
        self.name, self.offset, self.size, self.kind, self.enum, self.unit = name, offset, size, kind, enum, unit

    def numpy_format(self):
        if self.kind in _SCALAR:
            return _SCALAR[self.kind]
        return {"u128": U128_DTYPE, "i128": I128_DTYPE, "instrument": INSTRUMENT_DTYPE,
                "bytes": ("u1", (self.size,)), "text": f"S{self.size}"}[self.kind]


def _struct_dtype(fields, itemsize, prefix=()):
    names, formats, offsets = [p[0] for p in prefix], [p[1] for p in prefix], [p[2] for p in prefix]
    for f in fields:
        if f.kind != "pad":
            names.append(f.name)
            formats.append(f.numpy_format())
            offsets.append(f.offset)
    return np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": itemsize})


HEADER_FIELDS = [Field(*f) for f in L.HEADER_FIELDS]
HEADER_DTYPE = _struct_dtype(HEADER_FIELDS, HEADER_SIZE)


class Layout:
    """One message type's layout: number, name, domain, fixed size, size rule, fields, dtype."""

    def __init__(self, entry):
        (self.type, self.version, self.name, self.domain, self.size, self.rule, rule_a, rule_b, fields) = entry
        self.rule_fields = (rule_a, rule_b)
        self.fields = [Field(*f) for f in fields]
        self.by_name = {f.name: f for f in self.fields}
        self.dtype = _struct_dtype(self.fields, self.size, prefix=[("header", HEADER_DTYPE, 0)])

    @property
    def fixed(self) -> bool:
        return self.rule == "Fixed"

    def __repr__(self):
        return f"Layout({self.name}, type {self.type}, {self.size} bytes, {self.rule})"


class TlvLayout:
    def __init__(self, entry):
        self.type, self.name, self.length, fields = entry
        self.fields = [Field(*f) for f in fields]


LAYOUTS: Dict[int, Layout] = {entry[0]: Layout(entry) for entry in L.MESSAGES}
_BY_NAME = {layout.name.lower(): layout for layout in LAYOUTS.values()}
EXTENSIONS = {entry[0]: TlvLayout(entry) for entry in L.EXTENSIONS}
DISCOVERY_META = {entry[0]: TlvLayout(entry) for entry in L.DISCOVERY_META}
DISCOVERY_NAME_META = 2  # Name: UTF-8 of any length (7.2), no fixed layout
META_NAMES = {**{t.type: t.name for t in DISCOVERY_META.values()}, DISCOVERY_NAME_META: "Name"}
SOURCES = dict(L.SOURCES)
_SOURCE_BY_NAME = {name.lower(): number for number, name in SOURCES.items()}
ENUMS = {name: dict(values) for name, values in L.ENUMS.items()}
_ENUM_BY_NAME = {name: {v.lower(): k for k, v in values.items()} for name, values in ENUMS.items()}
ENUMS["MessageType"] = {t: layout.name for t, layout in LAYOUTS.items()}
_ENUM_BY_NAME["MessageType"] = {layout.name.lower(): t for t, layout in LAYOUTS.items()}
DOMAINS = {name: number for number, name in ENUMS["Domain"].items()}
ERRORS = {name: meaning for _code, name, meaning in L.ERRORS}


def layout(message_type) -> Layout:
    """The layout of a type given by number or name (any case); KeyError names the known types."""
    if isinstance(message_type, Layout):
        return message_type
    found = LAYOUTS.get(int(message_type)) if isinstance(message_type, (int, np.integer)) \
        else _BY_NAME.get(str(message_type).lower())
    if found is None:
        raise KeyError(f"no message type {message_type!r}; known: {', '.join(l.name for l in LAYOUTS.values())}")
    return found


def dtype(message_type) -> np.dtype:
    return layout(message_type).dtype


def type_name(number: int) -> str:
    return LAYOUTS[number].name if number in LAYOUTS else str(number)


def source_number(source) -> int:
    if isinstance(source, (int, np.integer)):
        return int(source)
    if str(source).lower() not in _SOURCE_BY_NAME:
        raise KeyError(f"no source type {source!r}; known: {', '.join(SOURCES.values())}")
    return _SOURCE_BY_NAME[str(source).lower()]


def enum_name(enum: str, value: int) -> str:
    """The name of an enumerated value ('' when the number has none; receivers keep it)."""
    if enum == "VenueId":
        return InstrumentId(int(value), 0, 0, 0).venue_name
    if enum == "SourceType":
        return SOURCES.get(int(value), "")
    return ENUMS.get(enum, {}).get(int(value), "")


def enum_value(enum: str, value) -> int:
    if isinstance(value, (int, np.integer)):
        return int(value)
    if enum == "VenueId":
        return venue_number(value)
    if enum == "SourceType":
        return source_number(value)
    number = _ENUM_BY_NAME.get(enum, {}).get(str(value).lower())
    if number is None:
        raise KeyError(f"{value!r} is not a {enum} (known: {', '.join(ENUMS.get(enum, {}).values())})")
    return number


# --- numbers ---------------------------------------------------------------------------------
def to_decimal(raw, unit: str = "fixed8"):
    """A raw fixed-point value (an int or an integer array) as Decimal(s): exact, no float on the way."""
    if isinstance(raw, np.ndarray):
        return np.array([to_decimal(int(v), unit) for v in raw.ravel()], dtype=object).reshape(raw.shape)
    if unit == "q64":
        return Decimal(int(raw)) / Decimal(Q64_ONE)
    return Decimal(int(raw)).scaleb(-8)


def int128(values: np.ndarray) -> np.ndarray:
    """A (lo, hi) array of 128-bit fields as an object array of Python ints."""
    lo = values["lo"].astype(object)
    hi = values["hi"].astype(object)
    return lo + hi * (1 << 64)


# --- framing ---------------------------------------------------------------------------------
def _at(u8: np.ndarray, positions: np.ndarray, dt: str) -> np.ndarray:
    """The little-endian integer of type `dt` at each byte position (unaligned), in one gather."""
    size = np.dtype(dt).itemsize
    if len(u8) < size:
        return np.zeros(len(positions), dt)
    every = np.ndarray(shape=(len(u8) - size + 1,), dtype=dt, buffer=u8, strides=(1,))
    return every[positions]


def _u32_at(u8: np.ndarray, positions: np.ndarray) -> np.ndarray:
    return _at(u8, positions, "<u4")


def _magic_positions(u8: np.ndarray) -> np.ndarray:
    """Every offset where the bytes EF BE AD DE begin (four aligned uint32 passes)."""
    found = []
    n = len(u8)
    for k in range(4):
        words = (n - k) // 4
        if words <= 0:
            continue
        found.append(np.flatnonzero(u8[k:k + 4 * words].view("<u4") == MAGIC) * 4 + k)
    if not found:
        return np.zeros(0, np.int64)
    out = np.concatenate(found)
    out.sort()
    return out


def frame_offsets(buffer, max_payload: int = DEFAULT_MAX_PAYLOAD):
    """Where the frames of a back-to-back buffer begin, found without a Python loop per frame.

    Returns (offsets, end, error): `offsets` (int64) of the whole frames from byte 0 in order,
    `end` the byte after the last whole frame, and `error` None, ("partial", end) when the buffer
    ends inside a frame (more bytes may complete it), or a WireError (bad_magic,
    payload_too_large) at `end`, past which the stream cannot be resynchronised.

    Method: every position holding the magic is a candidate whose successor is
    position + 32 + payload_size; the frames are the chain of successors from byte 0, found by
    pointer doubling (log2(frames) numpy passes) over the candidates.
    """
    u8 = np.frombuffer(buffer, np.uint8) if not isinstance(buffer, np.ndarray) else buffer.view(np.uint8).ravel()
    n = len(u8)
    if n == 0:
        return np.zeros(0, np.int64), 0, None
    cand = _magic_positions(u8)
    cand = cand[cand + HEADER_SIZE <= n]
    if len(cand) == 0 or cand[0] != 0:
        return _stop(u8, np.zeros(0, np.int64), 0, max_payload)
    payload = _u32_at(u8, cand + 8).astype(np.int64)
    nxt = cand + HEADER_SIZE + payload
    m = len(cand)
    idx = np.searchsorted(cand, nxt)
    hit = (idx < m) & (payload <= max_payload)
    hit[hit] = cand[idx[hit]] == nxt[hit]
    succ = np.where(hit, idx, m)  # m: the chain ends here
    jump = np.append(succ, m)
    on_path = np.zeros(m + 1, bool)
    on_path[0] = True
    while True:
        on_path[jump[np.flatnonzero(on_path)]] = True
        jump = jump[jump]
        if jump[0] == m:
            break
    last_nodes = np.flatnonzero(on_path[:m])
    last = last_nodes[-1]
    end = int(nxt[last])
    if payload[last] > max_payload:
        return _stop(u8, cand[last_nodes[:-1]], int(cand[last]), max_payload)
    if end > n:
        return cand[last_nodes[:-1]], int(cand[last]), ("partial", int(cand[last]))
    return _stop(u8, cand[last_nodes], end, max_payload)


def _stop(u8, offsets, end, max_payload):
    """Why the chain of frames ends at `end`: the end of the buffer, a partial frame, or an error."""
    n = len(u8)
    rest = bytes(u8[end:end + HEADER_SIZE])
    if end == n:
        return offsets, end, None
    if not MAGIC_BYTES.startswith(rest[:4]) and rest[:4] != MAGIC_BYTES:
        return offsets, end, WireError("bad_magic", f"bytes {rest[:4].hex()} where a frame should begin", end, len(offsets))
    if len(rest) < HEADER_SIZE:
        return offsets, end, ("partial", end)
    payload = struct.unpack_from("<I", rest, 8)[0]
    if payload > max_payload:
        return offsets, end, WireError("payload_too_large", f"payload_size {payload} > {max_payload}", end, len(offsets))
    return offsets, end, ("partial", end)


# --- decode ----------------------------------------------------------------------------------
def _even_stride(offsets: np.ndarray, size: int) -> int:
    """The constant spacing of `offsets` (size for a single frame), or 0 when it is not constant."""
    if len(offsets) < 2:
        return size
    stride = int(offsets[1] - offsets[0])
    return stride if stride > 0 and np.all(np.diff(offsets) == stride) else 0


def _rows(u8: np.ndarray, offsets: np.ndarray, size: int) -> np.ndarray:
    """The `size` bytes at each offset as one (k, size) uint8 array: a strided view when the
    offsets are evenly spaced (no copy), else one vectorised gather."""
    if len(offsets) == 0:
        return np.zeros((0, size), np.uint8)
    stride = _even_stride(offsets, size)
    if stride:
        return as_strided(u8[int(offsets[0]):], shape=(len(offsets), size), strides=(stride, 1), writeable=False)
    window = as_strided(u8, shape=(len(u8) - size + 1, size), strides=(1, 1), writeable=False)
    return window[offsets]


def _records(u8: np.ndarray, offsets: np.ndarray, dt: np.dtype) -> np.ndarray:
    """The records of `dt` at `offsets`: a view of `u8` when evenly spaced, else a gathered copy."""
    k = len(offsets)
    stride = _even_stride(offsets, dt.itemsize) if k else 0
    if stride:
        return np.ndarray(shape=(k,), dtype=dt, buffer=u8, offset=int(offsets[0]), strides=(stride,))
    return np.ascontiguousarray(_rows(u8, offsets, dt.itemsize)).view(dt).reshape(k)


class VariableFrames:
    """Frames of a type with a variable part (OrderBook, discovery, DeFiSignal, opaque types):
    `fixed` holds their fixed parts as a structured array; `frames()` gives each whole frame
    and `messages()` each one decoded (a Python loop per frame, these types are rare)."""

    def __init__(self, layout: Layout, u8: np.ndarray, offsets: np.ndarray, sizes: np.ndarray,
                 fixed: Optional[np.ndarray] = None):
        """fixed: the frames' fixed parts when the caller already has them (a reader that copied
        them out as it went); gathered from u8 otherwise."""
        self.layout = layout
        self.offsets = offsets
        self.sizes = sizes
        self._u8 = u8
        self.fixed = _records(u8, offsets, layout.dtype) if fixed is None else fixed

    def __len__(self):
        return len(self.offsets)

    def frames(self) -> List[memoryview]:
        data = memoryview(self._u8)
        return [data[o:o + s] for o, s in zip(self.offsets.tolist(), self.sizes.tolist())]

    def messages(self) -> List[dict]:
        return [decode_frame(frame, verify=False) for frame in self.frames()]


class TypeMap:
    """Arrays by message type name (`arrays`), looked up by name, any case, or number."""
    arrays: Dict[str, object]

    def __getitem__(self, name):
        if name in self.arrays:
            return self.arrays[name]
        return self.arrays[layout(name).name]

    def __contains__(self, name):
        return name in self.arrays

    def __iter__(self):
        return iter(self.arrays)

    def items(self):
        return self.arrays.items()

    def get(self, name, default=None):
        return self.arrays.get(name, default)

    def counts(self) -> Dict[str, int]:
        return {name: len(arr) for name, arr in self.arrays.items()}


class Frames(TypeMap):
    """decode()'s result: per type name, a structured array (fixed-size types) or VariableFrames.

    `offsets`, `types` and `indices[name]` keep the input's order: frame i of type T is
    `frames[T][j]` where `indices[T][j] == i`. `skipped` lists (offset, reason) of frames refused
    with errors="skip"; `end` is the byte after the last whole frame (the rest is a partial frame).
    """

    def __init__(self):
        self.arrays: Dict[str, object] = {}
        self.indices: Dict[str, np.ndarray] = {}
        self.offsets = np.zeros(0, np.int64)
        self.types = np.zeros(0, np.uint8)
        self.skipped: List[tuple] = []
        self.end = 0
        self.raw = b""

    def __len__(self):
        return len(self.offsets)

    def __repr__(self):
        return f"Frames({len(self)} frames: {self.counts()})"


def _refuse(reason, detail, offsets, bad, errors, skipped):
    where = np.flatnonzero(bad)
    if errors == "raise":
        i = int(where[0])
        raise WireError(reason, detail, int(offsets[i]), i)
    skipped.extend((int(offsets[i]), reason) for i in where)


def group_frames(u8: np.ndarray, offsets: np.ndarray, *, verify: bool = True, errors: str = "raise",
                 types=None) -> Frames:
    """Checks the frames at `offsets` of `u8` (PROTOCOL.md section 10, in its order) and groups them.

    verify: check checksums (vectorised per group of equal-size frames). errors: "raise" (a
    WireError for the first refused frame) or "skip" (count them in `skipped`). types: keep only
    these type numbers.
    """
    out = Frames()
    if len(offsets) == 0:
        return out
    offsets = np.asarray(offsets, np.int64)
    mtype = u8[offsets + 4]
    sizes = _u32_at(u8, offsets + 8).astype(np.int64) + HEADER_SIZE
    keep = np.ones(len(offsets), bool)
    if types is not None:
        keep &= np.isin(mtype, np.fromiter(types, np.uint8))
    if verify:
        checksum = _u32_at(u8, offsets + 28)
        for size in np.unique(sizes[keep]).tolist():
            sel = np.flatnonzero(keep & (sizes == size))
            crc = crc32_rows(_rows(u8, offsets[sel], size))
            bad = np.zeros(len(offsets), bool)
            bad[sel[crc != checksum[sel]]] = True
            if bad.any():
                _refuse("bad_checksum", "CRC-32 over header bytes 0..27 and the payload does not match",
                        offsets, bad, errors, out.skipped)
                keep &= ~bad
    version = u8[offsets + 5]
    for t in np.flatnonzero(np.bincount(mtype[keep], minlength=256)).tolist():
        lay = LAYOUTS.get(t)
        sel = keep & (mtype == t)
        if lay is None:
            _refuse("unknown_type", f"message_type {t} has no known layout", offsets, sel, errors, out.skipped)
            keep &= ~sel
            continue
        bad = sel & (version != lay.version)
        if bad.any():
            _refuse("unknown_version", f"{lay.name} has no version {int(version[np.argmax(bad)])}",
                    offsets, bad, errors, out.skipped)
            sel &= ~bad
        bad = sel & ((sizes != lay.size) if lay.fixed else (sizes < lay.size))
        if bad.any():
            _refuse("bad_size", f"a {lay.name} frame is {lay.size} bytes" + ("" if lay.fixed else " or more"),
                    offsets, bad, errors, out.skipped)
            sel &= ~bad
        keep &= sel | (mtype != t)
        idx = np.flatnonzero(sel)
        if lay.fixed:
            out.arrays[lay.name] = _records(u8, offsets[idx], lay.dtype)
        else:
            out.arrays[lay.name] = VariableFrames(lay, u8, offsets[idx], sizes[idx])
        out.indices[lay.name] = idx
    out.offsets = offsets
    out.types = mtype
    return out


def decode(buffer, *, verify: bool = True, errors: str = "raise", max_payload: int = DEFAULT_MAX_PAYLOAD,
           partial: str = "raise", types=None) -> Frames:
    """Back-to-back frames (a recv buffer, a file of frames) grouped by type.

    Fixed-size types come back as structured arrays: views of `buffer` when a type's frames lie at
    a constant stride (a buffer of one type), else one vectorised copy. Framing errors (bad_magic,
    payload_too_large) raise WireError with the byte offset; other refused frames raise, or with
    errors="skip" are left out and listed in `skipped`. A buffer ending inside a frame raises
    `truncated` unless partial="keep" (then `end` says where the partial frame begins).
    """
    u8 = np.frombuffer(buffer, np.uint8) if not isinstance(buffer, np.ndarray) else buffer.view(np.uint8).ravel()
    offsets, end, error = frame_offsets(u8, max_payload)
    if isinstance(error, WireError):
        raise error
    if error is not None and partial == "raise":
        raise WireError("truncated", f"the input ends inside a frame ({len(u8) - end} bytes)", end, len(offsets))
    out = group_frames(u8, offsets, verify=verify, errors=errors, types=types)
    out.end = end
    return out


def _field_value(f: Field, frame, base: int = 0):
    p = base + f.offset
    if f.kind in _STRUCT_CODE:
        return struct.unpack_from("<" + _STRUCT_CODE[f.kind], frame, p)[0]
    raw = bytes(frame[p:p + f.size])
    if f.kind == "u128":
        return int.from_bytes(raw, "little")
    if f.kind == "i128":
        return int.from_bytes(raw, "little", signed=True)
    if f.kind == "instrument":
        return InstrumentId.from_bytes(raw)
    if f.kind == "text":
        return raw.split(b"\0", 1)[0].decode("utf-8")
    return raw  # bytes, padding


def _decode_fields(fields, frame, out: dict, base: int = 0):
    for f in fields:
        value = _field_value(f, frame, base)
        if f.kind == "pad":
            if any(value):
                out[f.name] = value
            continue
        out[f.name] = value
        if f.enum and enum_name(f.enum, value):
            out[f.name + "_name"] = enum_name(f.enum, value)


def _decode_tlv(region, known: Dict[int, TlvLayout], what: str) -> List[dict]:
    entries = []
    pos = 0
    while pos < len(region):
        if pos + 2 > len(region) or pos + 2 + region[pos + 1] > len(region):
            raise WireError("bad_tlv", f"{what} entry at {pos} runs past the end")
        kind, length = region[pos], region[pos + 1]
        entry = {"type": kind}
        value = bytes(region[pos + 2:pos + 2 + length])
        if kind in known:
            if length != known[kind].length:
                raise WireError("bad_tlv", f"{known[kind].name} has length {known[kind].length}, not {length}")
            entry["type_name"] = known[kind].name
            _decode_fields(known[kind].fields, region, entry, pos)
        elif known is DISCOVERY_META and kind == DISCOVERY_NAME_META:
            entry["type_name"] = "Name"
            entry["name"] = value.decode("utf-8")
        else:
            entry["data"] = value
        entries.append(entry)
        pos += 2 + length
    return entries


def decode_frame(frame, *, verify: bool = True, max_payload: int = DEFAULT_MAX_PAYLOAD) -> dict:
    """One whole frame as a dict shaped like `alphapulse decode`'s JSON: "header", the fields in
    wire order (InstrumentIds as InstrumentId, byte arrays as bytes, 128-bit as int, enumerated
    fields with "<field>_name"), then the variable part (bids/asks, symbol/metadata, tlv, data)."""
    frame = memoryview(frame).cast("B") if not isinstance(frame, (bytes, bytearray)) else frame
    if len(frame) < HEADER_SIZE:
        raise WireError("truncated", f"{len(frame)} bytes, fewer than the 32-byte header", 0)
    magic, mtype, version, source, flags, payload_size, sequence, timestamp, checksum = _HEADER.unpack_from(frame)
    if magic != MAGIC:
        raise WireError("bad_magic", f"magic 0x{magic:08x}, not 0xdeadbeef", 0)
    if payload_size > max_payload:
        raise WireError("payload_too_large", f"payload_size {payload_size} > {max_payload}", 0)
    if len(frame) != HEADER_SIZE + payload_size:
        raise WireError("truncated" if len(frame) < HEADER_SIZE + payload_size else "bad_length",
                        f"{len(frame)} bytes for a frame of {HEADER_SIZE + payload_size}", 0)
    if verify and frame_checksum(frame) != checksum:
        raise WireError("bad_checksum", f"checksum 0x{checksum:08x}, computed 0x{frame_checksum(frame):08x}", 0)
    lay = LAYOUTS.get(mtype)
    if lay is None:
        raise WireError("unknown_type", f"message_type {mtype} has no known layout", 0)
    if version != lay.version:
        raise WireError("unknown_version", f"{lay.name} has no version {version}", 0)
    if (len(frame) != lay.size) if lay.fixed else (len(frame) < lay.size):
        raise WireError("bad_size", f"{len(frame)} bytes for a {lay.name} ({lay.size} fixed)", 0)
    head = {"magic": magic, "message_type": mtype, "message_type_name": lay.name, "version": version,
            "source": source}
    if enum_name("SourceType", source):
        head["source_name"] = enum_name("SourceType", source)
    head.update(flags=flags, payload_size=payload_size, sequence=sequence, timestamp=timestamp, checksum=checksum)
    out = {"header": head}
    _decode_fields(lay.fields, frame, out)
    rest = frame[lay.size:]
    if lay.rule == "Levels":
        bids, asks = out["bid_count"], out["ask_count"]
        if len(rest) != 16 * (bids + asks):
            raise WireError("bad_length", f"{bids} bids and {asks} asks need {16 * (bids + asks)} bytes, not {len(rest)}", 0)
        levels = [{"price": p, "size": s} for p, s in struct.iter_unpack("<qQ", rest)]
        out["bids"], out["asks"] = levels[:bids], levels[bids:]
    elif lay.rule == "Discovery":
        sym, meta = out["symbol_len"], out["metadata_len"]
        if len(rest) != sym + meta:
            raise WireError("bad_length", f"symbol_len {sym} + metadata_len {meta} != {len(rest)} bytes", 0)
        try:
            out["symbol"] = bytes(rest[:sym]).decode("utf-8")
        except UnicodeDecodeError:
            raise WireError("invalid_utf8", "the symbol is not UTF-8", 0) from None
        out["metadata"] = _decode_tlv(rest[sym:], DISCOVERY_META, "metadata")
    elif lay.rule == "Tlv":
        if out["tlv_offset"] != lay.size:
            raise WireError("bad_tlv", f"tlv_offset {out['tlv_offset']}, not {lay.size}", 0)
        if len(rest) != out["tlv_length"]:
            raise WireError("bad_size", f"tlv_length {out['tlv_length']} != {len(rest)} bytes", 0)
        out["tlv"] = _decode_tlv(rest, EXTENSIONS, "TLV")
    elif lay.rule == "Opaque":
        out["data"] = bytes(rest)
    return out


# --- encode ----------------------------------------------------------------------------------
def _int_of(f: Field, value, where: str) -> int:
    if f.enum and not isinstance(value, (int, np.integer)):
        try:
            return enum_value(f.enum, value)
        except (KeyError, IdError) as e:
            raise EncodeError(where, "value_out_of_range", str(e)) from None
    if isinstance(value, (bool, np.bool_)):
        value = int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if f.unit in ("fixed8", "q64") and isinstance(value, (Decimal, float, str, np.floating)):
        exact = Decimal(repr(float(value))) if isinstance(value, (float, np.floating)) else Decimal(value)
        scaled = exact * (PRICE_SCALE if f.unit == "fixed8" else Q64_ONE)
        if f.unit == "fixed8" and scaled != scaled.to_integral_value():
            raise EncodeError(where, "value_out_of_range", f"{value} has more than 8 decimals")
        return int(scaled.to_integral_value())
    raise EncodeError(where, "value_out_of_range", f"{value!r} is not an integer" +
                      (" (or a Decimal/float/str value)" if f.unit else ""))


def _put_field(buf: bytearray, f: Field, value, base: int, where: str):
    p = base + f.offset
    if f.kind in _STRUCT_CODE or f.kind in ("u128", "i128"):
        number = _int_of(f, value, where)
        lo, hi = _RANGE[f.kind]
        if not lo <= number <= hi:
            raise EncodeError(where, "value_out_of_range", f"{number} does not fit {f.kind}")
        if f.kind in _STRUCT_CODE:
            struct.pack_into("<" + _STRUCT_CODE[f.kind], buf, p, number)
        else:
            buf[p:p + 16] = number.to_bytes(16, "little", signed=f.kind == "i128")
    elif f.kind == "instrument":
        try:
            buf[p:p + 12] = InstrumentId.coerce(value).to_bytes()
        except (IdError, KeyError, TypeError, ValueError, struct.error) as e:
            raise EncodeError(where, getattr(e, "reason", "value_out_of_range"), str(e)) from None
    elif f.kind in ("bytes", "pad"):
        raw = _bytes_of(value, where)
        if len(raw) != f.size:
            raise EncodeError(where, "value_out_of_range", f"{len(raw)} bytes for a {f.size}-byte field")
        buf[p:p + f.size] = raw
    elif f.kind == "text":
        raw = value.encode("utf-8") if isinstance(value, str) else _bytes_of(value, where)
        if len(raw) > f.size or b"\0" in raw:
            raise EncodeError(where, "value_out_of_range", f"text of {len(raw)} bytes (at most {f.size}, no NUL)")
        buf[p:p + len(raw)] = raw


def _bytes_of(value, where) -> bytes:
    if isinstance(value, str):
        try:
            return bytes.fromhex(value[2:] if value[:2] in ("0x", "0X") else value)
        except ValueError:
            raise EncodeError(where, "value_out_of_range", f"{value!r} is not hex") from None
    if isinstance(value, np.ndarray):
        return value.astype(np.uint8).tobytes()
    return bytes(value)


def _put_fields(buf, fields, values: dict, base: int, where: str, derived=()):
    names = {f.name for f in fields}
    for key in values:
        if key not in names and not key.endswith("_name") and key not in derived and key != "type_name":
            raise EncodeError(f"{where}{key}", "unknown_field", f"not a field of {where.rstrip('.') or 'this layout'} "
                              f"(fields: {', '.join(f.name for f in fields if f.kind != 'pad')})")
    for f in fields:
        if f.name in values and f.name not in derived:
            _put_field(buf, f, values[f.name], base, where + f.name)


def _tlv_bytes(entries, known: Dict[int, TlvLayout], where: str) -> bytes:
    out = bytearray()
    names = {t.name.lower(): k for k, t in known.items()}
    if known is DISCOVERY_META:
        names["name"] = DISCOVERY_NAME_META
    for i, entry in enumerate(entries or ()):
        here = f"{where}[{i}]."
        if isinstance(entry, (tuple, list)):
            entry = {"type": entry[0], "data": entry[1]}
        kind = entry.get("type")
        kind = names.get(str(kind).lower()) if isinstance(kind, str) else kind
        if not isinstance(kind, int) or not 0 <= kind <= 255:
            raise EncodeError(here + "type", "bad_tlv", f"{entry.get('type')!r} is not a known entry type or 0-255")
        if "data" in entry:
            value = _bytes_of(entry["data"], here + "data")
        elif kind in known:
            lay = known[kind]
            region = bytearray(2 + lay.length)
            _put_fields(region, lay.fields, {k: v for k, v in entry.items() if k != "type"}, 0, here)
            value = bytes(region[2:])
        elif known is DISCOVERY_META and kind == DISCOVERY_NAME_META:
            value = str(entry.get("name", "")).encode("utf-8")
        else:
            raise EncodeError(here + "data", "bad_tlv", "an entry of an unknown type needs its data")
        if len(value) > 255:
            raise EncodeError(here, "value_out_of_range", f"{len(value)} value bytes (at most 255)")
        out += bytes((kind, len(value))) + value
    return bytes(out)


def encode(message_type, *, sequence: int = 0, timestamp: Optional[int] = None, source=100,
           header: Optional[dict] = None, **fields) -> bytes:
    """One frame of `message_type` (name or number) with its payload_size and checksum.

    sequence, timestamp (ns since the epoch; default now) and source (number or name; default
    External) go into the header; `header` may give flags or version. Fields by wire name: integers
    are raw (a price of 150 is 150e-8), a Decimal, float or str on a fixed-point field is its value
    (Decimal("150") is 15000000000); enumerated fields take names ("Buy"); InstrumentIds an
    InstrumentId, its text, or 12 bytes; byte arrays bytes or "0x..." hex. Variable parts: bids/asks
    ([(price, size)...]) for OrderBook, symbol and metadata ([{"type": "Address", "address": ...}])
    for discovery, tlv ([{"type": "PoolAddresses", ...}]) for DeFiSignal, data for opaque types.
    Missing fields are zero. A value that does not fit raises EncodeError naming the field.
    """
    lay = layout(message_type)
    head = dict(header or {})
    tail = b""
    derived = set(lay.rule_fields) - {""}
    if lay.rule == "Levels":
        bids = [tuple(l.values()) if isinstance(l, dict) else tuple(l) for l in fields.pop("bids", ())]
        asks = [tuple(l.values()) if isinstance(l, dict) else tuple(l) for l in fields.pop("asks", ())]
        price = Field("price", 0, 8, "i64", "", "fixed8")
        size = Field("size", 8, 8, "u64", "", "fixed8")
        level_bytes = bytearray(16 * (len(bids) + len(asks)))
        for i, (p, s) in enumerate(bids + asks):
            _put_field(level_bytes, price, p, 16 * i, f"levels[{i}].price")
            _put_field(level_bytes, size, s, 16 * i, f"levels[{i}].size")
        tail = bytes(level_bytes)
        fields.update(bid_count=len(bids), ask_count=len(asks))
    elif lay.rule == "Discovery":
        symbol = fields.pop("symbol", "")
        symbol = symbol.encode("utf-8") if isinstance(symbol, str) else bytes(symbol)
        meta = _tlv_bytes(fields.pop("metadata", ()), DISCOVERY_META, "metadata")
        if len(symbol) > 255 or len(meta) > 65535:
            raise EncodeError("symbol", "value_out_of_range", "symbol over 255 bytes or metadata over 65535")
        tail = symbol + meta
        fields.update(symbol_len=len(symbol), metadata_len=len(meta))
    elif lay.rule == "Tlv":
        tail = _tlv_bytes(fields.pop("tlv", ()), EXTENSIONS, "tlv")
        fields.update(tlv_offset=lay.size, tlv_length=len(tail))
    elif lay.rule == "Opaque":
        tail = _bytes_of(fields.pop("data", b""), "data")
    buf = bytearray(lay.size)
    _put_fields(buf, lay.fields, fields, 0, "", ())
    for name in derived:
        _put_field(buf, lay.by_name[name], fields[name], 0, name)
    buf += tail
    payload = len(buf) - HEADER_SIZE
    _HEADER.pack_into(buf, 0, MAGIC, lay.type, int(head.get("version", lay.version)), source_number(source),
                      int(head.get("flags", 0)), payload, int(sequence),
                      time.time_ns() if timestamp is None else int(timestamp), 0)
    struct.pack_into("<I", buf, 28, frame_checksum(buf))
    return bytes(buf)


def subscribe_frame(types, sequence: int = 0) -> bytes:
    """A Subscribe (104) for `types` (names or numbers): bit t of byte t/8 selects type t; an empty
    set means "send me nothing" (a pure producer), PROTOCOL.md section 5."""
    mask = bytearray(32)
    for t in types:
        number = layout(t).type if not (isinstance(t, int) and t >= 200) else t
        mask[number // 8] |= 1 << (number % 8)
    return encode("Subscribe", sequence=sequence, message_types=bytes(mask))
