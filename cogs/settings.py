"""Settings on Discord: the community's (facilitator role, channels, time zone) and each person's
own (how they are described, their name, Easy Read and plain style)."""

from __future__ import annotations

from discord.ext import commands

from bot.platforms.discord.commands import FeatureCog, brew_group


class Settings(FeatureCog):
    brew_commands = ("settings", "describe", "call me", "preferences")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Settings(brew_group(bot)))
