"""The community's rate for people's time, dated (issue 18): each rate is in force from its
day until the next one, so a change (April's, say) is set once, ahead of time if wished, and
never changes sessions already held. Every claim line (the sheet, the letter, the earnings
warnings) is priced at the rate in force on the session's day (bot/people/claims.py)."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError
from bot.core.typed import is_number
from bot.sessions.timeparse import format_day
from storage.models import Community, CommunityRate, id_of

# The rate of a community that never set one, as before rates were dated.
DEFAULT_PENCE = 2000
# The day the rate stored before rates were dated is in force from (migration 0013): before
# any session Brewbot could have held.
BEGINNING = date(2000, 1, 1)
MOST_PENCE = 100000
# How far from today a rate may be dated: back far enough to set a change agreed late, ahead
# far enough to set next April's now. A day outside is a typo (the year 1 re-priced every
# claim ever made; 9999 set a rate nobody would see in force), so it is refused.
YEARS_BACK = 1
YEARS_AHEAD = 2
# "3000", "3000 2027-04-06", "3000 from 2027-04-06" or "3000 from=2027-04-06".
_FROM = re.compile(r"^from\s*=?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Rates:
    """A community's rates, oldest first: (the first day in force, pence an hour)."""

    dated: tuple[tuple[date, int], ...]

    def on(self, day: date) -> int:
        """Pence an hour in force on `day`."""
        at = bisect_right([start for start, _ in self.dated], day)
        return self.dated[at - 1][1] if at else DEFAULT_PENCE


async def rates_of(tx: AsyncSession, community: Community) -> Rates:
    rows = (
        await tx.exec(
            select(CommunityRate)
            .where(CommunityRate.community_id == id_of(community))
            .order_by(col(CommunityRate.from_day))
        )
    ).all()
    return Rates(tuple((row.from_day, row.pence) for row in rows))


def parse_rate(value: str, today: date) -> tuple[int, date]:
    """`/brew settings hourly_rate_pence VALUE`: pence an hour, and from which day (today
    unless a day is given). Bad input is one sentence."""
    pence, _, rest = value.strip().partition(" ")
    if not is_number(pence) or not 0 <= int(pence) <= MOST_PENCE:
        raise CommandError("settings.bad_number", low=0, high=MOST_PENCE)
    day = _FROM.sub("", rest.strip())
    if not day:
        return int(pence), today
    try:
        start = date.fromisoformat(day)
    except ValueError:
        raise CommandError("claims.bad_date") from None
    earliest, latest = _years_on(today, -YEARS_BACK), _years_on(today, YEARS_AHEAD)
    if not earliest <= start <= latest:
        raise CommandError(
            "payments.rate_day_far_off",
            earliest=format_day(earliest),
            latest=format_day(latest),
            today=today.isoformat(),
        )
    return int(pence), start


def _years_on(day: date, years: int) -> date:
    """The same day `years` later (or earlier): 29 February becomes the 28th in other years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


async def set_rate(tx: AsyncSession, community: Community, pence: int, start: date) -> None:
    """The rate from `start` until the next dated rate; the same day again replaces it."""
    row = await tx.get(CommunityRate, (id_of(community), start))
    row = row or CommunityRate(community_id=id_of(community), from_day=start, pence=pence)
    row.pence = pence
    tx.add(row)
