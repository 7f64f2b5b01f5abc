"""The async engine: SQLite (embedded default) or PostgreSQL (DATABASE_URL).

SQLite gets WAL and foreign keys on every connection, and runs its statements on the event
loop (storage/sqlite_loop.py says why and how it never waits there). SQLite serves one
process, so writes are also serialised in-process: concurrent writers queue on an asyncio lock,
and a write transaction waits for another process's write lock only at its BEGIN IMMEDIATE.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import sqlite_loop

# aiosqlite logs every statement with its parameters at DEBUG, which would put reflection
# text and user ids in the logs. Logs must never hold them, whatever the log level.
logging.getLogger("aiosqlite").setLevel(logging.WARNING)


class DatabaseUnavailable(Exception):
    """The database is locked or unreachable; the person should try again in a moment."""


def async_url(url: str) -> str:
    """Turn a plain URL into one with an async driver (aiosqlite, psycopg 3)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite" and parsed.drivername != "sqlite+aiosqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend == "postgresql" and parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module: left to itself it starts
    # transactions late and a released SAVEPOINT commits, so a refused command could leave
    # half its work behind. SQLAlchemy then issues BEGIN itself (see sqlite_loop.begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()



class Database:
    """Owns the engine and hands out one transaction per unit of work."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        write_wait_seconds: float = sqlite_loop.WRITE_WAIT_SECONDS,
    ) -> None:
        self.url = async_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Database errors would otherwise quote the statement's parameters (a reflection's
        # words, a user id) in their message, and so in the logs.
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.is_sqlite:
            kwargs.update(async_creator=sqlite_loop.creator(self.url))
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _on_sqlite_connect)
            event.listen(self.engine.sync_engine, "begin", sqlite_loop.begin)
        # SQLite: how long a write waits for another process's lock (see sqlite_loop.begin).
        self._write_options = {sqlite_loop.WRITE_OPTION: write_wait_seconds}
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed if the block succeeds, rolled back whole if it raises."""
        lock = self._write_lock or contextlib.nullcontext()
        try:
            async with lock, self._sessions() as session, session.begin():
                if self.is_sqlite:
                    await session.connection(execution_options=self._write_options)
                yield session
        except (OperationalError, DBAPIError) as exc:
            if _is_unavailable(exc):
                raise DatabaseUnavailable(str(exc.orig) if exc.orig else str(exc)) from exc
            raise

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only unit of work. On SQLite, readers do not wait for the writer (WAL)."""
        try:
            async with self._sessions() as session:
                yield session
        except (OperationalError, DBAPIError) as exc:
            if _is_unavailable(exc):
                raise DatabaseUnavailable(str(exc.orig) if exc.orig else str(exc)) from exc
            raise

    async def dispose(self) -> None:
        await self.engine.dispose()


def _is_unavailable(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    text = str(exc.orig or exc).lower()
    return any(
        marker in text
        for marker in (
            "database is locked",
            "connection refused",
            "could not connect",
            "server closed the connection",
            "connection is closed",
            "timeout",
        )
    )
