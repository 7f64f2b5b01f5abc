"""A reflection taken back is deleted everywhere Brewbot keeps its words, not only from the
reflection table: a digest draft, or a safeguarding alert, still waiting to be delivered is
made again without it, so "taken back and deleted" is true and the words never arrive."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select, update

from bot.core.domain import SessionState
from bot.core.ports import DeliveryError
from bot.delivery.outbox import LEASE
from storage.models import OutboxItem, OutboxStatus
from tests import forensics
from tests.conftest import Chat
from tests.helpers import make_session
from tests.intruder import copy

TAKEN_BACK = "Zanzibar-marmalade: the review panel never listened to me."
KEPT = "Quince-chutney: the day centre staff always make time."
HELD = "Ptarmigan-toffee: I am scared of going home, he hits me."
REFUSALS = {
    "failing": DeliveryError("failed", cause="Discord answered 503"),
    "closed": DeliveryError("dm_closed"),
}


async def reflect(chat: Chat, name: str, session_id: int, words: str) -> tuple[Chat, str]:
    """`name` writes `words`; returns them and their withdrawal code."""
    writer = Chat.person(name)
    await chat.press(writer, "brew:consent:yes:")
    reply = await chat.press(
        writer,
        f"brew:reflection:submit:{session_id}",
        {"category": "working", "text": words, "quote": "yes"},
    )
    return writer, re.search(rf"\b{session_id}(-[A-Z0-9]{{5}}){{3}}\b", reply.text).group(0)


async def stored(app, key_start: str) -> list[OutboxItem]:
    async with app.db.read() as tx:
        query = select(OutboxItem).where(OutboxItem.key.startswith(key_start))
        return list((await tx.exec(query)).all())


def in_the_files(app, data_folder, elsewhere, database_url, words: str) -> bool:
    marker = words.split(":")[0]
    if database_url.startswith("sqlite"):
        return forensics.contains(copy(data_folder, elsewhere / "copy"), marker)
    return marker.encode() in forensics.pg_relation_bytes(database_url, "outbox")


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
async def test_a_draft_not_yet_delivered_is_made_again_without_it(
    app, chat, fac, clock, data_folder, elsewhere, database_url, refusal
):
    session_id = await make_session(app, SessionState.REFLECTING)
    writer, code = await reflect(chat, "Wren", session_id, TAKEN_BACK)
    await reflect(chat, "Ash", session_id, KEPT)
    app.deps.adapter.failures[f"private:{fac.id}"] = REFUSALS[refusal]
    await chat.say(fac, f"/brew close {session_id}")
    [draft] = await stored(app, f"draft:{session_id}")
    assert draft.status != OutboxStatus.DONE and "Zanzibar" in draft.payload
    done = await chat.say(writer, f"/brew withdraw {code}")
    assert done.text == "Your reflection has been taken back and deleted."
    [draft] = await stored(app, f"draft:{session_id}")
    assert "Zanzibar" not in draft.payload and "Quince" in draft.payload, "made again"
    assert not in_the_files(app, data_folder, elsewhere, database_url, TAKEN_BACK)
    # Fran's private messages work again, or she presses nothing: either way the words
    # taken back never reach her.
    app.deps.adapter.failures.clear()
    clock.advance(timedelta(hours=1))
    await app.deps.outbox.deliver()
    got = " ".join(m.plain_text() for m in app.deps.adapter.private_to(fac.id))
    assert "Zanzibar" not in got
    assert ("Quince" in got) == (refusal == "failing"), "the draft itself still arrives"


async def test_an_alert_not_yet_delivered_keeps_going_without_the_words(
    app, chat, fac, clock, data_folder, elsewhere, database_url
):
    session_id = await make_session(app, SessionState.REFLECTING)
    app.deps.adapter.failures[f"private:{fac.id}"] = REFUSALS["failing"]
    writer, code = await reflect(chat, "Wren", session_id, HELD)
    [alert] = await stored(app, "safeguarding:")
    assert "Ptarmigan" in alert.payload
    done = await chat.say(writer, f"/brew withdraw {code}")
    assert done.text == "Your reflection has been taken back and deleted."
    [alert] = await stored(app, "safeguarding:")
    assert "Ptarmigan" not in alert.payload and alert.status != OutboxStatus.DONE
    assert not in_the_files(app, data_folder, elsewhere, database_url, HELD)
    # Whoever looks after safety still hears that something was written and taken back.
    app.deps.adapter.failures.clear()
    clock.advance(timedelta(hours=1))
    await app.deps.outbox.deliver()
    [told] = [m for m in app.deps.adapter.private_to(fac.id) if m.title.startswith("Safeguarding")]
    assert "taken it back" in told.text and f"session {session_id}" in told.text
    assert "Ptarmigan" not in told.plain_text() and writer.id not in told.plain_text()


async def test_a_copy_being_sent_at_that_moment_is_not_called_deleted(app, chat, fac, clock):
    session_id = await make_session(app, SessionState.REFLECTING)
    writer, code = await reflect(chat, "Wren", session_id, TAKEN_BACK)
    app.deps.adapter.failures[f"private:{fac.id}"] = REFUSALS["failing"]
    await chat.say(fac, f"/brew close {session_id}")
    # The worker has just claimed the draft and is sending it, words and all.
    async with app.db.transaction() as tx:
        await tx.exec(
            update(OutboxItem)
            .where(OutboxItem.key == f"draft:{session_id}")
            .values(status=OutboxStatus.SENDING, due_at=clock.now() + LEASE)
        )
    done = await chat.say(writer, f"/brew withdraw {code}")
    assert "taken back and deleted" in done.text
    assert "may still see it" in done.text
