"""Dated community rates (issue 18): the rate for people's time is set from a day, and every
claim line (the sheet, the letter, the earnings warnings) uses the rate in force on the
session's day, so changing it never changes sessions already held."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.core.commands import CommandError
from bot.core.domain import SessionState
from bot.people.rates import parse_rate
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import CommunityRate
from tests.conftest import Chat, snapshot
from tests.helpers import make_session
from tests.people.test_payments import sheet


async def held(app, chat, fac, clock, *days: int) -> list[int]:
    """Sessions on the given days after 23 November 2026 that Ann joins for an hour."""
    ann = Chat.person("Ann")
    await chat.say(ann, "/brew claim on")
    ids = [
        await make_session(app, SessionState.OPEN, people=0, starts_in=timedelta(days=day))
        for day in days
    ]
    for session_id in ids:
        await chat.say(ann, f"/brew join {session_id}")
    clock.advance(timedelta(minutes=60))
    for session_id in ids:
        await chat.say(fac, f"/brew close {session_id}")
    return ids


async def test_a_rate_from_a_day_leaves_earlier_sessions_as_they_were(app, chat, fac, clock):
    await held(app, chat, fac, clock, 0, 7)
    said = await chat.say(fac, "/brew settings hourly_rate_pence 3000 from 2026-11-30")
    assert "£30.00 an hour from 30 November 2026" in said.text
    amounts = [row["Amount (GBP)"] for row in await sheet(chat, fac)]
    assert amounts == ["20.00", "30.00"], "the 23rd keeps the rate it was held at"
    # The old way still works: from today (23 November), up to the next change.
    said = await chat.say(fac, "/brew settings hourly_rate_pence 2500")
    assert "23 November 2026" in said.text
    amounts = [row["Amount (GBP)"] for row in await sheet(chat, fac)]
    assert amounts == ["25.00", "30.00"]
    # The same day again replaces that day's rate; the settings list shows each one.
    await chat.say(fac, "/brew settings hourly_rate_pence 2600 2026-11-23")
    shown = (await chat.say(fac, "/brew settings")).text
    assert (
        "£20.00 from the start, £26.00 from 23 November 2026, £30.00 from 30 November 2026" in shown
    )
    async with app.db.read() as tx:
        assert len((await tx.exec(select(CommunityRate))).all()) == 2


async def test_the_letter_and_the_warnings_use_the_rate_of_the_sessions_day(app, chat, fac, clock):
    await chat.say(fac, "/brew settings hourly_rate_pence 4000 from=2026-11-30")
    await held(app, chat, fac, clock, 0, 7)
    ann = Chat.person("Ann")
    letter = await chat.say(ann, "/brew claim letter 2026-11-01 2026-12-31")
    words = letter.replies[0][0].attachments[1].content.decode()
    assert "20.00" in words and "40.00" in words and "60.00" in words
    said = await chat.say(ann, "/brew claim limits")
    assert "£20.00" in said.text, "this week (from the 23rd) is paid at the old rate"


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("/brew settings hourly_rate_pence ten", "whole number"),
        ("/brew settings hourly_rate_pence 3000 from=someday", "dates like 2026-12-01"),
        ("/brew settings hourly_rate_pence 3000 from 2026-11-30 and more", "dates like"),
        ("/brew settings hourly_rate_pence 100001", "whole number"),
    ],
)
async def test_a_bad_rate_is_one_sentence_and_changes_nothing(app, chat, fac, typed, said):
    await chat.say(fac, "/brew settings retention_days 365")
    before = await snapshot(app)
    reply = await chat.say(fac, typed)
    assert said in reply.text and "Traceback" not in reply.text
    assert await snapshot(app) == before


@pytest.mark.parametrize(
    "day",
    ["0001-01-01", "1999-12-31", "2025-11-22", "2028-11-24", "9999-12-31", " 9999-12-31 "],
)
async def test_a_rate_dated_outside_a_year_back_and_two_ahead_is_refused(app, chat, fac, day):
    # A rate from the year 1 or 9999 was stored without a word: one typo re-priced every
    # claim ever made, or set a rate nobody would see come into force. Today is 23 November
    # 2026: a rate may be dated from a year back (a change agreed late) to two years ahead.
    await chat.say(fac, "/brew settings retention_days 365")
    before = await snapshot(app)
    reply = await chat.say(fac, f"/brew settings hourly_rate_pence 3000 from {day}")
    assert reply.text == (
        "Please give a day for the new rate from 23 November 2025 to 23 November 2028,"
        " like 2026-11-23."
    )
    assert await snapshot(app) == before


@pytest.mark.parametrize("day", ["2025-11-23", "2028-11-23"])
async def test_a_rate_may_be_dated_a_year_back_or_two_ahead(app, chat, fac, day):
    reply = await chat.say(fac, f"/brew settings hourly_rate_pence 3000 from {day}")
    assert reply.text.startswith("Done. The rate is now £30.00 an hour from")


def test_the_window_from_29_february_ends_on_the_28th():
    leap = date(2028, 2, 29)
    assert parse_rate("3000 2027-02-28", leap) == (3000, date(2027, 2, 28))
    assert parse_rate("3000 2030-02-28", leap) == (3000, date(2030, 2, 28))
    for outside in ("2027-02-27", "2030-03-01"):
        with pytest.raises(CommandError):
            parse_rate(f"3000 {outside}", leap)


async def test_the_rate_before_the_migration_is_in_force_from_the_beginning(
    empty_database_url,
):
    db = Database(empty_database_url)
    try:
        await upgrade(db, "0012")
        async with db.transaction() as tx:
            await tx.exec(
                text(
                    "INSERT INTO community (id, platform, external_id, name, timezone,"
                    " facilitator_role, reminder_minutes, group_size, hourly_rate_pence,"
                    " retention_days, digest_retention_days, created_at)"
                    " VALUES (1, 'shell', 'c', 'C', 'Europe/London', 'Facilitator', '1440', 5,"
                    " 2750, 365, 730, '2026-11-01 10:00:00+00:00')"
                )
            )
        await upgrade(db)
        async with db.read() as tx:
            [rate] = (await tx.exec(select(CommunityRate))).all()
        assert (rate.community_id, rate.pence) == (1, 2750)
        assert rate.from_day.year <= 2000, "in force for every session ever held"
    finally:
        await db.dispose()
