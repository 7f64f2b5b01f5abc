"""`brewbot run` with DISCORD_TOKEN set: the Discord front-end around the shared App."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord

from bot.app import App, build_app
from bot.config import Settings
from bot.platforms.discord.adapter import DiscordAdapter
from bot.platforms.discord.client import BrewBot, ShardedBrewBot, make_bot
from bot.platforms.discord.events import ScheduledEvents
from bot.runtime import serve
from bot.services.clock import Clock
from bot.services.leader import AlreadyRunning
from bot.services.texts import Texts


@dataclass
class DiscordRun:
    app: App
    bot: BrewBot | ShardedBrewBot
    adapter: DiscordAdapter

    async def stop(self) -> None:
        await self.app.close()


async def start_discord(
    settings: Settings,
    *,
    clock: Clock | None = None,
    run_scheduler: bool = True,
    bot_options: dict[str, Any] | None = None,
) -> DiscordRun:
    """Build the bot and the App, log in, sync commands, connect, and return once the servers
    are known. `bot_options` go to discord.py's Bot (tests shorten `guild_ready_timeout`)."""
    texts = Texts.load()
    bot = make_bot(settings, **(bot_options or {}))
    adapter = DiscordAdapter(bot, texts, settings.discord_token)
    app = await build_app(settings, adapter, clock=clock, texts=texts)
    bot.attach(app)
    try:
        await app.start(run_scheduler=run_scheduler)
    except BaseException:
        await app.close()
        raise
    # Added after App.start, so the scheduler's own listener runs first: a refusal raised
    # here (so the facilitator hears of it) can never stop a session's jobs being re-planned.
    app.deps.on_session_changed.append(ScheduledEvents(bot, app).session_changed)
    return DiscordRun(app, bot, adapter)


async def run_discord(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT or the gateway connection ends for good, then stop cleanly."""
    try:
        run = await start_discord(settings)
    except AlreadyRunning as exc:
        raise SystemExit(str(exc)) from None
    except discord.LoginFailure:
        raise SystemExit(
            "Discord did not accept DISCORD_TOKEN. Copy the bot token again from the Developer "
            "Portal (Bot, Reset Token) into .env."
        ) from None
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    await serve(run.app, run.adapter.connection())
