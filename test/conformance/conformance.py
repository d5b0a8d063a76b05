#!/usr/bin/env python3
"""Independent conformance test of the alphapulse wire protocol.

Python standard library only. Everything about the wire is read from
docs/PROTOCOL.md (its generated tables: header, venues, asset types, the
6-bit alphabet, message types, source types, enumerations, error names,
every message layout, the DeFiSignal extensions and the discovery metadata),
so what is tested is the document, against the implementation:

  1. frames of every message type, with seeded random field values and their
     variable parts, are built here with struct + zlib.crc32 (W3) and piped
     to `alphapulse decode`; every field of the JSON (docs/design/json-lines.md)
     is checked;
  2. the same JSON (and variants using names, texts and omitted derived
     fields) is fed to `alphapulse encode`; the frames it writes are checked
     byte for byte, field by field, with an independent CRC-32;
  3. malformed frames must be refused with the documented reason names;
  4. InstrumentId rules (ASCII and 6-bit symbol packing, tokens and pools
     from the last 8 address bytes, EIP-55 with a pure-Python Keccak-256,
     text form, refusals) are computed here and compared with `alphapulse id`.

    conformance.py --alphapulse PATH --protocol docs/PROTOCOL.md [--seed N] [--count N]
"""
import argparse
import json
import random
import re
import struct
import subprocess
import sys
import zlib

# ----------------------------------------------------------------------------
# Reading the protocol document
# ----------------------------------------------------------------------------

SECTION_RE = re.compile(r"<!-- BEGIN GENERATED: ([a-z_]+) -->\n(.*?)<!-- END GENERATED: \1 -->", re.S)


def table_rows(text):
    """Rows of the markdown tables in `text`, as lists of cell strings (header and rule rows dropped)."""
    rows = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if all(re.fullmatch(r":?-+:?", c) for c in cells if c):
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if nxt.startswith("|") and re.fullmatch(r"[|:\- ]+", nxt.strip()):
            continue  # a header row
        rows.append(cells)
    return rows


def unquote(cell):
    return cell[1:-1] if len(cell) >= 2 and cell[0] == "`" and cell[-1] == "`" else cell


class Field:
    def __init__(self, offset, size, name, ftype, note=""):
        self.offset, self.size, self.name, self.type, self.note = offset, size, name, ftype, note
        m = re.fullmatch(r"(\w+(?:\[\d+\])?)(?: \((\w+)\))?", ftype)
        if not m:
            raise ValueError(f"unparsable type {ftype!r} of field {name}")
        self.base, self.enum = m.group(1), m.group(2)
        self.kind = re.sub(r"\[\d+\]", "", self.base)

    def __repr__(self):
        return f"{self.name}@{self.offset}:{self.size}:{self.type}"


class Layout:
    def __init__(self, name, number, version, rule, size, fields):
        self.name, self.type, self.version, self.rule, self.size, self.fields = name, number, version, rule, size, fields


class Tlv:
    def __init__(self, name, number, length, fields):
        self.name, self.type, self.length, self.fields = name, number, length, fields


class Protocol:
    """What docs/PROTOCOL.md says, parsed."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.text = f.read()
        self.sections = {m.group(1): m.group(2) for m in SECTION_RE.finditer(self.text)}
        need = ["header", "venues", "asset_types", "symbol_alphabet", "message_types", "source_types",
                "enums", "errors", "layouts", "extensions", "discovery_meta"]
        missing = [n for n in need if n not in self.sections]
        if missing:
            raise SystemExit(f"{path}: generated sections missing: {missing}")
        self._header()
        self._instrument_layout()
        self._venues()
        self._asset_types()
        self._alphabet()
        self._types()
        self._enums()
        self.errors = [unquote(r[1]) for r in table_rows(self.sections["errors"])]
        self.layouts = self._layouts()
        self.extensions = self._tlvs("extensions", "TLV")
        self.meta = self._tlvs("discovery_meta", "metadata")
        self._meta_names()

    def _fields(self, rows, skip=("header", "type", "length")):
        out = []
        for r in rows:
            if not (r[0].isdigit() and r[1].isdigit()):
                continue  # variable parts: described in prose
            if r[2] in skip:
                continue
            out.append(Field(int(r[0]), int(r[1]), r[2], r[3], r[4] if len(r) > 4 else ""))
        return out

    def _header(self):
        self.header = self._fields(table_rows(self.sections["header"]), skip=())
        self.hdr = {f.name: f for f in self.header}
        self.header_size = sum(f.size for f in self.header)
        m = re.search(r"default maximum payload_size (\d+) bytes", self.sections["header"])
        self.max_payload = int(m.group(1))

    def _instrument_layout(self):
        part = self.text.split("### 4.1 Layout", 1)[1].split("###", 1)[0]
        fields = self._fields(table_rows(part), skip=())
        self.id_fields = {f.name: f for f in fields}
        self.id_size = sum(f.size for f in fields)
        m = re.search(r"`PACKED_SYMBOL` = 0x([0-9A-Fa-f]+)", part)
        self.packed_bit = int(m.group(1), 16)

    def _venues(self):
        self.venues = {}
        for r in table_rows(self.sections["venues"]):
            self.venues[int(r[0])] = {"name": r[1], "kind": r[2], "chain_id": int(r[3]) if r[3] else None}
        self.venue_by_name = {v["name"].lower(): n for n, v in self.venues.items()}

    def _asset_types(self):
        self.asset_types = {}
        for r in table_rows(self.sections["asset_types"]):
            self.asset_types[int(r[0])] = {"name": r[1], "holds": r[2], "packed": int(r[3]) if r[3] else None}
        self.asset_type_by_name = {v["name"].lower(): n for n, v in self.asset_types.items()}

    def _alphabet(self):
        sec = self.sections["symbol_alphabet"]
        m = re.search(r'`SYMBOL_ALPHABET = "([^"]*)"`', sec)
        self.alphabet = m.group(1)
        codes = {}
        for r in table_rows(sec):
            for i in range(0, len(r) - 1, 2):
                if r[i]:
                    codes[int(r[i])] = unquote(r[i + 1])
        if "".join(codes[i] for i in sorted(codes)) != self.alphabet or sorted(codes) != list(range(1, len(self.alphabet) + 1)):
            raise SystemExit("PROTOCOL.md: the alphabet code table disagrees with SYMBOL_ALPHABET")

    def _types(self):
        self.message_types = {}
        for r in table_rows(self.sections["message_types"]):
            self.message_types[int(r[0])] = {"name": r[1], "domain": r[2], "version": int(r[3]),
                                             "size": int(r[4]), "rule": r[5]}
        self.sources = {int(r[0]): r[1] for r in table_rows(self.sections["source_types"])}

    def _enums(self):
        self.enums = {}
        for block in re.split(r"^#### ", self.sections["enums"], flags=re.M)[1:]:
            name, body = block.split("\n", 1)
            self.enums[name.strip()] = {int(r[0]): r[1] for r in table_rows(body)}
        self.enums["VenueId"] = {n: v["name"] for n, v in self.venues.items()}
        self.enums["MessageType"] = {n: v["name"] for n, v in self.message_types.items()}

    def _layouts(self):
        out = {}
        for block in re.split(r"^### ", self.sections["layouts"], flags=re.M)[1:]:
            head, body = block.split("\n", 1)
            m = re.fullmatch(r"(\w+) \(type (\d+)\)", head.strip())
            info = re.search(r"Version (\d+), domain (\w+), size rule (\w+), fixed part (\d+) bytes", body)
            lay = Layout(m.group(1), int(m.group(2)), int(info.group(1)), info.group(3), int(info.group(4)),
                         self._fields(table_rows(body)))
            check_contiguous(lay.name, lay.fields, self.header_size, lay.size)
            out[lay.type] = lay
        return out

    def _tlvs(self, section, word):
        out = {}
        for block in re.split(r"^### ", self.sections[section], flags=re.M)[1:]:
            head, body = block.split("\n", 1)
            m = re.fullmatch(r"(\w+) \(" + word + r" type (\d+), length (\d+)\)", head.strip())
            t = Tlv(m.group(1), int(m.group(2)), int(m.group(3)), self._fields(table_rows(body)))
            check_contiguous(t.name, t.fields, 2, t.length + 2)
            out[t.type] = t
        return out

    def _meta_names(self):
        part = self.text.split("### 7.2", 1)[1].split("<!-- BEGIN GENERATED: discovery_meta", 1)[0]
        self.meta_names = {}
        for r in table_rows(part):
            if r[0].isdigit() and len(r) == 4:
                self.meta_names[int(r[0])] = r[1]
        for t in self.meta.values():
            if self.meta_names.get(t.type) != t.name:
                raise SystemExit(f"PROTOCOL.md: metadata type {t.type} named inconsistently")


def check_contiguous(name, fields, start, end):
    pos = start
    for f in fields:
        if f.offset != pos:
            raise SystemExit(f"PROTOCOL.md: {name}.{f.name} at offset {f.offset}, expected {pos} (packed, W1)")
        pos += f.size
    if pos != end:
        raise SystemExit(f"PROTOCOL.md: {name} fields end at {pos}, the table says {end}")


# ----------------------------------------------------------------------------
# Keccak-256 (original padding), for EIP-55
# ----------------------------------------------------------------------------

_RC = [0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000, 0x000000000000808B,
       0x0000000080000001, 0x8000000080008081, 0x8000000000008009, 0x000000000000008A, 0x0000000000000088,
       0x0000000080008009, 0x000000008000000A, 0x000000008000808B, 0x800000000000008B, 0x8000000000008089,
       0x8000000000008003, 0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
       0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008]
_ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]
_M = (1 << 64) - 1


def _rol(v, n):
    return ((v << n) | (v >> (64 - n))) & _M if n else v


def _keccak_f(a):
    for rc in _RC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = _rol(a[x][y], _ROT[x][y])
        a = [[b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y]) for y in range(5)] for x in range(5)]
        a[0][0] ^= rc
    return a


def keccak256(data):
    rate = 136
    msg = bytearray(data) + b"\x01"
    while len(msg) % rate:
        msg.append(0)
    msg[-1] |= 0x80
    a = [[0] * 5 for _ in range(5)]
    for off in range(0, len(msg), rate):
        block = msg[off:off + rate]
        for i in range(rate // 8):
            x, y = i % 5, i // 5
            a[x][y] ^= int.from_bytes(block[8 * i:8 * i + 8], "little")
        a = _keccak_f(a)
    out = b"".join(a[i % 5][i // 5].to_bytes(8, "little") for i in range(4))
    return out


def eip55(addr20):
    low = addr20.hex()
    h = keccak256(low.encode()).hex()
    return "0x" + "".join(c.upper() if c in "abcdef" and int(h[i], 16) >= 8 else c for i, c in enumerate(low))


# ----------------------------------------------------------------------------
# InstrumentId rules, from section 4 of the document
# ----------------------------------------------------------------------------

class Ids:
    def __init__(self, proto):
        self.p = proto
        self.symbol_types = [n for n, a in proto.asset_types.items() if a["holds"] == "symbol"]
        self.token_type = proto.asset_type_by_name["token"]
        self.pool_type = proto.asset_type_by_name["pool"]
        kinds = {}
        for n, v in proto.venues.items():
            kinds.setdefault(v["kind"], []).append(n)
        self.by_kind = kinds
        self.symbol_venues = kinds["stock_exchange"] + kinds["crypto_exchange"] + kinds["broker"]

    def pack_ascii(self, sym):
        b = sym.encode("ascii")
        if not 1 <= len(b) <= 8 or any(c < 0x20 or c > 0x7E for c in b):
            return None
        return int.from_bytes(b.ljust(8, b"\0"), "big")

    def pack_6bit(self, sym):
        if not 9 <= len(sym) <= 10 or any(c not in self.p.alphabet for c in sym):
            return None
        v = 0
        for i in range(10):
            v = (v << 6) | (self.p.alphabet.index(sym[i]) + 1 if i < len(sym) else 0)
        return v

    def symbol(self, venue, atype, sym):
        """(asset_type, asset_id) or None when refused."""
        if len(sym) <= 8:
            try:
                v = self.pack_ascii(sym)
            except UnicodeEncodeError:
                return None
            return None if v is None else (atype, v)
        v = self.pack_6bit(sym)
        return None if v is None else (atype | self.p.packed_bit, v)

    def unpack(self, atype, aid):
        if atype & self.p.packed_bit:
            if aid >> 60:
                return None
            out, ended = "", False
            for shift in range(54, -1, -6):
                code = (aid >> shift) & 0x3F
                if code == 0:
                    ended = True
                    continue
                if ended or code > len(self.p.alphabet):
                    return None
                out += self.p.alphabet[code - 1]
            return out if len(out) > 8 else None
        out, ended = "", False
        for shift in range(56, -1, -8):
            c = (aid >> shift) & 0xFF
            if c == 0:
                ended = True
                continue
            if ended or c < 0x20 or c > 0x7E:
                return None
            out += chr(c)
        return out or None

    def reason(self, venue, atype, reserved, aid):
        """None for a canonical id, else the rejection reason of section 4.7 (checked in its order)."""
        v = self.p.venues.get(venue)
        if v is None:
            return "unknown_venue"
        if reserved != 0:
            return "non_canonical_id"
        if (atype & 0x7F) in self.symbol_types:
            if v["kind"] not in ("stock_exchange", "crypto_exchange", "broker"):
                return "wrong_venue_kind"
            return None if self.unpack(atype, aid) is not None else "non_canonical_id"
        if atype == self.token_type:
            return None if v["kind"] == "chain" else "wrong_venue_kind"
        if atype == self.pool_type:
            return None if v["kind"] == "dex" else "wrong_venue_kind"
        return "unknown_asset_type"

    def canonical(self, venue, atype, reserved, aid):
        return self.reason(venue, atype, reserved, aid) is None

    def text(self, venue, atype, reserved, aid):
        if not self.canonical(venue, atype, reserved, aid):
            return f"Unknown venue={venue} asset_type={atype} asset_id=0x{aid:016x}"
        name = self.p.asset_types[atype & 0x7F]["name"]
        rest = self.unpack(atype, aid) if (atype & 0x7F) in self.symbol_types else f"0x{aid:016x}"
        return f"{self.p.venues[venue]['name']} {name} {rest}"

    def pack(self, venue, atype, reserved, aid):
        f = self.p.id_fields
        b = bytearray(self.p.id_size)
        put_int(b, f["venue"].offset, f["venue"].size, venue)
        put_int(b, f["asset_type"].offset, f["asset_type"].size, atype)
        put_int(b, f["reserved"].offset, f["reserved"].size, reserved)
        put_int(b, f["asset_id"].offset, f["asset_id"].size, aid)
        return bytes(b)

    def unpack_bytes(self, b):
        f = self.p.id_fields
        return tuple(int.from_bytes(b[f[k].offset:f[k].offset + f[k].size], "little")
                     for k in ("venue", "asset_type", "reserved", "asset_id"))

    def json(self, venue, atype, reserved, aid):
        d = {"venue": venue, "asset_type": atype, "asset_id": aid, "text": self.text(venue, atype, reserved, aid)}
        if reserved:
            d["reserved"] = reserved
        return d

    # Random ids.
    def rand_ascii_symbol(self, rng, n=None):
        n = n or rng.randint(1, 8)
        first = rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return first + "".join(chr(rng.randint(0x21, 0x7E)) for _ in range(n - 1))

    def rand_packed_symbol(self, rng):
        n = rng.randint(9, 10)
        return rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") + "".join(
            rng.choice(self.p.alphabet) for _ in range(n - 1))

    def rand_id(self, rng, allow_invalid=True):
        """(venue, asset_type, reserved, asset_id, extra) with extra = address bytes for tokens/pools."""
        r = rng.random()
        if allow_invalid and r < 0.08:
            return (rng.choice([rng.randrange(1 << 16), rng.choice(list(self.p.venues))]), rng.randrange(256),
                    rng.choice([0, 0, rng.randrange(256)]), rand_uint(rng, 64), None)
        if r < 0.35:
            venue, atype = rng.choice(self.symbol_venues), rng.choice(self.symbol_types)
            sym = self.rand_ascii_symbol(rng) if rng.random() < 0.6 else self.rand_packed_symbol(rng)
            at, aid = self.symbol(venue, atype, sym)
            return (venue, at, 0, aid, None)
        addr = bytes(rng.randrange(256) for _ in range(20))
        if r < 0.75:
            return (rng.choice(self.by_kind["chain"]), self.token_type, 0, int.from_bytes(addr[12:], "big"), addr)
        return (rng.choice(self.by_kind["dex"]), self.pool_type, 0, int.from_bytes(addr[12:], "big"), addr)


# ----------------------------------------------------------------------------
# Values and frames
# ----------------------------------------------------------------------------

INT_KINDS = {"u8": (1, False), "u16": (2, False), "u32": (4, False), "u64": (8, False),
             "i8": (1, True), "i16": (2, True), "i32": (4, True), "i64": (8, True),
             "u128": (16, False), "i128": (16, True)}


def put_int(buf, off, size, value, signed=False):
    buf[off:off + size] = value.to_bytes(size, "little", signed=signed)


def rand_uint(rng, bits):
    r = rng.random()
    if r < 0.1:
        return 0
    if r < 0.2:
        return (1 << bits) - 1
    if r < 0.5:
        return rng.randrange(1 << min(bits, 16))
    return rng.randrange(1 << bits)


def rand_int(rng, kind):
    size, signed = INT_KINDS[kind]
    bits = size * 8
    if not signed:
        return rand_uint(rng, bits)
    r = rng.random()
    if r < 0.08:
        return -(1 << (bits - 1))
    if r < 0.16:
        return (1 << (bits - 1)) - 1
    if r < 0.24:
        return -1
    return rng.randrange(-(1 << (bits - 1)), 1 << (bits - 1))


TEXT_CHARS = list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,:;-_/\"\\'") + \
    ["é", "ß", "€", "漢", "字", "😀", "\t", "\u00a0", "\u2028"]


def rand_text(rng, max_bytes, allow_empty=True):
    if max_bytes == 0:
        return ""
    target = rng.choice([0 if allow_empty else 1, rng.randint(1, max_bytes), max_bytes])
    out = ""
    while True:
        c = rng.choice(TEXT_CHARS)
        if len((out + c).encode()) > target:
            # fill exactly with ASCII when asked for the full size
            if target == max_bytes:
                out += "x" * (target - len(out.encode()))
            break
        out += c
    return out


class Model:
    """Builds frames and their expected JSON from the document's tables."""

    def __init__(self, proto, rng):
        self.p, self.rng = proto, rng
        self.ids = Ids(proto)

    # --- field values -------------------------------------------------------

    def rand_value(self, f, allow_nonzero_pad):
        rng = self.rng
        if f.kind in INT_KINDS:
            if f.enum:
                names = self.p.enums[f.enum]
                if rng.random() < 0.8 and names:
                    return rng.choice(list(names))
                return rng.randrange(1 << (8 * f.size))
            return rand_int(rng, f.kind)
        if f.kind == "InstrumentId":
            return self.ids.rand_id(rng)[:4]
        if f.kind == "bytes":
            return bytes(rng.randrange(256) for _ in range(f.size))
        if f.kind == "text":
            return rand_text(rng, f.size)
        if f.kind == "pad":
            if allow_nonzero_pad and rng.random() < 0.5:
                return bytes(rng.randrange(256) for _ in range(f.size))
            return bytes(f.size)
        raise ValueError(f.type)

    def write_value(self, buf, off, f, v):
        if f.kind in INT_KINDS:
            put_int(buf, off, f.size, v, INT_KINDS[f.kind][1])
        elif f.kind == "InstrumentId":
            buf[off:off + f.size] = self.ids.pack(*v)
        elif f.kind in ("bytes", "pad"):
            buf[off:off + f.size] = v
        elif f.kind == "text":
            b = v.encode()
            buf[off:off + f.size] = b + bytes(f.size - len(b))

    def json_value(self, f, v, out):
        """Adds the JSON of field f with value v to the dict `out` (in order)."""
        if f.kind == "pad":
            if any(v):
                out[f.name] = "0x" + v.hex()
            return
        if f.kind in ("u128", "i128"):
            out[f.name] = str(v)
        elif f.kind in INT_KINDS:
            out[f.name] = v
            if f.enum:
                name = self.p.enums[f.enum].get(v)
                if name is not None:
                    out[f.name + "_name"] = name
        elif f.kind == "InstrumentId":
            out[f.name] = self.ids.json(*v)
        elif f.kind == "bytes":
            out[f.name] = "0x" + v.hex()
        elif f.kind == "text":
            out[f.name] = v

    # --- frames -------------------------------------------------------------

    def header_bytes(self, mtype, version, source, flags, payload, seq, ts):
        h = self.p.hdr
        b = bytearray(self.p.header_size)
        for name, value in (("magic", 0xDEADBEEF), ("message_type", mtype), ("version", version),
                            ("source", source), ("flags", flags), ("payload_size", payload),
                            ("sequence", seq), ("timestamp", ts)):
            put_int(b, h[name].offset, h[name].size, value)
        return b

    def seal(self, frame):
        c = self.p.hdr["checksum"]
        crc = zlib.crc32(bytes(frame[c.offset + c.size:]), zlib.crc32(bytes(frame[:c.offset])))
        put_int(frame, c.offset, c.size, crc)
        return crc

    def header_json(self, frame):
        h = self.p.hdr
        d = {}
        for f in self.p.header:
            v = int.from_bytes(frame[f.offset:f.offset + f.size], "little")
            d[f.name] = v
            if f.name == "message_type" and v in self.p.message_types:
                d["message_type_name"] = self.p.message_types[v]["name"]
            if f.name == "source" and v in self.p.sources:
                d["source_name"] = self.p.sources[v]
        return d

    def tlv_entry(self, layouts, names, allow_unknown):
        """(bytes, json) of one random entry."""
        rng = self.rng
        known = list(layouts.values())
        if allow_unknown and rng.random() < 0.25:
            t = rng.choice([x for x in range(1, 256) if x not in layouts and x not in names])
            data = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, rng.randint(0, 60), 255])))
            return bytes([t, len(data)]) + data, {"type": t, "data": "0x" + data.hex()}
        t = rng.choice(known)
        entry = bytearray(2 + t.length)
        entry[0], entry[1] = t.type, t.length
        js = {"type": t.type, "type_name": t.name}
        for f in t.fields:
            v = self.rand_value(f, allow_nonzero_pad=True)
            self.write_value(entry, f.offset, f, v)
            self.json_value(f, v, js)
        return bytes(entry), js

    def build(self, lay, nonzero_pad):
        """A random valid frame of layout `lay`: (bytes, expected JSON dict)."""
        rng = self.rng
        source = rng.choice(list(self.p.sources)) if rng.random() < 0.8 else rng.randrange(256)
        flags = rng.choice([0, 0, rng.randrange(256)])
        seq, ts = rand_uint(rng, 64), rand_uint(rng, 64)
        body = bytearray(lay.size)
        fields_json = {}
        values = {}
        for f in lay.fields:
            values[f.name] = self.rand_value(f, nonzero_pad)
        tail, extra_json = b"", {}

        if lay.rule == "Levels":
            nb, na = rng.randint(0, 6), rng.randint(0, 6)
            values["bid_count"], values["ask_count"] = nb, na
            levels = [(rand_int(rng, "i64"), rand_int(rng, "u64")) for _ in range(nb + na)]
            tail = b"".join(struct.pack("<qQ", p, s) for p, s in levels)
            extra_json["bids"] = [{"price": p, "size": s} for p, s in levels[:nb]]
            extra_json["asks"] = [{"price": p, "size": s} for p, s in levels[nb:]]
        elif lay.rule == "Tlv":
            entries = [self.tlv_entry(self.p.extensions, {}, True) for _ in range(rng.choice([0, 1, 2, 3, 5]))]
            tail = b"".join(e[0] for e in entries)
            values["tlv_offset"], values["tlv_length"] = lay.size, len(tail)
            extra_json["tlv"] = [e[1] for e in entries]
        elif lay.rule == "Discovery":
            tail, extra_json = self.discovery_tail(lay, values)
        elif lay.rule == "Opaque":
            tail = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, rng.randint(0, 200)])))
            extra_json["data"] = "0x" + tail.hex()

        for f in lay.fields:
            self.write_value(body, f.offset, f, values[f.name])
            self.json_value(f, values[f.name], fields_json)
        frame = bytearray(self.header_bytes(lay.type, lay.version, source, flags,
                                            lay.size - self.p.header_size + len(tail), seq, ts))
        frame += body[self.p.header_size:] + tail
        self.seal(frame)
        js = {"header": self.header_json(frame)}
        js.update(fields_json)
        js.update(extra_json)
        return bytes(frame), js

    def discovery_tail(self, lay, values):
        rng, ids, p = self.rng, self.ids, self.p
        is_pool = lay.name == "PoolDiscovered"
        meta_by_name = {t.name: t for t in p.meta.values()}
        if is_pool:
            addr = bytes(rng.randrange(256) for _ in range(20))
            iid = (rng.choice(ids.by_kind["dex"]), ids.pool_type, 0, int.from_bytes(addr[12:], "big"))
        else:
            venue, atype, res, aid, addr = ids.rand_id(rng, allow_invalid=False)
            iid = (venue, atype, res, aid)
            if addr is None and rng.random() < 0.3:
                addr = bytes(rng.randrange(256) for _ in range(20))  # Address on a symbol id: not checked
        values["instrument_id"] = iid
        symbol = rand_text(rng, rng.choice([0, 12, 40]))
        entries = []

        def fixed(name, vals):
            t = meta_by_name[name]
            b = bytearray(2 + t.length)
            b[0], b[1] = t.type, t.length
            js = {"type": t.type, "type_name": t.name}
            for f in t.fields:
                self.write_value(b, f.offset, f, vals[f.name])
                self.json_value(f, vals[f.name], js)
            return bytes(b), js

        if addr is not None and (is_pool or rng.random() < 0.85):
            entries.append(fixed("Address", {"address": addr}))
        if rng.random() < 0.7:
            name = rand_text(rng, rng.choice([20, 255]), allow_empty=False)
            nb = name.encode()
            name_type = next(n for n, v in p.meta_names.items() if v == "Name")
            entries.append((bytes([name_type, len(nb)]) + nb, {"type": name_type, "type_name": "Name", "name": name}))
        if rng.random() < 0.6:
            entries.append(fixed("ChainId", {"chain_id": rand_uint(rng, 64)}))
        if is_pool:
            toks = []
            for _ in range(2):
                a = bytes(rng.randrange(256) for _ in range(20))
                toks.append(((rng.choice(ids.by_kind["chain"]), ids.token_type, 0, int.from_bytes(a[12:], "big")), a))
            entries.append(fixed("PoolTokens", {"token0_id": toks[0][0], "token1_id": toks[1][0],
                                                "token0_address": toks[0][1], "token1_address": toks[1][1],
                                                "fee_tier": rng.choice([100, 500, 3000, 10000, rand_uint(rng, 32)])}))
        if rng.random() < 0.2:
            t = rng.choice([x for x in range(5, 256)])
            data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 30)))
            entries.insert(rng.randint(0, len(entries)), (bytes([t, len(data)]) + data, {"type": t, "data": "0x" + data.hex()}))
        if rng.random() < 0.15:
            rng.shuffle(entries)
        meta = b"".join(e[0] for e in entries)
        values["symbol_len"], values["metadata_len"] = len(symbol.encode()), len(meta)
        return symbol.encode() + meta, {"symbol": symbol, "metadata": [e[1] for e in entries]}


# ----------------------------------------------------------------------------
# Comparing
# ----------------------------------------------------------------------------

class Report:
    def __init__(self, limit=8):
        self.failures = {}
        self.checks = 0
        self.limit = limit

    def ok(self):
        self.checks += 1

    def fail(self, category, message):
        self.checks += 1
        self.failures.setdefault(category, []).append(message)

    def summary(self):
        if not self.failures:
            print(f"conformance: PASS ({self.checks} checks)")
            return 0
        total = sum(len(v) for v in self.failures.values())
        print(f"conformance: FAIL ({total} of {self.checks} checks failed, {len(self.failures)} categories)")
        for cat, msgs in self.failures.items():
            print(f"\n[{cat}] {len(msgs)} failure(s)")
            for m in msgs[:self.limit]:
                print("  - " + m)
            if len(msgs) > self.limit:
                print(f"  ... and {len(msgs) - self.limit} more")
        return 1


def diff_json(exp, got, path=""):
    """Differences between expected and actual JSON, key order included for objects."""
    out = []
    if isinstance(exp, dict):
        if not isinstance(got, dict):
            return [f"{path or '<root>'}: expected an object, got {json.dumps(got)[:80]}"]
        for k, v in exp.items():
            if k not in got:
                out.append(f"{path}{k}: missing (expected {json.dumps(v, ensure_ascii=False)[:80]})")
            else:
                out += diff_json(v, got[k], f"{path}{k}.")
        for k in got:
            if k not in exp:
                out.append(f"{path}{k}: unexpected key (value {json.dumps(got[k], ensure_ascii=False)[:80]})")
        common_e = [k for k in exp if k in got]
        common_g = [k for k in got if k in exp]
        if not out and common_e != common_g and not path.endswith("_id.") and "instrument" not in path:
            out.append(f"{path or '<root>'}: key order {common_g} != wire order {common_e}")
        return out
    if isinstance(exp, list):
        if not isinstance(got, list):
            return [f"{path[:-1]}: expected a list, got {json.dumps(got)[:80]}"]
        if len(exp) != len(got):
            out.append(f"{path[:-1]}: {len(got)} entries, expected {len(exp)}")
        for i, (e, g) in enumerate(zip(exp, got)):
            out += diff_json(e, g, f"{path[:-1]}[{i}].")
        return out
    if type(exp) is not type(got) or exp != got:
        return [f"{path[:-1]}: got {json.dumps(got, ensure_ascii=False)[:90]}, expected {json.dumps(exp, ensure_ascii=False)[:90]}"]
    return out


def field_at(proto, lay, offset):
    for f in proto.header:
        if f.offset <= offset < f.offset + f.size:
            return "header." + f.name
    if lay is not None:
        for f in lay.fields:
            if f.offset <= offset < f.offset + f.size:
                return f.name
        if offset >= lay.size:
            return f"variable part (+{offset - lay.size})"
    return f"byte {offset}"


def split_frames(proto, data):
    frames, pos = [], 0
    ps = proto.hdr["payload_size"]
    while pos + proto.header_size <= len(data):
        n = proto.header_size + int.from_bytes(data[pos + ps.offset:pos + ps.offset + ps.size], "little")
        frames.append(data[pos:pos + n])
        pos += n
    return frames, data[pos:]


# ----------------------------------------------------------------------------
# The CLI
# ----------------------------------------------------------------------------

class Cli:
    def __init__(self, path):
        self.path = path

    def run(self, args, stdin=b""):
        try:
            r = subprocess.run([self.path] + args, input=stdin, capture_output=True, timeout=60)
        except OSError as e:
            raise SystemExit(f"cannot run {self.path}: {e}")
        return r.returncode, r.stdout, r.stderr


def json_lines(data):
    out = []
    # JSON Lines are separated by "\n" only: a string may hold U+2028 and friends raw.
    for line in data.decode("utf-8", "replace").split("\n"):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                out.append({"<unparsable>": line[:200], "error": str(e)})
    return out


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# ----------------------------------------------------------------------------
# The checks
# ----------------------------------------------------------------------------

def check_decode_encode(proto, model, cli, rep, count):
    all_frames = []
    for mtype, lay in sorted(proto.layouts.items()):
        frames = [model.build(lay, nonzero_pad=(i % 4 == 3)) for i in range(count)]
        all_frames += frames
        stream = b"".join(f for f, _ in frames)
        # decode
        rc, out, err = cli.run(["decode", "-"], stream)
        got = json_lines(out)
        if rc != 0 or err.strip():
            rep.fail("decode exit", f"{lay.name}: exit {rc}, stderr {err.decode(errors='replace')[:300]}")
        if len(got) != len(frames):
            rep.fail("decode count", f"{lay.name}: {len(got)} JSON lines for {len(frames)} frames")
        for i, ((fb, exp), g) in enumerate(zip(frames, got)):
            d = diff_json(exp, g)
            if d:
                rep.fail(f"decode {lay.name}", f"frame {i}: " + "; ".join(d[:4]))
            else:
                rep.ok()
        # encode the expected JSON: must give the same bytes
        variants = [("full", [dumps(e) for _, e in frames]),
                    ("minimal", [dumps(minimal_json(proto, e)) for _, e in frames]),
                    ("names", [dumps(named_json(proto, model, e)) for _, e in frames])]
        for vname, lines in variants:
            rc, out, err = cli.run(["encode", "-"], ("\n".join(lines) + "\n").encode())
            if rc != 0:
                rep.fail(f"encode {vname}", f"{lay.name}: exit {rc}, stderr {err.decode(errors='replace')[:300]}")
                continue
            written, rest = split_frames(proto, out)
            if rest or len(written) != len(frames):
                rep.fail(f"encode {vname}", f"{lay.name}: wrote {len(written)} frames (+{len(rest)} stray bytes) for {len(frames)} lines")
            for i, ((fb, _), w) in enumerate(zip(frames, written)):
                c = proto.hdr["checksum"]
                crc = zlib.crc32(w[c.offset + c.size:], zlib.crc32(w[:c.offset]))
                stored = int.from_bytes(w[c.offset:c.offset + c.size], "little")
                if crc != stored:
                    rep.fail(f"encode {vname} checksum", f"{lay.name} frame {i}: stored 0x{stored:08x}, CRC-32 of 0..27+32..end is 0x{crc:08x}")
                if w != fb:
                    if len(w) != len(fb):
                        rep.fail(f"encode {vname} {lay.name}", f"line {i}: {len(w)} bytes, expected {len(fb)}")
                    else:
                        diffs = sorted({field_at(proto, lay, k) for k in range(len(w)) if w[k] != fb[k]})
                        rep.fail(f"encode {vname} {lay.name}", f"line {i}: bytes differ in {', '.join(diffs)}")
                else:
                    rep.ok()
    # Back to back: every type in one stream, shuffled.
    model.rng.shuffle(all_frames)
    sample = all_frames[:400]
    rc, out, err = cli.run(["decode", "-"], b"".join(f for f, _ in sample))
    got = json_lines(out)
    bad = sum(1 for (_, e), g in zip(sample, got) if diff_json(e, g))
    if rc != 0 or len(got) != len(sample) or bad:
        rep.fail("decode mixed stream", f"{len(sample)} frames of all types: exit {rc}, {len(got)} lines, {bad} differ")
    else:
        rep.ok()
    return all_frames


DERIVED = {"tlv_offset", "tlv_length", "symbol_len", "metadata_len", "bid_count", "ask_count"}


def minimal_json(proto, exp):
    """Without the fields the encoder computes and without names and texts."""
    def strip(obj, top=False):
        if isinstance(obj, dict):
            out = {}
            for k, v in obj.items():
                if k.endswith("_name") and k != "type_name":
                    continue
                if k == "type_name" or k == "text":
                    continue
                if top and k in DERIVED:
                    continue
                out[k] = strip(v)
            return out
        if isinstance(obj, list):
            return [strip(x) for x in obj]
        return obj
    d = strip(exp, top=True)
    h = {k: v for k, v in d["header"].items() if k not in ("magic", "payload_size", "checksum")}
    if h.get("flags") == 0 and h.get("version") == 1:
        del h["flags"]
        del h["version"]
    if h.get("source") == 0:
        del h["source"]
    d["header"] = h
    # a missing message field is zero
    for k in [k for k, v in d.items() if k != "header" and (v == 0 or v == "0")]:
        del d[k]
    return d


def named_json(proto, model, exp):
    """Enumerations by name, message type by name only, canonical ids as text."""
    def conv(obj):
        if isinstance(obj, dict):
            if set(obj) >= {"venue", "asset_type", "asset_id", "text"} and not obj["text"].startswith("Unknown"):
                return obj["text"]
            out = {}
            for k, v in obj.items():
                name = obj.get(k + "_name")
                if isinstance(v, int) and isinstance(name, str) and k not in ("venue", "type"):
                    out[k] = name
                elif k.endswith("_name") and k[:-5] in obj:
                    continue
                else:
                    out[k] = conv(v)
            return out
        if isinstance(obj, list):
            return [conv(x) for x in obj]
        return obj
    d = conv(exp)
    h = dict(exp["header"])
    if "message_type_name" in h:
        h.pop("message_type")
    d["header"] = h
    return d


def check_errors(proto, model, cli, rep, frames):
    rng = model.rng
    errs = set(proto.errors)
    good = [f for f, _ in frames if len(f) < 400][:3]
    g0, g1, g2 = good[0], good[1], good[2]
    bad_crc = bytearray(g1)
    c = proto.hdr["checksum"]
    bad_crc[c.offset] ^= 0x01

    def expect_error(label, stream, name, args=("decode", "-"), frame=None, offset=None, lines=None):
        if name not in errs:
            rep.fail("document", f"{label}: reason {name!r} is not in the document's error table")
            return
        rc, out, err = cli.run(list(args), bytes(stream))
        reports = json_lines(err)
        names = [r.get("error") for r in reports]
        problems = []
        if rc != 1:
            problems.append(f"exit {rc} (expected 1)")
        if name not in names:
            problems.append(f"stderr errors {names or err.decode(errors='replace')[:200]!r}, expected {name!r}")
        else:
            r = reports[names.index(name)]
            if frame is not None and r.get("frame") != frame:
                problems.append(f"frame {r.get('frame')} (expected {frame})")
            if offset is not None and r.get("offset") != offset:
                problems.append(f"offset {r.get('offset')} (expected {offset})")
            if not isinstance(r.get("message"), str):
                problems.append("no message")
        if lines is not None and len(json_lines(out)) != lines:
            problems.append(f"{len(json_lines(out))} frames decoded (expected {lines})")
        if problems:
            rep.fail("decode errors", f"{label}: " + "; ".join(problems))
        else:
            rep.ok()

    expect_error("bad checksum", g0 + bad_crc, "bad_checksum", frame=1, offset=len(g0))
    rc, out, err = cli.run(["decode", "--no-verify", "-"], bytes(bad_crc))
    got = json_lines(out)
    if rc != 0 or len(got) != 1 or got[0].get("header", {}).get("checksum") != int.from_bytes(bad_crc[c.offset:c.offset + 4], "little"):
        rep.fail("decode errors", f"--no-verify on a bad checksum: exit {rc}, {len(got)} lines, stderr {err[:200]!r}")
    else:
        rep.ok()
    expect_error("--keep-going over a bad checksum", g0 + bad_crc + g2, "bad_checksum",
                 args=("decode", "--keep-going", "-"), frame=1, lines=2)
    junk = bytes(rng.randrange(1, 256) for _ in range(13))
    expect_error("--keep-going resynchronises after bad magic", g0 + junk + g2, "bad_magic",
                 args=("decode", "--keep-going", "-"), offset=len(g0), lines=2)
    expect_error("bad magic", junk + g0, "bad_magic", offset=0, frame=0)
    expect_error("truncated at the end", g0 + g1[:-5], "truncated", lines=None)
    expect_error("truncated header", g1[:20], "truncated")

    def mutate(base_frame, fn, reseal=True):
        b = bytearray(base_frame)
        fn(b)
        if reseal:
            model.seal(b)
        return bytes(b)

    ps, mt, ver = proto.hdr["payload_size"], proto.hdr["message_type"], proto.hdr["version"]
    expect_error("payload_size over the maximum", mutate(g0, lambda b: put_int(b, ps.offset, ps.size, proto.max_payload + 1)),
                 "payload_too_large")
    unknown_type = next(t for t in range(60, 100) if t not in proto.message_types)
    expect_error("unknown type", mutate(g0, lambda b: put_int(b, mt.offset, 1, unknown_type)), "unknown_type")
    expect_error("unknown type 201", mutate(g0, lambda b: put_int(b, mt.offset, 1, 201)), "unknown_type")
    expect_error("unknown version", mutate(g0, lambda b: put_int(b, ver.offset, 1, 2)), "unknown_version")

    def frame_of(name, **over):
        lay = next(l for l in proto.layouts.values() if l.name == name)
        for _ in range(200):
            fb, js = model.build(lay, False)
            if all(pred(js) for pred in over.values()):
                return lay, bytearray(fb), js
        raise SystemExit(f"could not build a {name} frame")

    lay, t, _ = frame_of("Trade")
    expect_error("fixed size with extra bytes", mutate(t + b"\0\0\0\0", lambda b: put_int(b, ps.offset, 4, len(b) - 32)), "bad_size")
    lay, t, _ = frame_of("Quote")
    expect_error("fixed size too short", mutate(t[:-8], lambda b: put_int(b, ps.offset, 4, len(b) - 32)), "bad_size")

    lay, ob, js = frame_of("OrderBook", lv=lambda j: len(j["bids"]) > 0)
    bc = next(f for f in lay.fields if f.name == "bid_count")
    expect_error("order book count disagrees", mutate(ob, lambda b: put_int(b, bc.offset, 2, len(js["bids"]) + 1)), "bad_length")

    lay, d, js = frame_of("DeFiSignal")
    to = next(f for f in lay.fields if f.name == "tlv_offset")
    expect_error("tlv_offset not 312", mutate(d, lambda b: put_int(b, to.offset, 2, lay.size + 2)), "bad_tlv")
    tl = next(f for f in lay.fields if f.name == "tlv_length")
    ext = proto.extensions[min(proto.extensions)]
    entry = bytes([ext.type, ext.length - 1]) + bytes(ext.length - 1)
    d2 = bytearray(d[:lay.size]) + entry
    expect_error("known extension with a wrong length",
                 mutate(d2, lambda b: (put_int(b, tl.offset, 2, len(entry)), put_int(b, ps.offset, 4, len(b) - 32))), "bad_tlv")
    entry = bytes([ext.type, ext.length]) + bytes(ext.length - 3)
    d3 = bytearray(d[:lay.size]) + entry
    expect_error("truncated extension",
                 mutate(d3, lambda b: (put_int(b, tl.offset, 2, len(entry)), put_int(b, ps.offset, 4, len(b) - 32))), "bad_tlv")

    lay, t, js = frame_of("StrategyAlert")
    msg = next(f for f in lay.fields if f.kind == "text")
    expect_error("text not UTF-8", mutate(t, lambda b: b.__setitem__(slice(msg.offset, msg.offset + 2), b"\xc3\x28")), "invalid_utf8")
    expect_error("text with bytes after its end",
                 mutate(t, lambda b: b.__setitem__(slice(msg.offset, msg.offset + msg.size), b"A" + bytes(msg.size - 2) + b"B")), "invalid_utf8")

    lay, disc, js = frame_of("InstrumentDiscovered",
                             a=lambda j: j["instrument_id"]["text"].split()[1] in ("Token", "Pool"),
                             b=lambda j: any(m.get("type_name") == "Address" for m in j["metadata"]))
    meta_at = lay.size + len(js["symbol"].encode())
    off, found = meta_at, None
    while off < len(disc):
        if proto.meta_names.get(disc[off]) == "Address":
            found = off
            break
        off += 2 + disc[off + 1]
    expect_error("discovery address does not map to the id", mutate(disc, lambda b: b.__setitem__(found + 21, b[found + 21] ^ 0xFF)), "id_mismatch")
    sl = next(f for f in lay.fields if f.name == "symbol_len")
    expect_error("discovery lengths disagree", mutate(disc, lambda b: put_int(b, sl.offset, 1, b[sl.offset] + 1)), "bad_length")

    lay, pd, js = frame_of("PoolDiscovered", s=lambda j: len(j["symbol"]) == 0 and len(j["metadata"]) > 1)
    md = next(f for f in lay.fields if f.name == "metadata_len")
    # keep only the entries that are not PoolTokens
    kept, off = b"", lay.size
    while off < len(pd):
        if proto.meta_names.get(pd[off]) != "PoolTokens":
            kept += bytes(pd[off:off + 2 + pd[off + 1]])
        off += 2 + pd[off + 1]
    p2 = bytearray(pd[:lay.size]) + kept
    expect_error("PoolDiscovered without PoolTokens",
                 mutate(p2, lambda b: (put_int(b, md.offset, 2, len(kept)), put_int(b, ps.offset, 4, len(b) - 32))), "bad_tlv")

    # encode errors: each names its line and the field (json-lines.md, Errors)
    base = next(e for _, e in frames if e["header"].get("message_type_name") == "Trade")
    for label, field, mod in (("unknown key", "no_such_field", lambda j: j.__setitem__("no_such_field", 1)),
                              ("value out of range", "side", lambda j: j.__setitem__("side", 256)),
                              ("negative unsigned", "volume", lambda j: j.__setitem__("volume", -1)),
                              ("malformed id text", "instrument_id", lambda j: j.__setitem__("instrument_id", "NASDAQ Stock ")),
                              ("unknown enum name", "side", lambda j: j.__setitem__("side", "Sideways"))):
        j = json.loads(json.dumps(base))
        mod(j)
        rc, out, err = cli.run(["encode", "-"], (dumps(j) + "\n").encode())
        reports = json_lines(err)
        r = reports[0] if reports else {}
        if rc != 1 or out or not isinstance(r.get("error"), str) or r.get("line") != 1:
            rep.fail("encode errors", f"{label}: exit {rc}, {len(out)} bytes out, stderr {err.decode(errors='replace')[:200]!r}")
        elif field not in str(r.get("field", "")):
            rep.fail("encode errors", f"{label}: field {r.get('field')!r} does not name {field!r}")
        else:
            rep.ok()


def check_ids(proto, cli, rep, rng, count):
    ids = Ids(proto)

    def run_id(args):
        rc, out, err = cli.run(["id"] + args)
        try:
            return rc, json.loads(out.decode()) if rc == 0 else None, err.decode(errors="replace")
        except json.JSONDecodeError:
            return rc, {"<unparsable>": out.decode(errors="replace")[:200]}, err.decode(errors="replace")

    def expect(label, args, venue, atype, aid):
        rc, got, err = run_id(args)
        exp = {"hex": ids.pack(venue, atype, 0, aid).hex(), "venue": venue, "venue_name": proto.venues[venue]["name"],
               "asset_type": atype, "asset_type_name": proto.asset_types[atype & 0x7F]["name"],
               "asset_id": aid, "text": ids.text(venue, atype, 0, aid)}
        if rc != 0:
            rep.fail(f"id {args[0]}", f"{label} {args}: exit {rc}, stderr {err[:200]!r}")
            return
        if isinstance(got, dict) and isinstance(got.get("hex"), str) and got["hex"].lower().startswith("0x"):
            got = dict(got, hex=got["hex"][2:])
        d = diff_json(exp, got)
        if d:
            rep.fail(f"id {args[0]}", f"{label} {args}: " + "; ".join(d[:4]))
        else:
            rep.ok()
        # the text form and the hex decode back to the same id
        rc2, back, err2 = run_id(["decode", exp["hex"]])
        if rc2 != 0 or diff_json(exp, dict(back or {}, hex=(back or {}).get("hex", "").removeprefix("0x"))):
            rep.fail("id decode", f"{exp['hex']}: exit {rc2}, got {back}, stderr {err2[:150]!r}")
        else:
            rep.ok()

    def refuse(label, args, reason):
        rc, got, err = run_id(args)
        if rc == 0:
            rep.fail("id refusals", f"{label} {args}: accepted ({got}), expected {reason}")
        elif reason not in err:
            rep.fail("id refusals", f"{label} {args}: exit {rc}, stderr {err.strip()[:200]!r} does not name {reason!r}")
        else:
            rep.ok()

    stock = proto.asset_type_by_name["stock"]
    for i in range(count):
        venue = rng.choice(ids.symbol_venues)
        sym = ids.rand_ascii_symbol(rng, rng.randint(1, 8))
        at, aid = ids.symbol(venue, stock, sym)
        if i % 2:
            expect("stock", ["stock", proto.venues[venue]["name"], sym], venue, at, aid)
        else:
            atype = rng.choice(ids.symbol_types)
            at, aid = ids.symbol(venue, atype, sym)
            expect("symbol", ["symbol", proto.venues[venue]["name"].lower(), proto.asset_types[atype]["name"], sym],
                   venue, at, aid)
        sym = ids.rand_packed_symbol(rng)
        atype = rng.choice(ids.symbol_types)
        at, aid = ids.symbol(venue, atype, sym)
        expect("6-bit symbol", ["symbol", proto.venues[venue]["name"], proto.asset_types[atype]["name"], sym], venue, at, aid)
        addr = bytes(rng.randrange(256) for _ in range(20))
        forms = [eip55(addr), "0x" + addr.hex(), "0x" + addr.hex().upper()]
        chain = rng.choice(ids.by_kind["chain"])
        expect("token", ["token", proto.venues[chain]["name"], forms[i % 3]], chain, ids.token_type,
               int.from_bytes(addr[12:], "big"))
        dex = rng.choice(ids.by_kind["dex"])
        expect("pool", ["pool", proto.venues[dex]["name"], forms[(i + 1) % 3]], dex, ids.pool_type,
               int.from_bytes(addr[12:], "big"))

    # Known vectors from the document.
    expect("document vector", ["stock", "NASDAQ", "AAPL"], 1, stock, 0x4141504C00000000)
    expect("document vector", ["symbol", "Binance", "Pair", "BCHABCUSDT"], proto.venue_by_name["binance"],
           proto.asset_type_by_name["pair"] | proto.packed_bit, 0x030D48B30D7DD39E)
    expect("document vector", ["token", "Ethereum", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"],
           proto.venue_by_name["ethereum"], ids.token_type, 0x2E9EB0CE3606EB48)
    if eip55(bytes.fromhex("a0b86991c6218b36c1d19d4a2e9eb0ce3606eb48")) != "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48":
        rep.fail("self test", "pure-Python EIP-55 disagrees with the USDC vector")

    # Refusals.
    addr = bytes.fromhex("a0b86991c6218b36c1d19d4a2e9eb0ce3606eb48")
    good = eip55(addr)
    flip = next(i for i, ch in enumerate(good) if i >= 2 and ch.isalpha())
    bad = good[:flip] + good[flip].swapcase() + good[flip + 1:]
    refuse("EIP-55 mismatch", ["token", "Ethereum", bad], "invalid_address")
    refuse("41 hex digits (the design document's WETH)", ["token", "Ethereum", "0xc02aaa39b223fe8d0a0e5c4f2afb308d791be2259"], "invalid_address")
    refuse("39 hex digits", ["token", "Ethereum", "0x" + "1" * 39], "invalid_address")
    refuse("non-hex digit", ["token", "Ethereum", "0x" + "g" * 40], "invalid_address")
    refuse("token on an exchange", ["token", "NASDAQ", good], "wrong_venue_kind")
    refuse("pool on a chain", ["pool", "Ethereum", good], "wrong_venue_kind")
    refuse("stock on a chain", ["stock", "Ethereum", "AAPL"], "wrong_venue_kind")
    refuse("unknown venue", ["stock", "NoSuchVenue", "AAPL"], "unknown_venue")
    refuse("11 characters", ["stock", "NASDAQ", "ABCDEFGHIJK"], "invalid_symbol")
    refuse("9 characters with lower case", ["stock", "NASDAQ", "abcdefghi"], "invalid_symbol")
    refuse("9 characters outside the alphabet", ["symbol", "Binance", "Pair", "ABCDEFGH!"], "invalid_symbol")
    refuse("non-printable", ["stock", "NASDAQ", "AB\tC"], "invalid_symbol")
    refuse("empty symbol", ["stock", "NASDAQ", ""], "invalid_symbol")
    refuse("unknown asset type", ["symbol", "NASDAQ", "Bond", "AAPL"], "unknown_asset_type")
    refuse("symbol type Token", ["symbol", "NASDAQ", "Token", "AAPL"], "unknown_asset_type")

    # id decode of arbitrary bytes, canonical or not. A non-canonical id is either
    # printed with the "Unknown ..." text (4.6) or refused naming the reason of 4.7.
    samples = [ids.rand_id(rng)[:4] for _ in range(max(5, count // 3))]
    samples += [(rng.randrange(500, 1 << 16), 1, 0, 0x4141504C00000000),          # unknown venue
                (1, 1, 1, 0x4141504C00000000),                                    # reserved set
                (1, 1, 0, 0x41410041 << 32),                                      # byte after the end
                (1, 1, 0, 0),                                                     # empty symbol
                (1, 1 | proto.packed_bit, 0, 0x0F << 54), # 6-bit, 1 character
                (1, 2, 0, 5), (300, 1, 0, 0x4141504C00000000), (300, 3, 0, 1),    # wrong venue kinds
                (1, 0x7F, 0, 1), (300, 2 | proto.packed_bit, 0, 1)]               # unknown asset types
    for v, at, res, aid in samples:
        h = ids.pack(v, at, res, aid).hex()
        rc, got, err = run_id(["decode", h])
        reason = ids.reason(v, at, res, aid)
        if rc != 0:
            if reason is None:
                rep.fail("id decode", f"{h}: canonical id refused: exit {rc}, stderr {err[:150]!r}")
            elif reason not in err:
                rep.fail("id decode", f"{h}: refused with {err.strip()[:150]!r}, expected reason {reason!r} (section 4.7)")
            else:
                rep.ok()
            continue
        want_text = ids.text(v, at, res, aid)
        checks = [(got.get("venue"), v), (got.get("asset_type"), at), (got.get("asset_id"), aid), (got.get("text"), want_text)]
        bad = [f"{g!r} != {w!r}" for g, w in checks if g != w]
        if bad:
            rep.fail("id decode", f"{h}: " + "; ".join(bad))
        else:
            rep.ok()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--alphapulse", required=True, help="the alphapulse executable")
    ap.add_argument("--protocol", required=True, help="docs/PROTOCOL.md")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--count", type=int, default=50, help="frames per message type")
    ap.add_argument("--only", choices=["frames", "errors", "ids"], action="append")
    args = ap.parse_args()

    proto = Protocol(args.protocol)
    rng = random.Random(args.seed)
    model = Model(proto, rng)
    cli = Cli(args.alphapulse)
    rep = Report()
    print(f"conformance: {len(proto.layouts)} layouts, {len(proto.extensions)} extensions, "
          f"{len(proto.meta)} metadata layouts, {len(proto.venues)} venues from {args.protocol}; seed {args.seed}")
    only = set(args.only or ["frames", "errors", "ids"])
    frames = []
    if only & {"frames", "errors"}:
        frames = check_decode_encode(proto, model, cli, rep, args.count) if "frames" in only else \
            [model.build(l, False) for l in proto.layouts.values() for _ in range(3)]
    if "errors" in only:
        check_errors(proto, model, cli, rep, frames)
    if "ids" in only:
        check_ids(proto, cli, rep, rng, max(10, args.count // 2))
    return rep.summary()


if __name__ == "__main__":
    sys.exit(main())
