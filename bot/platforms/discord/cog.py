"""What every Brewbot cog shares: a feature's `/brew` subcommands, its suggestions while
typing, and the one answer to a command discord.py could not run.

A cog names its feature (`feature = "sessions"`); its commands are that feature's commands
in the table (`app.table.features[feature].commands`), so a command added to a feature needs
no change here or in the cog. Loading the cog adds them to the one `/brew` group, each bound
to the cog as discord.py binds a command written in a cog, so `cog.walk_app_commands()`
lists them and their errors come to `cog_app_command_error`. Unloading takes them away.

Discord has one `/brew` command with every feature's commands under it, and discord.py has
no cog that owns part of a group: the bot owns `/brew` (client.py), and the cogs' commands
are subcommands of it. When a cog is added, discord.py adds the top-level command of each of
its app commands to the tree: here `/brew`, which is there already, so cogs are added with
`override=True` (the same `/brew` is set again instead of refused). When a cog is removed,
discord.py removes the top-level commands named like its app commands: there are none (no
subcommand is called "brew"), so `/brew` stays.

Buttons and forms are not here: every brew button and form, whatever its feature, goes to
the one dispatcher by its custom id (`brew:<feature>:<verb>:<arg>`), in client.py.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.platforms.discord import not_run

if TYPE_CHECKING:
    from bot.app import App
    from bot.platforms.discord.client import BrewBot, ShardedBrewBot
    from bot.platforms.discord.commands import BrewGroup

log = logging.getLogger("brewbot.discord")

SuggestMethod = TypeVar("SuggestMethod", bound=Callable[..., Awaitable[list[tuple[str, Any]]]])


def suggests(kind: str) -> Callable[[SuggestMethod], SuggestMethod]:
    """Mark a cog method `(self, community, typed) -> [(label, value)]` as the suggestions
    for every option of this kind (the table's `Option.autocomplete`), while the cog is
    loaded."""

    def mark(method: SuggestMethod) -> SuggestMethod:
        method.__brew_suggests__ = kind  # type: ignore[attr-defined]
        return method

    return mark


class BrewCog(commands.Cog):
    """One feature's Discord front-end. Subclasses set `feature` to the table's name for it."""

    feature: ClassVar[str]
    # Kind of suggestion -> the method that gives it (see `suggests`).
    __brew_suggesters__: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[str, str] = {}
        for base in reversed(cls.__mro__):
            for name, value in vars(base).items():
                kind = getattr(value, "__brew_suggests__", None)
                if kind is not None:
                    found[kind] = name
        cls.__brew_suggesters__ = found

    def __init__(self, bot: BrewBot | ShardedBrewBot) -> None:
        if bot.app is None or bot.brew is None:
            raise RuntimeError("attach(app) to the bot before loading cogs")
        self.bot = bot
        self.app: App = bot.app
        self.brew: BrewGroup = bot.brew

    async def cog_load(self) -> None:
        feature = self.app.table.features.get(self.feature)
        if feature is None:
            raise RuntimeError(f"the command table has no feature called {self.feature!r}")
        names = [command.name for command in feature.commands]
        made: list[Any] = self.brew.add(names, self.qualified_name, binding=self)
        self.__cog_app_commands__ = made
        for kind, name in self.__brew_suggesters__.items():
            self.brew.suggest[kind] = getattr(self, name)

    async def cog_unload(self) -> None:
        mine = [name for name, owner in self.brew.owners.items() if owner == self.qualified_name]
        self.brew.remove(mine)
        self.__cog_app_commands__ = []
        for kind in self.__brew_suggesters__:
            self.brew.suggest.pop(kind, None)

    async def cog_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """discord.py could not run one of this cog's commands (most often: Discord still had
        an older version of it) or it failed: the person hears one sentence (not_run.py) and
        the log says which command, never with what was typed. The same for every cog."""
        name = interaction.command.qualified_name if interaction.command else "?"
        if isinstance(error, app_commands.CommandInvokeError):
            log.error("slash command failed command=%s", name, exc_info=error.original)
        else:
            log.warning("slash command not run command=%s error=%s", name, type(error).__name__)
        await not_run.answer(interaction, error, self.app.deps.texts)
