"""The days people type for a period (bot/core/days.py): every day it takes can be worked with
by whatever is made of the period (a day either side, the end of a day in any time zone, the
tax year before it), and every other day is one reason why not."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.days import DaysProblem, period, read_day

# The time zones furthest ahead of UTC and behind it, and the default.
ZONES = [ZoneInfo(name) for name in ("Pacific/Kiritimati", "Etc/GMT+12", "Europe/London")]


def _problem(*args: object, reading: bool = True) -> str:
    with pytest.raises(DaysProblem) as refused:
        if reading:
            read_day(*args)  # type: ignore[arg-type]
        else:
            period(*args)  # type: ignore[arg-type]
    return refused.value.problem


@settings(max_examples=500, deadline=None)
@given(st.dates())
def test_a_day_is_taken_only_when_what_is_made_of_it_can_be(day):
    typed = day.isoformat()
    if day.year in (1, 9999):
        assert _problem(typed) == "far_off"
        return
    assert read_day(f" {typed} ") == day
    assert period(day, day) == (day, day)
    # What the claims sheet, the letter and the report work out from a day they were given.
    assert day - timedelta(days=1) < day + timedelta(days=2)
    assert date(day.year - 1, 4, 6) < date(day.year, 4, 6)
    for zone in ZONES:
        for edge in (day, day + timedelta(days=1)):
            datetime.combine(edge, time.min, zone).astimezone(UTC)


@settings(max_examples=200, deadline=None)
@given(st.dates(), st.dates())
def test_a_period_is_its_two_days_in_order_or_one_reason_why_not(first, last):
    if {first.year, last.year} & {1, 9999}:
        assert _problem(first, last, reading=False) == "far_off"
    elif last < first:
        assert _problem(first, last, reading=False) == "backwards"
    else:
        assert period(first, last) == (first, last)


@pytest.mark.parametrize(
    "typed", ["", None, "abc", "2026-02-30", "2026-13-01", "yesterday", "\x00", "9" * 5000]
)
def test_what_names_no_day_is_unreadable(typed):
    assert _problem(typed) == "unreadable"
