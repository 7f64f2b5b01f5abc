"""The Easy Read button under a spark only reads, from what is known in memory (issue 17): a
room pressing it while another process holds the database is answered, and a change to the
community's own spark shows in the next press."""

import asyncio
import sqlite3

from sqlmodel import select

from bot.app import build_app
from bot.core.domain import SessionState
from bot.core.messages import custom_id
from bot.core.refs import CommunityRef, Platform, UserRef
from bot.platforms.memory import MemoryAdapter
from storage.models import CommunitySpark
from tests.conftest import Chat, make_settings
from tests.helpers import make_session
from tests.sparks.test_spark_admin import FORM as SPARK_FORM


def easy(session_id: int) -> str:
    return custom_id("spark", "easy", str(session_id))


async def sparked(app, chat, fac) -> int:
    """A session with the community's own spark posted."""
    session_id = await make_session(app, SessionState.OPEN)
    await chat.press(fac, "brew:spark:add:", SPARK_FORM)
    await chat.say(fac, f"/brew spark {session_id} our-own-spark")
    return session_id


async def test_a_change_to_the_communitys_spark_shows_in_the_next_press(app, chat, fac):
    session_id = await sparked(app, chat, fac)
    sam = Chat.person("Sam")
    first = await chat.press(sam, easy(session_id))
    assert SPARK_FORM["title"] in first.text
    async with app.db.transaction() as tx:
        row = (await tx.exec(select(CommunitySpark))).one()
        row.data = row.data.replace(SPARK_FORM["title"], "Feeling listened to")
        tx.add(row)
    again = await chat.press(sam, easy(session_id))
    assert "Feeling listened to" in again.text and SPARK_FORM["title"] not in again.text


async def test_pressing_it_for_a_session_elsewhere_or_unknown_is_one_sentence(app, chat, fac):
    session_id = await sparked(app, chat, fac)
    sam = Chat.person("Sam")
    unknown = await chat.press(sam, easy(session_id + 100))
    assert unknown.text == app.deps.texts.t("sessions.unknown", session_id=session_id + 100)
    ola = Chat.person("Ola")
    elsewhere = UserRef(
        CommunityRef(Platform.SHELL, "elsewhere", "Elsewhere"), ola.id, ola.display_name
    )
    answer = await chat.press(elsewhere, easy(session_id))
    assert answer.text == app.deps.texts.t("sessions.unknown", session_id=session_id)


async def test_a_room_pressing_it_while_another_process_holds_sqlite_is_answered(sqlite_url, clock):
    app = await build_app(
        make_settings(sqlite_url, BREWBOT_DB_WAIT_SECONDS=0.2), MemoryAdapter(), clock=clock
    )
    try:
        chat = Chat(app)
        session_id = await sparked(app, chat, Chat.person("Fran", facilitator=True))
        room = [Chat.person(f"Person {n}") for n in range(40)]
        await chat.press(room[0], easy(session_id))  # what the room needs, now known
        holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            answers = await asyncio.gather(*(chat.press(p, easy(session_id)) for p in room))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert all(SPARK_FORM["title"] in a.text for a in answers), answers[0].text
    finally:
        await app.close()
