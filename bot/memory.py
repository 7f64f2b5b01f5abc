"""How a running bot keeps its memory: what it does once started (`settle_after_start_up`)
and, while it serves, the collector's slow work done when nothing is waiting (`settled`).

A burst of presses leaves objects in reference cycles that only Python's collector frees: the
Teams SDK, for one, builds a client and a context of about 140 such objects for every
activity. Those still in use when a young collection runs (under a burst, nearly all of them)
move to the oldest generation, which is collected only after a hundred young collections
with COLLECT_THRESHOLDS. So a burst's garbage stayed, and every burst added to it: the Teams
bot process grew from 170 to 580 MB over the bench's sixteen bursts. Collecting everything
on every few young collections instead (Python's own thresholds) kept it near 370 MB, but
spent 2-5 s of each 2,000-press burst in the collector, while people waited. `QuietCollector`
collects the oldest generation once the event loop has been free for a moment after young
collections moved something into it: the garbage goes between bursts, and no one waits for it
(the same bursts: 425 MB, and no full collection in the middle of one).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

# How many new objects the collector lets pile up before it looks for cycles among them,
# and how many of those looks before each older generation's. With Python's (700, 10, 10),
# 2,000 reflections sent at once took about 280 collections, 2-3 of them full; with these,
# 2-3 young ones (`brewbot bench`). A command's objects are nearly all freed by their
# reference counts, not by the collector, so memory barely changes (the bench's peaks).
COLLECT_THRESHOLDS = (50_000, 10, 10)

# glibc's malloc gives a freed block back to the system only if the block was above its
# "mmap threshold", and by default that threshold rises to the largest block freed so far
# (up to 32 MB). Loading the theme model makes and frees a 32 MB copy of its weights, so
# afterwards every block of up to 32 MB (a digest's arrays, a big query's rows) came from
# the heap and stayed with the process once freed. Kept at glibc's starting value, the
# bench's own process peaked at 286 MB instead of 314 (`brewbot bench`, phase by phase).
LARGE_BLOCK_BYTES = 128 * 1024
_M_MMAP_THRESHOLD = -3  # glibc's malloc.h

# How often the quiet collector looks at the loop, and how late its own wake-up may be for
# the loop to count as free then (a loop working through a burst wakes it tens of ms late).
QUIET_TICK_SECONDS = 0.25
QUIET_LAG_SECONDS = 0.01
# Free looks in a row before it collects: a gap between two presses is not the end of a
# burst.
QUIET_TICKS = 2


def settle_after_start_up() -> None:
    """Everything alive once the bot has started (modules, table mappings, texts, sparks)
    lives as long as the process. Python's full collections would scan it all again and
    again, pausing every command for tens of milliseconds in a burst (seen in `brewbot
    bench`); frozen, it is left out of them. What is made after that is looked at less
    often (COLLECT_THRESHOLDS), and large blocks go back to the system when freed."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*COLLECT_THRESHOLDS)
    _give_large_blocks_back()


@contextlib.asynccontextmanager
async def settled() -> AsyncIterator[QuietCollector]:
    """Settle the process (`settle_after_start_up`) and run a `QuietCollector` until the
    block ends: what every run path does before it serves, and the bench before it measures."""
    settle_after_start_up()
    collector = QuietCollector()
    task = asyncio.ensure_future(collector.run())
    try:
        yield collector
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@dataclass(kw_only=True)
class QuietCollector:
    """Collects the oldest generation when the event loop is free, if young collections have
    moved objects out of the youngest since the last full collection."""

    tick: float = QUIET_TICK_SECONDS
    lag: float = QUIET_LAG_SECONDS
    ticks: int = QUIET_TICKS
    collections: int = 0  # how many it made
    _free: int = field(default=0, repr=False)  # looks in a row that found the loop free

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(self.tick)
            self.look(late=loop.time() - asked - self.tick)

    def look(self, *, late: float) -> bool:
        """One look at the loop, whose wake-up came `late` seconds after it was due: collects
        if the loop has now been free `ticks` looks in a row and something was promoted.
        Returns whether it collected."""
        self._free = self._free + 1 if late <= self.lag else 0
        if self._free < self.ticks or not promoted():
            return False
        gc.collect()
        self.collections += 1
        self._free = 0
        return True


def promoted() -> bool:
    """Whether a young collection has run since the last full one: only then can the oldest
    generation hold something new. (`gc.get_count()`: the collections of each younger
    generation since each older one was last collected.)"""
    _, young, middle = gc.get_count()
    return young + middle > 0


def _give_large_blocks_back() -> None:
    """Keep glibc's mmap threshold at LARGE_BLOCK_BYTES for the life of the process (a
    fixed threshold no longer rises); nothing to do on any other C library."""
    if not _c_library().startswith("glibc"):  # musl, macOS: no such threshold
        return
    ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES)


def _c_library() -> str:
    """The C library's name and version ("glibc 2.36"), or "" where the system does not say."""
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError):  # a name the system does not know
        return ""
