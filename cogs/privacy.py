"""Privacy on Discord: the privacy notice, "forget me" and "my data"."""

from __future__ import annotations

from discord.ext import commands

from bot.platforms.discord.commands import FeatureCog, brew_group


class Privacy(FeatureCog):
    brew_commands = ("privacy", "forget me", "my data")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Privacy(brew_group(bot)))
