"""A safeguarding message (an alert with a held reflection's words, a request to be contacted)
is never given up while it has reached nobody: each refused copy is tried again every hour
until one arrives, and meanwhile the facilitators are told it is waiting and what to do,
never its words or its writer, and the operator's log says so at ERROR."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import select, update

from bot.core.domain import SessionState
from bot.core.ports import DeliveryError
from bot.reflections.safeguarding import SAFEGUARDING
from storage.models import OutboxItem, OutboxStatus, Session
from tests.conftest import Chat
from tests.helpers import make_session, next_grid_moment

WORDS = "I am scared of going home, he hits me."
REFUSALS = {
    "closed": DeliveryError("dm_closed"),
    "failing": DeliveryError("failed", cause="Discord answered 503"),
}


async def write(chat: Chat, session_id: int, text: str = WORDS):
    writer = Chat.person("Wren")
    await chat.press(writer, "brew:consent:yes:")
    thanks = await chat.press(
        writer,
        f"brew:reflection:submit:{session_id}",
        {"category": "not_working", "text": text},
    )
    return writer, thanks


async def copies(app) -> list[OutboxItem]:
    async with app.db.read() as tx:
        query = select(OutboxItem).where(OutboxItem.purpose == SAFEGUARDING)
        return list((await tx.exec(query.order_by(OutboxItem.id))).all())


async def hours_pass(app, clock, hours: int) -> None:
    """The running bot's outbox, hour by hour."""
    for _ in range(hours):
        clock.advance(timedelta(hours=1))
        await app.deps.outbox.deliver()


def waiting_note(text: str) -> bool:
    return "Safeguarding messages waiting" in text


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
async def test_an_alert_nobody_can_receive_is_kept_and_tried_every_hour_until_it_arrives(
    app, chat, fac, clock, caplog, refusal
):
    session_id = await make_session(app, SessionState.REFLECTING)
    # No safeguarding contact and no e-mail address: the alert is for Fran, who cannot get it.
    app.deps.adapter.failures[f"private:{fac.id}"] = REFUSALS[refusal]
    caplog.set_level(logging.ERROR)
    writer, thanks = await write(chat, session_id)
    # Told what is true when it is said: it is on its way, not arrived.
    assert "I am passing it on privately to the person who looks after safety" in thanks.text
    assert "It has gone" not in thanks.text
    await hours_pass(app, clock, 14)  # far beyond the quick retries
    [alert] = await copies(app)
    assert alert.status == OutboxStatus.PENDING and "he hits me" in alert.payload, "kept"
    assert alert.due_at > clock.now() and (alert.due_at.minute, alert.due_at.second) == (0, 0)
    assert alert.due_at - clock.now() <= timedelta(hours=1), "tried again within the hour"
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("safeguarding message waiting" in line for line in logged)
    assert not [line for line in logged if "hits me" in line or writer.id in line]
    # Fran hears it is waiting in her next answer, whatever she asked; nobody else does.
    answer = await chat.say(fac, "/brew sessions")
    assert waiting_note(answer.text) and f"from session {session_id}" in answer.text
    assert "hits me" not in answer.text and writer.id not in answer.text
    assert not waiting_note((await chat.say(writer, "/brew help")).text)
    # Fran lets Brewbot message her: within the hour the words reach her, and only then
    # are they cleared.
    app.deps.adapter.failures.clear()
    await hours_pass(app, clock, 1)
    [received] = [m for m in app.deps.adapter.private_to(fac.id) if m.sections]
    assert "he hits me" in received.sections[0].body and writer.id not in received.plain_text()
    [alert] = await copies(app)
    assert alert.status == OutboxStatus.DONE and alert.payload == ""
    assert not waiting_note((await chat.say(fac, "/brew sessions")).text)


async def test_with_the_contact_and_facilitator_unreachable_the_other_facilitators_hear_of_it(
    app, chat, fac, clock
):
    session_id = await make_session(app, SessionState.REFLECTING)
    # Bob, another facilitator of the community, scheduled a session of his own.
    other = await make_session(app, SessionState.SCHEDULED, people=0)
    async with app.db.transaction() as tx:
        await tx.exec(update(Session).where(Session.id == other).values(created_by="user-bob"))
    await chat.say(fac, "/brew settings safeguarding_contact user-sam")
    for unreachable in ("user-sam", fac.id):
        app.deps.adapter.failures[f"private:{unreachable}"] = DeliveryError("dm_closed")
    writer, _ = await write(chat, session_id)
    # The refusal at once is heard of at the next grid moment, within five minutes.
    assert not app.deps.adapter.private_to("user-bob")
    await next_grid_moment(app, clock)
    contact, facilitator = await copies(app)
    assert contact.key.endswith(":contact") and facilitator.key.endswith(":facilitator")
    assert "he hits me" in contact.payload and "he hits me" in facilitator.payload
    [told] = app.deps.adapter.private_to("user-bob")
    assert f"session {session_id}" in told.text and "nobody has read it yet" in told.text
    assert "hits me" not in told.plain_text() and writer.id not in told.plain_text()
    await hours_pass(app, clock, 3)
    assert len(app.deps.adapter.private_to("user-bob")) == 1, "told once"
    # The contact may not be a facilitator: they hear of it too.
    sam = Chat.person("Sam")
    assert waiting_note((await chat.say(sam, "/brew help")).text)
    # Fran chooses a contact Brewbot can reach: the next hour's try goes to Bob.
    said = await chat.say(fac, "/brew settings safeguarding_contact user-bob")
    assert waiting_note(said.text)
    await hours_pass(app, clock, 1)
    [alert] = [m for m in app.deps.adapter.private_to("user-bob") if m.sections]
    assert "he hits me" in alert.sections[0].body
    assert {(c.status, c.payload) for c in await copies(app)} == {(OutboxStatus.DONE, "")}
    assert not waiting_note((await chat.say(fac, "/brew sessions")).text)


async def test_a_request_to_be_contacted_waits_the_same_way(app, chat, fac, clock):
    session_id = await make_session(app, SessionState.REFLECTING)
    app.deps.adapter.failures[f"private:{fac.id}"] = DeliveryError("dm_closed")
    writer, thanks = await write(chat, session_id, "The bus to the day centre is often late.")
    [ask] = thanks.replies[0][0].actions
    [yes] = (await chat.press(writer, ask.custom_id)).replies[0][0].actions
    answer = await chat.press(writer, yes.custom_id)
    assert "I am passing your name on now" in answer.text
    await hours_pass(app, clock, 3)
    [request] = await copies(app)
    assert request.status == OutboxStatus.PENDING and "Wren" in request.payload
    note = (await chat.say(fac, "/brew sessions")).text
    assert waiting_note(note) and "Wren" not in note and writer.id not in note
    app.deps.adapter.failures.clear()
    await hours_pass(app, clock, 1)
    [received] = app.deps.adapter.private_to(fac.id)
    assert "Wren" in received.sections[0].body
