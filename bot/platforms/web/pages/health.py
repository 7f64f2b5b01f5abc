"""The health check a load balancer or a container's HEALTHCHECK asks: the same path and
answer as Slack's HTTP mode (bot/platforms/slack/http.py), so either can be watched alike.
It says the process is serving; `brewbot health` checks the database."""

from __future__ import annotations

from aiohttp import web

# Slack HTTP mode's path too (slack/http.py HEALTH_PATH; a test keeps them equal). Not
# imported from there: that would load Slack's SDK for every platform.
HEALTH_PATH = "/healthz"


def routes(_app: web.Application) -> list[web.RouteDef]:
    return [web.get(HEALTH_PATH, healthy)]


async def healthy(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})
