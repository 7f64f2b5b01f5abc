"""Session times typed by facilitators, shown back to people, and repeated over DST changes.

Every test passes `now` explicitly, so nothing here depends on the real clock.
"""

from __future__ import annotations

import os
import time as time_module
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.commands import CommandError
from bot.core.marked import unmark
from bot.engine.texts import Texts
from bot.sessions.timeparse import (
    format_date,
    format_local,
    parse_date,
    parse_recurrence,
    parse_when,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
# Monday 23 November 2026, 10:00 in London (GMT, so UTC and local agree).
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
# Tuesday 24 November 2026, 10:00 in London.
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def local(when: datetime, zone: ZoneInfo = LONDON) -> datetime:
    """The wall-clock time people in `zone` see, without the zone, for easy comparison."""
    return when.astimezone(zone).replace(tzinfo=None)


def refusal(text: str, now: datetime = MONDAY, zone: ZoneInfo = LONDON) -> CommandError:
    with pytest.raises(CommandError) as caught:
        parse_when(text, zone, now)
    return caught.value


@pytest.fixture(scope="module")
def texts() -> Texts:
    return Texts.load()


# -- natural language -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("next Tuesday 2pm", datetime(2026, 11, 24, 14, 0)),
        ("next tuesday at 2pm", datetime(2026, 11, 24, 14, 0)),
        ("Tuesday 2pm", datetime(2026, 11, 24, 14, 0)),
        ("tomorrow at 10:30", datetime(2026, 11, 24, 10, 30)),
        ("tomorrow 2pm", datetime(2026, 11, 24, 14, 0)),
        ("2pm tomorrow", datetime(2026, 11, 24, 14, 0)),
        ("noon tomorrow", datetime(2026, 11, 24, 12, 0)),
        ("1 Dec 14:00", datetime(2026, 12, 1, 14, 0)),
        ("1 dec 2pm", datetime(2026, 12, 1, 14, 0)),
        ("1 Dec at 2:30pm", datetime(2026, 12, 1, 14, 30)),
        ("1 Dec 2.30pm", datetime(2026, 12, 1, 14, 30)),
        ("1 December 2026 2pm", datetime(2026, 12, 1, 14, 0)),
        ("1st December at 2pm", datetime(2026, 12, 1, 14, 0)),
        ("December 1st 2pm", datetime(2026, 12, 1, 14, 0)),
        ("Tuesday 1 December 2026 2pm", datetime(2026, 12, 1, 14, 0)),
        ("Friday 11am", datetime(2026, 11, 27, 11, 0)),
        ("friday at 11:30 am", datetime(2026, 11, 27, 11, 30)),
        ("on Friday at 11am", datetime(2026, 11, 27, 11, 0)),
        ("2pm on Friday", datetime(2026, 11, 27, 14, 0)),
        ("Fri 11am", datetime(2026, 11, 27, 11, 0)),
        ("sat 2pm", datetime(2026, 11, 28, 14, 0)),
        ("Friday, 2pm", datetime(2026, 11, 27, 14, 0)),
        ("  Friday    11am  ", datetime(2026, 11, 27, 11, 0)),
        # Later today, and a clock time already gone today means tomorrow.
        ("2pm", datetime(2026, 11, 23, 14, 0)),
        ("9am", datetime(2026, 11, 24, 9, 0)),
        ("Monday 11am", datetime(2026, 11, 23, 11, 0)),
        ("Monday 9am", datetime(2026, 11, 30, 9, 0)),
        ("next Monday 9am", datetime(2026, 11, 30, 9, 0)),
        # UK day-first order.
        ("1/12 2pm", datetime(2026, 12, 1, 14, 0)),
        ("01/12/2026 14:00", datetime(2026, 12, 1, 14, 0)),
        # British "Tuesday week" and the Tuesday of next week.
        ("Tuesday week 2pm", datetime(2026, 12, 1, 14, 0)),
        ("a week on Tuesday at 2pm", datetime(2026, 12, 1, 14, 0)),
        ("Tuesday next week 2pm", datetime(2026, 12, 1, 14, 0)),
        ("next week Tuesday 2pm", datetime(2026, 12, 1, 14, 0)),
        ("Friday next week at 11am", datetime(2026, 12, 4, 11, 0)),
        ("in 3 days at 2pm", datetime(2026, 11, 26, 14, 0)),
        ("in 2 hours", datetime(2026, 11, 23, 12, 0)),
        ("Friday 12pm", datetime(2026, 11, 27, 12, 0)),
        ("Friday 12am", datetime(2026, 11, 27, 0, 0)),
        ("Friday midday", datetime(2026, 11, 27, 12, 0)),
        # Dates already gone this year mean next year.
        ("3 Feb 10am", datetime(2027, 2, 3, 10, 0)),
    ],
)
def test_natural_phrases_on_a_monday(text: str, expected: datetime) -> None:
    when = parse_when(text, LONDON, MONDAY)
    assert when.tzinfo is UTC
    assert local(when) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Said on a Tuesday morning: "next Tuesday" is a week away, plain "Tuesday" is today.
        ("next Tuesday 2pm", datetime(2026, 12, 1, 14, 0)),
        ("Tuesday 2pm", datetime(2026, 11, 24, 14, 0)),
        ("this Tuesday 2pm", datetime(2026, 11, 24, 14, 0)),
        ("Tuesday 9am", datetime(2026, 12, 1, 9, 0)),
        ("Tuesday week 2pm", datetime(2026, 12, 1, 14, 0)),
        ("Wednesday week 2pm", datetime(2026, 12, 2, 14, 0)),
        ("Tuesday next week 2pm", datetime(2026, 12, 1, 14, 0)),
        ("Wednesday 2pm", datetime(2026, 11, 25, 14, 0)),
        ("next Wednesday 2pm", datetime(2026, 11, 25, 14, 0)),
        ("Monday 2pm", datetime(2026, 11, 30, 14, 0)),
    ],
)
def test_weekdays_said_on_a_tuesday(text: str, expected: datetime) -> None:
    assert local(parse_when(text, LONDON, TUESDAY)) == expected


def test_weekday_counts_from_the_local_day_not_the_utc_day() -> None:
    # 23:30 UTC on Monday 29 June is already Tuesday 00:30 in London (BST).
    now = datetime(2026, 6, 29, 23, 30, tzinfo=UTC)
    assert local(parse_when("next Tuesday 2pm", LONDON, now)) == datetime(2026, 7, 7, 14, 0)
    assert local(parse_when("Tuesday 2pm", LONDON, now)) == datetime(2026, 6, 30, 14, 0)
    assert local(parse_when("tomorrow 2pm", LONDON, now)) == datetime(2026, 7, 1, 14, 0)


def test_relative_times_are_rounded_down_to_the_minute() -> None:
    now = datetime(2026, 11, 23, 10, 0, 42, 123456, tzinfo=UTC)
    when = parse_when("in 2 hours", LONDON, now)
    assert when == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_other_zones_use_their_own_wall_clock() -> None:
    when = parse_when("1 Dec 2pm", NEW_YORK, MONDAY)
    assert when == datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    # 03:00 UTC on Monday is still Sunday evening in New York, so "tomorrow" is Monday.
    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    assert local(parse_when("tomorrow 2pm", NEW_YORK, now), NEW_YORK) == datetime(
        2026, 11, 23, 14, 0
    )


def test_answer_does_not_depend_on_the_machine_time_zone() -> None:
    if not hasattr(time_module, "tzset"):
        pytest.skip("time.tzset is only available on Unix")
    before = os.environ.get("TZ")
    try:
        os.environ["TZ"] = "Pacific/Auckland"
        time_module.tzset()
        auckland = parse_when("next Tuesday 2pm", LONDON, MONDAY)
        in_summer = parse_when("1 July 2pm", LONDON, MONDAY)
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time_module.tzset()
    assert auckland == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert in_summer == datetime(2027, 7, 1, 13, 0, tzinfo=UTC)


# -- ISO forms and explicit offsets -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("2026-12-01 14:00", datetime(2026, 12, 1, 14, 0, tzinfo=UTC)),
        ("2026-12-01T14:00", datetime(2026, 12, 1, 14, 0, tzinfo=UTC)),
        ("2026-12-01T14:00:00", datetime(2026, 12, 1, 14, 0, tzinfo=UTC)),
        ("2026-12-01 9:30", datetime(2026, 12, 1, 9, 30, tzinfo=UTC)),
        # Summer: local 14:00 is BST, 13:00 UTC.
        ("2027-07-01 14:00", datetime(2027, 7, 1, 13, 0, tzinfo=UTC)),
        # Explicit offsets are honoured as written, whatever the community's zone.
        ("2026-12-01T14:00Z", datetime(2026, 12, 1, 14, 0, tzinfo=UTC)),
        ("2027-07-01T14:00Z", datetime(2027, 7, 1, 14, 0, tzinfo=UTC)),
        ("2026-12-01T14:00+01:00", datetime(2026, 12, 1, 13, 0, tzinfo=UTC)),
        ("2026-12-01T14:00-0500", datetime(2026, 12, 1, 19, 0, tzinfo=UTC)),
        ("2026-12-01 14:00 +05:30", datetime(2026, 12, 1, 8, 30, tzinfo=UTC)),
        ("2026-12-01 14:00 UTC", datetime(2026, 12, 1, 14, 0, tzinfo=UTC)),
        ("1 Dec 2pm UTC", datetime(2026, 12, 1, 14, 0, tzinfo=UTC)),
        ("1 July 2pm UTC", datetime(2027, 7, 1, 14, 0, tzinfo=UTC)),
        ("1 Dec 2pm +0100", datetime(2026, 12, 1, 13, 0, tzinfo=UTC)),
        ("1 Dec 2pm UTC+1", datetime(2026, 12, 1, 13, 0, tzinfo=UTC)),
        ("Friday 11am UTC-5", datetime(2026, 11, 27, 16, 0, tzinfo=UTC)),
        # GMT is how many people say "UK time" all year, so it stays local.
        ("1 July 2pm GMT", datetime(2027, 7, 1, 13, 0, tzinfo=UTC)),
    ],
)
def test_iso_forms_and_offsets(text: str, expected_utc: datetime) -> None:
    assert parse_when(text, LONDON, MONDAY) == expected_utc


@pytest.mark.parametrize(
    "text",
    [
        "tomorrow 2pm EST",
        "2026-12-01 14:00 EST",
        "1 Dec 2pm PST",
        "1 Dec 2pm CET",
        "1 Dec 2pm IST",  # Israel to dateparser, India or Ireland to whoever typed it
        "Friday 11am MSK",
    ],
)
def test_a_time_zone_named_other_than_uk_time_is_refused(text: str) -> None:
    # Each was read as 2pm in London without a word, so the session was hours out for the
    # people who typed it; the names are ambiguous (IST, CST), so none is guessed at.
    error = refusal(text)
    assert (error.key, error.values) == ("time.zone_named", {"zone": "Europe/London"})


def test_an_offset_right_after_the_clock_is_honoured() -> None:
    # "14:00+05:00" (no space) was read as 14:00 in London, the offset dropped.
    assert parse_when("tomorrow 14:00+05:00", LONDON, MONDAY) == datetime(
        2026, 11, 24, 9, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow 14h", datetime(2026, 11, 24, 14, 0)),
        ("1 Dec 14h", datetime(2026, 12, 1, 14, 0)),
        ("1 Dec 14h30", datetime(2026, 12, 1, 14, 30)),
        ("in 3h", datetime(2026, 11, 23, 13, 0)),
        ("in 2h 30m", datetime(2026, 11, 23, 12, 30)),
        ("in 1 hour and 30 minutes", datetime(2026, 11, 23, 11, 30)),
    ],
)
def test_a_clock_written_with_h_is_a_clock(text: str, expected: datetime) -> None:
    # "tomorrow 14h" was tomorrow at 10am (now) plus 14 hours: midnight, the day after.
    assert local(parse_when(text, LONDON, MONDAY)) == expected


@pytest.mark.parametrize(
    "text", ["tomorrow 3 hours", "tomorrow 30 min", "tomorrow in 3 hours", "tomorrow 2pm + 1 hour"]
)
def test_a_day_with_a_number_of_hours_is_not_guessed(text: str) -> None:
    # Each added the hours to the clock time now ("tomorrow 3 hours" was tomorrow at 1pm),
    # or left them out: never what a facilitator meant.
    assert refusal(text).key == "time.not_understood"


def test_explicit_offset_skips_the_dst_checks() -> None:
    # 01:30 on 29 March 2026 does not exist in London, but 01:30+01:00 is a real instant.
    now = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
    assert parse_when("2026-03-29T01:30+01:00", LONDON, now) == datetime(
        2026, 3, 29, 0, 30, tzinfo=UTC
    )
    assert parse_when("2026-10-25T01:30Z", LONDON, now) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


# -- DST in Europe/London, 2026 ----------------------------------------------------------------


SPRING_NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # before the clocks go forward
AUTUMN_NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)  # before the clocks go back


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("29 March 2026 12:30am", datetime(2026, 3, 29, 0, 30, tzinfo=UTC)),  # GMT
        ("29 March 2026 2:30am", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),  # BST
        ("29 March 2026 2pm", datetime(2026, 3, 29, 13, 0, tzinfo=UTC)),
        ("28 March 2026 2pm", datetime(2026, 3, 28, 14, 0, tzinfo=UTC)),
        ("next Tuesday 2pm", datetime(2026, 3, 24, 14, 0, tzinfo=UTC)),
        ("Tuesday week 2pm", datetime(2026, 3, 31, 13, 0, tzinfo=UTC)),
        ("2026-03-29 03:00", datetime(2026, 3, 29, 2, 0, tzinfo=UTC)),
    ],
)
def test_spring_forward_keeps_local_clock(text: str, expected_utc: datetime) -> None:
    assert parse_when(text, LONDON, SPRING_NOW) == expected_utc


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("25 October 2026 12:30am", datetime(2026, 10, 24, 23, 30, tzinfo=UTC)),  # BST
        ("25 October 2026 2:30am", datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),  # GMT
        ("24 October 2026 2pm", datetime(2026, 10, 24, 13, 0, tzinfo=UTC)),
        ("26 October 2026 2pm", datetime(2026, 10, 26, 14, 0, tzinfo=UTC)),
        ("next Tuesday 2pm", datetime(2026, 10, 27, 14, 0, tzinfo=UTC)),
    ],
)
def test_fall_back_keeps_local_clock(text: str, expected_utc: datetime) -> None:
    assert parse_when(text, LONDON, AUTUMN_NOW) == expected_utc


@pytest.mark.parametrize(
    "text",
    [
        "29 March 2026 1:30am",
        "29/3 1:30am",
        "2026-03-29 01:30",
        "2026-03-29T01:00",
        "Sunday week 1:30am",
    ],
)
def test_time_in_the_spring_gap_is_refused(text: str) -> None:
    error = refusal(text, SPRING_NOW)
    assert error.key == "time.nonexistent"
    assert error.values["day"] == "Sunday 29 March 2026"


@pytest.mark.parametrize(
    "text",
    ["25 October 2026 1:30am", "2026-10-25 01:00", "2026-10-25T01:59", "Sunday 1:30am"],
)
def test_repeated_autumn_hour_is_refused(text: str) -> None:
    error = refusal(text, AUTUMN_NOW)
    assert error.key == "time.ambiguous"
    assert error.values["day"] == "Sunday 25 October 2026"


def test_edges_of_the_gap_and_the_repeated_hour_are_fine() -> None:
    assert parse_when("2026-03-29 00:59", LONDON, SPRING_NOW) == datetime(
        2026, 3, 29, 0, 59, tzinfo=UTC
    )
    assert parse_when("2026-03-29 02:00", LONDON, SPRING_NOW) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )
    assert parse_when("2026-10-25 00:59", LONDON, AUTUMN_NOW) == datetime(
        2026, 10, 24, 23, 59, tzinfo=UTC
    )
    assert parse_when("2026-10-25 02:00", LONDON, AUTUMN_NOW) == datetime(
        2026, 10, 25, 2, 0, tzinfo=UTC
    )


# -- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "blah",
        "soon",
        "x" * 200,
        "2026-02-30 10:00",
        "2026-13-01 14:00",
        "Friday 13pm",
        "Friday 25:00",
        "1 Dec 2pm +1500",
        "UTC",
        "half past two tomorrow",
    ],
)
def test_not_understood(text: str) -> None:
    assert refusal(text).key == "time.not_understood"


@pytest.mark.parametrize(
    "text",
    [
        "next Tuesday",
        "Tuesday",
        "on Friday",
        "tomorrow",
        "1 Dec",
        "1 December 2026",
        "2026-12-01",
        "tomorrow afternoon",
        "next week",
        "next month",
        "in 3 days",
        "next Tuesday 2",
    ],
)
def test_a_day_without_a_clock_time_asks_for_one(text: str) -> None:
    assert refusal(text).key == "time.no_time"


@pytest.mark.parametrize(
    "text",
    [
        "today 9am",
        "10:00",
        "in 30 seconds",
        "yesterday 2pm",
        "2026-11-01 14:00",
        "2026-11-23T10:00:59Z",
        "22 November 2026 2pm",
    ],
)
def test_past_or_too_soon(text: str) -> None:
    error = refusal(text)
    assert error.key == "time.past"
    assert "2026" in error.values["when"]


def test_one_minute_ahead_is_the_earliest_allowed() -> None:
    assert parse_when("10:01", LONDON, MONDAY) == MONDAY + timedelta(minutes=1)
    assert refusal("2026-11-23T10:00:59Z").key == "time.past"


def test_more_than_two_years_ahead_is_refused() -> None:
    assert parse_when("2028-11-23 10:00", LONDON, MONDAY) == datetime(
        2028, 11, 23, 10, 0, tzinfo=UTC
    )
    assert refusal("2028-11-23 10:01").key == "time.too_far"
    assert refusal("1 Dec 2029 2pm").key == "time.too_far"


def test_weekday_that_disagrees_with_the_date_is_refused() -> None:
    error = refusal("Monday 1 December 2026 2pm")
    assert error.key == "time.weekday_mismatch"
    assert error.values == {"date": "1 December 2026", "weekday": "Tuesday", "written": "Monday"}


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_when("tomorrow 2pm", LONDON, datetime(2026, 11, 23, 10, 0))


# Every refusal parse_when and parse_recurrence can give, each with the input that gives it.
REFUSALS: list[tuple[str, str, datetime]] = [
    ("when", "blah", MONDAY),
    ("when", "3/15 2pm", MONDAY),
    ("when", "next Tuesday", MONDAY),
    ("when", "today 9am", MONDAY),
    ("when", "1 Dec 2029 2pm", MONDAY),
    ("when", "29 March 2026 1:30am", SPRING_NOW),
    ("when", "25 October 2026 1:30am", AUTUMN_NOW),
    ("when", "Monday 1 December 2026 2pm", MONDAY),
    ("every", "every day", MONDAY),
    ("every", "every 9 weeks", MONDAY),
    # Tomorrow is Sunday 22 March 2026, 1:30am; a week later the clocks skip 1:30am.
    ("every", "weekly", datetime(2026, 3, 21, 1, 30, tzinfo=UTC)),
    # Tomorrow is Sunday 18 October 2026, 1:30am BST; a week later 1:30am comes twice.
    ("every", "weekly", datetime(2026, 10, 17, 0, 30, tzinfo=UTC)),
    ("when", "tomorrow 2pm EST", MONDAY),
    ("date", "blah", MONDAY),
    ("date", "next week", MONDAY),
    ("date", "yesterday", MONDAY),
    ("date", "2029-01-01", MONDAY),
]


def _raise(kind: str, text: str, now: datetime) -> CommandError:
    with pytest.raises(CommandError) as caught:
        if kind == "when":
            parse_when(text, LONDON, now)
        elif kind == "date":
            parse_date(text, LONDON, now)
        else:
            parse_recurrence(text, now + timedelta(days=1), LONDON)
    return caught.value


@pytest.mark.parametrize(("kind", "text", "now"), REFUSALS)
def test_every_refusal_has_a_kind_sentence_that_fills_in(
    texts: Texts, kind: str, text: str, now: datetime
) -> None:
    error = _raise(kind, text, now)
    sentence = unmark(texts.t(error.key, **error.values))
    assert "{" not in sentence and "}" not in sentence
    assert sentence[0].isupper() or sentence[0].isdigit()
    assert sentence.endswith(".")
    assert "service user" not in sentence.lower()
    for value in error.values.values():
        assert str(value) in sentence


def test_time_strings_are_all_reachable(texts: Texts) -> None:
    # Keeps time.yaml and the code in step: no dead sentences, no missing ones.
    raised = {_raise(kind, text, now).key for kind, text, now in REFUSALS}
    defined = {key for key in texts.strings if key.startswith("time.")}
    assert raised == defined


# -- days things are due by ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15 March", date(2027, 3, 15)),
        ("15/3/2027", date(2027, 3, 15)),
        ("2027-03-15", date(2027, 3, 15)),
        ("today", date(2026, 11, 23)),
        ("Monday", date(2026, 11, 23)),  # today's name is today
        ("tomorrow", date(2026, 11, 24)),
        ("next Friday", date(2026, 11, 27)),
        ("Friday week", date(2026, 12, 4)),
        ("in 3 days", date(2026, 11, 26)),
        ("in 2 weeks", date(2026, 12, 7)),
        ("Tuesday 1 December 2026", date(2026, 12, 1)),
        ("Friday 5pm", date(2026, 11, 27)),  # a clock time is let go
    ],
)
def test_a_due_day_in_plain_words(text: str, expected: date) -> None:
    assert parse_date(text, LONDON, MONDAY) == expected


def test_a_due_day_is_the_day_where_the_community_is() -> None:
    # 11pm on Monday in New York is already Tuesday in UTC.
    late = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
    assert parse_date("today", NEW_YORK, late) == date(2026, 11, 23)
    assert parse_date("today", LONDON, late) == date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "time.date_not_understood"),
        ("31 February", "time.date_not_understood"),
        ("2027-02-31", "time.date_not_understood"),
        ("March", "time.date_vague"),
        ("next month", "time.date_vague"),
        ("1 November 2026", "time.date_past"),
        ("Monday 1 December 2026", "time.weekday_mismatch"),
        ("x" * 200, "time.date_not_understood"),
        # dateparser reads a date into almost anything: none of these names a day.
        ("0", "time.date_not_understood"),
        ("t99999", "time.date_not_understood"),
        ("\x01\x02\x1b[31m", "time.date_not_understood"),
        ("NaN", "time.date_not_understood"),
        ("15 March\u202e", "time.date_not_understood"),
    ],
)
def test_a_due_day_that_is_not_one_day_ahead_is_refused(text: str, key: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_date(text, LONDON, MONDAY)
    assert caught.value.key == key


def test_a_day_reads_in_full() -> None:
    assert format_date(date(2027, 3, 15)) == "Monday 15 March 2027"


# -- showing times ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "zone", "expected"),
    [
        (datetime(2026, 12, 1, 14, 0, tzinfo=UTC), LONDON, "Tuesday 1 December 2026, 2:00pm"),
        (datetime(2026, 7, 1, 13, 0, tzinfo=UTC), LONDON, "Wednesday 1 July 2026, 2:00pm"),
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), LONDON, "Sunday 29 March 2026, 12:30am"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), LONDON, "Sunday 29 March 2026, 2:00am"),
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), LONDON, "Sunday 25 October 2026, 1:30am"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), LONDON, "Sunday 25 October 2026, 1:30am"),
        (datetime(2026, 12, 5, 12, 0, tzinfo=UTC), LONDON, "Saturday 5 December 2026, 12:00pm"),
        (datetime(2026, 12, 5, 9, 5, tzinfo=UTC), LONDON, "Saturday 5 December 2026, 9:05am"),
        (datetime(2026, 12, 1, 14, 0, tzinfo=UTC), NEW_YORK, "Tuesday 1 December 2026, 9:00am"),
        (datetime(2026, 12, 1, 4, 0, tzinfo=UTC), NEW_YORK, "Monday 30 November 2026, 11:00pm"),
        (
            datetime(2026, 12, 1, 15, 0, tzinfo=ZoneInfo("Europe/Paris")),
            LONDON,
            "Tuesday 1 December 2026, 2:00pm",
        ),
    ],
)
def test_format_local(when: datetime, zone: ZoneInfo, expected: str) -> None:
    assert format_local(when, zone) == expected


def test_format_local_midnight() -> None:
    assert format_local(datetime(2026, 12, 2, 0, 0, tzinfo=UTC), LONDON) == (
        "Wednesday 2 December 2026, 12:00am"
    )


def test_format_local_refuses_naive_times() -> None:
    with pytest.raises(ValueError):
        format_local(datetime(2026, 12, 1, 14, 0), LONDON)


# -- round trips ------------------------------------------------------------------------------


@st.composite
def future_local_minutes(draw: st.DrawFn) -> datetime:
    day = draw(st.dates(min_value=date(2026, 11, 24), max_value=date(2028, 11, 20)))
    hour = draw(st.integers(0, 23))
    minute = draw(st.integers(0, 59))
    return datetime(day.year, day.month, day.day, hour, minute)


def _is_plain_local_time(moment: datetime, zone: ZoneInfo) -> bool:
    aware = moment.replace(tzinfo=zone)
    survives = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == moment
    return survives and aware.utcoffset() == moment.replace(tzinfo=zone, fold=1).utcoffset()


@settings(max_examples=60, deadline=None)
@given(moment=future_local_minutes())
def test_what_is_shown_reads_back_as_the_same_time(moment: datetime) -> None:
    if not _is_plain_local_time(moment, LONDON):
        with pytest.raises(CommandError) as caught:
            parse_when(moment.strftime("%Y-%m-%d %H:%M"), LONDON, MONDAY)
        assert caught.value.key in ("time.nonexistent", "time.ambiguous")
        return
    expected = moment.replace(tzinfo=LONDON).astimezone(UTC)
    assert parse_when(moment.strftime("%Y-%m-%d %H:%M"), LONDON, MONDAY) == expected
    # What people are shown, with the comma dropped, is something a facilitator can type back.
    shown = format_local(expected, LONDON).replace(",", "")
    assert parse_when(shown, LONDON, MONDAY) == expected


# -- recurrence -------------------------------------------------------------------------------


def locals_of(times: list[datetime]) -> list[datetime]:
    return [local(t) for t in times]


def test_weekly_across_spring_forward_keeps_2pm() -> None:
    first = datetime(2026, 3, 17, 14, 0, tzinfo=UTC)  # Tuesday, 2pm GMT
    times = parse_recurrence("every week", first, LONDON, count=4)
    assert times[0] == first
    assert [t.tzinfo for t in times] == [UTC] * 4
    assert locals_of(times) == [datetime(2026, 3, d, 14, 0) for d in (17, 24, 31)] + [
        datetime(2026, 4, 7, 14, 0)
    ]
    assert [t.hour for t in times] == [14, 14, 13, 13]  # UTC moves, the local clock does not


def test_weekly_across_fall_back_keeps_2pm() -> None:
    first = datetime(2026, 10, 13, 13, 0, tzinfo=UTC)  # Tuesday, 2pm BST
    times = parse_recurrence("weekly", first, LONDON, count=4)
    assert [local(t).hour for t in times] == [14, 14, 14, 14]
    assert [t.hour for t in times] == [13, 13, 14, 14]
    assert [local(t).day for t in times] == [13, 20, 27, 3]


@pytest.mark.parametrize(
    ("text", "days_apart"),
    [
        ("every week", 7),
        ("weekly", 7),
        ("Weekly", 7),
        ("once a week", 7),
        ("each week", 7),
        ("every 2 weeks", 14),
        ("every two weeks", 14),
        ("every other week", 14),
        ("fortnightly", 14),
        ("every fortnight", 14),
        ("every 4 weeks", 28),
        ("every 3 weeks", 21),
        ("every 8 weeks", 56),
        ("Every 2 Weeks.", 14),
    ],
)
def test_weekly_intervals(text: str, days_apart: int) -> None:
    first = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    times = parse_recurrence(text, first, LONDON, count=5)
    assert times[0] == first
    gaps = {(b.date() - a.date()).days for a, b in pairwise(times)}
    assert gaps == {days_apart}
    assert {local(t).hour for t in times} == {14}


@pytest.mark.parametrize("text", ["every month", "monthly", "Monthly", "once a month"])
def test_monthly_keeps_the_day_of_the_month(text: str) -> None:
    first = datetime(2026, 1, 15, 14, 0, tzinfo=UTC)
    times = parse_recurrence(text, first, LONDON, count=6)
    assert locals_of(times) == [datetime(2026, m, 15, 14, 0) for m in range(1, 7)]


def test_monthly_from_the_31st_uses_each_months_last_day() -> None:
    first = datetime(2027, 1, 31, 10, 0, tzinfo=UTC)
    times = parse_recurrence("monthly", first, LONDON, count=4)
    assert [local(t).date() for t in times] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]
    assert {local(t).hour for t in times} == {10}


def _nth_of_month(day: date) -> int:
    return (day.day - 1) // 7 + 1


def _is_last_of_month(day: date) -> bool:
    return (day + timedelta(days=7)).month != day.month


def test_first_tuesday_starting_on_a_first_tuesday() -> None:
    first = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 1 December 2026 is a Tuesday
    times = parse_recurrence("first Tuesday of the month", first, LONDON, count=6)
    assert times[0] == first
    for t in times:
        day = local(t).date()
        assert day.weekday() == 1 and _nth_of_month(day) == 1
        assert local(t).hour == 14
    assert [local(t).month for t in times] == [12, 1, 2, 3, 4, 5]


def test_first_tuesday_starting_elsewhere_moves_to_the_next_one() -> None:
    first = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # fourth Tuesday of November
    times = parse_recurrence("first Tuesday of the month", first, LONDON, count=3)
    assert [local(t) for t in times] == [
        datetime(2026, 12, 1, 14, 0),
        datetime(2027, 1, 5, 14, 0),
        datetime(2027, 2, 2, 14, 0),
    ]


@pytest.mark.parametrize(
    ("text", "weekday", "nth"),
    [
        ("last Friday of the month", 4, -1),
        ("second Wednesday of every month", 2, 2),
        ("the 3rd Thursday of each month", 3, 3),
        ("fourth Monday of the month", 0, 4),
        ("monthly on the last friday", 4, -1),
        ("every month on the second Tuesday", 1, 2),
        ("every first Monday", 0, 1),
        ("on the 2nd Wed of the month", 2, 2),
    ],
)
def test_nth_weekday_forms(text: str, weekday: int, nth: int) -> None:
    # Starting in winter and running through the spring change, at 2pm local.
    first = datetime(2026, 1, 6, 14, 0, tzinfo=UTC)
    times = parse_recurrence(text, first, LONDON, count=6)
    assert len(times) == 6
    assert times == sorted(times) and times[0] >= first
    for t in times:
        day = local(t).date()
        assert day.weekday() == weekday
        assert _is_last_of_month(day) if nth == -1 else _nth_of_month(day) == nth
        assert local(t).hour == 14
    assert len({local(t).month for t in times}) == 6


def test_every_named_weekday() -> None:
    first = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # a Tuesday
    assert locals_of(parse_recurrence("every Friday", first, LONDON, count=3)) == [
        datetime(2026, 11, 27, 14, 0),
        datetime(2026, 12, 4, 14, 0),
        datetime(2026, 12, 11, 14, 0),
    ]
    same_day = parse_recurrence("every Tuesday", first, LONDON, count=2)
    assert same_day[0] == first
    other = parse_recurrence("every other Thursday", first, LONDON, count=3)
    assert [local(t).date() for t in other] == [
        date(2026, 11, 26),
        date(2026, 12, 10),
        date(2026, 12, 24),
    ]
    for text in ("every 2 weeks on Thursday", "every two Thursdays"):
        assert parse_recurrence(text, first, LONDON, count=3) == other
    assert parse_recurrence("weekly on Fridays", first, LONDON, count=3) == parse_recurrence(
        "every Friday", first, LONDON, count=3
    )


# A series follows the rule of a single booking: a repeat at a time the clocks skip or pass
# twice is refused with the same words, naming that day, never skipped or moved in silence.
# Europe/London: forward at 1am on 29 March 2026 and 28 March 2027, back at 2am on 25
# October 2026 and 31 October 2027.
@pytest.mark.parametrize(
    ("first", "every", "key", "day"),
    [
        (datetime(2026, 3, 22, 1, 30, tzinfo=UTC), "weekly", "nonexistent", "29 March 2026"),
        (datetime(2026, 3, 15, 1, 0, tzinfo=UTC), "every 2 weeks", "nonexistent", "29 March 2026"),
        (datetime(2027, 2, 28, 1, 15, tzinfo=UTC), "monthly", "nonexistent", "28 March 2027"),
        (
            datetime(2027, 1, 31, 1, 45, tzinfo=UTC),
            "last Sunday of the month",
            "nonexistent",
            "28 March 2027",
        ),
        (datetime(2026, 10, 18, 0, 30, tzinfo=UTC), "weekly", "ambiguous", "25 October 2026"),
        (datetime(2026, 10, 4, 0, 59, tzinfo=UTC), "every Sunday", "ambiguous", "25 October 2026"),
        (
            datetime(2027, 9, 26, 0, 0, tzinfo=UTC),
            "last Sunday of the month",
            "ambiguous",
            "31 October 2027",
        ),
    ],
)
def test_a_repeat_when_the_clocks_change_is_refused_like_a_single_booking(
    texts: Texts, first: datetime, every: str, key: str, day: str
) -> None:
    with pytest.raises(CommandError) as caught:
        parse_recurrence(every, first, LONDON, count=6)
    assert caught.value.key == f"time.series_{key}"
    assert day in caught.value.values["day"]
    # The same words as a single booking at that time, said of one of the repeats.
    clock = caught.value.values["clock"]
    local = datetime.strptime(f"{day} {clock}", "%d %B %Y %I:%M%p")
    with pytest.raises(CommandError) as single:
        parse_when(f"{local:%Y-%m-%d %H:%M}", LONDON, first - timedelta(days=1))
    assert single.value.key == f"time.{key}"
    assert single.value.values == caught.value.values
    assert texts.t(caught.value.key, **caught.value.values).startswith("One of the repeats")


def test_a_series_that_misses_the_clock_change_hours_is_planned() -> None:
    # 2am is after the spring gap and 3am after the repeated hour: both are real, once.
    spring = parse_recurrence("weekly", datetime(2026, 3, 22, 2, 0, tzinfo=UTC), LONDON, count=3)
    assert locals_of(spring) == [
        datetime(2026, 3, 22, 2, 0),
        datetime(2026, 3, 29, 2, 0),
        datetime(2026, 4, 5, 2, 0),
    ]
    autumn = parse_recurrence("weekly", datetime(2026, 10, 18, 2, 0, tzinfo=UTC), LONDON, count=3)
    assert locals_of(autumn) == [
        datetime(2026, 10, 18, 3, 0),
        datetime(2026, 10, 25, 3, 0),
        datetime(2026, 11, 1, 3, 0),
    ]


def test_first_is_kept_exactly_even_in_the_second_repeated_hour() -> None:
    first = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 1:30am GMT, the second 1:30 that night
    times = parse_recurrence("weekly", first, LONDON, count=2)
    assert times == [first, datetime(2026, 11, 1, 1, 30, tzinfo=UTC)]


def test_first_given_in_another_zone_is_read_in_the_community_zone() -> None:
    first = datetime(2026, 12, 1, 15, 0, tzinfo=ZoneInfo("Europe/Paris"))  # 2pm in London
    times = parse_recurrence("weekly", first, LONDON, count=2)
    assert times == [
        datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
        datetime(2026, 12, 8, 14, 0, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("asked", "given_back"), [(0, 1), (-3, 1), (1, 1), (6, 6), (12, 12), (13, 12), (500, 12)]
)
def test_count_is_capped(asked: int, given_back: int) -> None:
    first = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert len(parse_recurrence("weekly", first, LONDON, count=asked)) == given_back


def test_default_count_is_six() -> None:
    assert len(parse_recurrence("monthly", datetime(2026, 12, 1, 14, 0, tzinfo=UTC), LONDON)) == 6


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "daily",
        "every day",
        "sometimes",
        "first Tuesday",
        "every year",
        "fifth Friday of the month",
        "every 2 months",
        "x" * 300,
    ],
)
def test_unknown_recurrence_is_refused(text: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_recurrence(text, datetime(2026, 12, 1, 14, 0, tzinfo=UTC), LONDON)
    assert caught.value.key == "time.recurrence_not_understood"


@pytest.mark.parametrize(
    "text", ["every 9 weeks", "every 0 weeks", "every 52 weeks", "every 99999999999999999999 weeks"]
)
def test_too_wide_a_gap_is_refused(text: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_recurrence(text, datetime(2026, 12, 1, 14, 0, tzinfo=UTC), LONDON)
    assert caught.value.key == "time.recurrence_gap"
    assert caught.value.values == {"most": 8}


def test_recurrence_needs_an_aware_first_time() -> None:
    with pytest.raises(ValueError):
        parse_recurrence("weekly", datetime(2026, 12, 1, 14, 0), LONDON)


def test_twelve_of_the_widest_gap_stay_within_two_years() -> None:
    # parse_when refuses times over two years ahead; a series must not sneak past that.
    first = parse_when("1 Dec 2pm", LONDON, MONDAY)
    for text in ("every 8 weeks", "monthly", "last Friday of the month"):
        times = parse_recurrence(text, first, LONDON, count=12)
        assert times[-1] < MONDAY + timedelta(days=730)


@pytest.mark.parametrize("text", ["3/15", "12/31", "13/13", "3/15/2027", "3/15/27", "4/20 2pm"])
def test_a_date_written_month_first_is_refused_saying_day_first(text: str) -> None:
    # "3/15" was read as 3 December 2115 and refused as "more than two years away"; "3/15/2027"
    # was quietly read month first, though 3/4/2027 is 3 April: UK dates are day first.
    for parse in (parse_date, parse_when):
        with pytest.raises(CommandError) as caught:
            parse(text, LONDON, MONDAY)
        assert caught.value.key == "time.day_first", (parse.__name__, caught.value.key)
        assert caught.value.values == {"written": text.split()[0]}


def test_dates_written_day_first_still_work() -> None:
    assert parse_date("15/3", LONDON, MONDAY) == date(2027, 3, 15)
    assert parse_date("15/3/2027", LONDON, MONDAY) == date(2027, 3, 15)
    assert parse_when("1/12 1.30pm", LONDON, MONDAY) == datetime(2026, 12, 1, 13, 30, tzinfo=UTC)
