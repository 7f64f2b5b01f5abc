"""Once started, the bot leaves its start-up objects out of garbage collection, looks for
cycles among new objects less often than Python does by default, gives large freed blocks
back to the system, and collects the oldest generation when nothing is waiting
(bot/memory.py)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import platform
import subprocess
import sys
import weakref
from collections.abc import Iterator

import pytest

from bot.memory import COLLECT_THRESHOLDS, QuietCollector


def test_settling_freezes_what_start_up_made_and_collects_less_often():
    # A process of its own: the collector's settings are the whole process's.
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc; from bot.memory import settle_after_start_up; "
            "settle_after_start_up(); print(gc.get_threshold(), gc.get_freeze_count() > 0)",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    assert shown == f"{COLLECT_THRESHOLDS} True"
    assert COLLECT_THRESHOLDS[0] > 700


# Run in a process of its own, as the allocator's settings are the whole process's. A 30 MB
# block freed first raises glibc's threshold to 30 MB; a 20 MB block made then, with small
# blocks after it so it is not at the heap's end, stays with the process once freed unless
# the threshold was fixed.
_KEPT_AFTER_FREE = """
import sys

import pytest
from bot.memory import settle_after_start_up
def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS:"))
if sys.argv[1] == "settled":
    settle_after_start_up()
first = bytearray(30 << 20)
del first
before = rss_mb()
block = bytearray(20 << 20)
after_it = [bytearray(600) for _ in range(100)]
del block
print(rss_mb() - before)
"""


@pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc" or not sys.platform.startswith("linux"),
    reason="glibc's mmap threshold, read through /proc",
)
def test_settling_gives_large_freed_blocks_back_to_the_system():
    def kept_mb(how: str) -> int:
        shown = subprocess.run(
            [sys.executable, "-c", _KEPT_AFTER_FREE, how],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return int(shown.stdout)

    assert kept_mb("as started") >= 15  # what the bot had before it settled this
    assert kept_mb("settled") < 5


class Knot:
    """Objects that only the collector can free: each refers to the other."""

    def __init__(self) -> None:
        self.other = Knot.__new__(Knot)
        self.other.other = self


@contextlib.contextmanager
def collector_left_to_us() -> Iterator[None]:
    """Python's own automatic collections off, so that only what the test does collects."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def knot_in_the_oldest_generation() -> asyncio.Event:
    """A knot that was in use when a young collection ran (as a press's objects are during a
    burst), so it moved to the oldest generation, then let go of; the event is set once it is
    freed."""
    freed = asyncio.Event()
    knot = Knot()
    weakref.finalize(knot, freed.set)
    gc.collect(1)  # the young generations: the knot survives, into the oldest
    del knot
    gc.collect(1)  # a young collection cannot free it now
    assert not freed.is_set()
    return freed


async def test_garbage_left_in_the_oldest_generation_goes_once_the_loop_is_free():
    with collector_left_to_us():
        freed = knot_in_the_oldest_generation()
        collector = QuietCollector(tick=0.01, lag=0.5)
        running = asyncio.ensure_future(collector.run())
        try:
            await asyncio.wait_for(freed.wait(), 10)
        finally:
            running.cancel()
    assert collector.collections >= 1


def test_nothing_is_collected_while_the_loop_is_busy():
    with collector_left_to_us():
        freed = knot_in_the_oldest_generation()
        collector = QuietCollector(lag=0.01, ticks=2)
        # A burst: every wake-up late, however long it lasts; then one free look is not
        # yet the end of it.
        assert not any(collector.look(late=0.05) for _ in range(100))
        assert not collector.look(late=0.0)
        assert not collector.look(late=0.05)
        assert not collector.look(late=0.0)
        assert not freed.is_set()
        # Two free looks in a row: the end of the burst.
        assert collector.look(late=0.0)
        assert freed.is_set() and collector.collections == 1


def test_with_nothing_new_in_the_oldest_generation_it_does_not_collect():
    with collector_left_to_us():
        gc.collect()
        collector = QuietCollector(ticks=2)
        assert not any(collector.look(late=0.0) for _ in range(10))
        gc.collect(0)  # a young collection: something may have moved on
        assert collector.look(late=0.0) and collector.collections == 1


def test_a_settled_process_runs_its_quiet_collector_until_the_block_ends():
    # A process of its own: settling freezes the whole process's objects.
    script = """
import asyncio
from bot.memory import settled

async def main():
    async with settled() as collector:
        pass
    print(sum(not task.done() for task in asyncio.all_tasks()) - 1, collector.collections)

asyncio.run(main())
"""
    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert shown.stdout.split() == ["0", "0"] and shown.stderr == ""
