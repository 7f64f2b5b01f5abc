"""Discord in the front-end bursts, the bot's side: the real discord.py client and cogs,
started as `brewbot run` starts them, pointed at the loopback Discord the driver runs
(bot/loopback/load/discord.py has the people's side)."""

from __future__ import annotations

from typing import Any

from bot.app import App
from bot.config import Settings
from bot.loopback.discord_server import aim_discord_at
from bot.platforms.discord.main import DiscordRun, start_discord


class DiscordSide:
    platform = "discord"

    def __init__(self) -> None:
        self.run: DiscordRun | None = None

    async def start(self, settings: Settings, reached: dict[str, Any]) -> App:
        aim_discord_at(reached["port"])
        self.run = await start_discord(
            settings.model_copy(
                update={"discord_token": "bench-token", "discord_guild_ids": [reached["guild"]]}
            ),
            run_scheduler=False,
            # Ready as soon as the one server is known, not 2 seconds later.
            bot_options={"guild_ready_timeout": 0.01},
        )
        return self.run.app

    def community(self, reached: dict[str, Any]) -> str:
        return str(reached["guild"])

    async def stop(self) -> None:
        if self.run is not None:
            await self.run.stop()


SIDES = {"discord": DiscordSide}
