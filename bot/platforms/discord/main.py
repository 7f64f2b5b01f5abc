"""`brewbot run` with DISCORD_TOKEN set: the Discord front-end around the shared App.

Start-up first asks Discord, over REST, whether it takes DISCORD_TOKEN: a refusal stops the
process with one line (exit code 1); Discord out of reach is one line per attempt, tried
again until it answers (bot/runtime.py, `keep_trying`). SIGTERM and SIGINT stop it at any
point.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

from bot.app import App, build_app
from bot.config import Settings
from bot.engine.clock import Clock
from bot.engine.texts import Texts
from bot.platforms.discord.adapter import DiscordAdapter
from bot.platforms.discord.client import BrewBot, ShardedBrewBot, make_bot
from bot.platforms.discord.commands import SPELLING
from bot.platforms.parts import PostedParts
from bot.runtime import (
    OutOfReach,
    StartRefused,
    Stopped,
    StopSignals,
    connection_problem,
    keep_trying,
    serve,
)
from bot.scheduling.leader import AlreadyRunning

# What reaching Discord can fail with, besides an answer: no connection, no answer in time.
UNREACHABLE = (OSError, aiohttp.ClientError, TimeoutError)


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
    texts: Texts | None = None,
) -> DiscordRun:
    """Build the bot and the App, log in, sync commands, connect, and return once the servers
    are known. `bot_options` go to discord.py's Bot (tests shorten `guild_ready_timeout`)."""
    # Every text names commands as Discord people type them (`/brew my name`).
    texts = (texts or Texts.load()).spoken_as(SPELLING)
    bot = make_bot(settings, **(bot_options or {}))
    adapter = DiscordAdapter(bot, texts, settings.discord_token)
    app = await build_app(settings, adapter, clock=clock, texts=texts)
    adapter.parts = PostedParts(app.db)
    bot.attach(app)
    try:
        await app.start(run_scheduler=run_scheduler)
    except BaseException:
        await app.close()
        raise
    # The cogs' `on_brew_session_changed` listeners (the Sessions cog's scheduled events),
    # added after App.start so the scheduler's own listener runs first.
    app.deps.on_session_changed.append(bot.session_changed)
    return DiscordRun(app, bot, adapter)


def use_addresses(settings: Settings) -> None:
    """Point discord.py at DISCORD_API_URL and DISCORD_GATEWAY_URL. They are class attributes
    in discord.py, so this holds for the whole process: `run_discord` calls it."""
    Route.BASE = settings.discord_api_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


async def check_token(settings: Settings, texts: Texts) -> None:
    """Ask Discord who the token belongs to (GET /users/@me, as logging in does). Raises
    StartRefused for a token Discord does not accept, OutOfReach when it cannot answer."""
    http = HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login(settings.discord_token)
    except discord.LoginFailure:
        raise StartRefused(texts.t("startup.discord_token_refused")) from None
    except discord.HTTPException as exc:
        # After discord.py's own retries: Discord (or a proxy) is failing, not the token.
        raise OutOfReach(_unreachable(settings, texts, f"HTTP {exc.status}")) from None
    except UNREACHABLE as exc:
        raise OutOfReach(_unreachable(settings, texts, connection_problem(exc))) from None
    finally:
        await http.close()


def _unreachable(settings: Settings, texts: Texts, reason: str) -> str:
    url = settings.discord_api_url
    return texts.t("startup.unreachable", platform="Discord", url=url, reason=reason)


async def run_discord(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT or the gateway connection ends for good, then stop cleanly."""
    use_addresses(settings)
    texts = Texts.load()
    with StopSignals() as signals:
        try:
            await keep_trying(lambda: check_token(settings, texts), signals, texts)
            run = await signals.first(start_discord(settings, texts=texts))
        except Stopped:
            return
        except StartRefused as exc:
            raise SystemExit(str(exc)) from None
        except AlreadyRunning as exc:
            raise SystemExit(str(exc)) from None
        except discord.LoginFailure:
            raise SystemExit(texts.t("startup.discord_token_refused")) from None
        except UNREACHABLE as exc:
            # Reached a moment ago, lost while starting: say so once and stop.
            problem = _unreachable(settings, texts, connection_problem(exc))
            raise SystemExit(
                texts.t("startup.connection_lost", problem=problem, platform="Discord")
            ) from None
        except ValueError as exc:
            raise SystemExit(str(exc)) from None
        await serve(run.app, run.adapter.connection(), signals=signals)
