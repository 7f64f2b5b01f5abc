"""A delivery whose answer was lost (the platform made the message, then the answer failed to
reach Brewbot) is tried again by the outbox and still shown once: Discord by the message
nonce, Slack by Brewbot's message metadata, looked for before posting again. A long delivery
whose later part failed, or whose process was killed part-way, shows each part once when it is
tried again: Teams and Discord by the parts written down as they arrived
(bot/platforms/parts.py), which last beyond Discord's few minutes of nonce."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import select

from bot.core.messages import OutgoingMessage, Section
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.delivery.outbox import LEASE, Delivery, Outcome
from bot.engine.clock import ManualClock
from bot.loopback.discord_server import NONCE_WINDOW, FakeDiscord
from bot.loopback.slack_server import TEAM_ID
from bot.loopback.teams_server import TENANT_ID, WAIT_LIMIT, Call, TeamsLoopback
from bot.platforms.discord.render import render as render_discord
from bot.platforms.slack.blocks import render as render_slack
from storage.models import Community, OutboxItem, OutboxStatus
from tests.fakes.discord_harness import START, running_discord
from tests.fakes.slack_harness import ROOM, slack_world
from tests.fakes.teams_harness import TeamsWorld, loopback, teams_world, texts
from tests.platforms.test_slack_session import FACILITATOR, workspace

# Over Discord's 2,000 characters in one message.
LONG = "\n\n".join(f"Paragraph {n}. " + "We said, we did. " * 3 for n in range(60))


async def deliver(app, target: str, message: OutgoingMessage, *, kind: str = "post") -> str:
    """Record a delivery as a feature would and try it once. Returns its key."""
    key = f"test:{kind}:{target}"
    async with app.db.transaction() as tx:
        community = (await tx.exec(select(Community))).first()
        await app.deps.outbox.add(tx, community, Delivery(key, "notice", kind, target, message))
    await app.deps.outbox.deliver(keys=(key,))
    return key


async def status_of(app, key: str) -> OutboxStatus:
    async with app.db.read() as tx:
        item = (await tx.exec(select(OutboxItem).where(OutboxItem.key == key))).one()
    return item.status


def made_in(fake: FakeDiscord, channel: int) -> list[str]:
    """What Discord holds in `channel` of the long message (not the answer to /help)."""
    return [
        m["content"]
        for m in fake.messages.values()
        if m["channel_id"] == str(channel) and m["content"].startswith("Paragraph")
    ]


async def test_discord_shows_a_post_once_when_its_answer_was_lost(tmp_path):
    clock = ManualClock(START)
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    async with running_discord(tmp_path, fake, clock) as (fake, run):
        app = run.app
        await (await fake.slash(fran, "help")).answered()  # the server is known to Brewbot
        message = OutgoingMessage(LONG)
        parts = len(render_discord(message))
        assert parts > 1, "a message long enough to go in several parts"
        channel = fake.session_channel
        fake.lose_answer("POST", rf"/channels/{channel}/messages")
        key = await deliver(app, str(channel), message)
        assert await status_of(app, key) == OutboxStatus.PENDING, "tried again later"
        assert len(made_in(fake, channel)) == 1, "Discord made the first part"
        clock.advance(timedelta(minutes=1))
        await app.deps.outbox.deliver()
        assert await status_of(app, key) == OutboxStatus.DONE
        texts = made_in(fake, channel)
        assert len(texts) == parts and len(set(texts)) == parts, "each part once"


async def test_discord_shows_each_part_once_when_tried_again_after_it_forgot_the_nonce(
    tmp_path, database_url
):
    """A later part refused; the outbox's next try comes after Discord has forgotten the
    nonce (its waits grow to 30 minutes): the parts that had arrived are not posted again."""
    clock = ManualClock(START)
    fake = FakeDiscord(clock=clock.now)
    fran = fake.add_person("Fran", facilitator=True)
    async with running_discord(tmp_path, fake, clock, database_url) as (fake, run):
        app = run.app
        await (await fake.slash(fran, "help")).answered()
        message = OutgoingMessage(LONG)
        parts = len(render_discord(message))
        assert parts > 2, "a message long enough to go in several parts"
        channel = fake.session_channel
        refused = {"message": "Service Unavailable", "code": 0}
        fake.fail("POST", rf"/channels/{channel}/messages", 503, refused, after=1)
        key = await deliver(app, str(channel), message)
        assert await status_of(app, key) == OutboxStatus.PENDING, "tried again later"
        assert len(made_in(fake, channel)) == 1, "Discord made the first part"
        clock.advance(NONCE_WINDOW + timedelta(minutes=30))
        await app.deps.outbox.deliver()
        assert await status_of(app, key) == OutboxStatus.DONE
        texts = made_in(fake, channel)
        assert len(texts) == parts and len(set(texts)) == parts, "each part once"


async def test_discord_keeps_a_nonce_for_a_few_minutes_only(tmp_path):
    """Discord answers a message sent again with its nonce with the one it made "in the past
    few minutes" (the loopback keeps it for NONCE_WINDOW); later, it makes another."""
    clock = ManualClock(START)
    fake = FakeDiscord(clock=clock.now)
    fran = fake.add_person("Fran", facilitator=True)
    async with running_discord(tmp_path, fake, clock) as (fake, run):
        await (await fake.slash(fran, "help")).answered()
        community = CommunityRef(Platform.DISCORD, str(fake.guild_id))
        to = ConversationRef(community, str(fake.session_channel))
        message = OutgoingMessage("The working group meets on Tuesday.", once="test:nonce")
        first = await run.adapter.send(to, message)
        clock.advance(NONCE_WINDOW - timedelta(seconds=1))
        assert await run.adapter.send(to, message) == first, "the same message, within it"
        clock.advance(timedelta(seconds=1))
        assert await run.adapter.send(to, message) != first, "a second message, after it"


async def test_slack_shows_each_part_once_when_an_answer_was_lost(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        await world.command(FACILITATOR, "help")  # the workspace is known to Brewbot
        app, clock = world.brew, world.brew.deps.clock
        message = OutgoingMessage(
            "Findings",
            sections=tuple(Section(f"Finding {n}. " + "Said. " * 450) for n in range(60)),
        )
        parts = len(render_slack(message))
        assert parts > 1, "a message long enough to go in several parts"
        room = world.fake.channels[ROOM]
        before = len(room.messages)
        world.fake.lose_answer("chat.postMessage")
        key = await deliver(app, ROOM, message)
        assert await status_of(app, key) == OutboxStatus.PENDING
        assert len(room.messages) == before + 1, "Slack posted the first part"
        clock.advance(timedelta(minutes=1))
        await app.deps.outbox.deliver()
        assert await status_of(app, key) == OutboxStatus.DONE
        posted = [m["text"] for m in room.messages[before:]]
        assert len(posted) == parts and len(set(posted)) == parts, "each part once"


async def test_slack_private_message_is_shown_once_after_a_lost_answer(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        await world.command(FACILITATOR, "help")
        app, clock = world.brew, world.brew.deps.clock
        world.fake.lose_answer("chat.postMessage")
        key = await deliver(app, FACILITATOR, OutgoingMessage("Your digest draft"), kind="private")
        clock.advance(timedelta(minutes=1))
        await app.deps.outbox.deliver()
        assert await status_of(app, key) == OutboxStatus.DONE
        dm = world.fake.channels["D" + FACILITATOR[1:]]
        assert [m["text"] for m in dm.messages].count("Your digest draft") == 1


async def test_discord_finds_the_breakout_thread_made_before_a_restart(tmp_path):
    """The process died after Discord made a group's thread and before it was recorded: the
    restarted bot finds that thread (listed when it connects) instead of making another."""
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    ann = fake.add_person("Ann")
    await fake.start()
    try:
        async with running_discord(tmp_path / "one", fake) as (fake, run):
            await (await fake.slash(fran, "help")).answered()
            community = CommunityRef(Platform.DISCORD, str(fake.guild_id))
            parent = ConversationRef(community, str(fake.session_channel))
            first = await run.adapter.create_thread(
                parent, "Breakout 1 - Being heard", [UserRef(parent.community, str(ann.id))],
                once="thread:1",
            )  # fmt: skip
        async with running_discord(tmp_path / "one", fake) as (fake, run):
            again = await run.adapter.create_thread(
                parent, "Breakout 1 - Being heard", [UserRef(parent.community, str(ann.id))],
                once="thread:1", again=True,
            )  # fmt: skip
        assert again == first
        assert len(fake.threads) == 1
    finally:
        await fake.stop()


async def test_slack_finds_the_breakout_channel_made_before_a_restart(sqlite_url):
    async with slack_world(sqlite_url, SLACK_BREAKOUTS="channels") as world:
        workspace(world)
        await world.command(FACILITATOR, "help")
        adapter = world.brew.deps.adapter
        parent = ConversationRef(CommunityRef(Platform.SLACK, TEAM_ID), ROOM)
        members = [UserRef(parent.community, FACILITATOR)]
        first = await adapter.create_thread(parent, "Breakout 1", members, once="thread:7")
        again = await adapter.create_thread(
            parent, "Breakout 1", members, once="thread:7", again=True
        )
        assert again == first
        made = [c for c in world.fake.calls if c.method == "conversations.create"]
        assert [c.answered for c in made] == ["ok", "name_taken"]


# The Teams deliveries of these tests: a feature of their own, whose outcome they hear.
TEAMS_PURPOSE = "shown-once"


def findings() -> OutgoingMessage:
    """A digest's findings, long enough for several Teams cards."""
    return OutgoingMessage(
        title="Key findings: Being heard",
        sections=tuple(Section(f"Finding {n}. " + "People said this. " * 60) for n in range(40)),
    )


async def deliver_in_teams(world: TeamsWorld, channel: str, message: OutgoingMessage) -> str:
    """Record a post in `channel` as a feature would (nothing tries it yet); its key."""
    key = f"test:teams:{channel}"
    async with world.brew.db.transaction() as tx:
        community = Community(platform=Platform.TEAMS.value, external_id=TENANT_ID, name="T")
        tx.add(community)
        await tx.flush()
        delivery = Delivery(key, TEAMS_PURPOSE, "post", channel, message)
        await world.brew.deps.outbox.add(tx, community, delivery)
    return key


def after_the_first_card(lb: TeamsLoopback, channel: str, then: Callable[[], Any]) -> list[Call]:
    """Once Teams has shown the first card in `channel`, `then()` (trouble for the next).
    The cards shown, as they are."""
    seen: list[Call] = []

    def watch(call: Call) -> None:
        if call.kind == "send" and call.status == 200 and call.conversation_id == channel:
            seen.append(call)
            if len(seen) == 1:
                then()

    lb.watch(watch)
    return seen


def shown(lb: TeamsLoopback, channel: str) -> list[str]:
    """The words of each card in the channel, in order."""
    return ["\n".join(texts(p.activity)) for p in lb.posts(channel)]


async def test_teams_shows_each_card_once_when_a_later_card_is_refused(database_url):
    async with teams_world(database_url) as world:
        channel = world.lb.add_channel("Working group").id
        message = findings()
        cards = ["\n".join(texts(card)) for card in world.bot.listeners.adapter.cards(message)]
        assert len(cards) >= 3, "a message long enough for several cards"
        after_the_first_card(world.lb, channel, lambda: world.lb.fail("POST", "/activities$", 503))
        key = await deliver_in_teams(world, channel, message)
        await world.brew.deps.outbox.deliver(keys=(key,))
        assert await status_of(world.brew, key) == OutboxStatus.PENDING, "tried again later"
        assert shown(world.lb, channel) == cards[:1]
        world.clock.advance(timedelta(minutes=1))
        await world.brew.deps.outbox.deliver()
        assert await status_of(world.brew, key) == OutboxStatus.DONE
        assert shown(world.lb, channel) == cards, "each card once, in order"


async def test_teams_shows_each_card_once_when_retried_after_a_refusal(database_url):
    """A later card refused for good (Brewbot's permission taken away, say); a person fixes it
    and presses Retry: the cards that arrived the first time are not posted again."""
    async with teams_world(database_url) as world:
        channel = world.lb.add_channel("Working group").id
        message = findings()
        cards = ["\n".join(texts(card)) for card in world.bot.listeners.adapter.cards(message)]
        after_the_first_card(world.lb, channel, lambda: world.lb.fail("POST", "/activities$", 403))
        key = await deliver_in_teams(world, channel, message)
        outbox = world.brew.deps.outbox
        await outbox.deliver(keys=(key,))
        assert await status_of(world.brew, key) == OutboxStatus.FAILED, "refused for good"
        async with world.brew.db.transaction() as tx:
            await outbox.retry(tx, [key])
        await outbox.deliver(keys=(key,))
        assert await status_of(world.brew, key) == OutboxStatus.DONE
        assert shown(world.lb, channel) == cards, "each card once, in order"


async def test_teams_shows_each_card_once_after_the_process_was_killed_mid_send(database_url):
    """The process dies while a later card is on its way, before Teams has it. Started again,
    the outbox claims the delivery again (SQLite: at once; PostgreSQL: once its lease is over)
    and the card that had arrived is not posted again."""
    message = findings()
    async with loopback() as lb:
        channel = lb.add_channel("Working group").id
        async with teams_world(database_url, lb=lb) as world:
            cards = ["\n".join(texts(card)) for card in world.bot.listeners.adapter.cards(message)]
            first = after_the_first_card(
                lb, channel, lambda: lb.hold("POST", "/activities$", times=1)
            )
            key = await deliver_in_teams(world, channel, message)
            sending = asyncio.create_task(world.brew.deps.outbox.deliver(keys=(key,)))
            # The second card, held on its way.
            await lb.wait_for(lambda c: c.kind == "send" and bool(first) and c.seq > first[0].seq)
            sending.cancel()  # killed: nothing the process would have done next is done
            await asyncio.gather(sending, return_exceptions=True)
        assert shown(lb, channel) == cards[:1]
        # Posts wait while the bot starts again, so the outcome is heard however it is sent.
        starting = lb.hold("POST", "/activities$")
        async with teams_world(database_url, lb=lb) as world:
            outbox, heard = world.brew.deps.outbox, asyncio.Event()

            async def listener(_tx: Any, _outcome: Outcome) -> list[Callable[[], Any]]:
                async def told() -> None:
                    heard.set()

                return [told]

            outbox.listen(TEAMS_PURPOSE, listener)
            starting.set()
            if not world.brew.db.is_sqlite:  # SQLite's was claimed again at start
                world.clock.advance(LEASE + timedelta(minutes=1))
                await outbox.deliver()
            await asyncio.wait_for(heard.wait(), WAIT_LIMIT)
            assert await status_of(world.brew, key) == OutboxStatus.DONE
        assert shown(lb, channel) == cards, "each card once, in order"
