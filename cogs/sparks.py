"""Sparks on Discord: the sparks feature's `/brew` subcommands, and suggestions of spark ids
while typing, for every command with a spark option, whichever feature it belongs to
(`spark_suggestions`).

The form for adding a spark and the Easy Read button of a posted spark go through the one
route for every brew form and button (client.py).
"""

from __future__ import annotations

from bot.app import App
from bot.core.refs import CommunityRef
from bot.platforms.discord.autocomplete import LABEL_MAX, MAX_SUGGESTIONS, stored_community
from bot.platforms.discord.client import BrewBot, ShardedBrewBot
from bot.platforms.discord.cog import BrewCog, suggests
from bot.platforms.discord.components import shorten
from bot.sparks.service import library_for
from storage.engine import DatabaseUnavailable
from storage.models import id_of


class Sparks(BrewCog):
    feature = "sparks"

    @suggests("spark")
    async def spark_suggestions(self, community: CommunityRef, typed: str) -> list[tuple[str, str]]:
        return await spark_suggestions(self.app, community, typed)


async def setup(bot: BrewBot | ShardedBrewBot) -> None:
    # override: the cog's commands are /brew subcommands (see bot/platforms/discord/cog.py).
    await bot.add_cog(Sparks(bot), override=True)


async def spark_suggestions(app: App, community: CommunityRef, typed: str) -> list[tuple[str, str]]:
    """(label, spark id) for the shared library and the community's own sparks that match."""
    try:
        async with app.db.read() as tx:
            row = await stored_community(tx, community)
            library = await library_for(app.deps, tx, id_of(row)) if row else app.deps.sparks
    except DatabaseUnavailable:
        return []
    wanted = typed.strip().casefold()
    return [
        (shorten(f"{spark.id}: {spark.title}", LABEL_MAX), spark.id)
        for spark in library.all()
        if not wanted or wanted in spark.id or wanted in spark.title.casefold()
    ][:MAX_SUGGESTIONS]
