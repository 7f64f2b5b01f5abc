"""Sparks on Discord: the library, reading and adding sparks, and posting one (as an embed with
an Easy Read button that answers privately)."""

from __future__ import annotations

from discord.ext import commands

from bot.platforms.discord.commands import FeatureCog, brew_group


class Sparks(FeatureCog):
    brew_commands = ("sparks", "sparks show", "sparks add", "spark")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Sparks(brew_group(bot)))
