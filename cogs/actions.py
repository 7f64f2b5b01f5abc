""" "We said, we did" on Discord: recording, updating and listing actions."""

from __future__ import annotations

from discord.ext import commands

from bot.platforms.discord.commands import FeatureCog, brew_group


class Actions(FeatureCog):
    brew_commands = ("action add", "action update", "action list")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Actions(brew_group(bot)))
