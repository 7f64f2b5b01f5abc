"""The engine keeps the design's storage invariants, on SQLite and on PostgreSQL."""

import asyncio
import gc
import sqlite3
import weakref
from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel, select

from storage.engine import Database, DatabaseUnavailable, async_url
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Community, Session


@pytest.fixture
async def db(database_url):
    database = Database(database_url)  # migrated already (tests/conftest.py)
    yield database
    await database.dispose()


@pytest.fixture
async def upgraded_db(empty_database_url):
    """An empty database, migrated here by `upgrade`."""
    database = Database(empty_database_url)
    await upgrade(database)
    yield database
    await database.dispose()


async def test_sqlite_pragmas_on_every_connection(empty_sqlite_url):
    # A new file: a migrated copy would be in WAL mode whatever the engine set.
    database = Database(empty_sqlite_url)
    try:
        for _ in range(2):
            async with database.read() as tx:
                mode = (await tx.exec(text("PRAGMA journal_mode"))).scalar()
                keys = (await tx.exec(text("PRAGMA foreign_keys"))).scalar()
                busy = (await tx.exec(text("PRAGMA busy_timeout"))).scalar()
            # Zero: SQLite must never wait inside a call (it runs on the event loop).
            assert (mode, keys, busy) == ("wal", 1, 0)
    finally:
        await database.dispose()


async def test_migrations_match_the_models(upgraded_db):
    db = upgraded_db
    assert await current_revision(db) == head_revision()

    def diff(connection):
        return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_naive_datetimes_are_refused_and_times_come_back_utc(db):
    async with db.transaction() as tx:
        community = Community(platform="shell", external_id="c1")
        tx.add(community)
        await tx.flush()
        community_id = community.id
    with pytest.raises(Exception, match="naive datetime"):
        async with db.transaction() as tx:
            tx.add(Session(community_id=community_id, title="t", starts_at=datetime(2026, 12, 1)))
    async with db.read() as tx:
        assert (await tx.exec(select(Session))).all() == []
        community = await tx.get(Community, community_id)
    assert community.created_at.utcoffset().total_seconds() == 0


async def test_foreign_keys_are_enforced(db):
    with pytest.raises(Exception):  # noqa: B017 - either driver's IntegrityError
        async with db.transaction() as tx:
            tx.add(
                Session(
                    community_id=12345,
                    title="orphan",
                    starts_at=datetime.fromisoformat("2026-12-01T14:00:00+00:00"),
                )
            )


async def test_a_failed_transaction_writes_nothing(db):
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            tx.add(Community(platform="shell", external_id="c2"))
            await tx.flush()
            raise RuntimeError("half way")
    async with db.read() as tx:
        assert (await tx.exec(select(Community))).all() == []


def test_urls_get_async_drivers():
    assert async_url("sqlite:///data/b.db") == "sqlite+aiosqlite:///data/b.db"
    assert async_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    assert async_url("postgresql+psycopg://u@h/db").startswith("postgresql+psycopg://")


def _hold_write_lock(sqlite_url: str) -> sqlite3.Connection:
    """Another process's writer, as far as SQLite can tell: a separate connection."""
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


async def test_a_writer_waits_for_another_process_without_stopping_the_bot(sqlite_url):
    database = Database(sqlite_url)
    await upgrade(database)
    holder = _hold_write_lock(sqlite_url)
    try:

        async def write() -> None:
            async with database.transaction() as tx:
                tx.add(Community(platform="shell", external_id="x", name="X"))

        writer = asyncio.create_task(write())
        # While the writer waits for the lock, the event loop still serves readers.
        async with database.read() as tx:
            assert (await tx.exec(select(Community))).all() == []
        assert not writer.done()
        holder.execute("COMMIT")
        await asyncio.wait_for(writer, 5)
        async with database.read() as tx:
            assert [c.external_id for c in (await tx.exec(select(Community))).all()] == ["x"]
    finally:
        holder.close()
        await database.dispose()


async def test_a_writer_that_waits_too_long_is_told_the_database_is_busy(sqlite_url):
    database = Database(sqlite_url, write_wait_seconds=0.05)
    await upgrade(database)
    holder = _hold_write_lock(sqlite_url)
    try:
        with pytest.raises(DatabaseUnavailable):
            async with database.transaction() as tx:
                tx.add(Community(platform="shell", external_id="x", name="X"))
    finally:
        holder.close()
        await database.dispose()


async def test_a_disposed_database_is_freed_with_everything_that_listened_to_it(database_url):
    """SQLAlchemy keeps a session listener on the class the database's sessionmaker made,
    in a registry that lasts as long as the program; a listener that refers to the database
    (as bot/engine/known.py's do) kept it, its engine and that engine's statement cache alive
    long after it was disposed, one more for every app a process ever built."""
    database = Database(database_url)
    heard: list[str] = []

    class Listener:
        def __init__(self, db: Database) -> None:
            self.db = db  # refers back, as the app's in-process cache does
            db.listen("after_commit", self.committed)

        def committed(self, _session: object) -> None:
            heard.append("commit")

    listener = Listener(database)
    async with database.transaction() as tx:
        tx.add(Community(platform="shell", external_id="c1", name="One"))
    assert heard == ["commit"]
    await database.dispose()
    freed = [weakref.ref(thing) for thing in (database, database.engine.sync_engine, listener)]
    del database, listener, tx
    gc.collect()
    assert [ref() for ref in freed] == [None, None, None]


async def test_work_that_holds_on_past_the_bound_is_let_go_a_moment_later():
    """psycopg answers the bound's cancellation by waiting up to 10 s for a silent server to
    cancel the query; cancelled again, it lets the connection go. This block holds on the
    same way, with no server: the second cancellation ends it, the person is told the
    database is unavailable, and the task is left as it was, free to wait on anything."""
    database = Database("postgresql+psycopg://nobody@127.0.0.1:1/none", timeout_seconds=0.05)
    held_on = False
    try:
        with pytest.raises(DatabaseUnavailable):
            async with database.read():
                try:
                    await asyncio.sleep(60)
                except asyncio.CancelledError:
                    held_on = True
                    await asyncio.sleep(60)
        task = asyncio.current_task()
        assert held_on and task is not None and task.cancelling() == 0
        await asyncio.sleep(0)
    finally:
        await database.dispose()
