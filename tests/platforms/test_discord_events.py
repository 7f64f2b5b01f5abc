"""Sessions as Discord scheduled events; command sync; sharding. (What discord.py may log:
tests/test_logs.py.)"""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlmodel import select

from bot.core.domain import SessionState
from bot.loopback.discord_server import FakeDiscord
from bot.platforms.discord.client import BrewBot, ShardedBrewBot, make_bot
from storage.models import Session
from tests.conftest import make_settings
from tests.fakes.discord_harness import running_discord

CANCELLED, ACTIVE = 4, 2


async def test_a_cancelled_session_cancels_only_its_own_event(tmp_path):
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    async with running_discord(tmp_path, fake) as (fake, _):
        for when, theme in (("2026-11-30 14:00", "Being heard"), ("2026-12-07 14:00", "Skills")):
            await (await fake.slash(fran, "schedule", when=when, theme=theme)).answered()
        assert sorted(e["name"] for e in fake.events.values()) == ["Being heard", "Skills"]
        cancelled = await (await fake.slash(fran, "cancel", session=1)).answered()
        assert "is cancelled" in cancelled.text()
        status = {e["name"]: e["status"] for e in fake.events.values()}
        assert status == {"Being heard": CANCELLED, "Skills": 1}
    fake.assert_clean()


async def test_after_a_restart_the_same_event_is_found_and_updated(tmp_path):
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    await fake.start()
    try:
        async with running_discord(tmp_path, fake) as (fake, _):
            await (
                await fake.slash(fran, "schedule", when="2026-11-30 14:00", theme="Being heard")
            ).answered()
        async with running_discord(tmp_path, fake) as (fake, _):
            await (await fake.slash(fran, "open")).answered()
        [event] = fake.events.values()
        assert event["status"] == ACTIVE
        assert len(fake.calls_to("POST", r"/guilds/\d+/scheduled-events")) == 1
    finally:
        await fake.stop()
    fake.assert_clean()


class Heard(logging.Handler):
    """Lets a test wait for a log line instead of guessing how long something takes."""

    def __init__(self, words: str) -> None:
        super().__init__()
        self.words = words
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.words in record.getMessage():
            self.seen.set()


async def test_removing_the_bot_from_a_server_cancels_its_sessions(tmp_path):
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    heard = Heard("removed from community sessions_cancelled=2")
    logger = logging.getLogger("brewbot.sessions")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(heard)
    try:
        async with running_discord(tmp_path, fake) as (fake, run):
            for when in ("2026-11-30 14:00", "2026-12-07 14:00"):
                await (await fake.slash(fran, "schedule", when=when, theme="Skills")).answered()
            await fake.remove_bot()
            await asyncio.wait_for(heard.seen.wait(), 10)
            async with run.app.db.read() as tx:
                states = (await tx.exec(select(Session.state))).all()
            assert states == [SessionState.CANCELLED, SessionState.CANCELLED]
    finally:
        logger.removeHandler(heard)
        logger.setLevel(level)
    fake.assert_clean()


async def test_commands_sync_to_the_guild_and_globally_when_asked(tmp_path):
    async with running_discord(tmp_path, DISCORD_SYNC_GLOBAL=True) as (fake, _):
        assert [c["name"] for c in fake.commands[str(fake.guild_id)]] == ["brew"]
        assert [c["name"] for c in fake.commands["global"]] == ["brew"]
        assert fake.identify["intents"] == 1, "the Guilds intent only"
    fake.assert_clean()


def test_shard_settings_choose_the_sharded_bot(tmp_path):
    url = f"sqlite:///{tmp_path / 'b.db'}"
    assert type(make_bot(make_settings(url))) is BrewBot
    sharded = make_bot(make_settings(url, DISCORD_SHARD_COUNT=4, DISCORD_SHARD_IDS="2,3"))
    assert isinstance(sharded, ShardedBrewBot)
    assert (sharded.shard_count, sharded.shard_ids) == (4, [2, 3])
    with pytest.raises(ValueError, match="DISCORD_SHARD_COUNT"):
        make_bot(make_settings(url, DISCORD_SHARD_IDS="1"))
    with pytest.raises(ValueError, match="below"):
        make_bot(make_settings(url, DISCORD_SHARD_COUNT=2, DISCORD_SHARD_IDS="2"))

