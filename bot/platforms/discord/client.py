"""The discord.py bot: minimal intents (guilds only), no pings by default, cogs found by walking
the `cogs` package, persistent buttons registered at start, and slash commands synced at start.

Start-up order (`setup_hook`, run by login before the gateway connects): add `/brew` to the
command tree, load every cog (each adds its feature's commands to `/brew`), register the
button template, sync the commands to each server in DISCORD_GUILD_IDS (at once) and, when
DISCORD_SYNC_GLOBAL is set, globally (Discord can take up to an hour to show those).

What is the same for every feature stays here: every brew button and every brew form is
answered by its custom id through the one dispatcher (`on_brew_button`, `on_interaction`),
and `session_changed` tells the cogs' `on_brew_session_changed` listeners after a change to a
session. The rest is in the cogs.
"""

from __future__ import annotations

import logging
import pkgutil
from collections.abc import Iterator
from typing import Any

import discord
from discord.ext import commands

import cogs
from bot.app import App
from bot.config import Settings
from bot.engine.deps import call_each
from bot.platforms.discord import not_run
from bot.platforms.discord.commands import BrewGroup
from bot.platforms.discord.components import BrewButton
from bot.platforms.discord.frontend import FrontEnd
from bot.platforms.discord.permissions import intents

log = logging.getLogger("brewbot.discord")


def cog_modules() -> Iterator[str]:
    """Every cog module in the `cogs` package; modules starting with `_` are skipped."""
    for module in pkgutil.iter_modules(cogs.__path__, f"{cogs.__name__}."):
        if not module.name.rpartition(".")[2].startswith("_"):
            yield module.name


class BrewBotMixin:
    """What BrewBot and ShardedBrewBot share."""

    settings: Settings
    app: App | None
    front: FrontEnd | None
    brew: BrewGroup | None

    def attach(self, app: App) -> None:
        """Give the bot the App it serves; call before `login`."""
        bot: commands.Bot = self  # type: ignore[assignment]
        self.app = app
        self.front = FrontEnd(app)
        self.brew = BrewGroup(app.table, app.deps.texts, self.front.command)
        # A subcommand a person's Discord still offers but this bot no longer has.
        bot.tree.error(not_run.tree_errors(app.deps.texts))

    async def setup_hook(self) -> None:
        bot: commands.Bot = self  # type: ignore[assignment]
        if self.brew is None:
            raise RuntimeError("attach(app) before logging in")
        bot.tree.add_command(self.brew.group)
        for name in cog_modules():
            await bot.load_extension(name)
        bot.add_dynamic_items(BrewButton)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        bot: commands.Bot = self  # type: ignore[assignment]
        for guild_id in self.settings.discord_guild_ids:
            guild = discord.Object(guild_id)
            bot.tree.copy_global_to(guild=guild)
            try:
                synced = await bot.tree.sync(guild=guild)
            except discord.HTTPException as exc:
                # Usually: the bot is not in that server, or was invited without
                # applications.commands. The other servers still get their commands.
                log.warning("slash commands not synced guild=%s status=%s", guild_id, exc.status)
            else:
                log.info("slash commands synced guild=%s count=%d", guild_id, len(synced))
        if self.settings.discord_sync_global:
            synced = await bot.tree.sync()
            log.info("slash commands synced globally count=%d", len(synced))

    async def session_changed(self, session_id: int) -> None:
        """After a change to a session is committed (`Deps.on_session_changed`): every
        `on_brew_session_changed` listener, in turn. Awaited, not dispatched as events are
        (as tasks nobody waits for), so a refusal reaches the person who made the change; one
        failing listener does not stop the others, and the first failure is raised after."""
        bot: commands.Bot = self  # type: ignore[assignment]
        await call_each(list(bot.extra_events.get("on_brew_session_changed", ())), session_id)

    async def on_brew_button(self, interaction: discord.Interaction, custom: str) -> None:
        if self.front is not None:
            await self.front.button(interaction, custom)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # Slash commands and buttons are routed by discord.py; form submissions come here,
        # whether the form was opened before or after a restart (components.py).
        if interaction.type is not discord.InteractionType.modal_submit or self.front is None:
            return
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        if str(data.get("custom_id", "")).startswith("brew:"):
            await self.front.modal(interaction)


class BrewBot(BrewBotMixin, commands.Bot):
    def __init__(self, settings: Settings, **options: Any) -> None:
        super().__init__(**_bot_options(options))
        self.settings = settings
        self.app = None
        self.front = None
        self.brew = None


class ShardedBrewBot(BrewBotMixin, commands.AutoShardedBot):
    def __init__(self, settings: Settings, **options: Any) -> None:
        super().__init__(**_bot_options(options))
        self.settings = settings
        self.app = None
        self.front = None
        self.brew = None


def _bot_options(options: dict[str, Any]) -> dict[str, Any]:
    return {
        # No prefix commands: everything is a slash command (message content is not read).
        "command_prefix": commands.when_mentioned,
        "help_command": None,
        "intents": intents(),
        # The default for every message; renderers also pass it on each one.
        "allowed_mentions": discord.AllowedMentions.none(),
        **options,
    }


def make_bot(settings: Settings, **options: Any) -> BrewBot | ShardedBrewBot:
    """A bot for these settings: sharded when DISCORD_SHARD_COUNT is set (running only
    DISCORD_SHARD_IDS, if given, so shards can be spread over processes)."""
    if settings.discord_shard_ids and not settings.discord_shard_count:
        raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the total number of shards)")
    if settings.discord_shard_count:
        bad = [i for i in settings.discord_shard_ids if i >= settings.discord_shard_count]
        if bad:
            raise ValueError("DISCORD_SHARD_IDS must be below DISCORD_SHARD_COUNT")
        return ShardedBrewBot(
            settings,
            shard_count=settings.discord_shard_count,
            shard_ids=settings.discord_shard_ids or None,
            **options,
        )
    return BrewBot(settings, **options)
