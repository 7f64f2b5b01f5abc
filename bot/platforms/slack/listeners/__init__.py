"""Bolt listeners, one module per kind of request; each exposes `register(app, services)`.

Every listener acknowledges at once (Slack wants an answer within 3 seconds) and leaves the
real work running after it: parse what Slack sent, call the Dispatcher, render. A form's
submission waits up to 2 seconds for its answer first, so a refusal can be shown in the form
(views.py). What they share (the listener that acknowledges, then who, where and the
Responder) is in interaction.py.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.platforms.slack.listeners import actions, commands, events, views
from bot.platforms.slack.shared import SlackServices

# Bolt tries each listener in turn until one matches, building its arguments for each try:
# clicks and forms, the most frequent, are tried first.
MODULES = (actions, views, commands, events)


def register_all(app: AsyncApp, services: SlackServices) -> None:
    for module in MODULES:
        module.register(app, services)
