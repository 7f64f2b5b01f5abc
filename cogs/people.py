"""People on Discord: the people feature's `/brew` subcommands (the community's settings,
each person's own settings, privacy, and claims for people's time).

Nothing else here is only Discord's: the consent and "forget me" buttons go through the one
route for every brew button, by custom id (client.py). Who is a facilitator is read from the
person's Discord roles for every command alike (refs.py).
"""

from __future__ import annotations

from bot.platforms.discord.client import BrewBot, ShardedBrewBot
from bot.platforms.discord.cog import BrewCog


class People(BrewCog):
    feature = "people"


async def setup(bot: BrewBot | ShardedBrewBot) -> None:
    # override: the cog's commands are /brew subcommands (see bot/platforms/discord/cog.py).
    await bot.add_cog(People(bot), override=True)
