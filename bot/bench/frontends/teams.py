"""Microsoft Teams in the front-end bursts, the bot's side (`TeamsSide`): the SDK's App with
its /api/messages on the bot's one web server, built and started as `brewbot run` starts it,
its token check, its sign-in, its Graph lookups and its replies pointed at the loopback Teams
the driver runs (bot/loopback/load/teams.py has the people's side and how each press is
timed)."""

from __future__ import annotations

from typing import Any

from bot.app import App
from bot.config import Settings
from bot.loopback.load.teams import APP_ID
from bot.platforms.teams.main import TeamsBot, create_teams_bot


class TeamsSide:
    """The real Teams front-end, on the port the driver chose on this machine."""

    platform = "teams"

    def __init__(self) -> None:
        self.bot: TeamsBot | None = None

    async def start(self, settings: Settings, reached: dict[str, Any]) -> App:
        self.bot = await create_teams_bot(
            settings.model_copy(
                update={
                    "teams_app_id": APP_ID,
                    "teams_openid_url": reached["openid_url"],
                    "teams_service_url": reached["service_url"],
                    "teams_login_url": reached["login_url"],
                    "teams_graph_url": reached["graph_url"],
                    "teams_app_password": reached["app_password"],
                }
            )
        )
        await self.bot.start(run_scheduler=False, host="127.0.0.1", port=reached["bot_port"])
        return self.bot.brew

    def community(self, reached: dict[str, Any]) -> str:
        return str(reached["tenant"])

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()


SIDES = {"teams": TeamsSide}
