"""The engine keeps the design's storage invariants, on SQLite and on PostgreSQL."""

from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel, select

from storage.engine import Database, async_url
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Community, Session


@pytest.fixture
async def db(database_url):
    database = Database(database_url)
    await upgrade(database)
    yield database
    await database.dispose()


async def test_sqlite_pragmas_on_every_connection(sqlite_url):
    database = Database(sqlite_url)
    try:
        for _ in range(2):
            async with database.read() as tx:
                mode = (await tx.exec(text("PRAGMA journal_mode"))).scalar()
                keys = (await tx.exec(text("PRAGMA foreign_keys"))).scalar()
                busy = (await tx.exec(text("PRAGMA busy_timeout"))).scalar()
            assert (mode, keys, busy) == ("wal", 1, 5000)
    finally:
        await database.dispose()


async def test_migrations_match_the_models(db):
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
