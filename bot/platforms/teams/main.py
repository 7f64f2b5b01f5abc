"""Starts Brewbot on Microsoft Teams: the SDK's App (its token check, routing and Bot
Framework client) with its messaging endpoint, POST /api/messages, on the bot's one web
server (bot/platforms/web), which `bot.runtime.serve` starts and stops as on every platform.

The App is given every option it would otherwise read from the environment (its generic
CLIENT_ID, TENANT_ID, SERVICE_URL, CLOUD...), and those names are hidden from it while it is
built, so nothing but Brewbot's TEAMS_* settings configures it. TEAMS_OPENID_URL points its
token check at Microsoft's sign-in metadata, TEAMS_LOGIN_URL the bot's own sign-in (signin.py)
at Entra's token endpoint, TEAMS_GRAPH_URL Microsoft Graph, where a team's tags and owners
are read (facilitators.py); or, for each, a test server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from microsoft_teams.api import ApiClientSettings
from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides

from bot.app import App, build_app
from bot.config import Settings
from bot.core.spelling import Spelling
from bot.engine.clock import Clock
from bot.engine.texts import Texts
from bot.platforms.event_log import DatabaseEventLog, EventLog
from bot.platforms.parts import PostedParts
from bot.platforms.teams.adapter import TeamsAdapter
from bot.platforms.teams.connector import Connector
from bot.platforms.teams.facilitators import Facilitators, community_role
from bot.platforms.teams.http import AiohttpRoutes, OffLoopKeys
from bot.platforms.teams.listeners import Listeners
from bot.platforms.teams.sdk import GENERIC_NAMES
from bot.platforms.teams.sdk import App as TeamsApp
from bot.platforms.teams.signin import SignIn, TokenSource
from bot.platforms.teams.transport import new_client
from bot.platforms.web.pages import pictures
from bot.platforms.web.server import WebServer, WebStartFailed
from bot.runtime import (
    StartRefused,
    Stopped,
    StopSignals,
    keep_trying,
    serve,
    start_web_pages,
)
from bot.scheduling.leader import AlreadyRunning

log = logging.getLogger("brewbot.teams")

SPELLING = Spelling(prefix="brew")

# Work left running after an activity was answered gets this long to finish at shutdown.
SHUTDOWN_GRACE_SECONDS = 10


@contextlib.contextmanager
def _generic_names_hidden() -> Iterator[None]:
    """The SDK's generic environment names, out of its sight while the App is built."""
    hidden = {name: os.environ.pop(name) for name in GENERIC_NAMES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(hidden)


@dataclass
class TeamsBot:
    settings: Settings
    brew: App
    sdk: TeamsApp
    listeners: Listeners
    connector: Connector
    routes: AiohttpRoutes
    signin: SignIn | None = None
    web: WebServer | None = None
    keys: OffLoopKeys | None = None
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
        """Start the services, then the web server with /api/messages (on `host`:`port` if
        given). Raises WebStartFailed for a port that cannot be had."""
        await self.brew.start(run_scheduler=run_scheduler)
        await self.sdk.initialize()
        # The SDK's inbound validator fetches keys on the event loop: ours does not.
        self.keys = OffLoopKeys(self.settings.teams_app_id, self.sdk.cloud)
        self.sdk.server._token_validator = self.keys  # type: ignore[assignment]
        self.web = await start_web_pages(
            self.brew, say or _log_line, mounted=self.routes.mounted, host=host, port=port
        )
        if self.web is not None:
            self.port = self.web.port
            log.info("teams listening port=%d", self.port)

    async def connection(self) -> None:
        """The front-end while it runs, for `serve`: until cancelled, then the work still
        running after an answer gets its time to finish."""
        try:
            await asyncio.Event().wait()
        finally:
            await self._stop_front_end()

    async def _stop_front_end(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listeners.work.wait_idle(), SHUTDOWN_GRACE_SECONDS)
        if self.keys is not None:
            self.keys.close()
        # The SDK never closes its HTTP clients: the one it sends with, and its own spare.
        await self.connector.close()
        await self.listeners.facilitators.close()
        await self.sdk.api._http.http.aclose()
        if self.signin is not None:
            await self.signin.close()

    async def close(self) -> None:
        """Everything at once (when start-up failed, and in tests); `serve` closes it in its
        own order otherwise."""
        if self._closed:
            return
        self._closed = True
        await self._stop_front_end()
        if self.web is not None:
            await self.web.close()
        await self.brew.close()


def _log_line(line: str) -> None:
    log.info("%s", line)


def build_sdk_app(settings: Settings, routes: AiohttpRoutes, token: TokenSource) -> TeamsApp:
    """The SDK's App, configured only by Brewbot's settings; its own token comes from `token`
    (SignIn, or a stand-in in tests), never from msal (signin.py says why)."""
    cloud = with_overrides(PUBLIC, openid_metadata_url=settings.teams_openid_url)
    with _generic_names_hidden():
        return TeamsApp(
            client_id=settings.teams_app_id,
            tenant_id=settings.teams_tenant_id or None,
            token=token,
            service_url=settings.teams_service_url,
            cloud=cloud,
            client=new_client(),
            http_server_adapter=routes,
            api_client_settings=ApiClientSettings(oauth_url=cloud.token_service_url),
            dangerously_allow_unauthenticated_requests=False,
            fetch_user_token=False,
        )


async def create_teams_bot(
    settings: Settings,
    *,
    clock: Clock | None = None,
    texts: Texts | None = None,
    events: EventLog | None = None,
    token: TokenSource | None = None,
) -> TeamsBot:
    """Compose the Teams front-end around the services (nothing is listening yet). `token`:
    the bot's own tokens, from Microsoft's sign-in (SignIn) unless given."""
    # Teams takes a message starting "/" as its own command: people type `brew help`.
    texts = (texts or Texts.load()).spoken_as(SPELLING)
    routes = AiohttpRoutes()
    signin = None
    if token is None:
        token = signin = SignIn(settings)
    sdk = build_sdk_app(settings, routes, token)
    connector = Connector(
        sdk.http_client,
        default_service_url=settings.teams_service_url,
        cloud=sdk.cloud,
        token=sdk.token_provider,
    )
    adapter = TeamsAdapter(connector, texts, pictures=pictures.address(settings))
    brew = await build_app(settings, adapter, clock=clock, texts=texts)
    adapter.opens_form = brew.table.may_open_form
    adapter.parts = PostedParts(brew.db)
    # Teams' tags and a team's owners come from Microsoft Graph, with the bot's own tokens.
    facilitators = Facilitators(
        settings.teams_graph_url,
        token,
        listed=settings.teams_facilitators,
        listed_role=settings.teams_facilitator_role,
    )
    listeners = Listeners(
        brew,
        adapter,
        connector,
        # A message's id is the time it was posted: kept keyed (event_log.py).
        events or DatabaseEventLog(brew.db, key=settings.teams_app_password.encode()),
        facilitators=facilitators,
        role_of=community_role(brew.dispatcher.known, settings.facilitator_role),
    )
    sdk.on_activity(listeners.on_activity)
    return TeamsBot(
        settings=settings,
        brew=brew,
        sdk=sdk,
        listeners=listeners,
        connector=connector,
        routes=routes,
        signin=signin,
    )


async def run_teams(settings: Settings) -> None:
    """Check the app's password with Microsoft, start, and `serve` until SIGTERM/SIGINT,
    then stop cleanly."""
    texts = Texts.load()
    with StopSignals() as signals:
        signin = SignIn(settings)
        try:
            await keep_trying(lambda: signin.check(texts), signals, texts)
        except Stopped:
            await signin.close()
            return
        except StartRefused as exc:
            await signin.close()
            raise SystemExit(str(exc)) from None
        bot = await create_teams_bot(settings, texts=texts, token=signin)
        bot.signin = signin
        started = False
        try:
            await signals.first(bot.start())
            started = True
        except Stopped:
            pass
        except (AlreadyRunning, WebStartFailed) as exc:
            raise SystemExit(str(exc)) from None
        finally:
            if not started:
                await bot.close()
        if started:
            await serve(bot.brew, bot.connection(), signals=signals, pages=bot.web)
