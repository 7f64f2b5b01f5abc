"""Calendar invites: what we write must read back, through icalendar, as the same session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from bot.sessions.calendar import PRODID, session_ics

LONDON = ZoneInfo("Europe/London")
STAMP = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
START = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def make(**overrides: Any) -> bytes:
    values: dict[str, Any] = {
        "uid": "brewbot-shell-local-7",
        "title": "Being heard",
        "description": "Over a Brew: being heard. An informal chat over a cuppa.",
        "starts_at": START,
        "minutes": 90,
        "zone": LONDON,
        "stamp": STAMP,
    }
    values.update(overrides)
    return session_ics(**values)


def read(ics: bytes) -> tuple[Calendar, Any]:
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_round_trip_of_a_published_session() -> None:
    calendar, event = read(make(url="https://example.org/brew?id=7"))
    assert str(calendar["prodid"]) == PRODID == "-//Brewbot//Over a Brew//EN"
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["method"]) == "PUBLISH"
    assert str(event["uid"]) == "brewbot-shell-local-7"
    assert event.decoded("dtstart") == START
    assert event.decoded("dtend") == START + timedelta(minutes=90)
    assert event.decoded("dtstamp") == STAMP
    assert str(event["summary"]) == "Being heard"
    assert str(event["description"]) == "Over a Brew: being heard. An informal chat over a cuppa."
    assert event.decoded("sequence") == 0
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["url"]) == "https://example.org/brew?id=7"
    assert str(event["location"]) == "https://example.org/brew?id=7"


def test_times_are_written_in_utc_whatever_zone_they_come_in() -> None:
    # 2pm in London in July is 13:00 UTC.
    starts = datetime(2027, 7, 6, 14, 0, tzinfo=LONDON)
    ics = make(starts_at=starts, minutes=60)
    assert b"DTSTART:20270706T130000Z" in ics
    assert b"DTEND:20270706T140000Z" in ics
    assert b"TZID" not in ics and b"VTIMEZONE" not in ics
    _, event = read(ics)
    assert event.decoded("dtstart") == starts
    assert event.decoded("dtstart").utcoffset() == timedelta(0)


def test_a_session_that_runs_over_midnight_and_a_clock_change() -> None:
    # Starts 11:30pm BST on Saturday 24 October 2026; the clocks go back that night.
    starts = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)
    _, event = read(make(starts_at=starts, minutes=240))
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=4)


def test_cancelled_session() -> None:
    calendar, event = read(make(cancelled=True, sequence=3))
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert event.decoded("sequence") == 3
    # The same UID as the published copy, so calendars remove the entry they already have.
    _, published = read(make())
    assert str(event["uid"]) == str(published["uid"])


def test_no_url_means_no_url_or_location() -> None:
    _, event = read(make())
    assert "url" not in event
    assert "location" not in event


def test_awkward_text_survives_the_round_trip() -> None:
    title = 'Skills, support; and "what matters" \\ to me'
    description = (
        "Line one, with a comma; and a semicolon.\nLine two: café, naïve, 😊, "
        + "a long sentence that goes on well past seventy-five octets so the line is folded. " * 3
    ).strip()
    ics = make(title=title, description=description)
    _, event = read(ics)
    assert str(event["summary"]) == title
    assert str(event["description"]) == description


@pytest.mark.parametrize(
    "text", ["C:\\New folder", "\\N", "a \\\\N b", "\\n", "ends with \\"], ids=repr
)
def test_a_backslash_before_n_stays_a_backslash(text: str) -> None:
    # icalendar's own escaping takes a backslash and a capital N in the text for a line break
    # already escaped: a title "C:\New folder" read back as "C:", a new line, "ew folder".
    _, event = read(make(title=text, description=text, url="https://example.org/a,b"))
    assert str(event["summary"]) == text
    assert str(event["description"]) == text
    assert str(event["location"]) == "https://example.org/a,b"


def test_every_line_break_people_type_is_one_line_break() -> None:
    # A lone carriage return too: left raw, a lenient reader would start a new property there.
    ics = make(title="one\r\ntwo\rthree\nfour")
    assert b"SUMMARY:one\\ntwo\\nthree\\nfour\r\n" in ics
    _, event = read(ics)
    assert str(event["summary"]) == "one\ntwo\nthree\nfour"


def test_output_follows_the_line_rules() -> None:
    ics = make(description="word " * 100)
    lines = ics.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCALENDAR"
    assert ics.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in ics.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 75


def test_default_stamp_is_the_time_it_was_made() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    _, event = read(make(stamp=None))
    after = datetime.now(UTC)
    assert before <= event.decoded("dtstamp") <= after


@pytest.mark.parametrize(
    "overrides",
    [
        {"starts_at": datetime(2026, 12, 1, 14, 0)},
        {"minutes": 0},
        {"minutes": -5},
        {"uid": "  "},
        {"sequence": -1},
        {"stamp": datetime(2026, 11, 23, 10, 0)},
    ],
)
def test_bad_arguments_are_programming_errors(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make(**overrides)


# Printable text and newlines, as people type titles and descriptions.
_TYPED = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r")
    | st.just("\n"),
    min_size=1,
    max_size=200,
)


@settings(max_examples=100, deadline=None)
@given(
    title=_TYPED,
    description=_TYPED,
    minutes=st.integers(1, 24 * 60),
    sequence=st.integers(0, 1000),
    cancelled=st.booleans(),
)
def test_any_typed_text_round_trips(
    title: str, description: str, minutes: int, sequence: int, cancelled: bool
) -> None:
    ics = make(
        title=title,
        description=description,
        minutes=minutes,
        sequence=sequence,
        cancelled=cancelled,
    )
    calendar, event = read(ics)
    assert str(event["summary"]) == title
    assert str(event["description"]) == description
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=minutes)
    assert event.decoded("sequence") == sequence
    assert str(calendar["method"]) == ("CANCEL" if cancelled else "PUBLISH")
