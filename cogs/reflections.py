"""Reflections on Discord: a private form (modal) opened by /brew reflect or by the persistent
"Share a reflection" button, and taking a reflection back with its code."""

from __future__ import annotations

from discord.ext import commands

from bot.platforms.discord.commands import FeatureCog, brew_group


class Reflections(FeatureCog):
    brew_commands = ("reflect", "withdraw")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Reflections(brew_group(bot)))
