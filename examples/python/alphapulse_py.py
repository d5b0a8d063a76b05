#!/usr/bin/env python3
"""A service in another language: alphapulse frames with the Python standard library alone.

Everything here comes from docs/PROTOCOL.md: the 32-byte header (section 2), the
checksum (section 3: zlib.crc32 over bytes 0..27 then 32..end), the Subscribe
frame a client sends its relay (section 5) and a few message layouts (section 6).

    python3 alphapulse_py.py listen /tmp/alphapulse/market_data.sock --types Trade,Quote --count 10
    python3 alphapulse_py.py alert /tmp/alphapulse/signals.sock "hello from Python"

`listen` prints each frame as one JSON line; `alert` publishes a StrategyAlert.
Import it to use the pieces: connect(), subscribe(), frames(), encode_frame().
"""
import argparse
import json
import socket
import struct
import sys
import time
import zlib

MAGIC = 0xDEADBEEF
HEADER = struct.Struct("<IBBBBIQQI")  # magic, type, version, source, flags, payload_size, sequence, timestamp, checksum
HEADER_SIZE = 32
MAX_PAYLOAD = 65536
PRICE_SCALE = 100_000_000

# Message type numbers (section 5).
TYPES = {
    "Trade": 1, "Quote": 2, "OrderBook": 3, "InstrumentDiscovered": 10, "PoolDiscovered": 11,
    "ArbitrageOpportunity": 20, "PositionUpdate": 21, "StrategyAlert": 22, "DeFiSignal": 37,
    "OrderRequest": 40, "OrderStatus": 41, "Fill": 42, "ExecutionReport": 45,
    "Heartbeat": 100, "Error": 102, "Subscribe": 104,
}
TYPE_NAMES = {number: name for name, number in TYPES.items()}
SOURCE_EXTERNAL = 100  # SourceType External: a service outside the built-in roles


def checksum(frame: bytes) -> int:
    """CRC-32 of header bytes 0..27, then 32..end (the checksum field is not covered)."""
    return zlib.crc32(frame[HEADER_SIZE:], zlib.crc32(frame[0:28]))


def encode_frame(message_type: int, payload: bytes, sequence: int, source: int = SOURCE_EXTERNAL,
                 timestamp: int = 0) -> bytes:
    """A whole frame: header (version 1) with payload_size and checksum filled in."""
    timestamp = timestamp or time.time_ns()
    header = HEADER.pack(MAGIC, message_type, 1, source, 0, len(payload), sequence, timestamp, 0)
    frame = header + payload
    return frame[:28] + struct.pack("<I", checksum(frame)) + frame[32:]


def subscribe_frame(type_names, sequence: int = 1) -> bytes:
    """Subscribe (104): bit t of a 32-byte mask selects type t; then flags u8 and 7 bytes of padding."""
    mask = bytearray(32)
    for name in type_names:
        number = TYPES[name]
        mask[number // 8] |= 1 << (number % 8)
    return encode_frame(TYPES["Subscribe"], bytes(mask) + bytes(8), sequence)


def decode_instrument(raw: bytes) -> dict:
    """InstrumentId (section 4): venue u16, asset_type u8, reserved u8, asset_id u64."""
    venue, asset_type, _reserved, asset_id = struct.unpack("<HBBQ", raw)
    out = {"venue": venue, "asset_type": asset_type, "asset_id": f"0x{asset_id:016x}"}
    if asset_type in (1, 4, 5, 6, 7, 8):  # a symbol of up to 8 ASCII characters, packed big-endian (4.3)
        text = asset_id.to_bytes(8, "big").split(b"\0", 1)[0]
        if text and all(0x20 <= c <= 0x7E for c in text):
            out["symbol"] = text.decode("ascii")
    return out


def fixed8(value: int) -> float:
    return value / PRICE_SCALE


def decode(frame: bytes) -> dict:
    """The header and, for a few types, the fields (offsets from docs/PROTOCOL.md section 6)."""
    magic, mtype, version, source, flags, payload_size, sequence, timestamp, crc = HEADER.unpack_from(frame)
    out = {"type": TYPE_NAMES.get(mtype, mtype), "source": source, "sequence": sequence,
           "timestamp": timestamp, "size": len(frame), "checksum_ok": crc == checksum(frame)}
    if mtype == TYPES["Trade"]:
        price, volume, side = struct.unpack_from("<qQB", frame, 44)
        out.update(instrument=decode_instrument(frame[32:44]), price=fixed8(price), volume=fixed8(volume), side=side)
    elif mtype == TYPES["Quote"]:
        bid, ask, bid_size, ask_size = struct.unpack_from("<qqQQ", frame, 44)
        out.update(instrument=decode_instrument(frame[32:44]), bid=fixed8(bid), ask=fixed8(ask),
                   bid_size=fixed8(bid_size), ask_size=fixed8(ask_size))
    elif mtype == TYPES["ArbitrageOpportunity"]:
        venue_a, venue_b, spread_bps, profit = struct.unpack_from("<HHIq", frame, 56)
        out.update(buy=decode_instrument(frame[32:44]), sell=decode_instrument(frame[44:56]), venue_a=venue_a,
                   venue_b=venue_b, spread_bps=spread_bps, estimated_profit=fixed8(profit))
    elif mtype == TYPES["DeFiSignal"]:
        strategy_id, signal_id = struct.unpack_from("<HQ", frame, 32)
        direction, confidence = frame[166], frame[167]
        tlv_length, = struct.unpack_from("<H", frame, 306)
        out.update(strategy_id=strategy_id, signal_id=signal_id, direction=direction, confidence=confidence,
                   tlv_types=list(tlv_types(frame[312:312 + tlv_length])))
    elif mtype in (TYPES["OrderRequest"],):
        client_order_id, = struct.unpack_from("<Q", frame, 32)
        side = frame[52]
        price, _stop, quantity = struct.unpack_from("<qqQ", frame, 56)
        out.update(client_order_id=client_order_id, instrument=decode_instrument(frame[40:52]), side=side,
                   price=fixed8(price), quantity=fixed8(quantity))
    elif mtype == TYPES["Fill"]:
        client_order_id, _venue_order, fill_id = struct.unpack_from("<QQQ", frame, 32)
        price, quantity = struct.unpack_from("<qQ", frame, 72)
        out.update(client_order_id=client_order_id, fill_id=fill_id, price=fixed8(price), quantity=fixed8(quantity))
    elif mtype == TYPES["StrategyAlert"]:
        out.update(strategy_id=struct.unpack_from("<H", frame, 32)[0], severity=frame[34],
                   message=frame[64:96].split(b"\0", 1)[0].decode("utf-8", "replace"))
    return out


def tlv_types(region: bytes):
    """TLV extensions (7.3): type u8, length u8, value; unknown types are skipped by length."""
    at = 0
    while at + 2 <= len(region):
        kind, length = region[at], region[at + 1]
        yield kind
        at += 2 + length


def connect(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    return sock


def frames(sock: socket.socket):
    """Whole frames from a stream: frames travel back to back (section 2)."""
    buffer = bytearray()
    while True:
        while len(buffer) >= HEADER_SIZE:
            magic, = struct.unpack_from("<I", buffer, 0)
            payload_size, = struct.unpack_from("<I", buffer, 8)
            if magic != MAGIC or payload_size > MAX_PAYLOAD:
                raise ValueError("stream out of sync (bad magic or payload_size): the relay would close us too")
            end = HEADER_SIZE + payload_size
            if len(buffer) < end:
                break
            yield bytes(buffer[:end])
            del buffer[:end]
        chunk = sock.recv(65536)
        if not chunk:
            return
        buffer.extend(chunk)


def strategy_alert(message: str, sequence: int) -> bytes:
    """StrategyAlert (22): strategy_id u16, severity u8 (1 Info), alert_code u8, instrument_id, value i64,
    threshold i64, message text[32] (UTF-8, zero-filled)."""
    text = message.encode("utf-8")[:32]
    payload = struct.pack("<HBB", 7, 1, 0) + bytes(12) + struct.pack("<qq", 0, 0) + text + bytes(32 - len(text))
    return encode_frame(TYPES["StrategyAlert"], payload, sequence)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    listen = commands.add_parser("listen", help="print a relay's frames as JSON lines")
    listen.add_argument("socket")
    listen.add_argument("--types", default="", help="comma-separated type names (default: all of the domain)")
    listen.add_argument("--count", type=int, default=0, help="stop after this many frames")
    listen.add_argument("--timeout", type=float, default=0, help="stop after this many seconds without a frame")
    alert = commands.add_parser("alert", help="publish one StrategyAlert to a signals relay")
    alert.add_argument("socket")
    alert.add_argument("message")
    args = parser.parse_args()

    sock = connect(args.socket)
    if args.command == "alert":
        # A pure producer: subscribe to nothing, so the relay never queues frames for us.
        sock.sendall(subscribe_frame([]) + strategy_alert(args.message, sequence=1))
        sock.close()
        return 0

    if args.types:
        sock.sendall(subscribe_frame(args.types.split(",")))
    if args.timeout:
        sock.settimeout(args.timeout)
    seen = 0
    try:
        for frame in frames(sock):
            print(json.dumps(decode(frame)), flush=True)
            seen += 1
            if args.count and seen >= args.count:
                break
    except socket.timeout:
        pass
    return 0 if not args.count or seen >= args.count else 1


if __name__ == "__main__":
    sys.exit(main())
