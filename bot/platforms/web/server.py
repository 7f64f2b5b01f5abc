"""The web server: an aiohttp application in the bot's own process, started and stopped by
`bot.runtime.serve` beside the chat front-end (the terminal chat, Discord and Slack). It is
the process's only web server: Slack's HTTP mode mounts its routes here (`Mounted`: its
events and OAuth pages), beside the pages and the one /healthz.

It listens on BREWBOT_WEB_HOST:BREWBOT_WEB_PORT (127.0.0.1:8080 unless set; port 0 takes any
free port), or where the front-end that starts it says (Slack's HTTP mode, set up the old
way with SLACK_HTTP_PORT). Once it listens, the address people reach it at (BREWBOT_WEB_BASE_URL, or
http://HOST:PORT/ of the running server) is `WebServer.base_url` and `Deps.web_base_url`,
which is what a feature reads to make a link. A port that cannot be had is one line
(`WebStartFailed`), not a traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from aiohttp import web
from yarl import URL

from bot.app import App
from bot.core.marked import SaidLine
from bot.platforms.web import pages
from bot.platforms.web.errors import kind_errors
from bot.platforms.web.forms import FormSlots, FormTokens
from bot.platforms.web.guards import (
    MAX_BODY_BYTES,
    AddressLimiter,
    RateLimits,
    add_security_headers,
    bounded_bodies,
    rate_limited,
    same_site_forms,
)
from bot.platforms.web.keys import BREWBOT, FORM_TOKENS
from bot.platforms.web.pages import health
from bot.platforms.web.render import FORM_SLOTS, KEPT_PAGES, TEMPLATES, KeptPages, templates
from bot.runtime import connection_problem

STATIC = Path(str(resources.files("bot.platforms.web").joinpath("static")))
# Requests still being answered at shutdown get this long (within the process's grace).
SHUTDOWN_SECONDS = 2.0


class WebStartFailed(SaidLine):
    """The web server could not listen. The message is one line: where, why, what to do."""


@dataclass(frozen=True)
class Mounted:
    """Another front-end's routes on this server (Slack's HTTP mode). `self_guarded` are the
    paths that check every request themselves (a signature) and bound their own bodies:
    the per-address rate limit and the pages' body bound leave them alone."""

    routes: Sequence[web.RouteDef]
    self_guarded: frozenset[str] = frozenset()


def build_application(
    brew: App,
    *,
    limits: RateLimits = RateLimits(),
    max_body: int = MAX_BODY_BYTES,
    mounted: Mounted | None = None,
) -> web.Application:
    """The aiohttp application with every page, guard and header (not yet listening): the
    pages unless BREWBOT_WEB=off (then only /healthz), and `mounted`'s routes."""
    exempt = mounted.self_guarded if mounted is not None else frozenset()
    application = web.Application(
        client_max_size=max_body,
        # Outermost first: a refusal from the inner two is still answered as a kind page.
        middlewares=[
            kind_errors,
            rate_limited(
                AddressLimiter(limits),
                exempt=exempt,
                trusted_proxies=brew.settings.web_trusted_proxies,
            ),
            bounded_bodies(max_body, exempt=exempt),
            same_site_forms(hosts=_hosts(brew.settings.web_base_url), exempt=exempt),
        ],
    )
    application[BREWBOT] = brew
    application[FORM_TOKENS] = tokens = FormTokens()
    application[FORM_SLOTS] = slots = FormSlots(tokens)
    application[TEMPLATES] = templates(brew.deps.texts, slots)
    application[KEPT_PAGES] = KeptPages()
    application.on_response_prepare.append(add_security_headers)
    if brew.settings.web:
        application.add_routes(pages.routes(application))
        application.add_routes([web.static("/static", STATIC)])
    else:
        application.add_routes(health.routes(application))
    if mounted is not None:
        application.add_routes(mounted.routes)
    return application


class WebServer:
    def __init__(
        self,
        brew: App,
        *,
        limits: RateLimits = RateLimits(),
        mounted: Mounted | None = None,
        host: str | None = None,
        port: int | None = None,
    ) -> None:
        self.brew = brew
        self.application = build_application(brew, limits=limits, mounted=mounted)
        self.host = brew.settings.web_host if host is None else host
        self.port = brew.settings.web_port if port is None else port
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        """Listen; return the base URL (ending in "/"). Raises WebStartFailed."""
        settings = self.brew.settings
        host, port = self.host, self.port
        # No access log: each line would give a person's address and the time they sent a
        # form; bot/logs.py drops aiohttp.access below WARNING as well.
        runner = web.AppRunner(self.application, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as error:
            await runner.cleanup()
            line = self.brew.deps.texts.t(
                "web_startup.port_taken", host=host, port=port, reason=connection_problem(error)
            )
            raise WebStartFailed(line) from None
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self.base_url = settings.web_base_url or f"http://{_in_url(host)}:{self.port}/"
        if settings.web:  # with the pages off, there is nothing for a link to open
            self.brew.deps.web_base_url = self.base_url
        return self.base_url

    async def close(self) -> None:
        self.brew.deps.web_base_url = ""
        runner, self._runner = self._runner, None
        if runner is not None:
            with contextlib.suppress(TimeoutError):
                await runner.cleanup()


def _hosts(base_url: str) -> tuple[str, ...]:
    """The public address's host (and port), which a form's Origin may name."""
    host = URL(base_url).host_port_subcomponent if base_url else None
    return (host,) if host else ()


def _in_url(host: str) -> str:
    """The host as a link names it: listening on every address (0.0.0.0, ::), this machine's
    own, since nobody can open 0.0.0.0 (elsewhere, BREWBOT_WEB_BASE_URL says the address
    people use); an IPv6 address in brackets."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host
