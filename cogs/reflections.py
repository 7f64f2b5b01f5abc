"""Reflections on Discord: the reflections feature's `/brew` subcommands.

Nothing else here is only Discord's: the private reflection form (a modal), the "Share a
reflection" button and the contact buttons go through the one route for every brew form and
button, by custom id (client.py); the form is built by components.py like every form.
"""

from __future__ import annotations

from bot.platforms.discord.client import BrewBot, ShardedBrewBot
from bot.platforms.discord.cog import BrewCog


class Reflections(BrewCog):
    feature = "reflections"


async def setup(bot: BrewBot | ShardedBrewBot) -> None:
    # override: the cog's commands are /brew subcommands (see bot/platforms/discord/cog.py).
    await bot.add_cog(Reflections(bot), override=True)
