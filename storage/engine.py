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
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session as SyncSession
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import sqlite_loop

# aiosqlite logs every statement with its parameters at DEBUG, which would put reflection
# text and user ids in the logs. Logs must never hold them, whatever the log level.
logging.getLogger("aiosqlite").setLevel(logging.WARNING)
log = logging.getLogger("brewbot.storage")

# How long a PostgreSQL purge waits for transactions that began before it (see purge).
PURGE_WAIT_SECONDS = 5.0


# PostgreSQL: seconds to wait for a connection and for each statement; a whole unit of work
# may take BOUND_FACTOR times that.
TIMEOUT_SECONDS = 3.0
BOUND_FACTOR = 2
# How long psycopg may go on trying to cancel a query once the bound has passed, before the
# connection is let go (see _let_go_after).
CANCEL_GRACE_SECONDS = 1.0


# The next transaction id as a plain (32-bit) xid: every deletion already committed has a
# lower one.
_NEXT_XID = "SELECT (pg_snapshot_xmax(pg_current_snapshot())::text::bigint % 4294967296)::text"
# What VACUUM FULL keeps a deleted row for: a session of this database whose snapshot
# (backend_xmin) is older than the mark, or a transaction anywhere on the server that has
# written (backend_xid) and is older: its id is in every snapshot taken while it runs, the
# rewrite's own included, so even a long write in another database holds the rewrite back.
# `age` counts back from now, so older is larger.
_OLDER_THAN_MARK = (
    "WITH m AS (SELECT age(CAST(CAST(:mark AS text) AS xid)) AS mark_age)"
    " SELECT count(*) FROM pg_stat_activity, m WHERE pid <> pg_backend_pid()"
    " AND (datname = current_database() AND age(backend_xmin) > mark_age"
    " OR age(backend_xid) > mark_age)"
)


class DatabaseUnavailable(Exception):
    """The database is locked or unreachable; the person should try again in a moment."""


class LogBusy(DatabaseUnavailable):
    """SQLite: a write could not have the database's log (WAL) to itself, as an anonymous
    step needs (see Database.transaction), because another program kept the log open for
    the whole wait. Nothing was written; the person should try again in a minute."""


# PostgreSQL is reached through psycopg 3, the driver Brewbot installs. Other spellings of a
# PostgreSQL URL (`postgres://` as Heroku and others give it, `postgresql://`, a driver that is
# not installed) are read as psycopg ones.
POSTGRES_DRIVER = "postgresql+psycopg"
POSTGRES_NAMES = frozenset({"postgres", "postgresql"})
# Files that hold people's data are readable by their owner only; so is the folder made for them.
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def is_postgres(drivername: str) -> bool:
    return drivername.split("+", 1)[0] in POSTGRES_NAMES


def async_url(url: str) -> str:
    """Turn a plain URL into one with an async driver (aiosqlite, psycopg 3)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.drivername != "sqlite+aiosqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif is_postgres(parsed.drivername) and parsed.drivername != POSTGRES_DRIVER:
        parsed = parsed.set(drivername=POSTGRES_DRIVER)
    return parsed.render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL and for an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def prepare_sqlite_file(path: Path) -> None:
    """Make the database file readable by its owner only before SQLite opens it: its folder,
    if made here, 0700; the file 0600. SQLite gives the -wal and -shm files it creates the
    main file's permissions; any left from before (or a file made by an older Brewbot) are
    narrowed to 0600 as well. Raises OSError when the folder or file cannot be made."""
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
    for suffix in SQLITE_COMPANIONS:
        companion = Path(f"{path}{suffix}")
        with contextlib.suppress(OSError):  # gone meanwhile, or someone else's to keep
            if companion.stat().st_mode & 0o077:
                companion.chmod(PRIVATE_FILE)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module: left to itself it starts
    # transactions late and a released SAVEPOINT commits, so a refused command could leave
    # half its work behind. SQLAlchemy then issues BEGIN itself (see sqlite_loop.begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted content (a withdrawn reflection, cleared tags) is overwritten with zeros in the
    # page and in freed pages, not just unlinked; `Database.purge` then empties the WAL.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


class ReaderGate:
    """SQLite: emptying the WAL (a TRUNCATE checkpoint) needs every reader to finish first.
    With a steady stream of reads (a crowd opening a web page) some read is nearly always
    open, and the checkpoint, asked again and again while the write lock is held, starves
    every writer behind it. So while the WAL is being emptied new reads wait here, briefly,
    and the checkpoint waits for the reads already open (at most `seconds`) instead of
    polling."""

    def __init__(self) -> None:
        self._open = asyncio.Event()
        self._open.set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._readers = 0

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        await self._open.wait()
        self._readers += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._readers -= 1
            if not self._readers:
                self._idle.set()

    @contextlib.asynccontextmanager
    async def closed(self, seconds: float) -> AsyncIterator[None]:
        """No new reads inside the block, and the open ones finished (or `seconds` gone:
        then the checkpoint tries anyway, as it would have)."""
        self._open.clear()
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await self._idle.wait()
            yield
        finally:
            self._open.set()


@contextlib.asynccontextmanager
async def _let_go_after(bound: asyncio.Timeout, grace: float) -> AsyncIterator[None]:
    """Cancel the block a second time `grace` seconds after `bound` expires.

    A query cancelled by the bound makes psycopg ask the server to cancel it and then wait
    for the query to end, 5 s each: on a server that has stopped answering, people would
    wait the bound and 10 s more to be asked to try again. Cancelled again while it waits,
    psycopg closes the connection at once. The second cancellation is taken back here, so
    the bound's own ends the block as a TimeoutError."""
    task = asyncio.current_task()
    deadline = bound.when()
    if task is None or deadline is None:
        yield
        return
    cut = False

    def cancel_again() -> None:
        nonlocal cut
        cut = True
        task.cancel()

    handle = asyncio.get_running_loop().call_at(deadline + grace, cancel_again)
    try:
        yield
    finally:
        handle.cancel()
        if cut:
            task.uncancel()


class Database:
    """Owns the engine and hands out one transaction per unit of work."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        write_wait_seconds: float = sqlite_loop.WRITE_WAIT_SECONDS,
        timeout_seconds: float = TIMEOUT_SECONDS,
    ) -> None:
        self.url = async_url(url)
        parsed = make_url(self.url)
        self.timeout_seconds = timeout_seconds
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and (path := sqlite_path(self.url)) is not None:
            prepare_sqlite_file(path)
        # Database errors would otherwise quote the statement's parameters (a reflection's
        # words, a user id) in their message, and so in the logs.
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.is_sqlite:
            kwargs.update(async_creator=sqlite_loop.creator(self.url))
        else:
            # Bounded waits: for a connection, and for each statement on the server. The
            # server's own limit goes in the connection's options, beside any the URL has.
            millis = int(timeout_seconds * 1000)
            options = parsed.query.get("options", "")
            limits = f"-c statement_timeout={millis} -c lock_timeout={millis}"
            self.url = parsed.update_query_dict(
                {"options": f"{options} {limits}".strip()}
            ).render_as_string(hide_password=False)
            kwargs.update(
                pool_pre_ping=True,
                pool_size=10,
                max_overflow=20,
                pool_timeout=timeout_seconds,
                connect_args={"connect_timeout": max(1, round(timeout_seconds))},
            )
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _on_sqlite_connect)
            event.listen(self.engine.sync_engine, "begin", sqlite_loop.begin)
        # SQLite: how long a write waits for another process's lock (see sqlite_loop.begin).
        self._write_options = {sqlite_loop.WRITE_OPTION: write_wait_seconds}
        # Each session's synchronous side, where SQLAlchemy's session events are heard
        # (`listen`); made here so that only this database's sessions are heard.
        self._sync_sessions = sessionmaker(class_=SyncSession)
        self._sessions = async_sessionmaker(
            self.engine,
            class_=AsyncSession,
            expire_on_commit=False,
            sync_session_class=self._sync_sessions,
        )
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._gate = ReaderGate()
        # SQLite: an anonymous step is committed and still in the WAL (emptying it after
        # the step failed), so no other write may follow it there until it is emptied.
        self._anonymous_in_log = False
        self._listening: list[tuple[str, Callable[..., Any]]] = []

    def listen(self, name: str, listener: Callable[..., Any]) -> None:
        """Hear SQLAlchemy's session event `name` (after_flush, after_commit, ...) from this
        database's sessions: how the in-process cache (bot/engine/known.py) learns of writes.
        Heard until `dispose`."""
        event.listen(self._sync_sessions, name, listener)
        self._listening.append((name, listener))

    @contextlib.asynccontextmanager
    async def transaction(self, *, isolated: bool = False) -> AsyncIterator[AsyncSession]:
        """One transaction: committed if the block succeeds, rolled back whole if it raises.

        `isolated` (anonymous steps): on SQLite the WAL is emptied just before and just after
        it, so a copy of the WAL taken at any moment never shows this transaction next to
        anyone's other writes (docs/anonymity.md). Neither may fail silently: if the WAL
        cannot be emptied before (another program keeps it open), a transaction that writes
        is rolled back and LogBusy raised; if it cannot be emptied after, every later write
        first empties it, and is refused the same way until it can."""
        lock = self._write_lock or contextlib.nullcontext()
        isolate = isolated and self.is_sqlite
        try:
            async with lock, self._bounded():
                alone = not (isolate or self._anonymous_in_log) or await self._empty_wal()
                # Whether it wrote anything matters only for these (a plain write goes on).
                counted = isolate or not alone
                async with self._sessions() as session, session.begin():
                    if self.is_sqlite:
                        await session.connection(execution_options=self._write_options)
                    changes = await _changes(session) if counted else 0
                    yield session
                    wrote = counted and await _changes(session) != changes
                    if wrote and not alone:
                        log.warning(
                            "a write was refused and the person asked to try again: another"
                            " program (a backup, a database viewer) kept the database log open,"
                            " and %s",
                            "an anonymous step must be alone in it"
                            if isolate
                            else "an anonymous step in it may not be followed there",
                        )
                        raise LogBusy("the database log could not be emptied")
                if isolate and wrote:
                    self._anonymous_in_log = True
                    await self._empty_wal()
        except (OperationalError, DBAPIError) as exc:
            if _is_unavailable(exc):
                raise DatabaseUnavailable(str(exc.orig) if exc.orig else str(exc)) from exc
            raise

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only unit of work. On SQLite, readers do not wait for the writer (WAL)."""
        gate = self._gate.reading() if self.is_sqlite else contextlib.nullcontext()
        try:
            async with gate, self._bounded(), self._sessions() as session:
                yield session
        except (OperationalError, DBAPIError) as exc:
            if _is_unavailable(exc):
                raise DatabaseUnavailable(str(exc.orig) if exc.orig else str(exc)) from exc
            raise

    @contextlib.asynccontextmanager
    async def _bounded(self) -> AsyncIterator[None]:
        """PostgreSQL: one unit of work may not outlast the bound, so a server that stops
        answering (no reply at all, which no server-side limit catches) turns into
        DatabaseUnavailable instead of a command that never ends. SQLite never waits
        inside a call (storage/sqlite_loop.py)."""
        if self.is_sqlite:
            yield
            return
        try:
            async with asyncio.timeout(self.timeout_seconds * BOUND_FACTOR) as bound:
                async with _let_go_after(bound, CANCEL_GRACE_SECONDS):
                    yield
        except TimeoutError as exc:
            raise DatabaseUnavailable("the database did not answer in time") from exc

    async def purge(self) -> bool:
        """Make what was just deleted unrecoverable from the files, once it has committed.

        SQLite: deleted content is already zeroed in the pages (secure_delete), but the WAL
        still holds earlier images of those pages; a TRUNCATE checkpoint copies the pages
        back and empties the WAL. It needs every reader to finish, so it is asked again
        (the loop free in between) until the write wait runs out.

        PostgreSQL: a deleted row stays in the table's file until it is rewritten, so the
        reflection, priority-count and outbox tables are rewritten (VACUUM FULL, new files;
        the old ones are removed), then a checkpoint lets the server recycle its WAL
        (docs/anonymity.md says what the server's WAL keeps until then). True when done."""
        if self.is_sqlite:
            return await self._checkpoint_truncate()
        async with self.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            # VACUUM FULL copies a deleted row into the new file while any transaction that
            # began before the delete is still running (another Brewbot process, say): wait
            # for those first, a few seconds at most.
            settled = await self._older_transactions_gone(autocommit)
            # The table may be large: no statement limit for this one.
            await autocommit.exec_driver_sql("SET statement_timeout = 0")
            # The outbox too: a copy of a reflection's words waiting there (its alert, the
            # digest's draft) is made again without them when it is taken back.
            await autocommit.exec_driver_sql("VACUUM FULL reflection, priority_count, outbox")
            try:
                await autocommit.exec_driver_sql("CHECKPOINT")
            except DBAPIError:
                # Needs superuser or pg_checkpoint; the server's own checkpoint follows soon.
                pass
        return settled

    async def _older_transactions_gone(self, connection: AsyncConnection) -> bool:
        """Wait until no other session holds a snapshot or a transaction older than now that
        would keep deleted rows (see _OLDER_THAN_MARK); False if some still did after
        PURGE_WAIT_SECONDS.

        The test is on snapshots, not on when transactions began: one that begins while an
        older writer is still running inherits that writer's horizon (its xmin), and keeps
        the deleted row alive after the writer has gone."""
        mark = (await connection.execute(text(_NEXT_XID))).scalar_one()
        deadline = asyncio.get_running_loop().time() + PURGE_WAIT_SECONDS
        pause = 0.02
        while True:
            older = (await connection.execute(text(_OLDER_THAN_MARK), {"mark": mark})).scalar_one()
            if not older:
                return True
            if asyncio.get_running_loop().time() >= deadline:
                log.warning("purge went ahead with %d older transactions still open", older)
                return False
            await asyncio.sleep(pause)  # polling the server: nothing to wait on instead
            pause = min(pause * 2, 0.5)

    async def _checkpoint_truncate(self) -> bool:
        async with self._write_lock or contextlib.nullcontext():
            return await self._empty_wal()

    async def _empty_wal(self) -> bool:
        """Copy the WAL into the database file and truncate it to nothing (the caller holds
        the write lock). Readers can hold it up; asked again, the loop free in between,
        until the write wait runs out. False if it could not be done in time."""
        wait = self._write_options[sqlite_loop.WRITE_OPTION]
        async with self._gate.closed(wait):
            emptied = await self._checkpoint_until(asyncio.get_running_loop().time() + wait)
        if emptied:
            self._anonymous_in_log = False
        elif self._anonymous_in_log:
            log.warning(
                "an anonymous step is still in the database log: writes are refused until"
                " the program reading the database (a backup, a database viewer) lets go"
            )
        return emptied

    async def _checkpoint_until(self, deadline: float) -> bool:
        """Ask for the checkpoint until it is done or `deadline` passes: readers in other
        processes, which the gate does not see, can still hold it up."""
        pause = sqlite_loop.FIRST_PAUSE
        while True:
            async with self.engine.connect() as connection:
                # On the driver's own connection: outside any transaction, as it must be.
                raw = (await connection.get_raw_connection()).driver_connection
                assert isinstance(raw, sqlite_loop.LoopConnection), "a live SQLite connection"
                busy, *_ = await raw.off_the_loop("PRAGMA wal_checkpoint(TRUNCATE)")
            if not busy:
                return True
            if asyncio.get_running_loop().time() + pause > deadline:
                log.warning("the database log could not be emptied: readers kept it busy")
                return False
            await asyncio.sleep(pause)
            pause = min(pause * 2, sqlite_loop.LONGEST_PAUSE)

    async def dispose(self) -> None:
        """Close every connection, and stop hearing this database's session events.
        SQLAlchemy keeps those listeners on the class the sessionmaker made, in a registry
        that lasts as long as the program, so a listener that refers back to the database
        (the in-process cache does) would keep it, its engine and their caches alive."""
        while self._listening:
            name, listener = self._listening.pop()
            event.remove(self._sync_sessions, name, listener)
        await self.engine.dispose()


async def _changes(session: AsyncSession) -> int:
    """SQLite: rows written so far on the session's connection (its pending ORM changes
    flushed first), to tell whether a transaction wrote anything."""
    await session.flush()
    raw = (await (await session.connection()).get_raw_connection()).driver_connection
    assert isinstance(raw, sqlite_loop.LoopConnection), "a live SQLite connection"
    return raw.total_changes


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
