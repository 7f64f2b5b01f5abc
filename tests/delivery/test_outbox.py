"""Nothing people said is lost: deliveries that matter go through the outbox, are retried
when the platform fails for a moment, survive a restart, and when refused for good a person
is told what to do, with a Retry button. A digest counts as sent only once it has arrived."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.app import build_app
from bot.core.domain import SessionState
from bot.core.messages import Action, Attachment, OutgoingMessage, Section
from bot.core.ports import DeliveryError
from bot.delivery.mail import Letter
from bot.delivery.outbox import MAX_ATTEMPTS, Delivery, decode, encode, retry_delay
from bot.platforms.memory import MemoryAdapter
from bot.scheduling.planner import JobKind, PlannedJob
from storage.models import Community, Digest, OutboxItem, OutboxStatus
from tests.conftest import Chat, app_for, make_settings
from tests.fakes.slack_harness import WORKING_GROUP, reply_text, slack_world
from tests.helpers import make_session, next_grid_moment, state_of
from tests.platforms.test_slack_session import ADMIN, FACILITATOR, posts, workspace

WG = "working-group"


async def items(app) -> list[OutboxItem]:
    async with app.db.read() as tx:
        return list((await tx.exec(select(OutboxItem).order_by(OutboxItem.id))).all())


async def digest_status(app, session_id: int) -> str:
    async with app.db.read() as tx:
        row = (await tx.exec(select(Digest).where(Digest.session_id == session_id))).one()
    return row.status


async def test_a_refused_digest_is_not_sent_until_it_arrives(app, chat, fac):
    session_id = await make_session(app, SessionState.CLOSED)
    await chat.say(fac, f"/brew settings working_group_channel {WG}")
    app.deps.adapter.failures[f"send:{WG}"] = DeliveryError("not_in_channel", "#working-group")
    answer = await chat.say(fac, f"/brew digest {session_id} send")
    assert "sending" in answer.text and "has arrived with" not in answer.text
    [told] = [m for m in app.deps.adapter.private_to(fac.id) if "could not post" in m.text]
    assert "#working-group" in told.text and "invite Brewbot" in told.text
    assert [a.label for a in told.actions] == ["Retry"]
    assert await state_of(app, session_id) == SessionState.CLOSED
    assert await digest_status(app, session_id) == "failed"
    # Refused for good: no more tries until someone acts.
    app.deps.adapter.failures.clear()
    await app.deps.outbox.deliver()
    assert not [s for s in app.deps.adapter.ops("send") if s.to.id == WG]
    # Brewbot was invited; Retry.
    await chat.press(fac, told.actions[0].custom_id)
    [digest] = [s for s in app.deps.adapter.ops("send") if s.to.id == WG]
    assert digest.message.title.startswith("Key findings")
    assert await state_of(app, session_id) == SessionState.SUMMARISED
    assert await digest_status(app, session_id) == "sent"
    assert any("has arrived" in m.text for m in app.deps.adapter.private_to(fac.id))
    # Pressing Send again changes nothing and sends nothing twice.
    again = await chat.say(fac, f"/brew digest {session_id} send")
    assert "has been sent" in again.text
    assert len([s for s in app.deps.adapter.ops("send") if s.to.id == WG]) == 1


def digest_refusals(app, fac) -> list:
    return [m for m in app.deps.adapter.private_to(fac.id) if "could not post the digest" in m.text]


async def test_a_digest_refused_again_after_retry_is_told_again_each_time(app, chat, fac):
    session_id = await make_session(app, SessionState.CLOSED)
    await chat.say(fac, f"/brew settings working_group_channel {WG}")
    app.deps.adapter.failures[f"send:{WG}"] = DeliveryError("not_in_channel", "#working-group")
    await chat.say(fac, f"/brew digest {session_id} send")
    [first] = digest_refusals(app, fac)
    # Fran invited Brewbot to the wrong channel and presses Retry: refused again.
    answer = await chat.press(fac, first.actions[0].custom_id)
    assert "I will tell you when it has arrived, or if something stops it" in answer.text
    assert len(digest_refusals(app, fac)) == 2, "the second refusal is told too"
    # And again by the command itself, and once more when the worker passes: no repeats.
    await chat.say(fac, f"/brew digest {session_id} send")
    await app.deps.outbox.deliver()
    told = digest_refusals(app, fac)
    assert len(told) == 3 and all(m.actions[0].label == "Retry" for m in told)
    assert await digest_status(app, session_id) == "failed"
    assert await state_of(app, session_id) == SessionState.CLOSED


async def test_a_moment_of_failure_is_retried_until_it_arrives(app, chat, fac, clock):
    session_id = await make_session(app, SessionState.CLOSED)
    await chat.say(fac, f"/brew settings working_group_channel {WG}")
    app.deps.adapter.failures[f"send:{WG}"] = DeliveryError("rate_limited")
    await chat.say(fac, f"/brew digest {session_id} send")
    [item] = [i for i in await items(app) if i.purpose == "digest"]
    assert item.status == OutboxStatus.PENDING and item.attempts == 1
    assert item.due_at > clock.now(), "waits before trying again"
    assert not [m for m in app.deps.adapter.private_to(fac.id) if "could not" in m.text]
    # Not yet due: nothing is tried.
    app.deps.adapter.failures.clear()
    assert await app.deps.outbox.deliver() == 0
    clock.advance(timedelta(minutes=1))
    assert await app.deps.outbox.deliver() >= 1
    assert await state_of(app, session_id) == SessionState.SUMMARISED
    [done] = [i for i in await items(app) if i.purpose == "digest"]
    assert done.status == OutboxStatus.DONE and done.payload == "", "words cleared once delivered"


async def test_a_delivery_survives_a_restart(sqlite_url, clock):
    settings = make_settings(sqlite_url)
    first = await build_app(settings, MemoryAdapter(), clock=clock)
    chat, fac = Chat(first), Chat.person("Fran", facilitator=True)
    try:
        session_id = await make_session(first, SessionState.CLOSED)
        await chat.say(fac, f"/brew settings working_group_channel {WG}")
        refused = DeliveryError("failed", cause="Discord answered 503")
        first.deps.adapter.failures[f"send:{WG}"] = refused
        await chat.say(fac, f"/brew digest {session_id} send")
    finally:
        await first.close()
    clock.advance(timedelta(hours=1))
    second = await build_app(settings, MemoryAdapter(), clock=clock)
    try:
        await second.deps.outbox.deliver()
        assert [s for s in second.deps.adapter.ops("send") if s.to.id == WG]
        assert await state_of(second, session_id) == SessionState.SUMMARISED
    finally:
        await second.close()


async def test_a_digest_the_platform_keeps_failing_names_the_channel_not_what_it_answered(
    app, chat, fac, clock
):
    session_id = await make_session(app, SessionState.CLOSED)
    await chat.say(fac, f"/brew settings working_group_channel {WG}")
    refused = DeliveryError("failed", cause="Discord answered 503")
    app.deps.adapter.failures[f"send:{WG}"] = refused
    await chat.say(fac, f"/brew digest {session_id} send")
    for _ in range(MAX_ATTEMPTS):
        clock.advance(timedelta(hours=1))
        await app.deps.outbox.deliver()
    told = [m.text for m in app.deps.adapter.private_to("user-fran")]
    [notice] = [text for text in told if "could not post the digest" in text]
    assert f"in {WG}." in notice and "press Retry" in notice
    assert "503" not in notice and "answered" not in notice


class HeldSend:
    """The platform keeps the first post to `channel` waiting (a rate limit's Retry-After,
    a slow connection) until the test lets it go."""

    def __init__(self, adapter: MemoryAdapter, channel: str) -> None:
        self.started, self.go = asyncio.Event(), asyncio.Event()
        self._send, self._channel = adapter.send, channel
        adapter.send = self.send

    async def send(self, to, message):
        if to.id == self._channel and not self.started.is_set():
            self.started.set()
            await self.go.wait()
        return await self._send(to, message)


def digest_posts(app) -> list:
    return [s for s in app.deps.adapter.ops("send") if s.to.id == WG]


async def test_a_send_outlasting_its_lease_is_not_sent_again_by_its_own_process(
    app, chat, fac, clock
):
    session_id = await make_session(app, SessionState.CLOSED)
    await chat.say(fac, f"/brew settings working_group_channel {WG}")
    held = HeldSend(app.deps.adapter, WG)
    command = asyncio.create_task(chat.say(fac, f"/brew digest {session_id} send"))
    await held.started.wait()
    clock.advance(timedelta(minutes=3))  # past the lease it was claimed with
    await app.deps.outbox.deliver()  # the worker's next pass
    held.go.set()
    await command
    assert len(digest_posts(app)) == 1
    assert await state_of(app, session_id) == SessionState.SUMMARISED


async def test_another_process_leaves_a_long_send_alone_but_takes_a_dead_ones(
    database_url, clock
):
    first = await app_for(make_settings(database_url), clock)
    second = await app_for(make_settings(database_url), clock)
    chat, fac = Chat(first), Chat.person("Fran", facilitator=True)
    try:
        session_id = await make_session(first, SessionState.CLOSED)
        await chat.say(fac, f"/brew settings working_group_channel {WG}")
        held = HeldSend(first.deps.adapter, WG)
        command = asyncio.create_task(chat.say(fac, f"/brew digest {session_id} send"))
        await held.started.wait()
        for _ in range(3):  # three minutes of waiting, the lease renewed as it goes
            clock.advance(timedelta(minutes=1))
            await first.deps.outbox.renew()
        await second.deps.outbox.deliver()
        assert digest_posts(second) == [], "not taken for abandoned"
        held.go.set()
        await command
        assert len(digest_posts(first)) == 1
        # The next digest's process dies while sending it: once its lease has run out the
        # other process sends it.
        again = await make_session(first, SessionState.CLOSED, people=0)

        async def dies(to, message):
            raise Killed

        first.deps.adapter.send = dies
        with contextlib.suppress(Killed):
            await chat.say(fac, f"/brew digest {again} send")
        await first.close()
        await second.deps.outbox.deliver()
        assert digest_posts(second) == [], "its lease has not run out yet"
        clock.advance(timedelta(minutes=3))
        await second.deps.outbox.deliver()
        assert len(digest_posts(second)) == 1
        assert await state_of(second, again) == SessionState.SUMMARISED
    finally:
        await first.close()
        await second.close()


async def test_a_safeguarding_alert_that_cannot_reach_the_contact_reaches_the_facilitator(
    app, chat, fac, clock
):
    session_id = await make_session(app, SessionState.REFLECTING)
    await chat.say(fac, "/brew settings safeguarding_contact user-sam")
    app.deps.adapter.failures["private:user-sam"] = DeliveryError("dm_closed")
    writer = Chat.person("Wren")
    await chat.press(writer, "brew:consent:yes:")
    thanks = await chat.press(
        writer,
        f"brew:reflection:submit:{session_id}",
        {"category": "not_working", "text": "I am scared of going home, he hits me."},
    )
    # The writer sees where to get help, at once and privately.
    assert "116 123" in thanks.text and "999" in thanks.text
    # Sam's refusal is heard of at the next grid moment (within five minutes), not at once.
    assert not [m for m in app.deps.adapter.private_to(fac.id) if m.sections]
    await next_grid_moment(app, clock)
    [alert] = [m for m in app.deps.adapter.private_to(fac.id) if m.sections]
    assert "he hits me" in alert.sections[0].body
    assert "could not reach the safeguarding contact" in alert.text
    assert writer.id not in alert.plain_text()
    assert not [i for i in await items(app) if i.purpose == "safeguarding" and i.payload
                and i.status == OutboxStatus.FAILED], "the words travel in the fallback only"


async def test_enqueueing_twice_stores_once(app, chat, fac):
    await chat.say(fac, "/brew help")
    async with app.db.transaction() as tx:
        community = (await tx.exec(select(Community))).one()
        delivery = Delivery("k:1", "notice", "post", "room", OutgoingMessage("hello"))
        await app.deps.outbox.add(tx, community, delivery)
        await app.deps.outbox.add(tx, community, delivery)
    assert len(await items(app)) == 1


def test_payloads_round_trip() -> None:
    message = OutgoingMessage(
        text="t",
        title="T",
        plain=True,
        sections=(Section("words", "head", untrusted=True),),
        actions=(Action("Retry", "brew:digest:send:1"),),
        attachments=(Attachment("a.csv", b"x,y\n", "text/csv"),),
    )
    assert decode("post", encode(message)) == message
    letter = Letter(("a@b.org",), "s", "text", "<p>h</p>", (("d.csv", b"1", "text/csv"),))
    assert decode("email", encode(letter)) == letter


def test_retry_waits_grow_and_stay_bounded() -> None:
    waits = [retry_delay(n).total_seconds() for n in range(1, 15)]
    assert 2.5 <= waits[0] <= 5
    assert all(w <= 1800 for w in waits)
    assert waits[8] >= 600, "later waits are long (a half to a whole of 5 s x 2^8)"


async def test_slack_channel_not_found_is_told_not_called_sent(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        await world.command(ADMIN, "settings facilitator_role facilitators")
        await world.command(ADMIN, f"settings working_group_channel {WORKING_GROUP}")
        brew = world.brew
        session_id = await make_session(brew, SessionState.CLOSED)
        async with brew.db.transaction() as tx:
            slack = (await tx.exec(select(Community).where(Community.platform == "slack"))).one()
            from storage.models import Session

            session = await tx.get(Session, session_id)
            session.community_id, session.created_by = slack.id, FACILITATOR
            tx.add(session)
        world.fake.fail("chat.postMessage", "channel_not_found")
        start = world.fake.last_seq
        answer = await world.command(FACILITATOR, f"digest {session_id} send")
        assert "has arrived with" not in reply_text(answer)
        assert not posts(world, WORKING_GROUP, after=start)
        # The facilitator is told privately, by the worker if not at once.
        await world.fake.wait_for(
            lambda c: c.method == "chat.postMessage"
            and c.answered == "ok"
            and "could not post the digest" in reply_text(c),
            after=start,
        )
        assert await state_of(brew, session_id) == SessionState.CLOSED


async def test_reminders_interrupted_part_way_reach_everyone_once_after_a_restart(
    sqlite_url, clock
):
    settings = make_settings(sqlite_url)
    first = await build_app(settings, MemoryAdapter(), clock=clock)
    try:
        session_id = await make_session(first, SessionState.SCHEDULED, people=30)
        due = clock.now()
        # The platform fails part-way through: 7 reminders out, then errors (the process
        # might as well have died here).
        sent = 0
        real_send = first.deps.adapter.send_private

        async def flaky(user, message):
            nonlocal sent
            if sent >= 7:
                raise DeliveryError("failed", cause="Discord answered 502")
            sent += 1
            return await real_send(user, message)

        first.deps.adapter.send_private = flaky
        await first.jobs.run(PlannedJob(JobKind.REMIND, session_id, due))
        assert len(first.deps.adapter.ops("private")) == 7
    finally:
        await first.close()
    clock.advance(timedelta(hours=1))
    second = await build_app(settings, MemoryAdapter(), clock=clock)
    try:
        await second.deps.outbox.deliver()
        reached = {s.to.id for s in second.deps.adapter.ops("private")}
        assert len(reached) == 23 and len(second.deps.adapter.ops("private")) == 23
        # Run again (a second scheduler, a replay): nobody hears twice.
        await second.jobs.run(PlannedJob(JobKind.REMIND, session_id, due))
        await second.deps.outbox.deliver()
        assert len(second.deps.adapter.ops("private")) == 23
    finally:
        await second.close()


async def test_people_with_closed_private_messages_get_one_quiet_channel_reminder(app):
    session_id = await make_session(app, SessionState.SCHEDULED, people=4)
    for n in (1, 2):
        app.deps.adapter.failures[f"private:user-p{n}"] = DeliveryError("dm_closed")
    await app.jobs.run(PlannedJob(JobKind.REMIND, session_id, app.deps.clock.now()))
    assert len(app.deps.adapter.ops("private")) == 2
    [post] = [s for s in app.deps.adapter.ops("send") if s.to.id == "brew-room"]
    assert not post.message.ping


@pytest.mark.parametrize("people", [3, 0])
async def test_reminders_that_reach_nobody_are_told_to_the_facilitator(app, chat, fac, people):
    """Every private reminder refused and then the channel's one too (or the channel's is the
    only one, when nobody said they are coming): the facilitator hears it, once."""
    session_id = await make_session(app, SessionState.SCHEDULED, people=people)
    for n in range(people):
        app.deps.adapter.failures[f"private:user-p{n}"] = DeliveryError("dm_closed")
    app.deps.adapter.failures["send:brew-room"] = DeliveryError("not_in_channel", "#brew-room")
    await app.jobs.run(PlannedJob(JobKind.REMIND, session_id, app.deps.clock.now()))
    await app.deps.outbox.deliver()
    [told] = app.deps.adapter.private_to(fac.id)
    assert told.text.startswith('Some people may not have had their reminder for "Being heard"')
    assert "invite Brewbot" in told.text and [a.label for a in told.actions] == ["Retry"]
    # Brewbot is invited to the channel; Retry posts the reminder there.
    del app.deps.adapter.failures["send:brew-room"]
    answer = await chat.press(fac, told.actions[0].custom_id)
    assert "trying that message again" in answer.text
    [post] = [s for s in app.deps.adapter.ops("send") if s.to.id == "brew-room"]
    assert "A gentle reminder" in post.message.text
    assert app.deps.adapter.private_to(fac.id) == [told]


async def test_a_job_the_locked_database_turned_away_is_tried_again(sqlite_url, clock):
    app = await build_app(
        make_settings(sqlite_url, BREWBOT_DB_WAIT_SECONDS=0.2), MemoryAdapter(), clock=clock
    )
    try:
        session_id = await make_session(app, SessionState.SCHEDULED, people=5)
        job = PlannedJob(JobKind.REMIND, session_id, clock.now())
        outcomes = []
        app.jobs.listeners.append(lambda _job, outcome: outcomes.append(outcome))
        holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            await app.jobs.run(job)
        finally:
            holder.rollback()
            holder.close()
        assert outcomes == ["unavailable"] and not app.deps.adapter.ops("private")
        assert job.id in app.scheduler.job_ids(), "planned again"
        await app.jobs.run(job)  # as the scheduler will
        assert outcomes[-1] == "done" and len(app.deps.adapter.ops("private")) == 5
        # Past its grace, a reminder is not tried again.
        late = PlannedJob(JobKind.REMIND, session_id, clock.now() - timedelta(hours=2))
        app.scheduler.retry_later(late, "unavailable")
        assert late.id not in app.scheduler.job_ids()
    finally:
        await app.close()


class Killed(BaseException):
    """Stands in for kill -9: nothing after it runs, not even `except Exception`."""


async def test_a_crash_while_making_breakout_threads_is_finished_after_a_restart(
    sqlite_url, clock
):
    settings = make_settings(sqlite_url)
    first = await build_app(settings, MemoryAdapter(), clock=clock)
    fac = Chat.person("Fran", facilitator=True)
    try:
        session_id = await make_session(first, SessionState.SPARK, people=9)
        real_thread = first.deps.adapter.create_thread
        made = 0

        async def dies_after_one(parent, name, members, **options):
            nonlocal made
            if made == 1:
                raise Killed
            made += 1
            return await real_thread(parent, name, members, **options)

        first.deps.adapter.create_thread = dies_after_one
        try:
            await Chat(first).say(fac, f"/brew breakouts {session_id} size=3")
        except Killed:
            pass
        assert len(first.deps.adapter.ops("thread")) == 1
    finally:
        await first.close()
    second = await build_app(settings, MemoryAdapter(), clock=clock)
    try:
        await second.scheduler.start()  # as the process that runs the scheduler does
        second.scheduler.shutdown()
        made_now = second.deps.adapter.ops("thread")
        assert len(made_now) == 2, "the two groups left are opened, the first not again"
        instructions = [s for s in second.deps.adapter.ops("send") if s.to.thread_id]
        assert len(instructions) == 2
        # Gathering reaches all three threads, the one made before the crash included.
        await Chat(second).say(fac, f"/brew gather {session_id}")
        assert len(second.deps.adapter.ops("archive")) == 3
    finally:
        await second.close()
