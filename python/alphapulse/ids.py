"""InstrumentId (PROTOCOL.md section 4): 12 bytes, venue u16, asset_type u8, reserved u8, asset_id u64.

    InstrumentId.stock("NASDAQ", "AAPL").text()          'NASDAQ Stock AAPL'
    InstrumentId.symbol("Binance", "Pair", "BCHABCUSDT")  6-bit packed (4.4)
    InstrumentId.token("Ethereum", "0xA0b8...eB48")       last 8 address bytes (4.5), EIP-55 checked
    InstrumentId.from_bytes(b"...12 bytes...")            any bytes, canonical or not
    InstrumentId.from_text("UniswapV3 Pool 0x...")        the text form back (4.6)

Constructors refuse what they cannot represent exactly with IdError, whose `reason` is the
protocol's name (invalid_symbol, invalid_address, unknown_venue, wrong_venue_kind,
unknown_asset_type, no_venue_for_chain).
"""
import struct
from typing import NamedTuple, Optional

import numpy as np

from . import _layouts as L

_STRUCT = struct.Struct("<HBBQ")
VENUES = {number: (name, kind, chain) for number, name, kind, chain in L.VENUES}
_VENUE_BY_NAME = {name.lower(): number for number, (name, _k, _c) in VENUES.items()}
_VENUE_BY_CHAIN = {chain: number for number, (_n, kind, chain) in VENUES.items() if kind == "chain"}
ASSET_TYPES = {number: name for number, name, _symbol in L.ASSET_TYPES}
_SYMBOL_TYPES = {number for number, _name, symbol in L.ASSET_TYPES if symbol}
_ASSET_TYPE_BY_NAME = {name.lower(): number for number, name in ASSET_TYPES.items()}
_CODE = {c: i + 1 for i, c in enumerate(L.SYMBOL_ALPHABET)}
TOKEN = _ASSET_TYPE_BY_NAME["token"]
POOL = _ASSET_TYPE_BY_NAME["pool"]


class IdError(ValueError):
    """An InstrumentId that cannot be built; `reason` is the protocol's rejection name."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def venue_number(venue) -> int:
    """A venue by number or name (any case)."""
    if isinstance(venue, (int, np.integer)):
        if int(venue) not in VENUES:
            raise IdError("unknown_venue", f"venue {venue} is not defined")
        return int(venue)
    number = _VENUE_BY_NAME.get(str(venue).lower())
    if number is None:
        raise IdError("unknown_venue", f"no venue named {venue!r} (known: {', '.join(n for n, _k, _c in VENUES.values())})")
    return number


def _asset_type_number(asset_type) -> int:
    if isinstance(asset_type, (int, np.integer)):
        return int(asset_type)
    number = _ASSET_TYPE_BY_NAME.get(str(asset_type).lower())
    if number is None:
        raise IdError("unknown_asset_type", f"no asset type named {asset_type!r}")
    return number


def _is_symbol_type(asset_type: int) -> bool:
    return (asset_type & ~L.PACKED_SYMBOL) in _SYMBOL_TYPES


def _venue_accepts_symbols(kind: str) -> bool:
    return kind in ("stock_exchange", "crypto_exchange", "broker")


def _pack_symbol(text: str):
    raw = text.encode("utf-8", "surrogatepass")
    if 1 <= len(raw) <= L.MAX_ASCII_SYMBOL and all(0x20 <= c <= 0x7E for c in raw):
        return int.from_bytes(raw.ljust(8, b"\0"), "big"), False
    if L.MAX_ASCII_SYMBOL < len(raw) <= L.MAX_PACKED_SYMBOL and all(chr(c) in _CODE for c in raw):
        value = 0
        for i in range(L.MAX_PACKED_SYMBOL):
            value = (value << 6) | (_CODE[chr(raw[i])] if i < len(raw) else 0)
        return value, True
    raise IdError("invalid_symbol", f"{text!r} is not 1-8 printable ASCII characters, nor 9-10 of {L.SYMBOL_ALPHABET!r}")


def _unpack_symbol(asset_id: int, packed: bool) -> Optional[str]:
    """The symbol an asset_id holds, or None when the bytes are not canonical (4.7)."""
    out = []
    ended = False
    if not packed:
        for c in asset_id.to_bytes(8, "big"):
            if c == 0:
                ended = True
            elif ended or c < 0x20 or c > 0x7E:
                return None
            else:
                out.append(chr(c))
        return "".join(out) or None
    if asset_id >> 60:
        return None
    for shift in range(54, -1, -6):
        code = (asset_id >> shift) & 0x3F
        if code == 0:
            ended = True
        elif ended or code > len(L.SYMBOL_ALPHABET):
            return None
        else:
            out.append(L.SYMBOL_ALPHABET[code - 1])
    return "".join(out) if len(out) > L.MAX_ASCII_SYMBOL else None


# Keccak-256 (the original padding, as EIP-55 uses it), for checking mixed-case addresses.
_RC = [0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000, 0x000000000000808B,
       0x0000000080000001, 0x8000000080008081, 0x8000000000008009, 0x000000000000008A, 0x0000000000000088,
       0x0000000080008009, 0x000000008000000A, 0x000000008000808B, 0x800000000000008B, 0x8000000000008089,
       0x8000000000008003, 0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
       0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008]
_ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]
_M64 = (1 << 64) - 1


def _keccak_f(a):
    for rc in _RC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & _M64) for x in range(5)]
        a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                r = _ROT[x][y]
                b[y][(2 * x + 3 * y) % 5] = ((a[x][y] << r) | (a[x][y] >> (64 - r))) & _M64 if r else a[x][y]
        a = [[b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y]) for y in range(5)] for x in range(5)]
        a[0][0] ^= rc
    return a


def keccak256(data: bytes) -> bytes:
    rate = 136
    padded = bytearray(data) + b"\x01" + bytes((-len(data) - 1) % rate)
    padded[-1] |= 0x80
    a = [[0] * 5 for _ in range(5)]
    for block in range(0, len(padded), rate):
        for i in range(rate // 8):
            a[i % 5][i // 5] ^= int.from_bytes(padded[block + 8 * i:block + 8 * i + 8], "little")
        a = _keccak_f(a)
    return b"".join(a[i % 5][i // 5].to_bytes(8, "little") for i in range(4))


def parse_address(text: str) -> bytes:
    """An EVM address: 0x + 40 hex digits; mixed case must carry a valid EIP-55 checksum."""
    if not isinstance(text, str) or len(text) != 42 or text[:2] not in ("0x", "0X"):
        raise IdError("invalid_address", f"{text!r} is not 0x followed by 40 hex digits")
    digits = text[2:]
    try:
        raw = bytes.fromhex(digits)
    except ValueError:
        raise IdError("invalid_address", f"{text!r} has a character that is not a hex digit") from None
    if digits != digits.lower() and digits != digits.upper():
        digest = keccak256(digits.lower().encode("ascii"))
        for i, c in enumerate(digits):
            nibble = (digest[i // 2] >> (4 if i % 2 == 0 else 0)) & 0xF
            if c.isalpha() and c.isupper() != (nibble >= 8):
                raise IdError("invalid_address", f"{text!r} fails its EIP-55 mixed-case checksum")
    return raw


class InstrumentId(NamedTuple):
    venue: int
    asset_type: int
    reserved: int
    asset_id: int

    # --- constructors -------------------------------------------------------------
    @classmethod
    def from_bytes(cls, raw) -> "InstrumentId":
        if len(raw) != 12:
            raise IdError("bad_length", f"an InstrumentId is 12 bytes, not {len(raw)}")
        return cls(*_STRUCT.unpack(bytes(raw)))

    @classmethod
    def symbol(cls, venue, asset_type, text: str) -> "InstrumentId":
        number = venue_number(venue)
        kind = _asset_type_number(asset_type)
        if kind & L.PACKED_SYMBOL or kind not in _SYMBOL_TYPES:
            raise IdError("unknown_asset_type", f"asset type {asset_type!r} does not hold a symbol")
        if not _venue_accepts_symbols(VENUES[number][1]):
            raise IdError("wrong_venue_kind", f"{VENUES[number][0]} is a {VENUES[number][1]}: symbols need an exchange or broker")
        value, packed = _pack_symbol(text)
        return cls(number, kind | (L.PACKED_SYMBOL if packed else 0), 0, value)

    @classmethod
    def stock(cls, venue, ticker: str) -> "InstrumentId":
        return cls.symbol(venue, "Stock", ticker)

    @classmethod
    def _address(cls, venue, asset_type: int, address) -> "InstrumentId":
        number = venue_number(venue)
        needed = "chain" if asset_type == TOKEN else "dex"
        if VENUES[number][1] != needed:
            raise IdError("wrong_venue_kind", f"{VENUES[number][0]} is a {VENUES[number][1]}, not a {needed}")
        raw = address if isinstance(address, (bytes, bytearray)) and len(address) == 20 else parse_address(address)
        return cls(number, asset_type, 0, int.from_bytes(raw[12:20], "big"))

    @classmethod
    def token(cls, chain, address) -> "InstrumentId":
        return cls._address(chain, TOKEN, address)

    @classmethod
    def token_on_chain(cls, chain_id: int, address) -> "InstrumentId":
        if chain_id not in _VENUE_BY_CHAIN:
            raise IdError("no_venue_for_chain", f"EVM chain {chain_id} has no venue")
        return cls.token(_VENUE_BY_CHAIN[chain_id], address)

    @classmethod
    def pool(cls, dex, address) -> "InstrumentId":
        return cls._address(dex, POOL, address)

    @classmethod
    def from_text(cls, text: str) -> "InstrumentId":
        parts = text.split(" ", 2)
        if len(parts) < 2:
            raise IdError("unknown_venue" if len(parts) < 1 else "unknown_asset_type", f"{text!r} is not '<venue> <type> <rest>'")
        if len(parts) < 3:
            raise IdError("unknown_asset_type", f"{text!r} is not '<venue> <type> <rest>'")
        number = venue_number(parts[0])
        kind = _asset_type_number(parts[1])
        if kind in _SYMBOL_TYPES:
            return cls.symbol(number, kind, parts[2])
        rest = parts[2]
        if len(rest) != 18 or rest[:2] not in ("0x", "0X"):
            raise IdError("invalid_address", f"{rest!r} is not 0x and 16 hex digits")
        try:
            value = int(rest[2:], 16)
        except ValueError:
            raise IdError("invalid_address", f"{rest!r} is not 0x and 16 hex digits") from None
        ident = cls(number, kind, 0, value)
        reason = ident.validate()
        if reason:
            raise IdError(reason, f"{text!r}")
        return ident

    @classmethod
    def coerce(cls, value) -> "InstrumentId":
        """An InstrumentId from what a caller may hold: itself, its text, 12 bytes, a dict or a tuple."""
        if isinstance(value, InstrumentId):
            return value
        if isinstance(value, str):
            return cls.from_text(value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return cls.from_bytes(value)
        if isinstance(value, dict):
            return cls(int(value["venue"]), int(value["asset_type"]), int(value.get("reserved", 0)), int(value["asset_id"]))
        if isinstance(value, np.void):
            return cls(int(value["venue"]), int(value["asset_type"]), int(value["reserved"]), int(value["asset_id"]))
        return cls(*(int(v) for v in value))

    # --- reading ------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        return _STRUCT.pack(self.venue, self.asset_type, self.reserved, self.asset_id)

    def validate(self) -> str:
        """'' for a canonical id (4.7), else the rejection name."""
        info = VENUES.get(self.venue)
        if info is None:
            return "unknown_venue"
        if self.reserved != 0:
            return "non_canonical_id"
        if _is_symbol_type(self.asset_type):
            if not _venue_accepts_symbols(info[1]):
                return "wrong_venue_kind"
            return "" if _unpack_symbol(self.asset_id, bool(self.asset_type & L.PACKED_SYMBOL)) else "non_canonical_id"
        if self.asset_type == TOKEN:
            return "" if info[1] == "chain" else "wrong_venue_kind"
        if self.asset_type == POOL:
            return "" if info[1] == "dex" else "wrong_venue_kind"
        return "unknown_asset_type"

    @property
    def venue_name(self) -> str:
        return VENUES[self.venue][0] if self.venue in VENUES else ""

    @property
    def asset_type_name(self) -> str:
        return ASSET_TYPES.get(self.asset_type & ~L.PACKED_SYMBOL, "") if _is_symbol_type(self.asset_type) \
            else ASSET_TYPES.get(self.asset_type, "")

    @property
    def symbol_text(self) -> Optional[str]:
        """The symbol of a symbol-keyed id, else None."""
        if not _is_symbol_type(self.asset_type):
            return None
        return _unpack_symbol(self.asset_id, bool(self.asset_type & L.PACKED_SYMBOL))

    def text(self) -> str:
        """The text form (4.6): 'NASDAQ Stock AAPL', 'Ethereum Token 0x2e9e...', or 'Unknown venue=...'."""
        hex_id = f"0x{self.asset_id:016x}"
        if self.validate():
            return f"Unknown venue={self.venue} asset_type={self.asset_type} asset_id={hex_id}"
        rest = self.symbol_text if _is_symbol_type(self.asset_type) else hex_id
        return f"{self.venue_name} {self.asset_type_name} {rest}"

    def __str__(self) -> str:
        return self.text()


INSTRUMENT_DTYPE = np.dtype({"names": ["venue", "asset_type", "reserved", "asset_id"],
                             "formats": ["<u2", "u1", "u1", "<u8"], "offsets": [0, 2, 3, 4], "itemsize": 12})


def texts(ids: np.ndarray) -> np.ndarray:
    """The text form of every id of a structured array (INSTRUMENT_DTYPE), as an object array.

    Each distinct id is decoded once: the cost is one numpy pass plus one Python call per distinct
    instrument, not per row.
    """
    flat = np.ascontiguousarray(ids).view(np.dtype("V12")).ravel()
    unique, inverse = np.unique(flat, return_inverse=True)
    names = np.array([InstrumentId.from_bytes(u.tobytes()).text() for u in unique], dtype=object)
    return names[inverse].reshape(ids.shape)
