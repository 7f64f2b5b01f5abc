"""Claims for people's time on Discord: opting in or out, marking someone present, and the
facilitator's export for finance."""

from __future__ import annotations

from discord.ext import commands

from bot.platforms.discord.commands import FeatureCog, brew_group


class Claims(FeatureCog):
    brew_commands = ("claim", "claims export", "present")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Claims(brew_group(bot)))
