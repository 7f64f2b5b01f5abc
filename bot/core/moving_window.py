"""Rate limits in memory: at most `amount` hits per key in any window of `seconds`.

The `limits` library reads the limits as people write them ("120/minute"), and Brewbot keeps
using it for that. Its in-memory storage, though, expires old hits with a timer thread that
goes through every key it holds every 10 ms while hits keep coming: with the 10,000
addresses a busy minute of the web pages brings, that thread alone took about 70% of a CPU
(1.4 s of CPU in 2 s of light traffic), and 50,000 took more than the whole of one, starving
the event loop every person waits on. It also kept an object, and a lock, for every hit and
key. Here each window is kept in order of its keys' last hits, so the keys whose hits have
all aged out are at its front and are dropped there, at the next hit: no thread, and a cost
that does not grow with the keys held.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol


class Limit(Protocol):
    """A limit as the `limits` library parses one ("5/minute", "20 per 15 minutes")."""

    amount: int

    def get_expiry(self) -> int: ...


class MovingWindows:
    """Hits per key, for any number of limits: a hit is let through if fewer than the
    limit's `amount` were let through for the same key in the limit's last `seconds`."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        # Per (amount, seconds): key -> the times of its latest hits (at most `amount`),
        # ordered from the key hit longest ago.
        self._windows: dict[tuple[int, int], OrderedDict[str, list[float]]] = {}

    def test(self, limit: Limit, key: str) -> bool:
        """Whether a hit for `key` would be let through now (nothing is counted)."""
        return self.wait(limit, key) == 0

    def hit(self, limit: Limit, key: str) -> bool:
        """Count a hit for `key` and return True, or return False if the limit is reached
        (a refused hit is not counted)."""
        now = self._now()
        window = self._window(limit, now)
        times = window.get(key)
        if _waiting(limit, times, now) > 0:
            return False
        if times is None:
            times = window[key] = []
        else:
            window.move_to_end(key)
        if len(times) == limit.amount:
            del times[0]
        times.append(now)
        return True

    def wait(self, limit: Limit, key: str) -> float:
        """Seconds until a hit for `key` would be let through: 0 if it would be now."""
        now = self._now()
        return _waiting(limit, self._window(limit, now).get(key), now)

    def keys_held(self) -> int:
        """How many keys are remembered, in every window."""
        return sum(len(window) for window in self._windows.values())

    def _window(self, limit: Limit, now: float) -> OrderedDict[str, list[float]]:
        """The limit's window, without the keys whose every hit is older than it."""
        seconds = limit.get_expiry()
        window = self._windows.setdefault((limit.amount, seconds), OrderedDict())
        aged = now - seconds
        while window:
            key, times = next(iter(window.items()))
            if times[-1] > aged:
                break
            del window[key]
        return window


def _waiting(limit: Limit, times: list[float] | None, now: float) -> float:
    """Seconds until a key with these latest hits may have another: 0 if now."""
    if limit.amount < 1:
        return float(limit.get_expiry())
    if times is None or len(times) < limit.amount:
        return 0.0
    return max(0.0, times[0] + limit.get_expiry() - now)
