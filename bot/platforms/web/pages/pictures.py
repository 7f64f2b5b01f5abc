"""The Easy Read pictures (prompts/pictures), served at /pictures/NAME.png: for the web pages'
<img> and for Slack, which fetches a picture from its address. Only a picture that exists is
served; anything else is the kind 404 page."""

from __future__ import annotations

from aiohttp import web

from bot.config import Settings
from bot.engine.pictures import picture_png, shared_pictures

PATH = "/pictures/"


def routes(app: web.Application) -> list[web.RouteDef]:
    return [web.get(PATH + "{name}.png", picture)]


def address(settings: Settings) -> str:
    """Where others (Slack) can fetch the pictures: under the public base address, when one
    is set and the web server runs; otherwise "" (the words are shown alone)."""
    if not settings.web or not settings.web_base_url:
        return ""
    return settings.web_base_url + PATH.lstrip("/")


async def picture(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in shared_pictures().alts:
        raise web.HTTPNotFound()
    # The pictures change only with a new release: a day's caching spares Slack and browsers.
    return web.Response(
        body=picture_png(name),
        content_type="image/png",
        headers={"Cache-Control": "public, max-age=86400"},
    )
