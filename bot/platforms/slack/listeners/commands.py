"""`/brew ...`: the one slash command, parsed by the same parser as the shell."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.refs import ConversationRef
from bot.platforms.slack.payloads import command_text, team_of, user_of
from bot.platforms.slack.responder import SlackResponder
from bot.platforms.slack.runtime import SlackServices

COMMAND = "/brew"


def register(app: AsyncApp, services: SlackServices) -> None:
    async def ack_brew(ack: AsyncAck) -> None:
        await ack()

    async def run_brew(body: dict[str, Any], client: AsyncWebClient) -> None:
        async with services.work.track():
            community = team_of(body)
            user_id, name = user_of(body)
            text = command_text(str(body.get("text") or ""))
            # A command that may open a form must not wait for Slack (see directory.py).
            wait = not services.may_open_form(text=text)
            user = await services.directory.user(client, community, user_id, name, wait=wait)
            channel = str(body.get("channel_id") or user_id)
            responder = SlackResponder(
                services.adapter,
                client,
                user_id=user_id,
                channel_id=channel,
                response_url=body.get("response_url"),
                trigger_id=body.get("trigger_id"),
            )
            await services.brew.dispatcher.run_text(
                text,
                user,
                ConversationRef(community, channel),
                responder,
            )

    app.command(COMMAND)(ack=ack_brew, lazy=[run_brew])
