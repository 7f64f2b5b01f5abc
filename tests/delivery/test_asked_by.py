"""A post a person asked for (any command's, not only `/brew post`) that is refused for good
once nobody is waiting is told to that person, with Retry: a co-facilitator who ran a step of
a session someone else scheduled hears it, not the facilitator who scheduled it. A job's
post has nobody who asked, so the session's facilitator hears it (test_outbox_posts.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.core.domain import SessionState
from bot.core.ports import DeliveryError
from bot.scheduling.planner import JobKind, PlannedJob
from storage.models import OutboxItem
from tests.conftest import Chat
from tests.helpers import make_session

ROOM = "brew-room"  # the channel make_session gives a session
WG = "working-group"
PAT = Chat.person("Pat", facilitator=True)  # a co-facilitator: Fran scheduled the sessions


async def refused_after_a_moment(app, clock, channel: str = ROOM) -> None:
    """The platform failed for a moment while Pat waited, then refuses for good."""
    app.deps.adapter.failures[f"send:{channel}"] = DeliveryError("not_in_channel", f"#{channel}")
    clock.advance(timedelta(minutes=5))
    await app.deps.outbox.deliver()


def told(app, user) -> list:
    return [m for m in app.deps.adapter.private_to(user.id) if "could not" in m.text]


async def test_a_spark_a_co_facilitator_posted_is_told_to_them(app, chat, fac, clock):
    session_id = await make_session(app, SessionState.OPEN)
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("failed", "503")
    answer = await chat.say(PAT, f"/brew spark {session_id}")
    assert "keep trying" in answer.text
    await refused_after_a_moment(app, clock)
    [notice] = told(app, PAT)
    assert "invite Brewbot" in notice.text and [a.label for a in notice.actions] == ["Retry"]
    assert told(app, fac) == [], "Fran did not ask for it"
    app.deps.adapter.failures.clear()
    await chat.press(PAT, notice.actions[0].custom_id)
    assert any(s.to.id == ROOM for s in app.deps.adapter.ops("send"))


async def test_breakout_instructions_a_co_facilitator_started_are_told_to_them(
    app, chat, fac, clock
):
    session_id = await make_session(app, SessionState.SPARK, people=6)
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("failed", "503")
    await chat.say(PAT, f"/brew breakouts {session_id} size=3")
    async with app.db.read() as tx:
        items = (await tx.exec(select(OutboxItem))).all()
    instructions = [i for i in items if i.key.startswith("instructions:")]
    assert len(instructions) == 2 and {i.asked_by for i in instructions} == {PAT.id}
    await refused_after_a_moment(app, clock)
    assert len(told(app, PAT)) == 2
    assert told(app, fac) == []


async def test_closing_words_a_co_facilitator_asked_for_are_told_to_them(app, chat, fac, clock):
    session_id = await make_session(app, SessionState.REFLECTING)
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("failed", "503")
    await chat.say(PAT, f"/brew close {session_id}")
    await refused_after_a_moment(app, clock)
    assert len(told(app, PAT)) == 1
    assert told(app, fac) == []


async def test_an_anonymous_step_records_nobody_as_asking(app, chat, fac, clock):
    """/brew reflect is anonymous (it may open the reflection form): no row may name whoever
    ran it, so its invitation's refusal goes to the session's facilitator."""
    session_id = await make_session(app, SessionState.OPEN)
    await chat.say(fac, f"/brew spark {session_id}")
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("failed", "503")
    await chat.say(PAT, f"/brew reflect {session_id}")
    async with app.db.read() as tx:
        [invite] = (
            await tx.exec(select(OutboxItem).where(OutboxItem.key.startswith("reflect:")))
        ).all()
    assert invite.asked_by == "" and PAT.id not in invite.payload
    await refused_after_a_moment(app, clock)
    assert told(app, PAT) == []
    assert len(told(app, fac)) == 1


async def test_a_digest_a_co_facilitator_sent_is_told_to_them(app, chat, fac, clock):
    session_id = await make_session(app, SessionState.CLOSED)
    await chat.say(fac, f"/brew settings working_group_channel {WG}")
    app.deps.adapter.failures[f"send:{WG}"] = DeliveryError("failed", "503")
    await chat.say(PAT, f"/brew digest {session_id} send")
    await refused_after_a_moment(app, clock, WG)
    [notice] = told(app, PAT)
    assert "digest" in notice.text and [a.label for a in notice.actions] == ["Retry"]
    assert told(app, fac) == []


async def test_a_digest_a_co_facilitator_sent_is_said_to_have_arrived_to_them(
    app, chat, fac, clock
):
    """Whoever pressed Send hears that the digest arrived, as they would hear it refused."""
    session_id = await make_session(app, SessionState.CLOSED)
    await chat.say(fac, f"/brew settings working_group_channel {WG}")
    await chat.say(PAT, f"/brew digest {session_id} send")
    await app.deps.outbox.deliver()
    arrived = app.deps.texts.t("digests.sent", session_id=session_id)
    assert [m.text for m in app.deps.adapter.private_to(PAT.id) if m.text == arrived] == [arrived]
    assert not [m for m in app.deps.adapter.private_to(fac.id) if m.text == arrived]


async def test_a_job_post_is_still_told_to_the_facilitator(app, chat, fac, clock):
    """Nobody asked for a job's post: asked_by stays empty."""
    session_id = await make_session(app)
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("failed", "503")
    await app.jobs.run(PlannedJob(JobKind.OPEN, session_id, clock.now()))
    async with app.db.read() as tx:
        [item] = (await tx.exec(select(OutboxItem).where(OutboxItem.key.startswith("open:")))).all()
    assert item.asked_by == ""
    await refused_after_a_moment(app, clock)
    assert len(told(app, fac)) == 1
