"""Sessions on Discord: planning, opening, joining, leaving, posting and help. Each scheduled
session is also mirrored as a Discord scheduled event (bot/platforms/discord/events.py)."""

from __future__ import annotations

from discord.ext import commands

from bot.platforms.discord.commands import FeatureCog, brew_group


class Sessions(FeatureCog):
    brew_commands = (
        "schedule",
        "sessions",
        "cancel",
        "open",
        "join",
        "leave",
        "calendar",
        "post",
        "help",
    )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Sessions(brew_group(bot)))
