"""The pages anyone may read: what Brewbot is, and the accessibility statement."""

from __future__ import annotations

from aiohttp import web

from bot.platforms.web.keys import BREWBOT
from bot.platforms.web.render import page


def routes(_app: web.Application) -> list[web.RouteDef]:
    return [web.get("/", home), web.get("/accessibility", accessibility)]


async def home(request: web.Request) -> web.Response:
    texts = request.app[BREWBOT].deps.texts
    return page(request, "home.html", title=texts.t("web.home_title"))


async def accessibility(request: web.Request) -> web.Response:
    texts = request.app[BREWBOT].deps.texts
    return page(request, "accessibility.html", title=texts.t("web.accessibility_title"))
