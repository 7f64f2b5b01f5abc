"""Teams' messaging endpoint (POST /api/messages) on the bot's one web server
(bot/platforms/web/server.py), and the check of every request's token without blocking.

The SDK ships its own server, which binds every address, turns port 0 into 3978, stops
itself on SIGTERM ahead of our drain and never closes its HTTP clients. So it gets none:
`AiohttpRoutes` implements the SDK's HttpServerAdapter protocol (microsoft_teams/apps/http/
adapter.py) and hands the SDK's handler to the web server as a `Mounted` route, the way
Slack's HTTP mode is mounted. The route checks every request itself (the SDK validates its
Bearer token), so the web server's per-address rate limit and 64 KB page bound leave it out;
its bodies are bounded here at aiohttp's usual 1 MB.

The SDK validates a token with PyJWT's key client, which fetches Microsoft's signing keys
with a blocking call from inside its async validation: with the key endpoint slow, every
platform and the scheduler would stall. `OffLoopKeys` fetches the key in a thread of its
own first (with a timeout) and hands it to the SDK's own validator, which then only checks.
PyJWT's key client keeps the key set for KEY_SET_LIFESPAN and fetches it again for an unknown
key id at most every 30 seconds, so forged tokens cannot make Brewbot call Microsoft at will.

The Bot Framework sends the same token with every activity until it expires (about an hour),
and checking it costs more than anything else Brewbot does for a press (PyJWT checks every
character of its base64 in Python, then the RSA signature: about 0.6 ms of CPU on the CI
machine). So a token that passed every check is remembered with the serviceUrl it was
checked against, until its own expiry: the same token for the same serviceUrl is taken
again without the work. Nothing that failed is remembered, and anything else is checked in
full.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt
from aiohttp import web
from cachetools import TLRUCache
from microsoft_teams.api.auth.cloud_environment import CloudEnvironment

from bot.platforms.teams.sdk import HttpMethod, HttpRequest, HttpRouteHandler, TokenValidator
from bot.platforms.web.server import Mounted

log = logging.getLogger("brewbot.teams")

# The largest body /api/messages reads: aiohttp's own default (an activity is a few KB).
MAX_ACTIVITY_BYTES = 1024**2
# How long fetching Microsoft's signing keys may take, in its worker thread.
KEY_FETCH_TIMEOUT = 10.0
# Microsoft rotates its keys every few weeks; the key set is read again after this.
KEY_SET_LIFESPAN = 3600
# Tokens that passed, remembered at most (the Bot Framework uses one at a time per region).
PASSED_TOKENS = 256

_PREFETCHED: contextvars.ContextVar[jwt.PyJWK] = contextvars.ContextVar("teams_signing_key")


class _PrefetchedKey:
    """Stands in for the SDK validator's key client: the key was fetched off the loop for
    this request (`OffLoopKeys.validate_token`), so nothing here can block."""

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK:
        return _PREFETCHED.get()


class OffLoopKeys:
    """Validates a Bot Framework token as the SDK's `TokenValidator.for_service` does (issuer,
    audience, expiry, signature, serviceUrl claim), with the signing key fetched in a worker
    thread. Takes the place of the SDK's inbound validator, which would also accept Agent 365
    (Entra) tokens: Brewbot is not an agent, so those are refused."""

    def __init__(
        self,
        app_id: str,
        cloud: CloudEnvironment,
        *,
        remembered: int = PASSED_TOKENS,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.validator = TokenValidator.for_service(app_id, cloud=cloud)
        # (token, serviceUrl) -> the claims it passed with, until the token's expiry ("exp",
        # the clock PyJWT checks it by).
        self.passed: TLRUCache[tuple[str, str | None], dict[str, Any]] = TLRUCache(
            maxsize=remembered, ttu=lambda _key, claims, _now: claims["exp"], timer=now
        )
        self.keys = jwt.PyJWKClient(
            self.validator.options.jwks_uri, lifespan=KEY_SET_LIFESPAN, timeout=KEY_FETCH_TIMEOUT
        )
        # The SDK validator's own client would fetch on the event loop: it never runs.
        self.validator._jwks_client = _PrefetchedKey()  # type: ignore[assignment]
        # A thread of its own: while the key endpoint is slow, requests waiting for it hold
        # no thread of the event loop's shared executor, which resolves host names for every
        # outgoing call and runs SQLite's checkpoint.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="teams-keys")

    async def validate_token(self, raw_token: str, service_url: str | None = None) -> Any:
        passed = self.passed.get((raw_token, service_url))
        if passed is not None:
            return dict(passed)  # a copy: the SDK may keep or change what it is given
        loop = asyncio.get_running_loop()
        key = await loop.run_in_executor(
            self._thread, self.keys.get_signing_key_from_jwt, raw_token
        )
        token = _PREFETCHED.set(key)
        try:
            claims = await self.validator.validate_token(raw_token, service_url)
        finally:
            _PREFETCHED.reset(token)
        if isinstance(claims.get("exp"), int | float):
            self.passed[(raw_token, service_url)] = dict(claims)
        return claims

    def close(self) -> None:
        """Let its thread go (a fetch under way ends by its own timeout)."""
        self._thread.shutdown(wait=False, cancel_futures=True)


class AiohttpRoutes:
    """The SDK's HttpServerAdapter on our aiohttp server: `register_route` keeps the SDK's
    handler as an aiohttp route; starting and stopping belong to the web server."""

    def __init__(self) -> None:
        self._routes: list[web.RouteDef] = []
        self._paths: set[str] = set()

    def register_route(self, method: HttpMethod, path: str, handler: HttpRouteHandler) -> None:
        self._routes.append(web.route(method, path, _aiohttp_handler(handler)))
        self._paths.add(path)

    def serve_static(self, path: str, directory: str) -> None:
        # Brewbot's Teams app has no tab: nothing is served from files.
        return None

    async def start(self, port: int) -> None:
        raise NotImplementedError("the bot's web server (bot/platforms/web) serves Teams")

    async def stop(self) -> None:
        return None

    @property
    def mounted(self) -> Mounted:
        return Mounted(routes=list(self._routes), self_guarded=frozenset(self._paths))


def _aiohttp_handler(handler: HttpRouteHandler) -> Any:
    async def handle(request: web.Request) -> web.Response:
        try:
            raw = await request.clone(client_max_size=MAX_ACTIVITY_BYTES).read()
            body = json.loads(raw)
            if not isinstance(body, dict):
                raise TypeError("not an object")
        except web.HTTPRequestEntityTooLarge:
            log.warning("teams request refused: too large")
            return web.json_response({"error": "too large"}, status=413)
        except (ValueError, TypeError) as exc:
            # UnicodeDecodeError and JSONDecodeError are ValueErrors. Nothing from the body.
            log.warning("teams request refused: unreadable body (%s)", type(exc).__name__)
            return web.json_response({"error": "bad request"}, status=400)
        answer = await handler(HttpRequest(body=body, headers=dict(request.headers)))
        status, content = answer["status"], answer["body"]
        if content is None:
            return web.Response(status=status)
        return web.json_response(content, status=status)

    return handle
