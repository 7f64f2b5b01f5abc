"""The days people type for a period they ask about, as YYYY-MM-DD: the claims sheet and the
Jobcentre Plus letter in chat, the claims sheet and the regional report on the command line,
and the report on the working group's page. One rule for all of them, so a period one of them
takes never breaks another.

A day in the first or the last year a date can hold (0001 or 9999) is refused as too far
off: what is made from a period reaches a little past its ends (the end of its last day in a
time zone ahead of UTC, the report's day either side, the tax year before a letter's last
day), and those years have no room for it. Each front-end words each problem its own way.
"""

from __future__ import annotations

from datetime import MAXYEAR, MINYEAR, date
from typing import Literal

Problem = Literal["unreadable", "far_off", "backwards"]


class DaysProblem(ValueError):
    """Days no period can be made of: `problem` says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self.problem: Problem = problem


def read_day(text: str | None) -> date:
    """The day `text` names (YYYY-MM-DD); DaysProblem if it names none, or one too far off."""
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        raise DaysProblem("unreadable") from None
    return _near_enough(day)


def period(start: date, end: date) -> tuple[date, date]:
    """From `start` to `end`, both included (either may be a default worked out from the
    other, such as the tax year's start); DaysProblem if either is too far off or `end` comes
    before `start`."""
    _near_enough(start)
    _near_enough(end)
    if end < start:
        raise DaysProblem("backwards")
    return start, end


def _near_enough(day: date) -> date:
    if not MINYEAR < day.year < MAXYEAR:
        raise DaysProblem("far_off")
    return day
