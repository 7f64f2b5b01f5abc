"""Button clicks on brew:<feature>:<verb>:<arg> buttons (RSVP, Easy Read, reflect, ...)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack.payloads import action_place, team_of, user_of
from bot.platforms.slack.responder import SlackResponder
from bot.platforms.slack.runtime import SlackServices

BREW_ACTION = re.compile(r"^brew:")


def register(app: AsyncApp, services: SlackServices) -> None:
    async def ack_button(ack: AsyncAck) -> None:
        await ack()

    async def run_button(body: dict[str, Any], client: AsyncWebClient) -> None:
        async with services.work.track():
            action = (body.get("actions") or [{}])[0]
            community = team_of(body)
            user_id, name = user_of(body)
            where = action_place(body, community, user_id)
            action_id = str(action.get("action_id") or "")
            # A button that may open a form must not wait for Slack (see directory.py).
            wait = not services.may_open_form(component=action_id)
            user = await services.directory.user(client, community, user_id, name, wait=wait)
            responder = SlackResponder(
                services.adapter,
                client,
                user_id=user_id,
                channel_id=where.id,
                thread_ts=where.thread_id,
                response_url=body.get("response_url"),
                trigger_id=body.get("trigger_id"),
            )
            await services.brew.dispatcher.run_component(action_id, {}, user, where, responder)

    app.action(BREW_ACTION)(ack=ack_button, lazy=[run_button])
