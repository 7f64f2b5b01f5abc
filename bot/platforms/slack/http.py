"""HTTP mode: Slack's routes on the bot's one web server (bot/platforms/web/server.py):
slash commands, interactivity and events (all on /slack/events), and the OAuth install pages
when multi-workspace install is on. The health check is the web server's own /healthz.

Every request to /slack/events is checked before anything reads it: a missing, wrong or
older than 5 minutes signature is refused with 401; a signed body that is not a request
Slack sends with 400; the exact same signed request again within those 5 minutes (a replay)
with 401, or, for an event, 200 without handling it (the event id would catch it anyway, and
anything but 200 makes Slack send it again). Each is one log line, with
no traceback and nothing from the body. Bolt checks the signature again after this.

The body is parsed here, not by Bolt: a form's payload is URL-encoded JSON (every quote and
brace escaped), and Bolt decodes it with the standard library's pure-Python `parse_qsl`,
about 0.25 ms of CPU for each form sent or button pressed, a tenth of what the whole request
costs. yarl's decoder (aiohttp's own, in C) gives the same dictionary in a tenth of the time
(tests/platforms/test_slack_http_body.py holds the two equal on hostile bodies).

That check is /slack/events' guard: the web server leaves it out of its per-address rate
limit (Slack sends every workspace's requests from a few addresses) and out of the pages'
64 KB body bound (a form's payload echoes its whole view); its bodies are bounded here, at
aiohttp's usual 1 MB, as when Slack had a server of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body
from slack_bolt.response import BoltResponse
from yarl import URL

from bot.platforms.web.server import Mounted

log = logging.getLogger("brewbot.slack")

EVENTS_PATH = "/slack/events"
# The largest body /slack/events reads: aiohttp's own default.
MAX_EVENT_BYTES = 1024**2
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


class SlackRoutes:
    """Slack's routes, for the web server to mount: /slack/events if `events` (HTTP mode),
    and the OAuth install pages if Bolt has an OAuth flow."""

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
        routes = []
        if events:
            routes.append(web.post(EVENTS_PATH, self._dispatch))
        flow = bolt.oauth_flow
        if flow is not None:
            routes.append(web.get(flow.install_path, _oauth_page(flow.handle_installation)))
            routes.append(web.get(flow.redirect_uri_path, _oauth_page(flow.handle_callback)))
        guarded = frozenset({EVENTS_PATH}) if events else frozenset()
        self.mounted = Mounted(routes=routes, self_guarded=guarded)

    async def _dispatch(self, request: web.Request) -> web.Response:
        body = await request.clone(client_max_size=MAX_EVENT_BYTES).read()
        stamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not signed(self.signing_secret, body, stamp, signature, self.now()):
            log.warning("slack request refused: no valid signature")
            return web.json_response({"error": "invalid request"}, status=401)
        first_time = self.replays.first_time(signature, int(stamp))
        try:
            bolt_request = parsed_request(
                body.decode("utf-8"), request.content_type, request.query_string, request.headers
            )
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


def parsed_body(raw: str, content_type: str | None) -> Any:
    """What Bolt's `parse_body` makes of a request's body, with a form decoded by yarl."""
    if content_type == "application/json" or raw.startswith("{"):
        return parse_body(raw, content_type)
    # A query string's rules are a form's: "&" between fields, "+" for a space.
    form = dict(URL.build(query_string=raw, encoded=True).query.items())
    if "payload" not in raw:  # Bolt's own test: a slash command's fields, as they are
        return form
    payload = form.get("payload")
    return {} if payload is None else json.loads(payload)


def parsed_request(
    raw: str, content_type: str | None, query: str, headers: Mapping[str, str]
) -> AsyncBoltRequest:
    """Bolt's request for a body Slack sent over HTTP, parsed here (the module says why).
    Raises ValueError or TypeError for a body that is not a request Slack sends."""
    body = parsed_body(raw, content_type)
    if not isinstance(body, dict):
        raise TypeError("not an object")
    # Socket Mode's is the one constructor that takes a parsed body. The request is made an
    # HTTP one again at once, with the body Slack signed: Bolt checks that signature as usual.
    request = AsyncBoltRequest(
        body=body,
        query=query,
        # Bolt's annotation says dict, but it reads any mapping (its own aiohttp adapter
        # passes these headers too).
        headers=headers,  # type: ignore[arg-type]
        mode="socket_mode",
    )
    request.raw_body = raw
    request.mode = "http"
    return request


def _oauth_page(
    step: Callable[[AsyncBoltRequest], Awaitable[BoltResponse]],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp handler for one page of Bolt's OAuth flow (install, or Slack's callback)."""

    async def page(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await step(await to_bolt_request(request)))

    return page
