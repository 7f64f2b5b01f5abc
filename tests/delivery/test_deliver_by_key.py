"""Delivering by key (`Outbox.deliver(keys=...)`, a command's `deliver_effect`) tries the
deliveries asked for, and then only what their outcomes added (a notice to a facilitator, a
fallback): never every other delivery of the database that happens to be due, which the
worker delivers in its own time."""

from __future__ import annotations

from sqlmodel import select

from bot.core.domain import SessionState
from bot.core.messages import OutgoingMessage
from bot.core.ports import DeliveryError
from bot.delivery.outbox import NOTICE, Delivery
from bot.engine.context import Work
from storage.models import Community, Session
from tests.helpers import make_session

ROOM = "brew-room"  # the channel make_session gives a session
ELSEWHERE = "other-room"


async def another_post_due(app) -> None:
    """Another session's post, due now, waiting for the worker."""
    async with app.db.transaction() as tx:
        [community] = (await tx.exec(select(Community))).all()
        message = OutgoingMessage("The other session starts soon.")
        delivery = Delivery("other:post", NOTICE, "post", ELSEWHERE, message)
        await app.deps.outbox.add(tx, community, delivery)


def sent_to(app, channel: str) -> list:
    return [s for s in app.deps.adapter.ops("send") if s.to.id == channel]


async def test_a_command_delivers_what_it_asked_for_and_nothing_else(app, chat, fac):
    session_id = await make_session(app, SessionState.OPEN)
    await another_post_due(app)
    answer = await chat.say(fac, f"/brew spark {session_id}")
    assert "is posted" in answer.text
    assert len(sent_to(app, ROOM)) == 1
    assert sent_to(app, ELSEWHERE) == [], "the other session's post is the worker's"
    await app.deps.outbox.deliver()
    assert len(sent_to(app, ELSEWHERE)) == 1


async def test_what_a_refusal_adds_is_delivered_in_the_same_call_and_nothing_else(
    app, chat, fac, clock
):
    session_id = await make_session(app)
    await another_post_due(app)
    async with app.db.transaction() as tx:
        session = await tx.get(Session, session_id)
        [community] = (await tx.exec(select(Community))).all()
        message = OutgoingMessage("Welcome.")
        await app.deps.outbox.post_in_session(Work(tx, community), session, message, key="asked")
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("not_in_channel", "#brew-room")
    await app.deps.outbox.deliver(keys=("asked",))
    [told] = [m for m in app.deps.adapter.private_to(fac.id) if "could not post" in m.text]
    assert "invite Brewbot" in told.text
    assert sent_to(app, ELSEWHERE) == []
