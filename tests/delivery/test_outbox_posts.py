"""Every post a session makes goes through the outbox: the opening, the spark, breakout
instructions, warnings and gathering, the closing words and notices to facilitators. A post
refused for good is told to the person waiting, or, with nobody waiting (a job), to the
facilitator with a Retry button; a post left undelivered by a crash is delivered after a
restart, once."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.app import build_app
from bot.core.domain import SessionState
from bot.core.ports import DeliveryError
from bot.platforms.memory import MemoryAdapter
from bot.scheduling.planner import JobKind, PlannedJob
from storage.models import OutboxItem, OutboxStatus
from tests.conftest import Chat, make_settings
from tests.helpers import make_session

ROOM = "brew-room"  # the channel make_session gives a session


def channel_posts(app, channel: str = ROOM, thread: str | None = None):
    return [
        s for s in app.deps.adapter.ops("send") if s.to.id == channel and s.to.thread_id == thread
    ]


class Killed(BaseException):
    """Stands in for kill -9: nothing after it runs, not even `except Exception`."""


async def test_an_opening_refused_with_nobody_waiting_reaches_the_facilitator_with_retry(
    app, chat, fac, clock
):
    session_id = await make_session(app)
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("not_in_channel", "#brew-room")
    await app.jobs.run(PlannedJob(JobKind.OPEN, session_id, clock.now()))
    [told] = [m for m in app.deps.adapter.private_to(fac.id) if "could not post" in m.text]
    assert '"Being heard"' in told.text and "invite Brewbot" in told.text
    assert [a.label for a in told.actions] == ["Retry"]
    # Refused for good: the worker does not try again on its own.
    app.deps.adapter.failures.clear()
    clock.advance(timedelta(hours=1))
    await app.deps.outbox.deliver()
    assert channel_posts(app) == []
    answer = await chat.press(fac, told.actions[0].custom_id)
    assert "trying that message again" in answer.text
    [opening] = channel_posts(app)
    assert "Join the session" in [a.label for a in opening.message.actions]
    again = await chat.press(fac, told.actions[0].custom_id)
    assert "has gone through" in again.text
    assert len(channel_posts(app)) == 1


def post_refusals(app, fac) -> list:
    return [m for m in app.deps.adapter.private_to(fac.id) if "could not post" in m.text]


async def refused_after_a_moment(app, clock) -> None:
    """The platform fails for a moment, then refuses for good: the outbox tries again."""
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("not_in_channel", "#brew-room")
    clock.advance(timedelta(minutes=5))
    await app.deps.outbox.deliver()


async def test_a_post_refused_again_after_retry_is_told_again(app, chat, fac, clock):
    session_id = await make_session(app)
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("failed", "503")
    await app.jobs.run(PlannedJob(JobKind.OPEN, session_id, clock.now()))
    await refused_after_a_moment(app, clock)
    [first] = post_refusals(app, fac)
    # Retry: the same again, a moment's failure and then a refusal.
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("failed", "503")
    answer = await chat.press(fac, first.actions[0].custom_id)
    assert "keep trying" in answer.text
    await refused_after_a_moment(app, clock)
    told = post_refusals(app, fac)
    assert len(told) == 2, "the second refusal is told too"
    assert told[1].actions == first.actions
    await app.deps.outbox.deliver()
    assert len(post_refusals(app, fac)) == 2


async def test_a_post_refused_while_the_facilitator_waits_is_told_in_the_answer_only(
    app, chat, fac
):
    session_id = await make_session(app, SessionState.OPEN)
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("not_in_channel", "#brew-room")
    answer = await chat.say(fac, f"/brew spark {session_id}")
    assert "is chosen, but it is not in the channel yet" in answer.text
    assert "#brew-room" in answer.text and "is posted" not in answer.text
    assert not [m for m in app.deps.adapter.private_to(fac.id) if "could not post" in m.text]


async def test_a_moment_of_failure_is_told_truthfully_and_delivered_later_once(
    app, chat, fac, clock
):
    session_id = await make_session(app, SessionState.OPEN)
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("failed", "503")
    answer = await chat.say(fac, f"/brew spark {session_id}")
    assert "has not gone through yet" in answer.text and "keep trying" in answer.text
    assert "is posted" not in answer.text
    assert channel_posts(app) == []
    app.deps.adapter.failures.clear()
    clock.advance(timedelta(minutes=2))
    await app.deps.outbox.deliver()
    await app.deps.outbox.deliver()
    [spark] = channel_posts(app)
    assert spark.message.title or spark.message.text


PAT = Chat.person("Pat", facilitator=True)  # a facilitator who scheduled no session


async def test_a_post_refused_after_i_will_keep_trying_is_told_to_whoever_asked(
    app, chat, clock
):
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("failed", "503")
    answer = await chat.say(PAT, "/brew post The room has moved to Room 4 today")
    assert "I will keep trying" in answer.text
    await refused_after_a_moment(app, clock)
    [told] = app.deps.adapter.private_to(PAT.id)
    assert told.text.startswith("I could not post the message you asked me to post")
    assert "invite Brewbot" in told.text
    assert [(s.body, s.untrusted) for s in told.sections] == [
        ("The room has moved to Room 4 today", True)
    ]
    # Brewbot is invited; Retry posts it.
    app.deps.adapter.failures.clear()
    await chat.press(PAT, told.actions[0].custom_id)
    [post] = channel_posts(app)
    assert post.message.text == "The room has moved to Room 4 today"


async def test_forget_me_leaves_no_id_on_a_post_they_asked_for(app, chat, clock):
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("failed", "503")
    await chat.say(PAT, "/brew post The room has moved to Room 4 today")
    await chat.say(PAT, "/brew forget me")
    await chat.press(PAT, "brew:privacy:forget:yes")
    async with app.db.read() as tx:
        [item] = (await tx.exec(select(OutboxItem))).all()
    assert item.asked_by == "" and PAT.id not in item.payload
    await refused_after_a_moment(app, clock)
    assert app.deps.adapter.ops("private") == []


async def breakout_threads(app, chat, fac) -> tuple[int, list[str]]:
    session_id = await make_session(app, SessionState.SPARK, people=9)
    await chat.say(fac, f"/brew breakouts {session_id} size=3")
    threads = [s.to.thread_id for s in app.deps.adapter.ops("thread")]
    assert len(threads) == 3
    return session_id, threads


async def test_warnings_and_gathering_left_by_a_crash_arrive_after_a_restart_once(
    sqlite_url, clock
):
    settings = make_settings(sqlite_url)
    first = await build_app(settings, MemoryAdapter(), clock=clock)
    fac = Chat.person("Fran", facilitator=True)
    try:
        session_id, threads = await breakout_threads(first, Chat(first), fac)

        async def dies(to, message):
            raise Killed

        first.deps.adapter.send = dies
        for kind in (JobKind.BREAKOUT_WARNING, JobKind.BREAKOUT_END):
            try:
                await first.jobs.run(PlannedJob(kind, session_id, clock.now()))
            except Killed:
                pass
    finally:
        await first.close()
    clock.advance(timedelta(minutes=3))  # past the lease of the delivery that was cut short
    second = await build_app(settings, MemoryAdapter(), clock=clock)
    try:
        await second.deps.outbox.deliver()
        for thread in threads:
            said = [s.message.text for s in channel_posts(second, ROOM, thread)]
            assert sum("minutes left" in text for text in said) == 1, said
            assert sum("Time is up" in text for text in said) == 1, said
        archived = sorted(s.to.thread_id for s in second.deps.adapter.ops("archive"))
        assert archived == sorted(threads), "every thread archived, each once"
        await second.deps.outbox.deliver()
        assert len(second.deps.adapter.ops("archive")) == 3
    finally:
        await second.close()


async def test_a_thread_that_refuses_the_gather_message_is_still_archived(app, chat, fac):
    session_id, threads = await breakout_threads(app, chat, fac)
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("archived", "breakout thread")
    await chat.say(fac, f"/brew gather {session_id}")
    assert sorted(s.to.thread_id for s in app.deps.adapter.ops("archive")) == sorted(threads)


async def test_forget_me_takes_the_messages_waiting_for_them(app, chat, fac, clock):
    session_id = await make_session(app, SessionState.REFLECTING)
    app.deps.adapter.failures["private"] = DeliveryError("failed", "503")
    await app.jobs.run(PlannedJob(JobKind.REFLECT_END, session_id, clock.now()))
    async with app.db.read() as tx:
        waiting = (await tx.exec(select(OutboxItem).where(OutboxItem.target == fac.id))).all()
    assert [i.status for i in waiting] == [OutboxStatus.PENDING], "the draft waits for Fran"
    app.deps.adapter.failures.clear()
    await chat.say(fac, "/brew forget me")
    await chat.press(fac, "brew:privacy:forget:yes")
    async with app.db.read() as tx:
        assert (await tx.exec(select(OutboxItem).where(OutboxItem.target == fac.id))).all() == []


async def test_time_is_up_is_said_once_in_the_main_channel(app, chat, fac, clock):
    """Gathered by hand, then the breakout timer's own end comes: one "Time is up" in the
    main channel, not two."""
    session_id, _ = await breakout_threads(app, chat, fac)
    await chat.say(fac, f"/brew gather {session_id}")
    await app.jobs.run(PlannedJob(JobKind.BREAKOUT_END, session_id, clock.now()))
    said = [s.message.text for s in channel_posts(app)]
    assert sum("Time is up" in text for text in said) == 1, said


async def test_opening_never_says_posted_beside_a_failure(app, chat, fac):
    session_id = await make_session(app)
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("not_found", "#brew-room")
    answer = await chat.say(fac, f"/brew open {session_id}")
    assert "is open" in answer.text and "#brew-room" in answer.text
    assert "posted the welcome" not in answer.text
