"""Starts Brewbot on Slack: Socket Mode by default, or HTTP mode (SLACK_MODE=http).

Socket Mode needs no public URL (it suits a council's network): the bot opens a WebSocket to
Slack with the app-level token. HTTP mode serves /slack/events and checks every request's
signature, so several instances can run behind a load balancer. Either way the bot's one web
server (bot/platforms/web) runs beside it, through `bot.runtime.serve` as on every platform:
the web pages, /healthz and, in HTTP mode or with OAuth install, Slack's routes, all on
BREWBOT_WEB_HOST:BREWBOT_WEB_PORT. A deployment from before that, which set only
SLACK_HTTP_PORT (or nothing), keeps its address: see `listen_address`.

Start-up first asks Slack whether it takes the tokens (auth.test for SLACK_BOT_TOKEN;
apps.connections.open for SLACK_APP_TOKEN in Socket Mode): a refusal stops the process with
one line (exit code 1); Slack out of reach is one line per attempt, tried again until it
answers (bot/runtime.py, `keep_trying`). SIGTERM and SIGINT stop it at any point.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.app import App, build_app
from bot.config import Settings
from bot.engine.clock import Clock
from bot.engine.texts import Texts
from bot.platforms.event_log import DatabaseEventLog, EventLog
from bot.platforms.slack.adapter import SlackAdapter
from bot.platforms.slack.bolt import build_bolt_app
from bot.platforms.slack.clients import SlackClients, new_client
from bot.platforms.slack.directory import SlackDirectory
from bot.platforms.slack.http import SlackRoutes
from bot.platforms.slack.oauth import OAuthParts, build_oauth, oauth_enabled
from bot.platforms.slack.shared import SlackServices
from bot.platforms.web.pages import pictures
from bot.platforms.web.server import WebServer, WebStartFailed
from bot.runtime import (
    OutOfReach,
    StartRefused,
    Stopped,
    StopSignals,
    connection_problem,
    keep_trying,
    serve,
    start_web_pages,
)
from bot.scheduling.leader import AlreadyRunning

log = logging.getLogger("brewbot.slack")

# Where HTTP mode listened before the web server was shared: every address, port 3000.
HTTP_HOST = "0.0.0.0"
# Work listeners left running after their ack gets this long to finish at shutdown.
SHUTDOWN_GRACE_SECONDS = 10
# What reaching Slack can fail with, besides an answer: no connection, no answer in time.
UNREACHABLE = (OSError, aiohttp.ClientError, TimeoutError)
# Slack's answers that mean it is failing for now, not that the token is wrong.
SLACK_UNWELL = frozenset(
    {"ratelimited", "request_timeout", "service_unavailable", "fatal_error", "internal_error"}
)


def listen_address(settings: Settings) -> tuple[str, int]:
    """Where the one web server listens when Slack's requests come to it (HTTP mode, OAuth
    pages). BREWBOT_WEB_HOST:BREWBOT_WEB_PORT when BREWBOT_WEB_PORT is set. Otherwise where
    HTTP mode always listened, so a deployment from before keeps working: every address
    (or BREWBOT_WEB_HOST if set) and SLACK_HTTP_PORT (3000 unless set). SLACK_HTTP_PORT set
    beside a different BREWBOT_WEB_PORT is not used, and one line says so."""
    chosen = settings.model_fields_set
    if "web_port" in chosen:
        if "slack_http_port" in chosen and settings.slack_http_port != settings.web_port:
            log.warning(
                "SLACK_HTTP_PORT=%d is not used: Slack's requests, /healthz and the web pages "
                "share port %d (BREWBOT_WEB_PORT); point Slack's Request URLs there, or "
                "remove one of the two settings",
                settings.slack_http_port,
                settings.web_port,
            )
        return settings.web_host, settings.web_port
    host = settings.web_host if "web_host" in chosen else HTTP_HOST
    return host, settings.slack_http_port


@dataclass
class SlackBot:
    settings: Settings
    brew: App
    bolt: AsyncApp
    services: SlackServices
    oauth: OAuthParts | None = None
    http: SlackRoutes | None = None
    web: WebServer | None = None
    socket: AsyncSocketModeHandler | None = None
    port: int = 0
    _closed: bool = field(default=False, repr=False)

    async def start(
        self,
        *,
        run_scheduler: bool = True,
        host: str | None = None,
        port: int | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        """Start the services, then the web server (with Slack's routes in HTTP mode and for
        the OAuth pages; on `host`:`port` if given), then Socket Mode unless in HTTP mode.
        Raises WebStartFailed for a port that cannot be had."""
        if self.oauth is not None:
            await self.oauth.create_tables()
        await self.brew.start(run_scheduler=run_scheduler)
        http_mode = self.settings.slack_mode == "http"
        if http_mode or self.oauth is not None:
            self.http = SlackRoutes(
                self.bolt, events=http_mode, signing_secret=self.settings.slack_signing_secret
            )
            where_host, where_port = listen_address(self.settings)
            host = where_host if host is None else host
            port = where_port if port is None else port
        self.web = await start_web_pages(
            self.brew,
            say or _log_line,
            mounted=self.http.mounted if self.http is not None else None,
            host=host,
            port=port,
        )
        if self.http is not None and self.web is not None:
            self.port = self.web.port
            log.info("slack http listening port=%d", self.port)
        if not http_mode:
            self.socket = AsyncSocketModeHandler(
                self.bolt, self.settings.slack_app_token, web_client=self.services.clients.default
            )
            await self.socket.connect_async()
            log.info("slack socket mode connected")

    async def connection(self) -> None:
        """The front-end while it runs, for `serve`: until cancelled, then the Socket Mode
        connection closes and the work still running after an ack gets its time to finish."""
        try:
            await asyncio.Event().wait()
        finally:
            await self._stop_front_end()

    async def _stop_front_end(self) -> None:
        if self.socket is not None:
            await self.socket.close_async()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.services.work.wait_idle(), SHUTDOWN_GRACE_SECONDS)
        await self.services.directory.close()
        await self.services.clients.close()

    async def close(self) -> None:
        """Everything at once (when start-up failed, and in tests); `serve` closes it in
        its own order otherwise."""
        if self._closed:
            return
        self._closed = True
        await self._stop_front_end()
        if self.web is not None:
            await self.web.close()
        await self.brew.close()


def _log_line(line: str) -> None:
    log.info("%s", line)


async def create_slack_bot(
    settings: Settings,
    *,
    clock: Clock | None = None,
    texts: Texts | None = None,
    events: EventLog | None = None,
) -> SlackBot:
    """Compose the Slack front-end around the services (nothing is connected yet)."""
    texts = texts or Texts.load()
    oauth_on = oauth_enabled(settings)
    clients = SlackClients(
        settings.slack_api_url, token=None if oauth_on else settings.slack_bot_token or None
    )
    clients.share_session()
    adapter = SlackAdapter(
        clients, texts, breakouts=settings.slack_breakouts, pictures=pictures.address(settings)
    )
    brew = await build_app(settings, adapter, clock=clock, texts=texts)
    oauth = build_oauth(settings, brew.db.engine) if oauth_on else None
    if oauth is not None:
        clients.installation_store = oauth.installations
    services = SlackServices(
        brew=brew,
        adapter=adapter,
        clients=clients,
        directory=SlackDirectory(),
        events=events or DatabaseEventLog(brew.db),
        installation_store=oauth.installations if oauth else None,
    )
    bolt = build_bolt_app(
        settings, services, clients.for_bolt(), oauth=oauth.settings if oauth else None
    )
    return SlackBot(settings=settings, brew=brew, bolt=bolt, services=services, oauth=oauth)


async def check_tokens(settings: Settings, texts: Texts) -> None:
    """Ask Slack whether it takes the bot token (one workspace; OAuth installs bring their
    own) and, in Socket Mode, the app-level token. Raises StartRefused for a token it does
    not accept, OutOfReach when it cannot answer."""
    client = new_client(settings.slack_api_url)
    if not oauth_enabled(settings):
        who = client.auth_test(token=settings.slack_bot_token)
        await _ask(settings, texts, who, "startup.slack_bot_token_refused")
    if settings.slack_mode == "socket":
        opened = client.apps_connections_open(app_token=settings.slack_app_token)
        await _ask(settings, texts, opened, "startup.slack_app_token_refused")


async def _ask(settings: Settings, texts: Texts, call: Awaitable[object], refused: str) -> None:
    try:
        await call
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "")
        status = exc.response.status_code
        if error in SLACK_UNWELL or status >= 500 or not error:
            reason = error or f"HTTP {status}"
            raise OutOfReach(_unreachable(settings, texts, reason)) from None
        raise StartRefused(texts.t(refused, error=error)) from None
    except UNREACHABLE as exc:
        raise OutOfReach(_unreachable(settings, texts, connection_problem(exc))) from None


def _unreachable(settings: Settings, texts: Texts, reason: str) -> str:
    url = settings.slack_api_url
    return texts.t("startup.unreachable", platform="Slack", url=url, reason=reason)


async def run_slack(settings: Settings) -> None:
    """Check the tokens, start, and `serve` until SIGTERM/SIGINT, then stop cleanly."""
    # Bolt and the SDK log whole payloads (a form's holds a reflection's words): the filter on
    # every log handler keeps them out (bot/logs.py, set up by the command line).
    texts = Texts.load()
    with StopSignals() as signals:
        try:
            await keep_trying(lambda: check_tokens(settings, texts), signals, texts)
        except Stopped:
            return
        except StartRefused as exc:
            raise SystemExit(str(exc)) from None
        bot = await create_slack_bot(settings, texts=texts)
        started = False
        try:
            await signals.first(bot.start())
            started = True
        except Stopped:
            pass
        except (AlreadyRunning, WebStartFailed) as exc:
            raise SystemExit(str(exc)) from None
        except UNREACHABLE as exc:
            # Reached a moment ago, lost while starting: say so once and stop.
            problem = _unreachable(settings, texts, connection_problem(exc))
            raise SystemExit(
                texts.t("startup.connection_lost", problem=problem, platform="Slack")
            ) from None
        finally:
            if not started:
                await bot.close()
        if started:
            await serve(bot.brew, bot.connection(), signals=signals, pages=bot.web)
