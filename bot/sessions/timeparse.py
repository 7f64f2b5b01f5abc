"""Turning what a facilitator types into session times, and showing times back to people.

Everything here works in the community's local wall-clock time first ("2pm in London"), and only
then becomes UTC for storage. Doing it in that order is what keeps a 2pm session at 2pm on both
sides of a clock change, and lets us refuse local times that do not exist or happen twice.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from itertools import islice
from typing import Literal
from zoneinfo import ZoneInfo

from dateparser.date import DateData, DateDataParser
from dateutil.relativedelta import relativedelta
from dateutil.rrule import FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, rrule, weekday

from bot.core.commands import CommandError
from bot.core.typed import other_digits

# Refusals below are keys in prompts/strings/time.yaml.
MAX_TEXT = 100  # longer than any real time phrase; keeps dateparser's work bounded
MIN_LEAD = timedelta(minutes=1)
MAX_AHEAD = relativedelta(years=2)
MAX_WEEKS_APART = 8  # 12 occurrences 8 weeks apart still fall inside the two-year limit
MAX_COUNT = 12
# A repeat at a time the clocks skip or pass twice: the single booking's refusal, for a series.
_SERIES_REFUSALS = {
    "time.nonexistent": "time.series_nonexistent",
    "time.ambiguous": "time.series_ambiguous",
}

_DATEPARSER_SETTINGS: dict[str, object] = {
    "PREFER_DATES_FROM": "future",
    "DATE_ORDER": "DMY",  # UK order: 1/12 is the first of December
    # Left at dateparser's default: aware only when the words name a zone, which is how a
    # zone name ("2pm EST") is noticed rather than dropped (see _from_words).
    "RETURN_TIME_AS_PERIOD": True,  # tells us whether a clock time was actually given
    # Leave out the Unix-timestamp parsers: "1700000000" is a typo, not a date.
    "PARSERS": ["relative-time", "custom-formats", "absolute-time", "no-spaces-time"],
}

_WEEKDAYS: dict[str, int] = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "weds": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
_WEEKDAY_WORD = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))

_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[ T](?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?)?"
    r"\s*(?P<tz>Z|UTC|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
# An explicit offset after natural words: "1 Dec 2pm UTC", "Friday 2pm +01:00", "2pm UTC+1".
# GMT and BST on their own are left as the community's local time on purpose: in the UK people
# say "GMT" all year round to mean "UK time", so honouring it literally would move a summer
# session by an hour.
_TRAILING_OFFSET = re.compile(
    r"\s+(?:(?:utc|gmt)\s*(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?"
    r"|(?P<sign2>[+-])(?P<h2>\d{2}):?(?P<m2>\d{2})"
    r"|(?P<utc>utc))$"
    # "14:00+05:00", the offset written straight after the clock.
    r"|(?<=\d)(?P<sign3>[+-])(?P<h3>\d{2}):?(?P<m3>\d{2})$",
    re.IGNORECASE,
)
# The names people give UK time: read as the community's own time (see above). Any other
# zone name dateparser knows ("EST", "CET", "IST") is refused: they are ambiguous (IST is
# India's, Ireland's or Israel's) and dropping them put sessions hours out.
_UK_TIME = re.compile(r"\b(?:gmt|bst)\b", re.IGNORECASE)
# A clock written the continental way, "14h" or "14h30", unless it is "in 3h": dateparser
# reads "tomorrow 14h" as 14 hours after the clock time now.
_H_CLOCK = re.compile(r"(?<!\bin )\b(?P<h>\d{1,2})h(?P<m>\d{2})?\b", re.IGNORECASE)
# A number of hours or minutes. Only "in 2 hours" means a time; with a day ("tomorrow 3
# hours", "tomorrow 2pm + 1 hour") dateparser adds them to the clock time now, or drops them.
_DURATION = re.compile(r"\d\s*(?:h|hrs?|hours?|m|mins?|minutes?)\b", re.IGNORECASE)
_ONLY_A_DURATION = re.compile(
    r"in(?:,?\s*(?:and\s+)?\d+\s*(?:h|hrs?|hours?|m|mins?|minutes?))+", re.IGNORECASE
)
# A date in numbers, day first: "15/3", "15/3/2027" (a clock's "1.30" is not one).
_NUMERIC_DATE = re.compile(r"(?<![\d/])\d{1,2}/(?P<month>\d{1,2})(?:/(?:\d{4}|\d{2}))?(?![\d/])")
_CLOCK = re.compile(
    r"(?:(?P<h12>\d{1,2})(?:[:.](?P<m12>\d{2}))?\s*(?P<ampm>[ap])\.?m\.?"
    r"|(?P<h24>\d{1,2})[:.](?P<m24>\d{2})"
    r"|(?P<noon>noon|midday)"
    r"|(?P<midnight>midnight))",
    re.IGNORECASE,
)
_AT = r"(?:\s*,?\s*(?:at\s+|@\s*)?)"
# Weekday phrases are worked out here rather than by dateparser, which treats "next Tuesday"
# said on a Tuesday morning the same as "Tuesday" and cannot read "Tuesday week".
_WEEKDAY_FIRST = re.compile(
    rf"(?:on\s+)?(?:(?P<lead>this coming|this|coming|next week|next|a week on)\s+)?"
    rf"(?P<day>{_WEEKDAY_WORD})\.?(?:\s+(?P<trail>next week|week))?"
    rf"(?:{_AT}(?P<rest>.+))?",
    re.IGNORECASE,
)
_CLOCK_FIRST = re.compile(
    rf"(?P<rest>.+?)\s*,?\s+(?:on\s+)?(?:(?P<lead>this coming|this|coming|next)\s+)?"
    rf"(?P<day>{_WEEKDAY_WORD})\.?(?:\s+(?P<trail>next week|week))?",
    re.IGNORECASE,
)
_NAMED_WEEKDAY = re.compile(rf"\b(?P<day>{_WEEKDAY_WORD})\b\.?", re.IGNORECASE)


# -- public API -------------------------------------------------------------------------------


def parse_when(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """The moment a facilitator meant by `text`, read as wall-clock time in `zone`, in UTC.

    `now` must be timezone-aware. Raises CommandError (a key in prompts/strings/time.yaml)
    for anything that cannot safely become a session time.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cleaned = " ".join((text or "").split())
    if other_digits(cleaned):
        raise CommandError("errors.other_digits")
    if not cleaned or len(cleaned) > MAX_TEXT:
        raise CommandError("time.not_understood")

    iso = _ISO.fullmatch(cleaned)
    if iso:
        local, wall = _from_iso(iso, zone)
    else:
        local, wall = _from_words(cleaned, zone, now)

    # Sessions start on the minute; seconds only come from phrases like "in 2 hours".
    local = local.replace(second=0, microsecond=0)
    when = _attach(local, wall)
    if when - now.astimezone(UTC) < MIN_LEAD:
        raise CommandError("time.past", when=format_local(when, zone))
    if when > now.astimezone(UTC) + MAX_AHEAD:
        raise CommandError("time.too_far", when=format_local(when, zone))
    return when


def parse_date(text: str, zone: ZoneInfo, now: datetime) -> date:
    """The day a facilitator meant by `text` ("15 March", "next Friday", "in 2 weeks",
    "2027-03-15"), in `zone`'s calendar: a day by which something is due, say. A clock time
    given with it is let go. Today is allowed; days gone, days more than two years away and
    spans ("next week", "March") are refused with a CommandError.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cleaned = " ".join((text or "").split())
    if other_digits(cleaned):
        raise CommandError("errors.other_digits")
    if not cleaned or len(cleaned) > MAX_TEXT:
        raise CommandError("time.date_not_understood")
    base = now.astimezone(zone).replace(tzinfo=None)
    iso = _ISO.fullmatch(cleaned)
    if iso:
        try:
            day = date(int(iso["y"]), int(iso["mo"]), int(iso["d"]))
        except ValueError:
            raise CommandError("time.date_not_understood") from None
    else:
        day = _date_from_words(cleaned, base)
    today = base.date()
    if day < today:
        raise CommandError("time.date_past", day=format_date(day))
    if day > today + MAX_AHEAD:
        raise CommandError("time.date_too_far", day=format_date(day))
    return day


def format_date(day: date) -> str:
    """A day as people read it: "Monday 15 March 2027"."""
    return f"{day:%A} {format_day(day)}"


def format_day(day: date) -> str:
    """A day without its weekday, as people write a date: "15 March 2027"."""
    return f"{day.day} {day:%B %Y}"


def format_local(when: datetime, zone: ZoneInfo) -> str:
    """`when` as people in `zone` read it: "Tuesday 1 December 2026, 2:00pm"."""
    if when.tzinfo is None:
        raise ValueError("format_local needs a timezone-aware datetime")
    local = when.astimezone(zone)
    return f"{format_date(local)}, {_clock(local.time())}"


def parse_recurrence(text: str, first: datetime, zone: ZoneInfo, count: int = 6) -> list[datetime]:
    """Up to `count` (1 to 12) session times in UTC following the pattern in `text`.

    The list starts with `first`, except for day-of-week patterns ("first Tuesday of the
    month", "every Friday") where `first` does not fit: then it starts on the next day that
    does, at `first`'s local clock time. Every occurrence keeps the same local clock time,
    whatever the clocks do. An occurrence at a time the clocks skip (spring forward) or pass
    twice (autumn) is refused, as a single booking at that time would be: the facilitator
    chooses another time rather than finding a session missing or an hour out.
    """
    if first.tzinfo is None:
        raise ValueError("first must be timezone-aware")
    count = max(1, min(MAX_COUNT, count))
    if other_digits(text or ""):
        raise CommandError("errors.other_digits")
    pattern = _recurrence_pattern(text)
    first_local = first.astimezone(zone)
    start = first_local.replace(tzinfo=None)
    bymonthday, bysetpos = None, None
    if pattern.freq == MONTHLY and pattern.byweekday is None:
        bymonthday, bysetpos = _monthly_same_day(start.day)
    # The rule runs on local naive times, so the clock time stays put across DST changes.
    rule = rrule(
        pattern.freq,
        dtstart=start,
        interval=pattern.interval,
        byweekday=pattern.byweekday,
        bymonthday=bymonthday,
        bysetpos=bysetpos,
    )
    times: list[datetime] = []
    for local in islice(rule, count):
        if local == start:
            times.append(first.astimezone(UTC))  # keeps `first`'s fold exactly as given
            continue
        try:
            times.append(_attach(local, zone))
        except CommandError as exc:
            # The same refusal as a single booking, saying it is one of the repeats.
            raise CommandError(_SERIES_REFUSALS[exc.key], **exc.values) from None
    return times


# -- reading one time -------------------------------------------------------------------------


def _from_iso(match: re.Match[str], zone: ZoneInfo) -> tuple[datetime, tzinfo]:
    if match["h"] is None:
        try:
            date(int(match["y"]), int(match["mo"]), int(match["d"]))
        except ValueError:
            raise CommandError("time.not_understood") from None
        raise CommandError("time.no_time")
    try:
        local = datetime(
            int(match["y"]),
            int(match["mo"]),
            int(match["d"]),
            int(match["h"]),
            int(match["mi"]),
            int(match["s"] or 0),
        )
    except ValueError:
        raise CommandError("time.not_understood") from None
    offset = match["tz"]
    if offset is None:
        return local, zone
    if offset.upper() in ("Z", "UTC"):
        return local, UTC
    digits = offset[1:].replace(":", "")
    return local, _fixed(offset[0], int(digits[:2]), int(digits[2:]))


def _from_words(text: str, zone: ZoneInfo, now: datetime) -> tuple[datetime, tzinfo]:
    wall: tzinfo = zone
    offset = _TRAILING_OFFSET.search(text)
    if offset:
        if offset["utc"]:
            wall = UTC
        elif offset["sign"]:
            wall = _fixed(offset["sign"], int(offset["h"]), int(offset["m"] or 0))
        elif offset["sign2"]:
            wall = _fixed(offset["sign2"], int(offset["h2"]), int(offset["m2"]))
        else:
            wall = _fixed(offset["sign3"], int(offset["h3"]), int(offset["m3"]))
        text = text[: offset.start()].strip()
        if not text:
            raise CommandError("time.not_understood")
    text = _H_CLOCK.sub(lambda m: f"{m['h']}:{m['m'] or '00'}", text)
    if _DURATION.search(text) and not _ONLY_A_DURATION.fullmatch(text):
        raise CommandError("time.not_understood")
    base = now.astimezone(wall).replace(tzinfo=None)

    by_weekday = _weekday_phrase(text, base)
    if by_weekday is not None:
        return by_weekday, wall

    data = _dateparser(text, base)
    if data.date_obj is None:
        raise CommandError("time.not_understood")
    if data.date_obj.tzinfo is not None and not _UK_TIME.search(text):
        raise CommandError("time.zone_named", zone=zone.key)
    if data.period != "time":
        # A day, week or "afternoon" with no clock time: dateparser would quietly fill in
        # midnight or the current time, which is never what a facilitator meant.
        raise CommandError("time.no_time")
    local = data.date_obj.replace(tzinfo=None)
    _check_named_weekday(text, local)
    return local, wall


# What a day typed in words has at least one of: a month or weekday name, a word for a day
# or a span ("today", "in 2 weeks"), or a day and month in figures ("15/3"). dateparser
# reads a date into almost anything ("0" as 1900, "t99999" as 1999), so text without any
# of these is not read as a day at all.
_DAY_WORDS = re.compile(
    r"(?<![^\W\d_])(?:today|tomorrow|tonight|yesterday|days?|weeks?|fortnight|months?|years?"
    r"|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april"
    r"|june|july|august|september|october|november|december"
    r"|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?![^\W\d_])"
    r"|\d{1,2}(?:st|nd|rd|th)?\s*[/.\- ]\s*\d{1,2}",
    re.IGNORECASE,
)


def _dateparser(text: str, base: datetime) -> DateData:
    """dateparser's reading of `text` from `base`, once a date written in numbers has been
    checked to be day first (UK order: `_NUMERIC_DATE`)."""
    for numbers in _NUMERIC_DATE.finditer(text):
        if int(numbers["month"]) > 12:
            # "3/15": dateparser would make 15 a year (3 December 2115), and "3/15/2027" would
            # be read month first though "3/4/2027" is 3 April.
            raise CommandError("time.day_first", written=numbers.group())
    settings = dict(_DATEPARSER_SETTINGS, RELATIVE_BASE=base)
    with warnings.catch_warnings():
        # dateparser warns about its own use of deprecated stdlib calls; not ours to fix.
        warnings.simplefilter("ignore")
        return DateDataParser(languages=["en"], settings=settings).get_date_data(text)


def _date_from_words(text: str, base: datetime) -> date:
    if not text.isprintable() or _DAY_WORDS.search(text) is None:
        raise CommandError("time.date_not_understood")
    weekday = _WEEKDAY_FIRST.fullmatch(text)
    if weekday is not None and weekday["rest"] is None:
        # "next Friday", "Friday week": read as a time at the day's last minute, so that the
        # name of today means today.
        found = _weekday_phrase(f"{text} 23:59", base)
        if found is not None:
            return found.date()
    data = _dateparser(text, base)
    if data.date_obj is None:
        raise CommandError("time.date_not_understood")
    # "in 2 weeks" is one day; "next week" or "March" is a span, and picking a day in it
    # would be a guess.
    if data.period not in ("day", "time") and not (
        data.period == "week" and text.lower().startswith("in ")
    ):
        raise CommandError("time.date_vague")
    local = data.date_obj.replace(tzinfo=None)
    _check_named_weekday(text, local)
    return local.date()


def _weekday_phrase(text: str, base: datetime) -> datetime | None:
    """ "next Tuesday 2pm", "2pm on Friday", "Tuesday week at 10:30" -> local time, else None."""
    match = _WEEKDAY_FIRST.fullmatch(text) or _CLOCK_FIRST.fullmatch(text)
    if match is None:
        return None
    rest = match["rest"]
    if rest is None:
        raise CommandError("time.no_time")
    clock = _parse_clock(rest)
    if clock is None:
        return None  # e.g. "Tuesday 1 December 2pm": a full date, which dateparser reads
    target = _WEEKDAYS[match["day"].lower()]
    today = base.date()
    lead = (match["lead"] or "").lower()
    trail = (match["trail"] or "").lower()
    if "next week" in (lead, trail):
        # "Tuesday next week": the Tuesday of the next Monday-to-Sunday week.
        day = today - timedelta(days=today.weekday()) + timedelta(days=7 + target)
    else:
        ahead = (target - today.weekday()) % 7
        if lead == "next" or (ahead == 0 and datetime.combine(today, clock) <= base):
            # "next Tuesday" said on a Tuesday means a week today, never later today.
            ahead = ahead or 7
        day = today + timedelta(days=ahead)
        if trail == "week" or lead == "a week on":
            day += timedelta(days=7)  # British "Tuesday week": a week after the coming Tuesday
    return datetime.combine(day, clock)


def _parse_clock(text: str) -> time | None:
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        return None
    if match["noon"]:
        return time(12, 0)
    if match["midnight"]:
        return time(0, 0)
    if match["ampm"]:
        hour, minute = int(match["h12"]), int(match["m12"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise CommandError("time.not_understood")
        hour = hour % 12 + (12 if match["ampm"].lower() == "p" else 0)
        return time(hour, minute)
    hour, minute = int(match["h24"]), int(match["m24"])
    if hour > 23 or minute > 59:
        raise CommandError("time.not_understood")
    return time(hour, minute)


def _check_named_weekday(text: str, local: datetime) -> None:
    # "Monday 1 December 2026" when the 1st is a Tuesday: one of the two is a slip, and
    # guessing which would put a session on the wrong day.
    named = [m["day"].lower() for m in _NAMED_WEEKDAY.finditer(text)]
    if named and local.weekday() not in {_WEEKDAYS[name] for name in named}:
        raise CommandError(
            "time.weekday_mismatch",
            date=format_day(local),
            weekday=f"{local:%A}",
            written=named[0].capitalize(),
        )


def _attach(local: datetime, wall: tzinfo) -> datetime:
    """Local wall time -> UTC, refusing times the clocks skip over or pass through twice."""
    if isinstance(wall, ZoneInfo):
        if _in_gap(local, wall):
            raise CommandError("time.nonexistent", **_day_and_clock(local))
        earlier = local.replace(tzinfo=wall, fold=0).utcoffset()
        later = local.replace(tzinfo=wall, fold=1).utcoffset()
        if earlier != later:
            raise CommandError("time.ambiguous", **_day_and_clock(local))
    return local.replace(tzinfo=wall).astimezone(UTC)


def _in_gap(local: datetime, zone: ZoneInfo) -> bool:
    # A time in the spring-forward gap does not survive a round trip through UTC.
    aware = local.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local


def _day_and_clock(local: datetime) -> dict[str, str]:
    return {"day": format_date(local), "clock": _clock(local.time())}


def _clock(moment: time) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d}{'am' if moment.hour < 12 else 'pm'}"


def _fixed(sign: str, hours: int, minutes: int) -> timezone:
    if hours > 14 or minutes > 59:
        raise CommandError("time.not_understood")
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if sign == "-" else delta)


# -- recurrence -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pattern:
    freq: Literal[1, 2]  # dateutil's MONTHLY or WEEKLY
    interval: int = 1
    byweekday: weekday | None = None


_RRULE_DAYS = (MO, TU, WE, TH, FR, SA, SU)
_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "last": -1,
}
_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "other": 2,
}
_ORDINAL_WORD = "|".join(_ORDINALS)
_NUMBER_WORD = r"\d+|" + "|".join(_NUMBERS)
_EVERY = r"(?:every|each)"

_WEEKS = re.compile(
    rf"(?:{_EVERY}\s+week|weekly|once\s+a\s+week"
    rf"|{_EVERY}\s+(?P<n>{_NUMBER_WORD})\s+weeks?"
    rf"|(?P<fortnight>fortnightly|{_EVERY}\s+fortnight|once\s+a\s+fortnight))"
)
_MONTHS = re.compile(rf"{_EVERY}\s+month|monthly|once\s+a\s+month")
_EVERY_WEEKDAY = re.compile(
    rf"{_EVERY}\s+(?:(?P<n>{_NUMBER_WORD})(?:\s+weeks?\s+on)?\s+)?(?P<day>{_WEEKDAY_WORD})s?"
    rf"|weekly\s+on\s+(?P<day2>{_WEEKDAY_WORD})s?"
)
_NTH_WEEKDAY = re.compile(
    rf"(?:(?:{_EVERY}\s+month|monthly)\s+on\s+)?(?:{_EVERY}\s+|on\s+)?(?:the\s+)?"
    rf"(?P<nth>{_ORDINAL_WORD})\s+(?P<day>{_WEEKDAY_WORD})"
    rf"(?:\s+(?:of|in)\s+(?:the|every|each|a)\s+month|\s+monthly)?"
)


def _recurrence_pattern(text: str) -> _Pattern:
    cleaned = " ".join((text or "").lower().replace(".", " ").split())
    cleaned = cleaned.removeprefix("repeat ").removeprefix("repeating ")
    if not cleaned or len(cleaned) > MAX_TEXT:
        raise CommandError("time.recurrence_not_understood")
    if match := _WEEKS.fullmatch(cleaned):
        return _Pattern(WEEKLY, interval=2 if match["fortnight"] else _weeks_apart(match["n"]))
    if _MONTHS.fullmatch(cleaned):
        return _Pattern(MONTHLY)
    if match := _EVERY_WEEKDAY.fullmatch(cleaned):
        day = _WEEKDAYS[match["day"] or match["day2"]]
        return _Pattern(WEEKLY, interval=_weeks_apart(match["n"]), byweekday=_RRULE_DAYS[day])
    if (match := _NTH_WEEKDAY.fullmatch(cleaned)) and _clearly_monthly(cleaned):
        nth_day = _RRULE_DAYS[_WEEKDAYS[match["day"]]]
        return _Pattern(MONTHLY, byweekday=nth_day(_ORDINALS[match["nth"]]))
    raise CommandError("time.recurrence_not_understood")


def _clearly_monthly(text: str) -> bool:
    # "first Tuesday" alone could mean a one-off; only read it as monthly when it says so.
    return "month" in text or text.startswith(("every ", "each "))


def _weeks_apart(word: str | None) -> int:
    if word is None:
        return 1
    weeks = _NUMBERS[word] if word in _NUMBERS else int(word[:3])
    if not 1 <= weeks <= MAX_WEEKS_APART:
        raise CommandError("time.recurrence_gap", most=MAX_WEEKS_APART)
    return weeks


def _monthly_same_day(first_day: int) -> tuple[tuple[int, ...], int | None]:
    """Days for "every month" from the `first_day`-th: that day, or the month's last if shorter."""
    if first_day <= 28:
        return (first_day,), None
    # From the 30th: 28 Feb (or 29th), 30 Mar, 30 Apr... rather than skipping February.
    return tuple(range(28, first_day + 1)), -1
