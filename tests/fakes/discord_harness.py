"""Start the real Discord front-end against the loopback fake, for one test."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings
from bot.engine.clock import ManualClock
from bot.loopback.discord_server import FakeDiscord
from bot.platforms.discord.main import DiscordRun, start_discord
from tests.conftest import loaded_texts, migrated_sqlite

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@contextlib.asynccontextmanager
async def running_discord(
    tmp_path: Path,
    fake: FakeDiscord | None = None,
    clock: ManualClock | None = None,
    database_url: str | None = None,
    **settings: object,
) -> AsyncIterator[tuple[FakeDiscord, DiscordRun]]:
    """The fake Discord and the bot connected to it (commands synced, guild known). The
    scheduler does not run: tests run jobs themselves, at the times they choose. A fake that
    is already started is left running (to start a second bot against it: a restart).
    The database is a SQLite file in `tmp_path` unless `database_url` names another."""
    if database_url is None:
        database = tmp_path / "brewbot.db"
        # A new file starts as a copy of one migrated once per worker (tests/conftest.py).
        database_url = f"sqlite:///{database}" if database.exists() else migrated_sqlite(database)
    fake = fake or FakeDiscord()
    owned = not fake.started
    if owned:
        await fake.start()
    try:
        settings = Settings(
            _env_file=None,
            DATABASE_URL=database_url,
            BREWBOT_DATA_DIR=tmp_path,
            DISCORD_TOKEN="fake-token",
            DISCORD_GUILD_IDS=[fake.guild_id],
            **settings,
        )
        run = await start_discord(
            settings,
            clock=clock or ManualClock(START),
            run_scheduler=False,
            texts=loaded_texts(),
            # Ready as soon as the one fake server is known, not 2 seconds later.
            bot_options={"guild_ready_timeout": 0.01},
        )
        try:
            yield fake, run
            # Marks of typed words never leave Brewbot (bot/core/marked.py).
            fake.assert_unmarked()
        finally:
            await run.stop()
    finally:
        if owned:
            await fake.stop()
