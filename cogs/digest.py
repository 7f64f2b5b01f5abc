"""Digests on Discord: the digest feature's `/brew` subcommands (closing a session, the
digest's review and sending, and "we said, we did" actions).

Nothing else here is only Discord's: the digest's Send button goes through the one route for
every brew button, by custom id (client.py).
"""

from __future__ import annotations

from bot.platforms.discord.client import BrewBot, ShardedBrewBot
from bot.platforms.discord.cog import BrewCog


class Digest(BrewCog):
    feature = "digest"


async def setup(bot: BrewBot | ShardedBrewBot) -> None:
    # override: the cog's commands are /brew subcommands (see bot/platforms/discord/cog.py).
    await bot.add_cog(Digest(bot), override=True)
