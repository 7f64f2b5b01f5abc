"""Digests on Discord: closing a session (the draft goes privately to the facilitator), review,
and sending to the working-group channel."""

from __future__ import annotations

from discord.ext import commands

from bot.platforms.discord.commands import FeatureCog, brew_group


class Digests(FeatureCog):
    brew_commands = ("close", "digest")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Digests(brew_group(bot)))
