"""Brewbot added to a Discord server says hello with first steps, once, where it may post."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import discord

from bot.engine.texts import Texts
from bot.loopback.discord_server import FakeDiscord, message_text
from tests.fakes.discord_harness import running_discord
from tests.platforms.test_discord_events import Heard

WELCOME = Texts.load().t("welcome.discord")


@contextlib.contextmanager
def hearing(words: str) -> Iterator[Heard]:
    heard = Heard(words)
    logger = logging.getLogger("brewbot.discord")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(heard)
    try:
        yield heard
    finally:
        logger.removeHandler(heard)
        logger.setLevel(level)


def welcomes(fake: FakeDiscord, channel_id: int) -> list[dict]:
    return [b for b in fake.posts_to(channel_id) if "Hello, I am Brewbot" in message_text(b)]


def deny_sending(fake: FakeDiscord, channel_id: int) -> None:
    """A channel where the server's admins do not let Brewbot post (someone other than the
    bot owns the server, as on Discord, or the bot could post anywhere)."""
    if len(fake.people) == 1:
        fake.add_person("Ada")
    deny = discord.Permissions(send_messages=True).value
    fake.channels[channel_id]["permission_overwrites"] = [
        {"id": str(fake.bot_role), "type": 0, "allow": "0", "deny": str(deny)}
    ]


async def test_added_to_a_server_it_posts_first_steps_in_the_system_channel(tmp_path):
    with hearing("welcome posted") as heard:
        async with running_discord(tmp_path) as (fake, _):
            await fake.add_bot()
            await asyncio.wait_for(heard.seen.wait(), 10)
            [hello] = welcomes(fake, fake.session_channel)  # the system channel
            assert message_text(hello) == WELCOME
            assert "/brew settings" in WELCOME and "/brew schedule" in WELCOME
            assert hello["allowed_mentions"] == {"parse": []}
            # Starting up (the server becoming available) said nothing: one welcome only.
            assert welcomes(fake, fake.working_group_channel) == []
    fake.assert_clean()


async def test_without_a_system_channel_it_uses_the_first_channel_it_may_post_in(tmp_path):
    fake = FakeDiscord()
    fake.system_channel = None
    deny_sending(fake, fake.session_channel)  # the first channel in the server's order
    with hearing("welcome posted") as heard:
        async with running_discord(tmp_path, fake) as (fake, _):
            await fake.add_bot()
            await asyncio.wait_for(heard.seen.wait(), 10)
            assert len(welcomes(fake, fake.working_group_channel)) == 1
            assert welcomes(fake, fake.session_channel) == []
    fake.assert_clean()


async def test_a_server_that_lets_it_post_nowhere_gets_no_welcome(tmp_path):
    fake = FakeDiscord()
    for channel_id in fake.channels:
        deny_sending(fake, channel_id)
    with hearing("welcome not posted") as heard:
        async with running_discord(tmp_path, fake) as (fake, _):
            await fake.add_bot()
            await asyncio.wait_for(heard.seen.wait(), 10)
            assert fake.calls_to("POST", r"/channels/\d+/messages") == []
    fake.assert_clean()
