"""How Brewbot's calls to the Bot Framework connector travel: with a timeout, no faster than
Teams allows in one conversation, a 429 tried again after the Retry-After Teams asked for,
and what a refusal means for the services (a DeliveryError reason).

The SDK sets no timeout and retries nothing. Posts are not idempotent (a post tried again
after a timeout may show twice), so only a 429, which says the post was not taken, is tried
again; every other failure goes back to the outbox, which decides.

Teams allows about 7 posts a second and 60 per 30 seconds in one conversation; past that it
answers 429 for a while. The limit is kept here, per conversation, so a burst (a session's
reminders, breakout posts) waits its turn instead of being turned away.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import re
import time
from collections.abc import Awaitable, Callable

import backoff
import httpx
from backoff.types import Details
from limits import parse_many
from microsoft_teams.common import Client, ClientOptions
from microsoft_teams.common.http.client import MiddlewareContext

from bot.core.moving_window import MovingWindows
from bot.core.ports import DeliveryError
from bot.engine.texts import Texts

log = logging.getLogger("brewbot.teams")

# Every call to the connector, from connecting to the last byte of the answer.
CALL_TIMEOUT = 15.0
# Tries of one call that Teams answers 429 (the first and three more).
TRIES = 4
# A Retry-After longer than this is not waited for: the outbox tries later instead.
LONGEST_WAIT = 30.0
# Without a Retry-After, the first wait.
DEFAULT_WAIT = 1.0
# Teams' limits for one conversation (bots: about 7 a second, 60 per 30 seconds).
PER_CONVERSATION = "7/second;60/30 seconds"
# Calls to Teams under way at once, at most: httpx keeps 20 connections alive, and with more
# calls queued inside its pool, its bookkeeping takes the CPU (the bench measured 161 of 199
# seconds there at 500 presses a second; with this cap, nothing was refused at 1,000).
IN_FLIGHT = 20

_CONVERSATION = re.compile(r"/v3/conversations/([^/?;]+)")
# Errors below HTTP: no connection, no answer in time.
TRANSPORT_ERRORS = (httpx.TransportError, TimeoutError)


def retry_after(response: httpx.Response) -> float:
    """The wait a 429 asks for: Retry-After in seconds or as a date, else DEFAULT_WAIT."""
    raw = response.headers.get("Retry-After", "").strip()
    if not raw:
        return DEFAULT_WAIT
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return DEFAULT_WAIT
    return max(0.0, when.timestamp() - time.time())


def _not_worth_retrying(exc: Exception) -> bool:
    if not isinstance(exc, httpx.HTTPStatusError) or exc.response.status_code != 429:
        return True
    return retry_after(exc.response) > LONGEST_WAIT


def _wait(exc: Exception) -> float:
    assert isinstance(exc, httpx.HTTPStatusError)
    return retry_after(exc.response)


def _log_retry(details: Details) -> None:
    log.info("teams asked to slow down; trying again in %.1fs", details.get("wait", 0.0))


class ConversationPace:
    """Teams' per-conversation limits, kept in memory: `wait_turn` returns once a call to
    this conversation would not pass them."""

    def __init__(self, limits: str = PER_CONVERSATION) -> None:
        self.items = parse_many(limits)
        self.windows = MovingWindows()

    async def wait_turn(self, conversation: str) -> None:
        while True:
            wait = max(self.windows.wait(item, conversation) for item in self.items)
            if wait == 0:
                for item in self.items:
                    self.windows.hit(item, conversation)
                return
            await asyncio.sleep(max(0.01, wait))


class Paced:
    """The SDK client's middleware (microsoft_teams.common `Client.use`): each call to a
    conversation waits its turn, at most IN_FLIGHT calls are under way, and a 429 is tried
    again after its Retry-After."""

    def __init__(self, pace: ConversationPace, in_flight: int = IN_FLIGHT) -> None:
        self.pace = pace
        self.slots = asyncio.Semaphore(in_flight)
        # Wrapped once here: backoff builds its wrapper anew on every decoration, which cost
        # more CPU than the rest of a call's middleware when each call decorated its own.
        self._tried = backoff.on_exception(
            backoff.runtime,
            httpx.HTTPStatusError,
            value=_wait,
            giveup=_not_worth_retrying,
            max_tries=TRIES,
            jitter=None,
            on_backoff=_log_retry,
            # Not backoff's own logger: its line on giving up names the conversation (a
            # person's private chat) at the moment a reflection's copy was sent.
            logger=None,
        )(self._once)

    async def send(
        self, context: MiddlewareContext, next: Callable[[], Awaitable[httpx.Response]]
    ) -> httpx.Response:
        found = _CONVERSATION.search(context.url)
        conversation = found.group(1) if found else ""
        sending = context.method in ("POST", "PUT")
        response: httpx.Response = await self._tried(conversation if sending else "", next)
        return response

    async def _once(
        self, conversation: str, next: Callable[[], Awaitable[httpx.Response]]
    ) -> httpx.Response:
        """One try: its turn in `conversation` (a post; "" for anything else), then a slot."""
        if conversation:
            await self.pace.wait_turn(conversation)
        async with self.slots:
            return await next()


def new_client(pace: ConversationPace | None = None) -> Client:
    """The HTTP client every call to Teams goes through (the SDK's and the adapter's)."""
    client = Client(ClientOptions(timeout=CALL_TIMEOUT))
    client.use(Paced(pace or ConversationPace()))
    return client


def to_delivery_error(
    exc: BaseException, texts: Texts, *, where: str = "", private: bool = False
) -> DeliveryError:
    """One sentence's worth of reason and detail for what Teams refused, worded as Slack's
    and Discord's are."""
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return DeliveryError("timeout")
    if not isinstance(exc, httpx.HTTPStatusError):
        return DeliveryError("failed", cause=type(exc).__name__)
    status = exc.response.status_code
    detail = texts.t("teams.detail.conversation", where=where) if where else ""
    if private and status in (400, 403, 404):
        # The app is not installed for that person (403), they left the organisation (404),
        # or they are an anonymous meeting guest (400): Teams lets a bot start a 1:1 chat
        # only with someone who has the app.
        return DeliveryError("dm_closed", texts.t("teams.detail.not_installed"))
    if status == 429:
        return DeliveryError("rate_limited")
    if status == 403:
        return DeliveryError("no_access", detail)
    if status == 404:
        return DeliveryError("not_found", detail)
    if status == 413:
        return DeliveryError("failed", cause="the message was too large for Teams")
    # 412 (the conversation changed under us), 5xx: Teams failing for now.
    return DeliveryError("failed", cause=f"Teams answered {status}")
