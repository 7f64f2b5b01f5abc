"""Every page's route, in one place: each page module offers `routes(app)`, added here."""

from __future__ import annotations

from aiohttp import web

from bot.platforms.web.pages import about, group, health, pictures, rsvp, session


def routes(app: web.Application) -> list[web.RouteDef]:
    return [
        *about.routes(app),
        *health.routes(app),
        *session.routes(app),
        *group.routes(app),
        *rsvp.routes(app),
        *pictures.routes(app),
    ]
