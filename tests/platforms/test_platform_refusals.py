"""Discord's and Slack's real refusals, through the real front-ends and the loopback servers:
a permanent refusal stops at once with its reason (for the facilitator's sentence), a
passing failure is tried again and then arrives once. What the platform answered is never
kept as the detail a facilitator's sentence names ("I could not post it in {detail}")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.core.messages import OutgoingMessage
from bot.engine.clock import ManualClock
from bot.loopback.discord_server import FakeDiscord
from storage.models import OutboxItem, OutboxStatus
from tests.fakes.discord_harness import START, running_discord
from tests.fakes.slack_harness import ROOM, slack_world
from tests.platforms.test_shown_once import deliver
from tests.platforms.test_slack_session import FACILITATOR, workspace

WORDS = "The working group meets on Tuesday."


async def item(app, key: str) -> OutboxItem:
    async with app.db.read() as tx:
        return (await tx.exec(select(OutboxItem).where(OutboxItem.key == key))).one()


async def settle(app, clock, key: str) -> OutboxItem:
    """Let an hour pass, in steps, with the worker's passes in between."""
    for _ in range(12):
        clock.advance(timedelta(minutes=5))
        await app.deps.outbox.deliver()
    return await item(app, key)


@pytest.mark.parametrize(
    ("refusal", "reason"),
    [
        ({"error": "channel_not_found"}, "not_found"),
        ({"error": "is_archived"}, "archived"),
        ({"error": "not_in_channel", "join": "method_not_supported_for_channel_type"},
         "not_in_channel"),
        ({"error": "internal_error", "status": 500}, None),
        ({"error": "service_unavailable", "status": 503, "times": 2}, None),
        ({"error": "ratelimited", "status": 429, "times": 4}, None),
    ],
    ids=["channel_not_found", "is_archived", "not_in_channel", "500", "503", "429"],
)  # fmt: skip
async def test_slack_refusals(sqlite_url, refusal, reason):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        await world.command(FACILITATOR, "help")  # the workspace is known to Brewbot
        app, fake = world.brew, world.fake
        if refusal.get("status") == 429:
            fake.rate_limit("chat.postMessage", retry_after=0, times=refusal["times"])
        else:
            fake.fail(
                "chat.postMessage",
                refusal["error"],
                times=refusal.get("times", 1),
                status=refusal.get("status", 200),
            )
        if "join" in refusal:
            fake.fail("conversations.join", refusal["join"])
        room = fake.channels[ROOM]
        before = len(room.messages)
        key = await deliver(app, ROOM, OutgoingMessage(WORDS))
        first = await item(app, key)
        if reason is not None:
            assert (first.status, first.last_error) == (OutboxStatus.FAILED, reason)
            assert (await settle(app, world.clock, key)).attempts == 1, "not tried again"
            assert len(room.messages) == before
        else:
            assert first.status == OutboxStatus.PENDING, "tried again later"
            assert first.last_detail is None, "Slack's answer is not a place to name"
            assert (await settle(app, world.clock, key)).status == OutboxStatus.DONE
            assert [m["text"] for m in room.messages[before:]] == [WORDS], "arrives once"


@pytest.mark.parametrize(
    ("status", "code", "times", "reason"),
    [
        (403, 50013, 1, "missing_permission"),
        (404, 10003, 1, "not_found"),
        (503, 0, 2, None),
    ],
    ids=["403", "404", "503"],
)
async def test_discord_refusals(tmp_path, status, code, times, reason):
    clock = ManualClock(START)
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    async with running_discord(tmp_path, fake, clock) as (fake, run):
        app = run.app
        await (await fake.slash(fran, "help")).answered()
        channel = fake.session_channel
        path = rf"/channels/{channel}/messages"
        fake.fail("POST", path, status, {"message": "refused", "code": code}, times=times)
        key = await deliver(app, str(channel), OutgoingMessage(WORDS))
        first = await item(app, key)
        if reason is not None:
            assert (first.status, first.last_error) == (OutboxStatus.FAILED, reason)
            assert (await settle(app, clock, key)).attempts == 1, "not tried again"
            assert fake.posts_to(channel) == []
        else:
            assert first.status == OutboxStatus.PENDING
            assert first.last_detail is None, "Discord's answer is not a place to name"
            assert (await settle(app, clock, key)).status == OutboxStatus.DONE
            assert [p["content"] for p in fake.posts_to(channel)] == [WORDS]


async def test_discord_rate_limit_is_waited_out_and_posted_once(tmp_path):
    clock = ManualClock(START)
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    async with running_discord(tmp_path, fake, clock) as (fake, run):
        await (await fake.slash(fran, "help")).answered()
        channel = fake.session_channel
        fake.rate_limit("POST", rf"/channels/{channel}/messages")
        key = await deliver(run.app, str(channel), OutgoingMessage(WORDS))
        assert (await item(run.app, key)).status == OutboxStatus.DONE
        assert [p["content"] for p in fake.posts_to(channel)] == [WORDS]
