"""Once started, the bot leaves its start-up objects out of garbage collection, looks for
cycles among new objects less often than Python does by default, and gives large freed
blocks back to the system (bot/runtime.py)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from bot.runtime import COLLECT_THRESHOLDS


def test_settling_freezes_what_start_up_made_and_collects_less_often():
    # A process of its own: the collector's settings are the whole process's.
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc; from bot.runtime import settle_after_start_up; "
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
from bot.runtime import settle_after_start_up
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
