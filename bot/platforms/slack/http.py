"""HTTP mode: one aiohttp server for slash commands, interactivity and events (all on
/slack/events), a health check for load balancers, and the OAuth install pages when
multi-workspace install is on.

Every request to /slack/events is checked before anything reads it: a missing, wrong or
older than 5 minutes signature is refused with 401; a signed body that is not a request
Slack sends with 400; the exact same signed request again within those 5 minutes (a replay)
with 401, or, for an event, 200 without handling it (the event id would catch it anyway, and
anything but 200 makes Slack send it again). Each is one log line, with
no traceback and nothing from the body. Bolt checks the signature again after this.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger("brewbot.slack")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Slack's rule: a request more than 5 minutes old (or ahead) may be a replay.
SIGNATURE_WINDOW = 300
# Signatures remembered to refuse replays: more than Slack sends in 5 minutes to one app.
REMEMBERED_SIGNATURES = 50_000


class ReplayGuard:
    """The signatures of the requests taken in the last SIGNATURE_WINDOW seconds, at most
    `size` of them (the oldest forgotten first): the same one again is a replay. In this
    process only: with several instances, a replay that reaches another one in the window
    gets through (events are still handled once, by their event id)."""

    def __init__(
        self, size: int = REMEMBERED_SIGNATURES, now: Callable[[], float] = time.time
    ) -> None:
        self.size = size
        self.now = now
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, signature: str, timestamp: int) -> bool:
        now = self.now()
        while self._seen and next(iter(self._seen.values())) <= now:
            self._seen.popitem(last=False)
        expires = self._seen.get(signature)
        if expires is not None and expires > now:
            return False
        self._seen[signature] = timestamp + SIGNATURE_WINDOW
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True


def signed(secret: str, body: bytes, timestamp: str, signature: str, now: float) -> bool:
    """Slack's v0 signature: HMAC-SHA256 of "v0:{timestamp}:{body}", made in the last 5
    minutes."""
    if not secret or not timestamp.isascii() or not timestamp.isdigit() or not signature:
        return False
    if abs(now - int(timestamp)) > SIGNATURE_WINDOW:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class SlackHttpServer:
    def __init__(
        self,
        bolt: AsyncApp,
        *,
        events: bool = True,
        signing_secret: str = "",
        now: Callable[[], float] = time.time,
    ) -> None:
        self.bolt = bolt
        self.signing_secret = signing_secret
        self.now = now
        self.replays = ReplayGuard(now=now)
        self.web = web.Application()
        routes = [web.get(HEALTH_PATH, self._health)]
        if events:
            routes.append(web.post(EVENTS_PATH, self._dispatch))
        flow = bolt.oauth_flow
        if flow is not None:
            routes.append(web.get(flow.install_path, _oauth_page(flow.handle_installation)))
            routes.append(web.get(flow.redirect_uri_path, _oauth_page(flow.handle_callback)))
        self.web.add_routes(routes)
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0 picks a free port); returns the port."""
        # No access log: its line for each request would give the time of each form
        # submission (when someone sent a reflection). bot/logs.py drops aiohttp.access below
        # WARNING as well.
        self._runner = web.AppRunner(self.web, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        addresses = self._runner.addresses
        self.port = int(addresses[0][1]) if addresses else port
        return self.port

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _dispatch(self, request: web.Request) -> web.Response:
        body = await request.read()
        stamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not signed(self.signing_secret, body, stamp, signature, self.now()):
            log.warning("slack request refused: no valid signature")
            return web.json_response({"error": "invalid request"}, status=401)
        first_time = self.replays.first_time(signature, int(stamp))
        try:
            bolt_request = AsyncBoltRequest(
                body=body.decode("utf-8"),
                query=request.query_string,
                # Bolt's annotation says dict, but it reads any mapping (its own aiohttp adapter
                # passes these headers too).
                headers=request.headers,  # type: ignore[arg-type]
            )
            if not isinstance(bolt_request.body, dict):
                raise TypeError("not an object")
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            # UnicodeDecodeError and json's JSONDecodeError are ValueErrors.
            log.warning("slack request refused: unreadable body (%s)", type(exc).__name__)
            return web.json_response({"error": "bad request"}, status=400)
        if not first_time:
            log.warning("slack request refused: the same signed request was sent again")
            if bolt_request.body.get("type") == "event_callback":
                # Answering anything but 200 would only make Slack send the event again.
                return web.Response(status=200)
            return web.json_response({"error": "invalid request"}, status=401)
        response = await self.bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    async def _health(self, _request: web.Request) -> web.Response:
        return web.json_response({"ok": True})


def _oauth_page(
    step: Callable[[AsyncBoltRequest], Awaitable[BoltResponse]],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp handler for one page of Bolt's OAuth flow (install, or Slack's callback)."""

    async def page(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await step(await to_bolt_request(request)))

    return page
