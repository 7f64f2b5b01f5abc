"""Events Slack delivers more than once are handled once, also across instances that share
the database (HTTP mode behind a load balancer)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta

from sqlmodel import select

from bot.platforms.event_log import DatabaseEventLog, MemoryEventLog
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import ProcessedEvent
from storage.types import utcnow


async def test_two_instances_sharing_the_database_handle_an_event_once(sqlite_url):
    first_db, second_db = Database(sqlite_url), Database(sqlite_url)
    try:
        await upgrade(first_db)
        first, second = DatabaseEventLog(first_db), DatabaseEventLog(second_db)
        assert await first.first_time("Ev01") is True
        # Slack's retry lands on the other instance.
        assert await second.first_time("Ev01") is False
        assert await first.first_time("Ev01") is False
        assert await second.first_time("Ev02") is True
    finally:
        await first_db.dispose()
        await second_db.dispose()


async def test_old_events_are_forgotten(sqlite_url):
    db = Database(sqlite_url)
    try:
        await upgrade(db)
        log = DatabaseEventLog(db)
        await log.first_time("Ev-new")
        async with db.transaction() as tx:
            tx.add(ProcessedEvent(event_id="Ev-old", seen_at=utcnow() - timedelta(days=2)))
        assert await log.prune() == 1
        async with db.read() as tx:
            left = (await tx.exec(select(ProcessedEvent.event_id))).all()
        assert left == ["Ev-new"]
    finally:
        await db.dispose()


async def test_the_memory_log_remembers_the_most_recent_events():
    log = MemoryEventLog(size=2)
    assert [await log.first_time(e) for e in ("a", "b", "a", "c")] == [True, True, False, True]
    # "b" was the least recently seen, so it was forgotten first.
    assert await log.first_time("a") is False
    assert await log.first_time("b") is True


async def test_a_locked_database_does_not_hold_up_an_event(sqlite_url):
    # Another process holds the write lock for longer than Slack waits for an answer.
    db = Database(sqlite_url, write_wait_seconds=60)
    try:
        await upgrade(db)
        holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            # A guard against hanging, not a measurement: the log gives up well before.
            async with asyncio.timeout(10):
                assert await DatabaseEventLog(db).first_time("Ev09") is True
        finally:
            holder.rollback()
            holder.close()
    finally:
        await db.dispose()
