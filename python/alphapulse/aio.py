"""The live client for asyncio: the same relay protocol, counters and errors as Bus.

    async with await AsyncBus.connect("market_data", types=["Quote"]) as bus:
        async for batch in bus.batches():
            ...
        await bus.publish("StrategyAlert", message="hi")
"""
import asyncio
import os
import stat
import time
from typing import Optional

from .bus import BusError, FrameStream, RelayNotRunning, _types, batch_frames
from .config import Endpoint, endpoint
from .wire import subscribe_frame


class AsyncBus:
    """Bus for asyncio (see Bus for the arguments); create it with `await AsyncBus.connect(...)`."""

    def __init__(self, ep: Endpoint, subscription, verify: bool, timeout: float, reconnect: bool,
                 recv_bytes: int, source):
        self.endpoint, self.subscription = ep, subscription
        self.stream = FrameStream(verify=verify)
        self.timeout, self.reconnect, self.recv_bytes, self.source = timeout, reconnect, recv_bytes, source
        self._reader: Optional[asyncio.StreamReader] = None
        self._writer: Optional[asyncio.StreamWriter] = None

    @classmethod
    async def connect(cls, domain: str = "market_data", config: Optional[str] = None, *, name: str = "python",
                      path: Optional[str] = None, types=None, verify: bool = True, timeout: float = 10.0,
                      reconnect: bool = True, recv_bytes: int = 4 << 20, source=100) -> "AsyncBus":
        ep = Endpoint(domain, "unix_socket", path=str(path)) if path else endpoint(domain, config, name)
        bus = cls(ep, _types(types) if types is not None else ep.subscription, verify, timeout, reconnect,
                  recv_bytes, source)
        await bus._connect(first=True)
        return bus

    async def _connect(self, first: bool = False):
        ep = self.endpoint
        deadline = time.monotonic() + self.timeout
        delay = 0.02
        while True:
            try:
                if ep.transport == "unix_socket":
                    if os.path.exists(ep.path) and not stat.S_ISSOCK(os.stat(ep.path).st_mode):
                        raise RelayNotRunning(f"{ep.path} is not a socket: not a relay. Start one with `{ep.start_hint()}")
                    self._reader, self._writer = await asyncio.open_unix_connection(ep.path, limit=self.recv_bytes)
                else:
                    self._reader, self._writer = await asyncio.open_connection(ep.host, ep.port, limit=self.recv_bytes)
                if self.subscription is not None:
                    self._writer.write(subscribe_frame(self.subscription))
                    await self._writer.drain()
                self.stream.connected(first)
                return
            except RelayNotRunning:
                raise
            except OSError as e:
                if time.monotonic() + delay > deadline:
                    raise RelayNotRunning(ep.not_running(e.strerror or str(e), self.timeout)) from None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _broken(self, why: str):
        self._writer.close()
        if not self.reconnect:
            raise BusError(f"the {self.endpoint.domain} relay at {self.endpoint.describe()} closed the connection ({why})")
        await self._connect()

    async def subscribe(self, types):
        self.subscription = _types(types)
        await self._send(subscribe_frame(self.subscription))

    async def recv_batch(self, timeout: Optional[float] = None):
        """One read as a batch of arrays per type, or None after `timeout` seconds without data."""
        while True:
            try:
                data = await asyncio.wait_for(self._reader.read(self.recv_bytes), timeout)
            except asyncio.TimeoutError:
                return None
            except ConnectionError as e:
                await self._broken(str(e))
                continue
            if not data:
                await self._broken("end of stream")
                continue
            return self.stream.feed(data)

    async def batches(self, timeout: Optional[float] = None):
        while True:
            batch = await self.recv_batch(timeout)
            if batch is None:
                return
            if len(batch):
                yield batch

    async def frames(self, timeout: Optional[float] = None):
        async for batch in self.batches(timeout):
            for frame in batch_frames(batch):
                yield frame

    def __aiter__(self):
        return self.frames()

    async def publish(self, frame_or_type, **fields) -> bytes:
        frame = self.stream.outgoing(frame_or_type, fields, self.source)
        await self._send(frame)
        self.stream.counters["frames_published"] += 1
        return frame

    async def _send(self, data: bytes):
        try:
            self._writer.write(data)
            await self._writer.drain()
        except ConnectionError as e:
            await self._broken(str(e))
            self._writer.write(data)
            await self._writer.drain()

    @property
    def counters(self) -> dict:
        return dict(self.stream.counters)

    async def close(self):
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except ConnectionError:
                pass
            self._writer = None

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()
