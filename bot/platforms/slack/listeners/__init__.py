"""Bolt listeners, one module per kind of request; each exposes `register(app, services)`.

Every listener acknowledges at once in `ack` (Slack wants an answer within 3 seconds) and does
the real work in a lazy listener: parse what Slack sent, call the Dispatcher, render. What the
interactive ones share (who, where, the Responder; the `ack`) is in interaction.py.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.platforms.slack.listeners import actions, commands, events, views
from bot.platforms.slack.shared import SlackServices

MODULES = (commands, actions, views, events)


def register_all(app: AsyncApp, services: SlackServices) -> None:
    for module in MODULES:
        module.register(app, services)
