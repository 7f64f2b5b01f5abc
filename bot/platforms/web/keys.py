"""What the aiohttp application carries for its pages (typed keys, no globals)."""

from __future__ import annotations

from aiohttp import web

from bot.app import App

# The running Brewbot: its services, settings and words.
BREWBOT = web.AppKey("brewbot", App)
