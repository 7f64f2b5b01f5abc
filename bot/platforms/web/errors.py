"""A small page with one plain sentence for every refusal and failure, never a traceback.

A failure is logged as the route's pattern (`/s/{token}`, never the token) and the kind of
error: an exception's text can quote what a person sent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.platforms.web.keys import BREWBOT
from bot.platforms.web.render import page

log = logging.getLogger("brewbot.web")

# Status: the title's and the sentence's keys in prompts/strings/web.yaml.
KIND_PAGES = {
    400: "unreadable",
    403: "elsewhere",
    404: "not_found",
    405: "not_allowed",
    413: "too_large",
    429: "too_many",
    500: "broken",
}
# Headers of a refusal that the person's browser still needs.
KEPT_HEADERS = ("Allow", "Retry-After")


@web.middleware
async def kind_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as refusal:
        if refusal.status not in KIND_PAGES:
            raise  # redirects, and anything a page answers in its own words
        kept = {k: refusal.headers[k] for k in KEPT_HEADERS if k in refusal.headers}
        return error_page(request, refusal.status, headers=kept)
    except asyncio.CancelledError:
        raise
    except Exception as error:
        log.error("web page failed route=%s error=%s", _route(request), type(error).__name__)
        return error_page(request, 500)


def error_page(
    request: web.Request, status: int, *, headers: dict[str, str] | None = None
) -> web.Response:
    texts = request.app[BREWBOT].deps.texts
    kind = KIND_PAGES[status]
    seconds = (headers or {}).get("Retry-After", "")
    return page(
        request,
        "error.html",
        title=texts.t(f"web.error.{kind}_title"),
        message=texts.t(f"web.error.{kind}", seconds=seconds),
        status=status,
        headers=headers,
    )


T = TypeVar("T")


def known(found: T | None) -> T:
    """What a link or number opened, or the "link not known" page when it opened nothing."""
    if found is None:
        raise web.HTTPNotFound()
    return found


def _route(request: web.Request) -> str:
    """The pattern of the route asked for, with no part of the path itself."""
    info = request.match_info.route.resource
    return info.canonical if info is not None else "(none)"
