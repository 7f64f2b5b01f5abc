"""The health check a load balancer or a container's HEALTHCHECK asks, on the one web server
that Slack's HTTP mode shares too (so a deployment that watched Slack's /healthz still can).
It says the process is serving; `brewbot health` checks the database."""

from __future__ import annotations

from aiohttp import web

HEALTH_PATH = "/healthz"


def routes(_app: web.Application) -> list[web.RouteDef]:
    return [web.get(HEALTH_PATH, healthy)]


async def healthy(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})
