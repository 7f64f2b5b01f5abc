"""kill -9 at the worst moment of each step of a session, then start again on the same data:
every delivery arrives exactly once and nothing is lost.

Each test runs the real Slack front-end (`python -m bot run`, HTTP mode, SQLite in its own data
folder) against the fake Slack, and kills it with SIGKILL just after Slack has carried out a
call and before its answer reaches the bot (`FakeSlack.on_call`): Slack did the thing, the
bot never heard. The starting state is seeded in the database; the step under test goes
through the process and the fake."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import timedelta
from typing import Any, NamedTuple

import pytest
from sqlmodel import col, func, select

from bot.core.domain import SessionState
from bot.engine.clock import Clock
from bot.loopback.slack_server import TEAM_ID, FakeSlack
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import (
    Attendance,
    Breakout,
    BreakoutMember,
    Community,
    Digest,
    OutboxItem,
    OutboxStatus,
    Participant,
    Session,
)
from tests.fakes.slack_harness import ROOM, WORKING_GROUP
from tests.fakes.slack_process import SlackProcess, until, until_seen

ADMIN = "UADA"  # a workspace admin, so a facilitator; the sessions are hers
PEOPLE = {
    "UAMIR": "Amir", "UBETH": "Beth", "UCARL": "Carl", "UDINA": "Dina", "UEVAN": "Evan",
    "UFAYE": "Faye", "UGWEN": "Gwen", "UHARI": "Hari", "UIDRIS": "Idris", "UJUNE": "June",
}  # fmt: skip
KILLED_WITHIN = 20.0  # the step starts, reaches the moment, and the process is gone


@pytest.fixture
async def slack(tmp_path) -> AsyncIterator[tuple[FakeSlack, SlackProcess]]:
    fake = FakeSlack()
    await fake.start()
    fake.add_user(ADMIN, "Ada", admin=True)
    for user_id, name in PEOPLE.items():
        fake.add_user(user_id, name)
    fake.add_channel(ROOM, "over-a-brew", members=(ADMIN, *PEOPLE))
    fake.add_channel(WORKING_GROUP, "working-group", members=(ADMIN,))
    bot = SlackProcess(fake, tmp_path / "data")
    try:
        yield fake, bot
    finally:
        await bot.kill()
        await fake.close()


async def seed(
    bot: SlackProcess,
    state: SessionState,
    people: Iterable[str],
    *,
    starts_in: timedelta,
    **times: Any,
) -> int:
    """The Slack workspace's community with one session in `state`, its `people` said yes
    (and, once it is live, joined). `times` are the session's step stamps, as offsets."""
    now = Clock().now()
    db = Database(bot.database_url)
    await upgrade(db)
    try:
        async with db.transaction() as tx:
            community = Community(
                platform="slack", external_id=TEAM_ID, name="Brew council", reminder_minutes="15"
            )
            tx.add(community)
            await tx.flush()
            session = Session(
                community_id=community.id,
                title="Being heard",
                theme="Being heard",
                starts_at=now + starts_in,
                channel_id=ROOM,
                created_by=ADMIN,
                state=state.value,
                seed=7,
                **{name: now + offset for name, offset in times.items()},
            )
            tx.add(session)
            await tx.flush()
            live = state != SessionState.SCHEDULED
            for user_id in people:
                person = Participant(
                    community_id=community.id,
                    user_id=user_id,
                    display_name=PEOPLE[user_id],
                    consent="yes",
                )
                tx.add(person)
                await tx.flush()
                joined = now - timedelta(minutes=20) if live else None
                tx.add(
                    Attendance(
                        session_id=session.id,
                        participant_id=person.id,
                        rsvp="yes",
                        joined_at=joined,
                    )
                )
            return session.id
    finally:
        await db.dispose()


async def killed_in_time(killed: asyncio.Event, bot: SlackProcess) -> None:
    try:
        async with asyncio.timeout(KILLED_WITHIN):
            await killed.wait()
    except TimeoutError:
        raise AssertionError(f"the moment to kill never came:\n{bot.output()}") from None


async def settled(bot: SlackProcess) -> None:
    """Wait until the outbox has nothing left to send or in flight; none may be refused."""

    async def done() -> bool:
        async with bot.database() as db, db.read() as tx:
            rows = (await tx.exec(select(OutboxItem))).all()
        refused = [(r.key, r.last_error) for r in rows if r.status == OutboxStatus.FAILED]
        assert not refused, f"deliveries refused: {refused}"
        return all(r.status == OutboxStatus.DONE for r in rows)

    await until(done, what="every delivery in the outbox delivered")


async def stopped_cleanly(bot: SlackProcess) -> None:
    """SIGTERM: exit code 0, and no run wrote a traceback or an error."""
    assert await bot.stop() == 0
    troubles = [line for line in bot.lines if "Traceback" in line or " ERROR " in line]
    assert not troubles, bot.output()


def dm(fake: FakeSlack, user_id: str) -> list[dict[str, Any]]:
    channel = fake.channels.get("D" + user_id[1:])
    return channel.messages if channel else []


def top_level(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    return [m for m in fake.channels[channel].messages if "thread_ts" not in m]


def to_dm(args: dict[str, Any]) -> bool:
    return str(args.get("channel", "")).startswith("D")


def in_channel(channel: str, *, thread: bool = False) -> Callable[[dict[str, Any]], bool]:
    return lambda args: args.get("channel") == channel and bool(args.get("thread_ts")) == thread


# -- the steps ---------------------------------------------------------------------------------


async def test_reminders_reach_everyone_once_when_killed_after_the_fourth(slack):
    fake, bot = slack
    # The 15-minute reminder falls due a moment after the process has started.
    await seed(bot, SessionState.SCHEDULED, PEOPLE, starts_in=timedelta(minutes=15, seconds=3))
    killed = bot.kill_on("chat.postMessage", nth=4, where=to_dm)
    await bot.start()
    await killed_in_time(killed, bot)
    assert sum(len(dm(fake, p)) for p in PEOPLE) == 4, "Slack had four when the bot died"

    await bot.start()
    await until_seen(fake, lambda: all(dm(fake, p) for p in PEOPLE), what="everyone reminded")
    await settled(bot)
    assert {p: len(dm(fake, p)) for p in PEOPLE} == dict.fromkeys(PEOPLE, 1)
    assert all("A gentle reminder" in dm(fake, p)[0]["text"] for p in PEOPLE)
    await stopped_cleanly(bot)


class Moment(NamedTuple):
    """Where a kill lands (the `nth` post that `where` accepts), and what Slack has then."""

    nth: int
    where: Callable[[dict[str, Any]], bool]
    openers: int  # thread openers in the room
    posts: int  # every message in the room, openers and instructions in threads


BREAKOUT_MOMENTS = {
    "first group's instructions posted": Moment(1, in_channel(ROOM, thread=True), 1, 2),
    "second group's thread opened": Moment(2, in_channel(ROOM), 2, 3),
}


@pytest.mark.parametrize(
    "moment",
    ["first group's instructions posted", "second group's thread opened"],
)
async def test_breakouts_give_each_group_one_thread_when_killed(slack, moment):
    fake, bot = slack
    people = list(PEOPLE)[:9]
    session_id = await seed(
        bot, SessionState.SPARK, people, starts_in=-timedelta(minutes=20),
        opened_at=-timedelta(minutes=20), spark_at=-timedelta(minutes=10),
    )  # fmt: skip
    at = BREAKOUT_MOMENTS[moment]
    killed = bot.kill_on("chat.postMessage", nth=at.nth, where=at.where)
    await bot.start()
    await bot.command(ADMIN, "breakouts size=3", ROOM)
    await killed_in_time(killed, bot)
    assert len(top_level(fake, ROOM)) == at.openers, "the threads Slack had when the bot died"
    assert len(fake.channels[ROOM].messages) == at.posts

    await bot.start()
    async with bot.database() as db:

        async def threads_recorded() -> bool:
            async with db.read() as tx:
                missing = select(func.count()).where(
                    Breakout.session_id == session_id, col(Breakout.thread_id).is_(None)
                )
                return (await tx.exec(missing)).one() == 0

        await until(threads_recorded, what="every group's thread recorded")
        await settled(bot)
        async with db.read() as tx:
            groups = (
                await tx.exec(select(Breakout).where(Breakout.session_id == session_id))
            ).all()
            members = (
                await tx.exec(
                    select(BreakoutMember.breakout_id, Participant.user_id).join(
                        Participant, col(Participant.id) == col(BreakoutMember.participant_id)
                    )
                )
            ).all()
    assert len(groups) == 3
    openers = top_level(fake, ROOM)
    assert len(openers) == len(groups), "one thread opener per group, none twice"
    by_ts = {m["ts"]: m for m in openers}
    everyone = [user for _, user in members]
    assert sorted(everyone) == sorted(people), "everyone in exactly one group"
    for group in groups:
        opener = by_ts[group.thread_id]
        mentioned = re.findall(r"<@([A-Z0-9]+)>", opener["text"])
        assert sorted(mentioned) == sorted(u for b, u in members if b == group.id)
        replies = [m for m in fake.channels[ROOM].messages if m.get("thread_ts") == group.thread_id]
        instructions = [m for m in replies if m["text"].startswith("Welcome to group")]
        assert len(instructions) == 1, f"group {group.number}: one instructions message"
    await stopped_cleanly(bot)


@pytest.mark.parametrize(
    "moment",
    ["closing words posted", "draft sent"],
)
async def test_close_posts_the_closing_words_and_the_draft_once_when_killed(slack, moment):
    fake, bot = slack
    session_id = await seed(
        bot, SessionState.REFLECTING, list(PEOPLE)[:6], starts_in=-timedelta(minutes=50),
        opened_at=-timedelta(minutes=50), reflecting_at=-timedelta(minutes=8),
    )  # fmt: skip
    draft_title = f"Digest draft for session {session_id}"

    def drafts() -> list[dict[str, Any]]:
        return [m for m in dm(fake, ADMIN) if draft_title in m["text"]]

    # The closing words go first, then the draft to the facilitator.
    draft_sent = moment == "draft sent"
    killed = bot.kill_on("chat.postMessage", where=to_dm if draft_sent else in_channel(ROOM))
    await bot.start()
    await bot.command(ADMIN, "close", ROOM)
    await killed_in_time(killed, bot)
    assert len(top_level(fake, ROOM)) == 1, "Slack had the closing words when the bot died"
    assert len(drafts()) == int(draft_sent)

    await bot.start()

    await until_seen(fake, lambda: bool(drafts()), what="the draft with the facilitator")
    await settled(bot)
    closing = [m for m in top_level(fake, ROOM) if "end of today's session" in m["text"]]
    assert len(closing) == 1, "the closing words once"
    assert len(drafts()) == 1, "the draft once"
    async with bot.database() as db, db.read() as tx:
        session = await tx.get(Session, session_id)
    assert session is not None and session.state == SessionState.CLOSED
    await stopped_cleanly(bot)


async def test_digest_reaches_the_working_group_once_when_killed_after_posting_it(slack):
    fake, bot = slack
    session_id = await seed(
        bot, SessionState.CLOSED, list(PEOPLE)[:6], starts_in=-timedelta(minutes=70),
        opened_at=-timedelta(minutes=70), closed_at=-timedelta(minutes=10),
    )  # fmt: skip
    await bot.start()
    sent = await bot.command(ADMIN, f"settings working_group_channel {WORKING_GROUP}", ROOM)
    await bot.answer_to(sent)
    killed = bot.kill_on("chat.postMessage", where=in_channel(WORKING_GROUP))
    await bot.command(ADMIN, f"digest {session_id} send", ROOM)
    await killed_in_time(killed, bot)
    assert len(top_level(fake, WORKING_GROUP)) == 1, "Slack had the digest when the bot died"

    await bot.start()
    arrived = f"The digest for session {session_id} has arrived with the working group."

    def told() -> list[dict[str, Any]]:
        return [m for m in dm(fake, ADMIN) if arrived in m["text"]]

    await until_seen(fake, lambda: bool(told()), what="the facilitator told it arrived")
    await settled(bot)
    posted = [m["text"] for m in top_level(fake, WORKING_GROUP)]
    assert len(posted) == len(set(posted)), "each part of the digest once"
    assert sum("Key findings" in text for text in posted) == 1, "the digest once"
    assert len(told()) == 1
    async with bot.database() as db, db.read() as tx:
        session = await tx.get(Session, session_id)
        row = (await tx.exec(select(Digest).where(Digest.session_id == session_id))).one()
    assert session is not None and session.state == SessionState.SUMMARISED
    assert session.sealed_at is not None
    assert row.status == "sent"
    await stopped_cleanly(bot)
