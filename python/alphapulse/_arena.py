"""Output memory kept from one capture read to the next.

read_capture writes every frame it keeps into numpy arrays: about 1.2 GB for 10M frames of a
market-data mix. On the machine measured, fresh memory cost more than the copy into it: the Linux
kernel zeroes every page on its first touch (29% of the CPU samples of later reads of that file
were in clear_page_erms), and a VM that was given the pages back has to back them again. So when
a caller drops the arrays of a read, their mappings are not unmapped at once: they are kept by role
(a message type's column) and handed to the next read asking for that role, pages already in place.
Like jemalloc's dirty-page decay, a mapping no read takes again within keep_seconds (10 s by
default; ALPHAPULSE_CAPTURE_KEEP_SECONDS, 0 keeps none) is unmapped, and release() unmaps every
kept mapping now.

Each array handed out is a view of its own anonymous private mapping (MADV_HUGEPAGE, as numpy
does for arrays of 4 MiB and more), through a ctypes array that is the numpy array's base: when the
caller's last view goes, a finalizer gives the mapping back. Arrays are sized at an upper bound and
only the pages written are ever backed; settle() gives back the pages an earlier read wrote past
this read's end, so a read holds the memory its arrays use, as with numpy's own allocations.
"""
import ctypes
import mmap
import os
import threading
import time
import weakref
from typing import Dict, List, Optional, Tuple

import numpy as np

_HUGE = 2 << 20                       # a transparent huge page: large mappings are multiples of it
_HUGE_FROM = 4 << 20                  # from this size on, as numpy does; smaller ones have 4 KiB pages
_FLAGS = getattr(mmap, "MAP_PRIVATE", 0) | getattr(mmap, "MAP_ANONYMOUS", 0)


def _env_keep_seconds() -> float:
    text = os.environ.get("ALPHAPULSE_CAPTURE_KEEP_SECONDS", "10")
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise ImportError(f"ALPHAPULSE_CAPTURE_KEEP_SECONDS={text}: expected seconds (0 or more)")
    return value


def _up(n: int, to: int) -> int:
    return -(-n // to) * to


class Region:
    """One mapping: its size, the bytes of it written so far (backed), and when it was given back."""

    __slots__ = ("mm", "size", "grain", "touched", "freed_at")

    def __init__(self, size: int):
        huge = size >= _HUGE_FROM and hasattr(mmap, "MADV_HUGEPAGE")
        self.grain = _HUGE if huge else mmap.PAGESIZE
        self.size = _up(max(size, 1), self.grain)
        self.mm = mmap.mmap(-1, self.size, flags=_FLAGS)
        if huge:  # a small array on a huge page would hold 2 MiB for a few bytes
            self.mm.madvise(mmap.MADV_HUGEPAGE)
        self.touched = 0
        self.freed_at = 0.0

    def settle(self, used: int):
        """A read wrote the first `used` bytes: pages an earlier read wrote past them are given back."""
        end = _up(used, self.grain)
        if self.touched > end and hasattr(mmap, "MADV_DONTNEED"):
            self.mm.madvise(mmap.MADV_DONTNEED, end, self.touched - end)
            self.touched = end
        self.touched = max(self.touched, used)

    def close(self) -> bool:
        try:
            self.mm.close()
            return True
        except BufferError:  # an array's export not released yet (its finalizer runs first)
            return False


class Pool:
    """Mappings by role, lent out as numpy arrays and kept for keep_seconds once given back."""

    def __init__(self, keep_seconds: float):
        self.keep_seconds = keep_seconds
        self._free: Dict[object, List[Region]] = {}
        self._lock = threading.RLock()  # a finalizer may run (GC) in a thread that holds it
        self._timer: Optional[threading.Timer] = None
        self._timer_due = 0.0

    def take(self, role, dtype, count: int) -> Tuple[np.ndarray, Region]:
        """An array of `count` elements of `dtype` (contents undefined) and its mapping. Raises
        MemoryError when no mapping that large can be made."""
        dtype = np.dtype(dtype)
        need = max(count * dtype.itemsize, 1)
        region = self._reuse(role, need)
        if region is None:
            try:
                region = Region(need)
            except OSError as e:
                raise MemoryError(f"cannot map {need} bytes for a capture read: {e}") from None
        lease = (ctypes.c_char * region.size).from_buffer(region.mm)
        weakref.finalize(lease, self._give_back, role, region).atexit = False  # nothing to keep at exit
        return np.frombuffer(lease, dtype, count), region

    def _reuse(self, role, need: int) -> Optional[Region]:
        with self._lock:
            kept = self._free.get(role, [])
            for i, region in enumerate(kept):
                if region.size >= need:
                    return kept.pop(i)
        return None

    def _give_back(self, role, region: Region):
        """The finalizer of a lent mapping's last array (runs in whichever thread dropped it)."""
        if self.keep_seconds <= 0:
            return  # unmapped as soon as the array's export is released
        with self._lock:
            region.freed_at = time.monotonic()
            self._free.setdefault(role, []).append(region)
            self._schedule()

    def kept_bytes(self) -> int:
        """Bytes of the mappings kept (their backed pages)."""
        with self._lock:
            return sum(r.touched for kept in self._free.values() for r in kept)

    def expire(self, now: Optional[float] = None) -> int:
        """Unmaps the mappings kept for keep_seconds or more by `now`; returns how many."""
        now = time.monotonic() if now is None else now
        return self._drop(lambda r: now - r.freed_at >= self.keep_seconds)

    def release(self) -> int:
        """Unmaps every kept mapping now; returns how many."""
        return self._drop(lambda r: True)

    def _drop(self, due) -> int:
        with self._lock:
            gone = [r for kept in self._free.values() for r in kept if due(r)]
            for role in list(self._free):
                self._free[role] = [r for r in self._free[role] if r not in gone]
                if not self._free[role]:
                    del self._free[role]
        return sum(r.close() for r in gone)

    def _schedule(self):
        """Under the lock: a timer for the earliest expiry, unless one is due by then."""
        if not self._free:
            return
        due = min(r.freed_at for kept in self._free.values() for r in kept) + self.keep_seconds
        if self._timer is not None:
            if self._timer_due <= due:
                return
            self._timer.cancel()  # keep_seconds was lowered
        self._timer, self._timer_due = threading.Timer(max(due - time.monotonic(), 0.05), self._on_timer), due
        self._timer.daemon = True
        self._timer.start()

    def _on_timer(self):
        self.expire()
        with self._lock:
            if self._timer is threading.current_thread():  # not a timer replaced since
                self._timer = None
                self._schedule()

    def _after_fork(self):
        """In a forked child: the parent's timer thread is not there."""
        self._lock = threading.RLock()  # a finalizer may run (GC) in a thread that holds it
        self._timer = None
        with self._lock:
            self._schedule()


POOL = Pool(_env_keep_seconds())
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=POOL._after_fork)


def release() -> int:
    """Unmaps the output memory kept from earlier capture reads now (rather than after keep_seconds)."""
    return POOL.release()
