"""Once started, the bot leaves its start-up objects out of garbage collection and looks for
cycles among new objects less often than Python does by default (bot/runtime.py)."""

from __future__ import annotations

import subprocess
import sys

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
