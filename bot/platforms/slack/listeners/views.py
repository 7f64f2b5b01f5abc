"""Form (modal) submissions: reflections, new sparks. The modal closes on ack; the answer
comes as an ephemeral message where the form was opened.

Reflections are anonymous: nothing here logs the submitted values or who sent them.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.refs import ConversationRef
from bot.platforms.slack.blocks import view_metadata, view_values
from bot.platforms.slack.payloads import team_of, user_of
from bot.platforms.slack.responder import SlackResponder
from bot.platforms.slack.runtime import SlackServices

BREW_VIEW = re.compile(r"^brew:")


def register(app: AsyncApp, services: SlackServices) -> None:
    async def ack_form(ack: AsyncAck) -> None:
        await ack()

    async def run_form(body: dict[str, Any], client: AsyncWebClient) -> None:
        async with services.work.track():
            view = body.get("view") or {}
            community = team_of(body)
            user_id, name = user_of(body)
            metadata = view_metadata(view)
            channel = metadata.get("channel") or user_id
            thread = metadata.get("thread") or None
            user = await services.directory.user(client, community, user_id, name)
            responder = SlackResponder(
                services.adapter, client, user_id=user_id, channel_id=channel, thread_ts=thread
            )
            await services.brew.dispatcher.run_component(
                str(view.get("callback_id") or ""),
                view_values(view.get("state") or {}),
                user,
                ConversationRef(community, channel, thread),
                responder,
            )

    app.view(BREW_VIEW)(ack=ack_form, lazy=[run_form])
