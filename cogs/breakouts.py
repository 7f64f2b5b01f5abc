"""Breakout groups on Discord: private threads (public when the bot may not make private ones)
named "Breakout N - theme", with their members added; gathering archives them."""

from __future__ import annotations

from discord.ext import commands

from bot.platforms.discord.commands import FeatureCog, brew_group


class Breakouts(FeatureCog):
    brew_commands = ("breakouts", "gather")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Breakouts(brew_group(bot)))
