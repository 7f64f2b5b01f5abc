"""The bot's own access token for the Bot Framework connector: the OAuth 2.0 client-credentials
grant (TEAMS_APP_ID and TEAMS_APP_PASSWORD) at Microsoft Entra's token endpoint.

The SDK would get it with msal, whose calls block (the SDK runs them in the event loop's
shared executor, with no timeout: a slow sign-in would hold the threads that resolve host
names and run SQLite's checkpoint) and which takes only Microsoft's own https addresses (for
any other it first asks login.microsoftonline.com), so it can be neither bounded nor tried
offline. So the SDK is handed this provider instead (its `token=` option): one POST with a
timeout, on the event loop, its token kept until shortly before it expires.

`check` is the start-up check Slack's tokens get: Microsoft either gives the bot a token, or
says why not (a password it does not accept is one line and exit 1), or cannot be reached
(tried again, bot/runtime.py keep_trying).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx

from bot.config import Settings
from bot.engine.texts import Texts
from bot.platforms.teams.transport import CALL_TIMEOUT
from bot.runtime import OutOfReach, StartRefused, connection_problem

# The scope of a token for the Bot Framework connector, and the tenant a multi-tenant bot
# signs in through (the SDK's PUBLIC cloud says the same).
BOT_SCOPE = "https://api.botframework.com/.default"
BOT_TENANT = "botframework.com"
# A token is fetched again this long before it expires (they last about an hour).
EARLY_SECONDS = 300.0
# What Entra answers for an app ID or password it does not accept, or a tenant it does not
# know: trying again would not help.
REFUSALS = frozenset({"invalid_client", "unauthorized_client", "invalid_request"})

# Where the bot's tokens come from: (scope, tenant) -> an access token, or an awaitable of one
# (SignIn, or a test's stand-in for Microsoft's sign-in).
TokenSource = Callable[[Any, str | None], Any]


class SignIn:
    def __init__(self, settings: Settings) -> None:
        self.login_url = settings.teams_login_url.rstrip("/")
        self.app_id = settings.teams_app_id
        self.password = settings.teams_app_password
        self.tenant = settings.teams_tenant_id or BOT_TENANT
        self.http = httpx.AsyncClient(timeout=CALL_TIMEOUT)
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}
        self._lock = asyncio.Lock()

    async def __call__(self, scope: str, tenant_id: str | None = None) -> str:
        """A token for `scope` (the SDK's TokenCredentials provider). Raises httpx's errors,
        which the adapter turns into a DeliveryError like any refused call."""
        key = (scope, tenant_id or self.tenant)
        async with self._lock:
            token, until = self._tokens.get(key, ("", 0.0))
            if token and time.monotonic() < until:
                return token
            response = await self.http.post(
                f"{self.login_url}/{key[1]}/oauth2/v2.0/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.app_id,
                    "client_secret": self.password,
                    "scope": scope,
                },
            )
            response.raise_for_status()
            answer = response.json()
            token = str(answer["access_token"])
            lifetime = float(answer.get("expires_in") or 0)
            self._tokens[key] = (token, time.monotonic() + max(0.0, lifetime - EARLY_SECONDS))
            return token

    async def check(self, texts: Texts) -> None:
        """Ask Microsoft for the bot's token. Raises StartRefused for an app ID, password or
        tenant it does not accept, OutOfReach when it cannot answer."""
        try:
            await self(BOT_SCOPE)
        except httpx.HTTPStatusError as exc:
            error = _error(exc.response)
            if exc.response.status_code < 500 and error in REFUSALS:
                raise StartRefused(texts.t("teams.password_refused", error=error)) from None
            reason = error or f"HTTP {exc.response.status_code}"
            raise OutOfReach(self._unreachable(texts, reason)) from None
        except (httpx.TransportError, ValueError, KeyError) as exc:
            raise OutOfReach(self._unreachable(texts, connection_problem(exc))) from None

    def _unreachable(self, texts: Texts, reason: str) -> str:
        return texts.t(
            "startup.unreachable", platform="Microsoft sign-in", url=self.login_url, reason=reason
        )

    async def close(self) -> None:
        await self.http.aclose()


def _error(response: httpx.Response) -> str:
    """Entra's short error code ("invalid_client"), never its description (which names the
    app and the request)."""
    try:
        found = response.json().get("error")
    except ValueError:
        return ""
    return found if isinstance(found, str) else ""
