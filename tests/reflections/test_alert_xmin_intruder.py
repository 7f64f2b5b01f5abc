"""On PostgreSQL every row carries the id of the transaction that last wrote it (`xmin`). A
session's reflections all carry the latest one (docs/anonymity.md), but a safeguarding
alert's outbox row names its reflection (its key) and keeps an id of its own: that of the
transaction that recorded its delivery, which follows at once the one that stored the
reflection. Whoever's own row was written just before or just after it wrote the reflection."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.core.domain import SessionState
from storage.models import Attendance, OutboxItem, Participant
from tests import forensics
from tests.conftest import Chat
from tests.helpers import make_session
from tests.intruder import person

WRITERS = 8
HELD = 3


async def test_an_alerts_transaction_id_points_to_no_one(app, chat, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's transaction ids; SQLite's WAL is attacked elsewhere")
    session_id = await make_session(app, SessionState.REFLECTING, people=WRITERS)
    await chat.say(
        Chat.person("Fran", facilitator=True), "/brew settings safeguarding_contact user-sam"
    )
    order = list(range(WRITERS))
    random.Random(5).shuffle(order)
    for turn, n in enumerate(order):
        who = person(n)
        await chat.press(who, "brew:consent:yes:")
        app.deps.clock.advance(timedelta(seconds=30))
        words = f"Reflection {turn}: the bus to the day centre never comes."
        if turn == HELD:
            words = f"Reflection {turn}: I am scared of going home, he hits me."
        reply = await chat.press(
            who,
            f"brew:reflection:submit:{session_id}",
            {"category": "not_working", "text": words, "quote": "yes"},
        )
        assert "code" in reply.text, reply.text
        app.deps.clock.advance(timedelta(seconds=30))
        await chat.say(who, f"/brew leave {session_id}")
    writer = person(order[HELD]).id
    async with app.db.read() as tx:
        [alert_id] = (
            await tx.exec(select(OutboxItem.id).where(col(OutboxItem.key).endswith(":contact")))
        ).all()
        user_of = {p.id: p.user_id for p in (await tx.exec(select(Participant))).all()}
        attendance = {a.id: a.participant_id for a in (await tx.exec(select(Attendance))).all()}
    [alert_xmin] = [
        int(xmin)
        for xmin, _, key in forensics.pg_row_versions(database_url, "outbox")
        if int(key) == alert_id
    ]
    reflections = {xmin for xmin, *_ in forensics.pg_row_versions(database_url, "reflection")}
    assert reflections == {str(alert_xmin)}, "the alert shares the reflections' one id"
    # The intruder: the first person whose own row was written after the alert's transaction.
    after: list[tuple[int, str]] = []
    for xmin, _ctid, key in forensics.pg_row_versions(database_url, "attendance"):
        if int(xmin) > alert_xmin:
            after.append((int(xmin), user_of[attendance[int(key)]]))
    guessed = min(after)[1] if after else None
    assert guessed != writer, "the alert's transaction id named the writer"
