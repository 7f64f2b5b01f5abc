"""A session's own page, reached only by its link (`/brew link N`, bot/sessions/links.py):
what the announcement says, a calendar invite, and the spark, with an Easy Read version one
click away. Looking at it stores nothing. A link that is not (or no longer) in use gets the
"link not known" page, whatever it looks like."""

from __future__ import annotations

from aiohttp import web

from bot.platforms.web.errors import known
from bot.platforms.web.keys import BREWBOT
from bot.platforms.web.render import page
from bot.sessions.links import SessionPage


def routes(_app: web.Application) -> list[web.RouteDef]:
    return [
        web.get("/s/{token}", plain),
        web.get("/s/{token}/easy-read", easy_read),
        web.get("/s/{token}/invite.ics", invite),
    ]


async def _shown(request: web.Request) -> SessionPage:
    brew = request.app[BREWBOT]
    async with brew.db.read() as tx:
        return known(await brew.links.page(tx, request.match_info["token"]))


async def plain(request: web.Request) -> web.Response:
    shown = await _shown(request)
    return _page(request, shown, easy=False)


async def easy_read(request: web.Request) -> web.Response:
    shown = await _shown(request)
    return _page(request, shown, easy=True)


def _page(request: web.Request, shown: SessionPage, *, easy: bool) -> web.Response:
    token = request.match_info["token"]
    return page(request, "session.html", title=shown.title, session=shown, easy=easy, token=token)


async def invite(request: web.Request) -> web.Response:
    shown = await _shown(request)
    return web.Response(
        body=shown.invite.content,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{shown.invite.filename}"'},
    )
