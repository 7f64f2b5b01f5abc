"""Slack in the front-end bursts, the bot's side, in HTTP mode and in Socket Mode
(`SlackHttpSide`, `SlackSocketSide`): the real Bolt app and its listeners, built and started
as `brewbot run` starts them, pointed at the loopback Slack the driver runs
(bot/loopback/load/slack.py has the people's side and how each press is timed)."""

from __future__ import annotations

from typing import Any

from bot.app import App
from bot.config import Settings
from bot.loopback.load.slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET
from bot.loopback.slack_server import TEAM_ID
from bot.platforms.slack.main import SlackBot, create_slack_bot


class SlackSide:
    """The real Slack front-end, on a port of its own on this machine."""

    platform = "slack"
    mode = "socket"

    def __init__(self) -> None:
        self.bot: SlackBot | None = None

    async def start(self, settings: Settings, reached: dict[str, Any]) -> App:
        self.bot = await create_slack_bot(
            settings.model_copy(
                update={
                    "slack_mode": self.mode,
                    "slack_bot_token": BOT_TOKEN,
                    "slack_app_token": APP_TOKEN,
                    "slack_signing_secret": SIGNING_SECRET,
                    "slack_api_url": reached["api_url"],
                }
            )
        )
        await self.bot.start(run_scheduler=False, host="127.0.0.1", port=reached.get("bot_port", 0))
        return self.bot.brew

    def community(self, reached: dict[str, Any]) -> str:
        return TEAM_ID

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()


class SlackHttpSide(SlackSide):
    mode = "http"


class SlackSocketSide(SlackSide):
    mode = "socket"


SIDES: dict[str, type[SlackSide]] = {"slack_http": SlackHttpSide, "slack_socket": SlackSocketSide}
