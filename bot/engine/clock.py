"""Time for services and the scheduler. `FastClock` lets the demo run a day in seconds through
the real scheduler: services read virtual time, APScheduler waits in (shortened) real time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def to_real(self, virtual: datetime) -> datetime:
        """When, in real time, the scheduler should fire for a virtual instant."""
        return virtual


class FastClock(Clock):
    """Virtual time that runs `speed` times faster than real time, from `start`."""

    def __init__(self, start: datetime, speed: float) -> None:
        if start.tzinfo is None:
            raise ValueError("FastClock needs an aware start time")
        self._virtual_start = start
        self._real_start = datetime.now(UTC)
        self.speed = speed

    def now(self) -> datetime:
        elapsed = datetime.now(UTC) - self._real_start
        return self._virtual_start + elapsed * self.speed

    def set_speed(self, speed: float) -> None:
        """Change speed without a jump in virtual time. Rebuild the scheduler afterwards,
        since jobs already queued were timed at the old speed."""
        self._virtual_start, self._real_start = self.now(), datetime.now(UTC)
        self.speed = speed

    def skip_to(self, virtual: datetime) -> None:
        """Move virtual time on to `virtual` at once (never back), at the same speed from
        there. Rebuild the scheduler afterwards, since jobs already queued were timed before
        the skip."""
        if virtual > self.now():
            self._virtual_start, self._real_start = virtual, datetime.now(UTC)

    def to_real(self, virtual: datetime) -> datetime:
        return self._real_start + (virtual - self._virtual_start) / self.speed


class ManualClock(Clock):
    """A clock that only moves when told; for tests and for replaying a restart."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, when: datetime) -> None:
        self._now = when

    def to_real(self, virtual: datetime) -> datetime:
        # Due "now" fires now; due later fires that much later in real time.
        return datetime.now(UTC) + (virtual - self._now)
