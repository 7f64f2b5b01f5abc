"""Events API de-duplication. Slack retries an event (up to 3 times, with X-Slack-Retry-Num
and X-Slack-Retry-Reason; Socket Mode's retry_attempt becomes the same headers in Bolt) when
it did not see an answer in time, so the same event_id can arrive more than once: the shared
event log (bot/platforms/event_log.py) says which are seen for the first time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.core.typed import is_number
from bot.platforms.event_log import EventLog

log = logging.getLogger("brewbot.slack")


def retry_number(req: AsyncBoltRequest) -> int:
    """Slack's retry count for this delivery (0 for the first try)."""
    raw = (req.headers.get("x-slack-retry-num") or ["0"])[0]
    return int(raw) if is_number(str(raw)) else 0


class EventDedupe(AsyncMiddleware):
    """A global Bolt middleware: an event seen before is acknowledged and not handled again.
    A class (Bolt's `AsyncMiddleware`) rather than a function: Bolt hands it the request as
    it is, where it builds every argument it offers a function for each request."""

    def __init__(self, events: EventLog) -> None:
        self.events = events

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        body = req.body
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not await self.events.first_time(str(event_id)):
            reason = (req.headers.get("x-slack-retry-reason") or [""])[0]
            log.info(
                "event already handled event_id=%s retry=%d reason=%s",
                event_id,
                retry_number(req),
                reason,
            )
            # A 200 tells Slack to stop retrying.
            return BoltResponse(status=200, body="")
        await next()
        return None
