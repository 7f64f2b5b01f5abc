"""Calendar invites (.ics) for sessions, so people can put them in whatever calendar they use.

Times go out in UTC: every calendar program converts UTC to the reader's own zone correctly,
whereas a local time needs a VTIMEZONE block that some programs read badly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

PRODID = "-//Brewbot//Over a Brew//EN"


def session_ics(
    *,
    uid: str,
    title: str,
    description: str,
    starts_at: datetime,
    minutes: int,
    zone: ZoneInfo,
    url: str | None = None,
    cancelled: bool = False,
    sequence: int = 0,
    stamp: datetime | None = None,
) -> bytes:
    """One session as an iCalendar file: METHOD PUBLISH, or CANCEL when `cancelled`.

    Keep `uid` the same for one session forever and raise `sequence` each time the session
    changes (including when it is cancelled), so calendars update the entry they already
    have instead of adding a second one. `stamp` is when this copy was made (now by default).
    `zone` is the community's zone; the file deliberately carries no zone of its own (no
    X-WR-TIMEZONE either: some readers wrongly apply it to UTC times).
    """
    del zone  # accepted so every caller can pass the same session details; UTC needs no zone
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be timezone-aware")
    if not uid.strip():
        raise ValueError("uid must not be empty")
    if minutes <= 0:
        raise ValueError("minutes must be positive")
    if sequence < 0:
        raise ValueError("sequence must not be negative")
    stamp = stamp or datetime.now(UTC)
    if stamp.tzinfo is None:
        raise ValueError("stamp must be timezone-aware")
    start = starts_at.astimezone(UTC)
    # Imported here, on the first invite: icalendar takes about a tenth of a second to
    # import, which every start of the bot and every brewbot command would otherwise pay.
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=minutes))
    event.add("summary", _text(title))
    event.add("description", _text(description))
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if url:
        event.add("url", url)
        # Many calendar programs ignore URL but show LOCATION, so the link goes there too.
        event.add("location", _text(url))
    calendar.add_component(event)
    return calendar.to_ical()


def _escape_text(text: str) -> str:
    """`text` as people typed it, escaped as an iCalendar TEXT value (RFC 5545, 3.3.11):
    a backslash, semicolon and comma each behind a backslash, and every line break as they
    type one (CR LF, a lone CR or LF) written as one escaped newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for plain, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        text = text.replace(plain, escaped)
    return text


def _text(value: str) -> Any:
    """`value` as a TEXT property that icalendar writes as it is escaped here. Its own
    escaping reads a backslash and a capital N in the text as a line break already escaped,
    so a title "C:\\New folder" reached calendars as "C:", a new line and "ew folder"."""
    return _text_type()(value)


@cache
def _text_type() -> type:
    from icalendar.prop import vText  # with the rest of icalendar, on the first invite

    class Text(vText):
        def to_ical(self) -> bytes:
            return _escape_text(str(self)).encode("utf-8")  # RFC 5545: UTF-8 throughout

    return Text
