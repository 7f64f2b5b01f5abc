"""Events API de-duplication. Slack retries an event (up to 3 times, with X-Slack-Retry-Num
and X-Slack-Retry-Reason; Socket Mode's retry_attempt becomes the same headers in Bolt) when
it did not see an answer in time, so the same event_id can arrive more than once.

`DatabaseEventLog` (the default) keeps event ids in the `processed_event` table, so several
HTTP instances behind a load balancer share what was handled; the primary key makes "first
time" a single insert that only one instance can win. `MemoryEventLog` (an LRU in this process
only) is for tests and for a process that must not write to the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.core.commands import is_number
from storage.engine import Database, DatabaseUnavailable
from storage.models import ProcessedEvent
from storage.types import utcnow

log = logging.getLogger("brewbot.slack")

REMEMBERED_EVENTS = 10_000
# How long the event log may take before an event is handled without it.
EVENT_LOG_WAIT = 1.0
# Slack's last retry comes about 5 minutes after the first try; a day is plenty.
KEEP_EVENTS = timedelta(days=1)
PRUNE_EVERY = 200


class EventLog(Protocol):
    async def first_time(self, event_id: str) -> bool:
        """True the first time an event id is seen (and remember it); False after that."""
        ...


class MemoryEventLog:
    def __init__(self, size: int = REMEMBERED_EVENTS) -> None:
        self.size = size
        self._seen: OrderedDict[str, None] = OrderedDict()

    async def first_time(self, event_id: str) -> bool:
        if event_id in self._seen:
            self._seen.move_to_end(event_id)
            return False
        self._seen[event_id] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True


class DatabaseEventLog:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._inserted = 0

    async def first_time(self, event_id: str) -> bool:
        try:
            # Slack wants its answer within 3 seconds: a busy database may not hold it up.
            async with asyncio.timeout(EVENT_LOG_WAIT):
                async with self.db.transaction() as tx:
                    tx.add(ProcessedEvent(event_id=event_id[:100]))
        except IntegrityError:
            return False
        except (DatabaseUnavailable, TimeoutError):
            # Better to risk handling an event twice than to drop it.
            log.warning("event log unavailable; handling the event anyway")
            return True
        self._inserted += 1
        if self._inserted % PRUNE_EVERY == 1:
            await self.prune()
        return True

    async def prune(self) -> int:
        """Forget events older than a day (Slack never retries that late)."""
        async with self.db.transaction() as tx:
            result = await tx.exec(
                delete(ProcessedEvent).where(col(ProcessedEvent.seen_at) < utcnow() - KEEP_EVENTS)
            )
        return int(result.rowcount or 0)


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
