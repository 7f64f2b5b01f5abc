"""The national earnings limits for people who get benefits, dated so an April change is one
edit of `earnings_limits.yaml` (its comments say what each limit is and where it was
checked), and which of them a person's pay for their time comes close to. Pure: the service
passes in what the person earned."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

from bot.core.yaml_data import DataFileError, load_data_file

PERIODS = ("week", "month")
# What a person may watch besides one limit's name.
WATCH_ALL, WATCH_NONE = "all", "none"


class LimitsError(DataFileError):
    """bot/people/earnings_limits.yaml cannot be used: one line saying where. Stops start-up."""


@dataclass(frozen=True)
class Limit:
    name: str
    pence: int
    per: str  # "week" or "month"
    # Not yet checked against the year's published rates: whoever reads it is told so.
    example: bool = False


@dataclass(frozen=True)
class Near:
    """A limit a person's earnings in one period come close to (or go over)."""

    limit: Limit
    start: date
    end: date
    earned_pence: int

    @property
    def over(self) -> bool:
        return self.earned_pence > self.limit.pence


@dataclass(frozen=True)
class EarningsLimits:
    warn_at_percent: int
    # (the first day the limits apply, the limits), oldest first.
    periods: tuple[tuple[date, tuple[Limit, ...]], ...]

    @classmethod
    def load(cls, text: str | None = None) -> EarningsLimits:
        """The shipped file (or `text`), checked: a mistake stops start-up with its place."""
        if text is None:
            text = resources.files("bot.people").joinpath("earnings_limits.yaml").read_text()
        data = load_data_file(text, "earnings_limits.yaml", LimitsError) or {}
        warn = data.get("warn_at_percent")
        if not isinstance(warn, int) or not 1 <= warn <= 100:
            raise LimitsError("earnings_limits.yaml: warn_at_percent must be 1 to 100")
        periods = [_period(entry) for entry in data.get("periods") or ()]
        starts = [start for start, _ in periods]
        if not periods or starts != sorted(set(starts)):
            raise LimitsError("earnings_limits.yaml: periods must be given oldest first")
        return cls(warn, tuple(periods))

    def names(self) -> tuple[str, ...]:
        """Every limit's name, in the file's order."""
        return tuple(dict.fromkeys(limit.name for _, limits in self.periods for limit in limits))

    def on(self, day: date) -> tuple[Limit, ...]:
        """The limits in force on `day` (none before the first period)."""
        found: tuple[Limit, ...] = ()
        for start, limits in self.periods:
            if start <= day:
                found = limits
        return found

    def near(self, watch: str, day: date, earnings: Iterable[tuple[date, int]]) -> list[Near]:
        """The watched limits that the earnings in the week and the month holding `day`
        reach `warn_at_percent` of. A period is measured against the limits in force on its
        last day, so a month that spans April's change uses the new figures."""
        if watch == WATCH_NONE:
            return []
        paid = list(earnings)
        found = []
        for per in PERIODS:
            start, end = period_of(per, day)
            earned = sum(pence for when, pence in paid if start <= when <= end)
            for limit in self.on(end):
                if limit.per != per or watch not in (WATCH_ALL, limit.name):
                    continue
                if earned * 100 >= limit.pence * self.warn_at_percent:
                    found.append(Near(limit, start, end, earned))
        return found


def period_of(per: str, day: date) -> tuple[date, date]:
    """The week (Monday to Sunday, as benefit weeks and April's changes run) or the calendar
    month holding `day`, first and last days."""
    if per == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def _period(entry: Any) -> tuple[date, tuple[Limit, ...]]:
    if not isinstance(entry, dict) or not isinstance(entry.get("from"), date):
        raise LimitsError("earnings_limits.yaml: each period needs `from: YYYY-MM-DD`")
    start = entry["from"]
    limits = entry.get("limits") or {}
    if not isinstance(limits, dict) or not limits:
        raise LimitsError(f"earnings_limits.yaml: the period from {start} has no limits")
    return start, tuple(_limit(start, name, value) for name, value in limits.items())


def _limit(start: date, name: object, value: Any) -> Limit:
    where = f"earnings_limits.yaml: {name} from {start}"
    if not isinstance(name, str) or name in (WATCH_ALL, WATCH_NONE) or not isinstance(value, dict):
        raise LimitsError(f"{where}: give a name and {{amount, per}}")
    try:
        pounds = Decimal(str(value.get("amount")))
    except InvalidOperation:
        raise LimitsError(f'{where}: the amount must be pounds like "195.50"') from None
    if not pounds.is_finite() or pounds <= 0 or value.get("per") not in PERIODS:
        raise LimitsError(f"{where}: a positive amount and per: week or month")
    return Limit(name, int(pounds * 100), value["per"], bool(value.get("example", False)))
