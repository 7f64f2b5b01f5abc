"""`/brew ...`: the one slash command, parsed by the same parser as the shell."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack.listeners.interaction import after_ack, read_interaction
from bot.platforms.slack.payloads import command_place, command_text
from bot.platforms.slack.shared import SlackServices

COMMAND = "/brew"


def register(app: AsyncApp, services: SlackServices) -> None:
    async def run_brew(
        body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        text = command_text(str(body.get("text") or ""))
        # A command that may open a form must not wait for Slack (see directory.py).
        wait = not services.may_open_form(text=text)
        asked = await read_interaction(services, client, body, command_place, wait=wait)
        await services.brew.dispatcher.run_text(text, asked.user, asked.where, asked.responder)

    app.command(COMMAND)(after_ack(services, run_brew))
