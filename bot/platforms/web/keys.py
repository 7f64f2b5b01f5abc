"""What the aiohttp application carries for its pages (typed keys, no globals)."""

from __future__ import annotations

from aiohttp import web

from bot.app import App
from bot.platforms.web.forms import FormTokens

# The running Brewbot: its services, settings and words.
BREWBOT = web.AppKey("brewbot", App)
# What signs and checks each form's hidden token (in this process's memory only).
FORM_TOKENS = web.AppKey("brewbot.form_tokens", FormTokens)
