"""The one answer to a slash command discord.py could not run, so nobody is left with Discord's
"The application did not respond" and no traceback reaches the console.

A person's Discord keeps the list of commands it was last sent: after an upgrade or a
rename, it can still offer a `/brew` subcommand this bot no longer has (discord.py raises
CommandNotFound before any cog sees it) or one whose options have changed since
(CommandSignatureMismatch, which reaches the command's cog). Either way the person is told
the command has changed and where to find today's; any other failure is the one sentence
for "something went wrong". The cogs' commands are answered by their cog (cog.py); what no
command was found for is answered by the command tree's error handler (`tree_errors`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

import discord
from discord import app_commands

from bot.core.messages import OutgoingMessage
from bot.core.ports import DeliveryError
from bot.engine.texts import Texts
from bot.platforms.discord.responder import InteractionResponder

log = logging.getLogger("brewbot.discord")

# A command Discord offered as it was before this bot changed it.
CHANGED = (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)

TreeErrors = Callable[
    [discord.Interaction[Any], app_commands.AppCommandError], Coroutine[Any, Any, None]
]


async def answer(
    interaction: discord.Interaction, error: app_commands.AppCommandError, texts: Texts
) -> None:
    """Tell the person, privately, in one sentence. Suggestions asked for while typing get
    none: words cannot answer them."""
    if interaction.type is discord.InteractionType.autocomplete:
        with contextlib.suppress(discord.HTTPException, discord.InteractionResponded):
            await interaction.response.autocomplete([])
        return
    key = "discord.command_changed" if isinstance(error, CHANGED) else "errors.internal"
    try:
        await InteractionResponder(interaction).reply(OutgoingMessage(texts.t(key)))
    except DeliveryError as exc:
        log.warning("could not answer reason=%s", exc.reason)


def tree_errors(texts: Texts) -> TreeErrors:
    """The command tree's error handler (`CommandTree.error`): discord.py calls it for every
    error, after a found command's own handlers."""

    async def on_error(
        interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        if interaction.command is not None:
            return  # one of the cogs' commands: its cog has answered (cog.py)
        # The names Discord sent (never an option's value): what the person's list still has.
        log.warning(
            "slash command not found command=%s error=%s",
            _path(dict(interaction.data or {})),
            type(error).__name__,
        )
        await answer(interaction, error, texts)

    return on_error


def _path(data: Mapping[str, Any]) -> str:
    """`brew rsvp`: the command and the subcommands named in an interaction's data."""
    names = [str(data.get("name", "?"))]
    options = data.get("options") or []
    while options and options[0].get("type") in (1, 2):  # a subcommand or its group
        names.append(str(options[0].get("name", "?")))
        options = options[0].get("options") or []
    return " ".join(names)
