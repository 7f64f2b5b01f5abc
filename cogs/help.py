"""Help on Discord: the engine's `/brew help`, suggestions of command names while typing
(`command_suggestions`), and a short welcome with first steps when Brewbot is added to a
server (`on_guild_join`).

The welcome (prompts/strings/welcome.yaml, `welcome.discord`) goes to the server's system
channel (where Discord posts its own "welcome" messages) if Brewbot may post there, or else
to the first text channel, in the server's order, where it may. Nothing is stored and
nothing is retried: a server that lets Brewbot post nowhere gets no welcome, and the log
says so. Discord reports a server that was only unavailable for a while, or is known again
after a restart, as available, not joined, so the welcome is said once per arrival.
"""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.core.messages import OutgoingMessage
from bot.core.refs import CommunityRef
from bot.engine.texts import Texts
from bot.platforms.discord.autocomplete import MAX_SUGGESTIONS
from bot.platforms.discord.client import BrewBot, ShardedBrewBot
from bot.platforms.discord.cog import BrewCog, suggests
from bot.platforms.discord.render import render

log = logging.getLogger("brewbot.discord")


class Help(BrewCog):
    feature = "help"

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await welcome(guild, self.app.deps.texts)

    @suggests("command")
    async def command_suggestions(self, _: CommunityRef, typed: str) -> list[tuple[str, str]]:
        """Commands offered here whose Discord spelling contains the words typed."""
        wanted = " ".join(typed.casefold().split())
        return [(path, path) for path in self.brew.paths() if wanted in path][:MAX_SUGGESTIONS]


async def setup(bot: BrewBot | ShardedBrewBot) -> None:
    # override: the cog's commands are /brew subcommands (see bot/platforms/discord/cog.py).
    await bot.add_cog(Help(bot), override=True)


def welcome_channel(guild: discord.Guild) -> discord.TextChannel | None:
    """The system channel if Brewbot may post there, else the first text channel it may."""
    me = guild.me
    if me is None:
        return None
    candidates = [guild.system_channel] if guild.system_channel is not None else []
    candidates += sorted(guild.text_channels, key=lambda c: (c.position, c.id))
    for channel in candidates:
        allowed = channel.permissions_for(me)
        if allowed.view_channel and allowed.send_messages:
            return channel
    return None


async def welcome(guild: discord.Guild, texts: Texts) -> discord.TextChannel | None:
    """Post the welcome in `guild`; the channel it went to, or None."""
    channel = welcome_channel(guild)
    if channel is None:
        log.warning("welcome not posted guild=%s reason=no_channel_to_post_in", guild.id)
        return None
    try:
        for part in render(OutgoingMessage(texts.t("welcome.discord"))):
            await channel.send(**part.kwargs())
    except discord.HTTPException as exc:
        log.warning("welcome not posted guild=%s status=%s", guild.id, exc.status)
        return None
    log.info("welcome posted guild=%s channel=%s", guild.id, channel.id)
    return channel
