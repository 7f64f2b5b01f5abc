"""Button clicks on brew:<feature>:<verb>:<arg> buttons (RSVP, Easy Read, reflect, ...)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack.listeners.interaction import after_ack, read_interaction
from bot.platforms.slack.payloads import action_place
from bot.platforms.slack.shared import SlackServices

BREW_ACTION = re.compile(r"^brew:")


def register(app: AsyncApp, services: SlackServices) -> None:
    async def run_button(
        body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        action = (body.get("actions") or [{}])[0]
        action_id = str(action.get("action_id") or "")
        # A button that may open a form must not wait for Slack (see directory.py).
        wait = not services.may_open_form(component=action_id)
        asked = await read_interaction(services, client, body, action_place, wait=wait)
        await services.brew.dispatcher.run_component(
            action_id, {}, asked.user, asked.where, asked.responder
        )

    app.action(BREW_ACTION)(after_ack(services, run_button))
