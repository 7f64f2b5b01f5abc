"""Cancelling a session: what was queued for it going ahead (reminders, its posts, notices
about them) is not delivered afterwards, even what was being sent at that moment; people are
told it will not go ahead, and breakout threads are still archived."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.core.domain import SessionState
from bot.core.ports import DeliveryError
from bot.platforms.memory import MemoryAdapter
from bot.scheduling.planner import JobKind, PlannedJob
from tests.conftest import COMMUNITY
from tests.helpers import make_session

ROOM = "brew-room"  # the channel make_session gives a session


def reminders(app) -> list:
    return [s for s in app.deps.adapter.ops("private") if "reminder" in s.message.text.lower()]


def told_cancelled(app) -> list:
    return [s for s in app.deps.adapter.ops("send") if "will not go ahead" in s.message.text]


async def cancel(app, chat, fac, session_id: int, how: str) -> None:
    if how == "command":
        await chat.say(fac, f"/brew cancel {session_id}")
    else:
        await app.sessions.cancel_community(COMMUNITY.platform.value, COMMUNITY.id)


@pytest.mark.parametrize("how", ["command", "removed from the community"])
async def test_reminders_still_queued_are_not_sent_once_cancelled(app, chat, fac, clock, how):
    session_id = await make_session(app, people=3, starts_in=timedelta(minutes=15))
    app.deps.adapter.failures["private"] = DeliveryError("failed", cause="503")
    await app.jobs.run(PlannedJob(JobKind.REMIND, session_id, clock.now()))
    await cancel(app, chat, fac, session_id, how)
    app.deps.adapter.failures.clear()
    clock.advance(timedelta(minutes=5))
    await app.deps.outbox.deliver()
    assert reminders(app) == []
    assert len(told_cancelled(app)) == (how == "command"), "removed: nothing can be posted"


class HeldPrivate:
    """The platform keeps the first private message waiting until the test lets it go."""

    def __init__(self, adapter: MemoryAdapter) -> None:
        self.started, self.go = asyncio.Event(), asyncio.Event()
        self._send = adapter.send_private
        adapter.send_private = self.send

    async def send(self, user, message):
        if not self.started.is_set():
            self.started.set()
            await self.go.wait()
        return await self._send(user, message)


async def test_reminders_being_sent_stop_at_the_cancellation(app, chat, fac, clock):
    session_id = await make_session(app, people=3, starts_in=timedelta(minutes=15))
    held = HeldPrivate(app.deps.adapter)
    job = asyncio.create_task(app.jobs.run(PlannedJob(JobKind.REMIND, session_id, clock.now())))
    await held.started.wait()
    # The channel fails for a moment too: saying it is cancelled waits in the outbox (on
    # SQLite, in the row id of a reminder just withdrawn).
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("failed", cause="503")
    await chat.say(fac, f"/brew cancel {session_id}")
    held.go.set()
    await job
    assert len(reminders(app)) == 1, "the one already with the platform, and no more"
    app.deps.adapter.failures.clear()
    clock.advance(timedelta(minutes=5))
    await app.deps.outbox.deliver()
    assert len(told_cancelled(app)) == 1
    assert len(reminders(app)) == 1


async def test_a_refused_opening_is_not_posted_by_retry_once_cancelled(app, chat, fac, clock):
    session_id = await make_session(app)
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("not_in_channel", "#brew-room")
    await app.jobs.run(PlannedJob(JobKind.OPEN, session_id, clock.now()))
    [told] = [m for m in app.deps.adapter.private_to(fac.id) if "could not post" in m.text]
    app.deps.adapter.failures.clear()
    await chat.say(fac, f"/brew cancel {session_id}")
    answer = await chat.press(fac, told.actions[0].custom_id)
    assert "older message" in answer.text
    assert [s.message.text for s in app.deps.adapter.ops("send")] == [
        told_cancelled(app)[0].message.text
    ], "only that it will not go ahead"


async def test_breakout_threads_are_still_archived_but_not_warned(app, chat, fac, clock):
    session_id = await make_session(app, SessionState.SPARK, people=9)
    await chat.say(fac, f"/brew breakouts {session_id} size=3")
    threads = {s.to.thread_id for s in app.deps.adapter.ops("thread")}
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("failed", cause="503")
    for kind in (JobKind.BREAKOUT_WARNING, JobKind.BREAKOUT_END):
        await app.jobs.run(PlannedJob(kind, session_id, clock.now()))
    await chat.say(fac, f"/brew cancel {session_id}")
    app.deps.adapter.failures.clear()
    clock.advance(timedelta(minutes=5))
    await app.deps.outbox.deliver()
    said = [s.message.text for s in app.deps.adapter.ops("send") if s.to.thread_id]
    assert not [text for text in said if "minutes left" in text]
    assert {s.to.thread_id for s in app.deps.adapter.ops("archive")} == threads
