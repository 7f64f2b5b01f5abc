"""Slack Web API clients: one per workspace, each with the SDK's rate-limit retry handler,
all on one HTTP session that keeps its connections.

Single workspace: the one bot token from SLACK_BOT_TOKEN. Multi-workspace (OAuth): each
workspace's bot token comes from the installation store, looked up when the bot speaks first
(reminders, scheduled steps); inside a request Bolt has already found it (authorize.py).
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.ports import DeliveryError

log = logging.getLogger("brewbot.slack")

# Slack asks for at most about one message a second per channel; after a 429 the SDK waits
# for Retry-After and tries again, this many times.
RATE_LIMIT_RETRIES = 3
# The longest one call may take, as the SDK's clients allow when they make their own session.
CALL_SECONDS = 30
# The Web API clients' logger (Bolt gives each request's client the same one), under
# slack_sdk's so that bot/logs.py drops its lines below WARNING like the rest of the SDK's.
# Its own level is set because slack_sdk builds each call's DEBUG lines (every argument, and
# the answer's body) whenever a client's logger has no level of its own: it reads
# `logger.level`, not the level in effect. That is about 15 µs a call each way, spent on
# lines that are then dropped.
WEB_API_LOG = logging.getLogger("slack_sdk.web.brewbot")
WEB_API_LOG.setLevel(logging.WARNING)


def install_retry_handlers(client: AsyncWebClient) -> AsyncWebClient:
    """Add the SDK's rate-limit (429 + Retry-After) and connection retry handlers once."""
    kinds = {type(h) for h in client.retry_handlers}
    if AsyncRateLimitErrorRetryHandler not in kinds:
        client.retry_handlers.append(
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
        )
    if AsyncConnectionErrorRetryHandler not in kinds:
        client.retry_handlers.append(AsyncConnectionErrorRetryHandler())
    return client


def new_client(
    base_url: str, token: str | None = None, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    base = base_url if base_url.endswith("/") else base_url + "/"
    client = AsyncWebClient(token=token, base_url=base, session=session, logger=WEB_API_LOG)
    return install_retry_handlers(client)


class SlackClients:
    """Finds the client to use for a workspace (team id), for what the bot says of its own
    accord (posts, reminders, threads, private messages). With `share_session` they, Bolt's
    client (`for_bolt`, and so the client of every request it answers) and the answers
    through a response_url keep their connections open between calls."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        installation_store: AsyncInstallationStore | None = None,
    ) -> None:
        self.base_url = base_url
        self.default = new_client(base_url, token)
        self.installation_store = installation_store
        self._by_team: dict[str, AsyncWebClient] = {}
        self._session: aiohttp.ClientSession | None = None

    def for_bolt(self) -> AsyncWebClient:
        """Bolt's client, on the shared session. It has no token: the authorize step gives
        each request its workspace's (authorize.py). Bolt copies it for every request, with
        the session; nothing may deep-copy a request (no lazy listeners), as an open
        session cannot be copied."""
        return new_client(self.base_url, None, self._session)

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The shared session while it is open (for answers through a response_url)."""
        return self._session

    def share_session(self) -> None:
        """One HTTP session for these clients' calls, instead of the SDK's new session,
        connection (and in production TLS handshake) for each. Call inside the running
        event loop."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CALL_SECONDS))
        self.default.session = self._session
        for client in self._by_team.values():
            client.session = self._session

    async def close(self) -> None:
        """Close the shared session; a call after this opens its own, as before."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def for_team(self, team_id: str) -> AsyncWebClient:
        if self.installation_store is None:
            return self.default
        cached = self._by_team.get(team_id)
        if cached is not None:
            return cached
        bot = await self.installation_store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise DeliveryError("not_installed", team_id)
        client = new_client(self.base_url, bot.bot_token, self._session)
        self._by_team[team_id] = client
        return client

    def cached_teams(self) -> set[str]:
        return set(self._by_team)

    def forget(self, team_id: str) -> None:
        """Drop a workspace's cached client (after an uninstall or a revoked token)."""
        self._by_team.pop(team_id, None)
