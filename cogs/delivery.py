"""Deliveries on Discord: `/brew notices`, the notices Brewbot could not send a person
privately. The Retry under a refused delivery goes through the one route for every brew
button (client.py)."""

from __future__ import annotations

from bot.platforms.discord.client import BrewBot, ShardedBrewBot
from bot.platforms.discord.cog import BrewCog


class Delivery(BrewCog):
    feature = "delivery"


async def setup(bot: BrewBot | ShardedBrewBot) -> None:
    # override: the cog's commands are /brew subcommands (see bot/platforms/discord/cog.py).
    await bot.add_cog(Delivery(bot), override=True)
