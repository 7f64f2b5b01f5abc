"""Starts Brewbot on Slack: Socket Mode by default, or HTTP mode (SLACK_MODE=http).

Socket Mode needs no public URL (it suits a council's network): the bot opens a WebSocket to
Slack with the app-level token. HTTP mode serves /slack/events on SLACK_HTTP_PORT and checks
every request's signature, so several instances can run behind a load balancer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass, field

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.app import App, build_app
from bot.config import Settings
from bot.platforms.slack.adapter import SlackAdapter
from bot.platforms.slack.bolt import build_bolt_app
from bot.platforms.slack.clients import SlackClients
from bot.platforms.slack.dedupe import DatabaseEventLog, EventLog
from bot.platforms.slack.directory import SlackDirectory
from bot.platforms.slack.http import SlackHttpServer
from bot.platforms.slack.oauth import OAuthParts, build_oauth, oauth_enabled
from bot.platforms.slack.runtime import SlackServices
from bot.services.clock import Clock
from bot.services.texts import Texts

log = logging.getLogger("brewbot.slack")

HTTP_HOST = "0.0.0.0"
# Lazy work still running at shutdown gets this long to finish.
SHUTDOWN_GRACE_SECONDS = 10


@dataclass
class SlackBot:
    settings: Settings
    brew: App
    bolt: AsyncApp
    services: SlackServices
    oauth: OAuthParts | None = None
    http: SlackHttpServer | None = None
    socket: AsyncSocketModeHandler | None = None
    port: int = 0
    _closed: bool = field(default=False, repr=False)

    async def start(
        self, *, run_scheduler: bool = True, host: str = HTTP_HOST, port: int | None = None
    ) -> None:
        """Start the services, then listen: HTTP (also for the OAuth pages) and/or Socket Mode."""
        if self.oauth is not None:
            await self.oauth.create_tables()
        await self.brew.start(run_scheduler=run_scheduler)
        http_mode = self.settings.slack_mode == "http"
        if http_mode or self.oauth is not None:
            self.http = SlackHttpServer(self.bolt, events=http_mode)
            self.port = await self.http.start(
                host, self.settings.slack_http_port if port is None else port
            )
            log.info("slack http listening port=%d", self.port)
        if not http_mode:
            self.socket = AsyncSocketModeHandler(
                self.bolt, self.settings.slack_app_token, web_client=self.services.clients.default
            )
            await self.socket.connect_async()
            log.info("slack socket mode connected")

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.socket is not None:
            await self.socket.close_async()
        if self.http is not None:
            await self.http.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.services.work.wait_idle(), SHUTDOWN_GRACE_SECONDS)
        await self.brew.close()


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
    adapter = SlackAdapter(clients, texts, breakouts=settings.slack_breakouts)
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
        settings, services, clients.default, oauth=oauth.settings if oauth else None
    )
    return SlackBot(settings=settings, brew=brew, bolt=bolt, services=services, oauth=oauth)


async def run_slack(settings: Settings) -> None:
    # Bolt and the SDK log whole payloads (a form's holds a reflection's words): the filter on
    # every log handler keeps them out (bot/logs.py, set up by the command line).
    bot = await create_slack_bot(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await bot.start()
        await stop.wait()
    finally:
        await bot.close()
