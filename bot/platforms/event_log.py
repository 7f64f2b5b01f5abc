"""De-duplication for the front-ends that take requests over HTTP. Slack sends an event again
(up to 3 times) and Teams an activity again when it did not see an answer in time, so the same
id can arrive more than once; each is handled the first time only.

`DatabaseEventLog` (the default) keeps the ids in the `processed_event` table, so several
instances behind a load balancer share what was handled; the primary key makes "first time" a
single insert that only one instance can win. An id that says when it came (a Teams message's
is the time it was posted, to the millisecond) is kept as a keyed digest instead, with a key
every instance has and the data folder does not (Teams: the app's password): kept as it is, it
would say when each person wrote to Brewbot, and the row written next (their attendance, their
settings) whose message it was (docs/anonymity.md). `MemoryEventLog` (an LRU in this process only)
is for tests and for a process that must not write to the database.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections import OrderedDict
from datetime import timedelta
from typing import Protocol

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from storage.engine import Database, DatabaseUnavailable
from storage.models import ProcessedEvent
from storage.types import utc_day

log = logging.getLogger("brewbot.events")

REMEMBERED_EVENTS = 10_000
# How long the event log may take before an event is handled without it: Slack and Teams
# both want an answer within seconds, and a busy database may not hold it up.
EVENT_LOG_WAIT = 1.0
# Slack's last retry comes about 5 minutes after the first try: a day is plenty for both.
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
    def __init__(self, db: Database, *, key: bytes = b"") -> None:
        self.db = db
        # Given: ids are kept as HMAC-SHA-256 digests with it (see the module's docstring).
        self.key = key
        self._inserted = 0

    def kept_as(self, event_id: str) -> str:
        """What is written down for `event_id`."""
        if not self.key:
            return event_id[:100]
        return hmac.new(self.key, event_id.encode(), hashlib.sha256).hexdigest()

    async def first_time(self, event_id: str) -> bool:
        try:
            async with asyncio.timeout(EVENT_LOG_WAIT):
                async with self.db.transaction() as tx:
                    tx.add(ProcessedEvent(event_id=self.kept_as(event_id)))
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
        """Forget events older than a day (neither platform sends one again that late)."""
        async with self.db.transaction() as tx:
            result = await tx.exec(
                # Only days are kept: rows from before yesterday are at least a day old.
                delete(ProcessedEvent).where(col(ProcessedEvent.seen_at) < utc_day() - KEEP_EVENTS)
            )
        return int(result.rowcount or 0)
