"""A live client of one domain's relay (Unix socket or TCP), like libs/client's BusClient.

    with Bus("market_data") as bus:                    # /tmp/alphapulse/market_data.sock
        bus.subscribe(["Trade", "Quote"])
        for batch in bus.batches():                    # decoded arrays, one recv at a time
            print(batch["Quote"]["bid_price"])
        for frame in bus:                              # or one Frame at a time
            print(frame.name, frame.decode())
    bus = Bus("signals", config="deploy.yaml", name="strategy")   # the relay the file names
    bus.publish("StrategyAlert", severity="Info", message="hi")     # sequence and checksum filled in

It reconnects when the relay restarts (with back-off, sending its subscription again), counts
sequence gaps per source as the C++ client does (`counters`), and says what is wrong when there is
no relay: RelayNotRunning names the socket or address and the command that starts the relay.
"""
import errno
import os
import socket
import stat
import time
from typing import Iterator, List, Optional

import numpy as np

from .config import Endpoint, endpoint
from .wire import (HEADER_SIZE, DEFAULT_MAX_PAYLOAD, Frames, WireError, decode_frame, encode, frame_offsets,
                   group_frames, layout, subscribe_frame, type_name, _at, _u32_at)

RELAY_SOURCES = range(20, 24)  # MarketDataRelay .. SystemRelay: the relay's own Error frames
ERROR_TYPE = 102


class BusError(ConnectionError):
    """The bus cannot be used (the relay went away and did not come back, the stream broke)."""


class RelayNotRunning(BusError):
    """No relay where the deployment says: the message names the path or address and how to start it."""


class Frame:
    """One received frame: its type, header fields and bytes; decode() gives every field."""
    __slots__ = ("type", "source", "sequence", "timestamp", "data")

    def __init__(self, data: bytes, mtype: int, source: int, sequence: int, timestamp: int):
        self.data, self.type, self.source, self.sequence, self.timestamp = data, mtype, source, sequence, timestamp

    @property
    def name(self) -> str:
        return type_name(self.type)

    def decode(self) -> dict:
        return decode_frame(self.data, verify=False)

    def __repr__(self):
        return f"Frame({self.name}, source {self.source}, sequence {self.sequence}, {len(self.data)} bytes)"


class FrameStream:
    """The receiving side without I/O: bytes in, checked frames out, counters kept.

    feed(data) takes what a socket read gave and returns the whole frames it completes as a
    `Frames` batch (arrays per type, views of one copy of the bytes). Gap detection per source
    follows BusClient::track: a sequence above last + 1 is a gap, one at or below last a reset.
    """

    def __init__(self, verify: bool = True, max_payload: int = DEFAULT_MAX_PAYLOAD):
        self.verify = verify
        self.max_payload = max_payload
        self._rest = b""
        self._sequence = 0
        self._last = np.zeros(256, np.uint64)
        self.counters = {"frames_received": 0, "bytes_received": 0, "gaps": 0, "missed_frames": 0,
                         "sequence_resets": 0, "reconnects": 0, "relay_errors": 0, "refused": 0,
                         "frames_published": 0}
        self.relay_errors: List[dict] = []

    def outgoing(self, frame_or_type, fields: dict, source) -> bytes:
        """A frame to publish: bytes as they are, or encoded with the next sequence of this client."""
        if isinstance(frame_or_type, (bytes, bytearray, memoryview)):
            return bytes(frame_or_type)
        self._sequence += 1
        fields.setdefault("sequence", self._sequence)
        fields.setdefault("source", source)
        return encode(frame_or_type, **fields)

    def connected(self, first: bool):
        """A new connection: the partial frame of the old one is gone; a reconnect is counted."""
        self._rest = b""
        if not first:
            self.counters["reconnects"] += 1

    def feed(self, data) -> "Frames":
        buf = self._rest + bytes(data) if self._rest else bytes(data)
        u8 = np.frombuffer(buf, np.uint8)
        offsets, end, error = frame_offsets(u8, self.max_payload)
        if isinstance(error, WireError):
            raise BusError(f"the relay's stream is out of sync: {error}")
        self._rest = buf[end:]
        batch = group_frames(u8, offsets, verify=self.verify, errors="skip")
        batch.end = end
        batch.raw = buf
        self._track(u8, offsets)
        self.counters["frames_received"] += len(offsets)
        self.counters["bytes_received"] += end
        self.counters["refused"] += len(batch.skipped)
        return batch

    def _track(self, u8, offsets):
        if len(offsets) == 0:
            return
        sources = u8[offsets + 6]
        mtypes = u8[offsets + 4]
        relay = (mtypes == ERROR_TYPE) & (sources >= RELAY_SOURCES.start) & (sources < RELAY_SOURCES.stop)
        if relay.any():
            self.counters["relay_errors"] += int(relay.sum())
            for off in offsets[relay].tolist():
                size = HEADER_SIZE + int(_u32_at(u8, np.array([off + 8]))[0])
                self.relay_errors.append(decode_frame(u8[off:off + size].tobytes(), verify=False))
            del self.relay_errors[:-100]
        seq = _at(u8, offsets + 12, "<u8")
        for s in np.unique(sources[~relay]).tolist():
            mine = seq[(sources == s) & ~relay]
            prev = np.concatenate(([self._last[s]], mine[:-1]))
            known = prev != 0
            ahead = known & (mine > prev + np.uint64(1))
            self.counters["gaps"] += int(ahead.sum())
            self.counters["missed_frames"] += int((mine[ahead] - prev[ahead] - np.uint64(1)).sum())
            self.counters["sequence_resets"] += int((known & (mine <= prev)).sum())
            self._last[s] = mine[-1]


def _types(types) -> Optional[List[int]]:
    if types is None:
        return None
    return [t if isinstance(t, int) and t >= 200 else layout(t).type for t in types]


class Bus:
    """A connection to one domain's relay.

    domain: market_data, signals, execution or system. config: a deployment file (else the default
    deployment: <runtime_dir>/<domain>.sock). name: the client's name in the file's consumers:
    (its subscription). path / address ("host:port"): a relay given directly. types: subscribe to
    these at once (None: everything the relay carries, []: nothing, a pure producer). verify: check
    checksums of received frames (refused ones are counted, not delivered). timeout: seconds to wait
    for a relay that is not (yet) there, at start and after a disconnect, before RelayNotRunning.
    """

    def __init__(self, domain: str = "market_data", config: Optional[str] = None, *, name: str = "python",
                 path: Optional[str] = None, address: Optional[str] = None, types=None, verify: bool = True,
                 timeout: float = 10.0, reconnect: bool = True, recv_bytes: int = 4 << 20, source=100):
        if path is not None:
            self.endpoint = Endpoint(domain, "unix_socket", path=str(path))
        elif address is not None:
            host, _, port = address.rpartition(":")
            self.endpoint = Endpoint(domain, "tcp", host=host.strip("[]"), port=int(port))
        else:
            self.endpoint = endpoint(domain, config, name)
        self.subscription = _types(types) if types is not None else self.endpoint.subscription
        self.stream = FrameStream(verify=verify)
        self.timeout, self.reconnect, self.source = timeout, reconnect, source
        self._buf = bytearray(recv_bytes)
        self._sock: Optional[socket.socket] = None
        self._connect(first=True)

    # --- connection ----------------------------------------------------------------------------
    def _try_connect(self) -> socket.socket:
        ep = self.endpoint
        if ep.transport == "unix_socket":
            try:
                mode = os.stat(ep.path).st_mode
            except FileNotFoundError:
                raise FileNotFoundError(errno.ENOENT, "no such socket") from None
            if not stat.S_ISSOCK(mode):
                raise RelayNotRunning(f"{ep.path} is not a socket (a {'directory' if stat.S_ISDIR(mode) else 'regular file'}):"
                                      f" not a relay. Start one with `{ep.start_hint()}")
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target = ep.path
        else:
            sock = socket.socket(socket.AF_INET6 if ":" in ep.host else socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            target = (ep.host, ep.port)
        try:
            sock.connect(target)
        except OSError:
            sock.close()
            raise
        if self.subscription is not None:
            sock.sendall(subscribe_frame(self.subscription))
        return sock

    def _connect(self, first: bool = False):
        deadline = time.monotonic() + self.timeout
        delay = 0.02
        while True:
            try:
                self._sock = self._try_connect()
                self.stream.connected(first)
                return
            except RelayNotRunning:
                raise
            except PermissionError as e:
                raise RelayNotRunning(f"{self.endpoint.describe()}: permission denied ({e.strerror}); the relay's "
                                      f"allowed_uids/allowed_gids or socket_mode decide who may connect") from None
            except OSError as e:
                why = e.strerror or str(e)
                if time.monotonic() + delay > deadline:
                    raise RelayNotRunning(self.endpoint.not_running(why, self.timeout)) from None
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    def _broken(self, why: str):
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if not self.reconnect:
            raise BusError(f"the {self.endpoint.domain} relay at {self.endpoint.describe()} closed the connection ({why})")
        self._connect()

    def subscribe(self, types):
        """Receive only these types from now on (names or numbers); [] = nothing. Kept for reconnects."""
        self.subscription = _types(types)
        self._send(subscribe_frame(self.subscription))

    # --- receiving -----------------------------------------------------------------------------
    def recv_batch(self, timeout: Optional[float] = None):
        """One read from the socket as a batch (`Frames`: arrays per type), or None after `timeout`
        seconds without data. Survives relay restarts when reconnect=True."""
        while True:
            self._sock.settimeout(timeout)
            try:
                n = self._sock.recv_into(self._buf)
            except socket.timeout:
                return None
            except (ConnectionResetError, BrokenPipeError) as e:
                self._broken(e.strerror or "reset")
                continue
            if n == 0:
                self._broken("end of stream")
                continue
            return self.stream.feed(memoryview(self._buf)[:n])

    def batches(self, timeout: Optional[float] = None) -> Iterator:
        """Batches until `timeout` seconds pass without data (None: forever)."""
        while True:
            batch = self.recv_batch(timeout)
            if batch is None:
                return
            if len(batch):
                yield batch

    def frames(self, timeout: Optional[float] = None) -> Iterator[Frame]:
        """Frame objects one by one (a Python object per frame: use batches() for speed)."""
        for batch in self.batches(timeout):
            yield from batch_frames(batch)

    def __iter__(self):
        return self.frames()

    # --- publishing ----------------------------------------------------------------------------
    def publish(self, frame_or_type, **fields) -> bytes:
        """Sends a whole frame (bytes), or encodes one: publish("Trade", price=..., ...) with this
        client's next sequence and its source. Returns the frame sent."""
        frame = self.stream.outgoing(frame_or_type, fields, self.source)
        self._send(frame)
        self.stream.counters["frames_published"] += 1
        return frame

    def _send(self, data: bytes):
        try:
            self._sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            self._broken(e.strerror or "broken pipe")
            self._sock.sendall(data)

    @property
    def counters(self) -> dict:
        return dict(self.stream.counters)

    def close(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def batch_frames(batch) -> List[Frame]:
    """The frames of a batch that were not refused, in arrival order, as Frame objects."""
    data = batch.raw
    refused = {off for off, _why in batch.skipped}
    offs = batch.offsets.tolist()
    out = []
    for o, e in zip(offs, offs[1:] + [batch.end]):
        if o in refused:
            continue
        out.append(Frame(data[o:e], data[o + 4], data[o + 6], int.from_bytes(data[o + 12:o + 20], "little"),
                         int.from_bytes(data[o + 20:o + 28], "little")))
    return out
