"""Session links (bot/sessions/links.py): `/brew link N` gives a facilitator the link to the
session's web page; `new` replaces it and `off` removes it; a link opens only its own
session's page. SQLite and PostgreSQL (the `app` fixture)."""

from __future__ import annotations

import asyncio
import re

import pytest
from icalendar import Calendar
from sqlalchemy import event

from bot.core.domain import SessionState
from bot.sessions.links import TOKEN_LENGTH
from storage.models import Session
from tests.conftest import WEB_ADDRESS, Chat, snapshot
from tests.helpers import make_session

LINK = re.compile(re.escape(WEB_ADDRESS) + r"s/([A-Za-z0-9_-]+)")


def token_in(answer) -> str:
    found = LINK.search(answer.text)
    assert found, answer.text
    return found.group(1)


async def page(app, token):
    return await app.links.page(token)


async def test_a_facilitator_gets_the_same_link_until_asking_for_a_new_one(web, chat, fac):
    session_id = await make_session(web)
    first = token_in(await chat.say(fac, f"/brew link {session_id}"))
    assert len(first) == TOKEN_LENGTH
    assert token_in(await chat.say(fac, f"/brew link {session_id}")) == first
    shown = await page(web, first)
    assert shown is not None and shown.title == "Being heard"

    renewed = await chat.say(fac, f"/brew link {session_id} new")
    second = token_in(renewed)
    assert second != first
    assert "old link no longer works" in renewed.text
    assert await page(web, first) is None
    assert (await page(web, second)).title == "Being heard"


async def test_off_removes_the_link_and_says_so_once(web, chat, fac):
    session_id = await make_session(web)
    token = token_in(await chat.say(fac, f"/brew link {session_id}"))
    answer = await chat.say(fac, f"/brew link {session_id} off")
    assert "no longer works" in answer.text
    assert await page(web, token) is None
    before = await snapshot(web)
    again = await chat.say(fac, f"/brew link {session_id} off")
    assert again.text == '"Being heard" has no web page link to switch off.'
    assert await snapshot(web) == before


async def test_each_session_has_its_own_link(web, chat, fac):
    one = await make_session(web)
    two = await make_session(web, people=0)
    first = token_in(await chat.say(fac, f"/brew link {one}"))
    second = token_in(await chat.say(fac, f"/brew link {two}"))
    assert first != second
    async with web.db.read() as tx:
        titles = {(await tx.get(Session, one)).id, (await tx.get(Session, two)).id}
    assert len(titles) == 2


async def test_with_no_web_pages_there_is_no_link_and_nothing_is_stored(app, chat, fac):
    assert not app.deps.web_base_url
    session_id = await make_session(app)
    before = await snapshot(app)
    answer = await chat.say(fac, f"/brew link {session_id}")
    assert "web pages are switched off" in answer.text
    assert "http" not in answer.text
    assert await snapshot(app) == before


async def test_only_facilitators_can_make_a_link(web, chat):
    session_id = await make_session(web)
    before = await snapshot(web)
    answer = await chat.say(Chat.person("Pat"), f"/brew link {session_id}")
    assert LINK.search(answer.text) is None
    assert await snapshot(web) == before


@pytest.mark.parametrize("token", ["", "x", "A" * TOKEN_LENGTH, "../../etc/passwd", "%00" * 11])
async def test_a_link_that_was_never_made_opens_nothing(web, chat, fac, token):
    session_id = await make_session(web)
    await chat.say(fac, f"/brew link {session_id}")
    assert await page(web, token) is None


async def test_the_page_shows_the_session_in_the_communitys_time_and_its_state(web, chat, fac):
    session_id = await make_session(web)
    await chat.say(fac, "/brew settings timezone=America/New_York")
    token = token_in(await chat.say(fac, f"/brew link {session_id}"))
    shown = await page(web, token)
    # make_session starts it at 09:00 UTC on 25 November 2026: 4am in New York.
    assert shown.when == "Wednesday 25 November 2026, 4:00am"
    assert shown.status is None
    assert shown.spark is not None and shown.spark.easy_intro
    async with web.db.read() as tx:
        invite = await web.links.invite(tx, token)
    event = Calendar.from_ical(invite.content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Being heard"

    await chat.say(fac, f"/brew cancel {session_id}")
    assert (await page(web, token)).status == "This session was cancelled. We are sorry."


async def test_a_live_session_says_so(web, chat, fac):
    session_id = await make_session(web, SessionState.OPEN)
    token = token_in(await chat.say(fac, f"/brew link {session_id}"))
    assert (await page(web, token)).status == "This session is happening now."


async def test_a_crowd_opening_a_page_waits_for_no_database_yet_sees_each_change_at_once(
    web, chat, fac
):
    """What a page shows is known in memory (bot/engine/known.py): once opened, a crowd
    opening it again sends no statement to the database; a change to what it shows, by a
    command or any write in this process, is on the page the moment it is committed."""
    session_id = await make_session(web)
    token = token_in(await chat.say(fac, f"/brew link {session_id}"))
    first = await page(web, token)
    sent: list[str] = []
    engine = web.db.engine.sync_engine
    listener = lambda *args: sent.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        crowd = await asyncio.gather(*(page(web, token) for _ in range(200)))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert sent == [] and all(shown is first for shown in crowd)

    await chat.say(fac, "/brew settings timezone=America/New_York")
    assert (await page(web, token)).when == "Wednesday 25 November 2026, 4:00am"
    async with web.db.transaction() as tx:
        session = await tx.get(Session, session_id)
        session.title = "Being heard, again"
        tx.add(session)
    assert (await page(web, token)).title == "Being heard, again"
    await chat.say(fac, f"/brew open {session_id}")
    assert (await page(web, token)).status == "This session is happening now."
    await chat.say(fac, f"/brew link {session_id} off")
    assert await page(web, token) is None
