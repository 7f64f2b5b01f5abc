"""SQLite connections that run their statements on the event loop's own thread.

aiosqlite gives each connection a worker thread and hands every call (cursor, execute, fetch,
close) to it and back: about 60 microseconds of thread hand-over per call on a 2-core
machine, several calls per statement, while the statement itself takes a few microseconds
(WAL mode, a local file, no fsync at commit). Measured with `brewbot bench`, the hand-overs
were half the cost of a reflection. So statements run inline here.

Running inline means SQLite must never wait inside a call, or the whole bot would wait with
it (the one statement that waits on the disk, a checkpoint, goes to a thread:
`off_the_loop`). In WAL mode readers never wait. Writers can, for the lock held by another
writer; this module makes them never wait inside SQLite (busy_timeout 0). Instead, write
transactions start with BEGIN IMMEDIATE, which is the only point where the lock is taken, and a busy
database is asked again, with the event loop free in between, until WRITE_WAIT_SECONDS.
Within this process writers already queue on the Database's lock, so this only waits for
another process (the `brewbot` command line, say).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Coroutine, Generator
from queue import SimpleQueue
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.util import await_only

# How long a writer waits for another process's write lock before "please try again".
WRITE_WAIT_SECONDS = 5.0
FIRST_PAUSE, LONGEST_PAUSE = 0.002, 0.05
# Execution option marking a transaction that will write; its value is how long to wait.
WRITE_OPTION = "brewbot_sqlite_write"


class _RunNow(SimpleQueue[tuple[asyncio.Future | None, Callable[[], Any]]]):
    """Stands in for aiosqlite's queue to its worker thread: runs each queued call at once
    and settles its future. SQLAlchemy's adapter also queues calls directly, so the queue
    (not only `_execute`) has to be replaced."""

    def put_nowait(self, item: tuple[asyncio.Future | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as the thread would
            if future is not None:
                future.set_exception(exc)
        else:
            if future is not None:
                future.set_result(result)


class LoopConnection(aiosqlite.Connection):
    """An aiosqlite connection whose worker thread is never started: every call runs where
    it is awaited. aiosqlite's cursors and SQLAlchemy's adapter work on it unchanged."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        self._tx = _RunNow()

    async def off_the_loop(self, sql: str) -> Any:
        """The first row of one statement that waits on the disk (a checkpoint writes the
        database file and syncs it: milliseconds, at worst a tenth of a second), run on a
        worker thread so the bot's other work goes on meanwhile. The caller must have the
        connection to itself."""
        return await asyncio.to_thread(lambda: self._conn.execute(sql).fetchone())

    def __await__(self) -> Generator[Any, None, LoopConnection]:
        async def connected() -> LoopConnection:
            await self._connect()
            return self

        return connected().__await__()


def creator(url: str) -> Callable[[], Coroutine[Any, Any, LoopConnection]]:
    """The `async_creator` for create_async_engine: same file and options as aiosqlite would
    use for `url`, with a busy timeout of zero (see the module's note)."""
    (database,), kwargs = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    kwargs = {**kwargs, "timeout": 0, "check_same_thread": False}

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(database, **kwargs)

    async def create() -> LoopConnection:
        return await LoopConnection(connect, 64)

    return create


def begin(connection: Any) -> None:
    """SQLAlchemy's "begin" event: BEGIN for reads; BEGIN IMMEDIATE for writes, asked again
    while another process holds the write lock (the loop runs other work meanwhile)."""
    wait = connection.get_execution_options().get(WRITE_OPTION)
    if wait is None:
        connection.exec_driver_sql("BEGIN")
        return
    deadline = time.monotonic() + wait
    pause = FIRST_PAUSE
    while True:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            if "locked" not in str(exc.orig) or time.monotonic() + pause > deadline:
                raise
        # Inside SQLAlchemy's greenlet: this awaits on the event loop without blocking it.
        await_only(asyncio.sleep(pause))
        pause = min(pause * 2, LONGEST_PAUSE)
