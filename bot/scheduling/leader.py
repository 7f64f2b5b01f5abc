"""Exactly one scheduler per database, however many processes serve commands.

PostgreSQL: every process that may run the scheduler asks for a session-level advisory lock
(`pg_try_advisory_lock`) on its own dedicated connection. The one that gets it is the
leader: it LISTENs for changes made by other processes, then starts the scheduler (which
rebuilds every job from the database). The others ask again every few seconds. The lock
belongs to the connection, so when the leader dies PostgreSQL releases it and the next
process to ask takes over and rebuilds. Job-run keys are unique in the database, so a job
the old leader already ran does nothing the second time.

Every process, leader or not, announces a change to a session's timing with NOTIFY, so the
leader re-plans that session however the change arrived (a Slack request behind a load
balancer, a Discord shard in another process, a scheduled job). A change to a "we said, we
did" action (its due day, its person, its status) is announced the same way, and so is a
change to a community's setting that planned times follow (its zone, its reminders).

SQLite serves one process: the first takes an exclusive lock on a file beside the database
for its lifetime, and a second is refused with one clear line.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import hashlib
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, LiteralString

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.core.typed import is_number
from bot.scheduling.planner import BrewScheduler, PlannedJob
from storage.engine import Database

if TYPE_CHECKING:
    from psycopg import AsyncConnection
    from psycopg.rows import TupleRow

log = logging.getLogger("brewbot.leader")

CHANNEL = "brewbot_session_changed"
RETRY_SECONDS = 5.0
# A leader that cannot reach the database for this long stops scheduling at once.
HEARTBEAT_TIMEOUT = 5.0
# Jobs already running when the process stops get this long to finish their deliveries.
JOB_GRACE_SECONDS = 3.0
# Client side: notice a dead database within seconds, not the operating system's hours.
CLIENT_KEEPALIVE: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "connect_timeout": 5,
}
# Server side: PostgreSQL drops a vanished leader's session (and so its lock) within about
# 10 + 5 * 3 = 25 seconds, so another process takes over inside 30 seconds.
SERVER_KEEPALIVE = (
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
)

# Events for listeners: "elected", "stepped_down", "refreshed" with the session id,
# "action_refreshed" with the action id, or "community_refreshed" with the community id.
Listener = Callable[[str, int | None], None]
# How a notification names an action or a community (a session is named by its number alone).
ACTION, COMMUNITY = "action", "community"


class AlreadyRunning(RuntimeError):
    """Another process already serves this SQLite database."""


class Leadership:
    """Takes part in the election for running the scheduler, and passes on session changes."""

    def __init__(
        self,
        db: Database,
        scheduler: BrewScheduler,
        *,
        retry_seconds: float = RETRY_SECONDS,
        job_grace_seconds: float = JOB_GRACE_SECONDS,
    ) -> None:
        self.db = db
        self.scheduler = scheduler
        self.retry_seconds = retry_seconds
        self.job_grace_seconds = job_grace_seconds
        self.is_leader = False
        self.listeners: list[Listener] = []
        # Tells this process's own notifications apart from other processes'.
        self.token = uuid.uuid4().hex[:16]
        self._lock_file: IO[bytes] | None = None
        self._conn: AsyncConnection[TupleRow] | None = None  # opened only for PostgreSQL
        self._key: int | None = None
        self._campaign_task: asyncio.Task[None] | None = None
        self._closing: asyncio.Event | None = None
        self._jobs: set[asyncio.Task[None]] = set()
        self._guard_jobs()

    # -- life cycle --------------------------------------------------------------------------

    def lock_process(self) -> None:
        """SQLite: hold the database's lock file for the life of the process, or refuse.
        Call it first, before connecting to any chat platform."""
        if not self.db.is_sqlite or self._lock_file is not None:
            return
        database = make_url(self.db.url).database
        if not database or database == ":memory:":
            return
        path = Path(f"{database}.lock")
        handle = path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.close()
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            raise AlreadyRunning(
                f"Another Brewbot process is already using {database}. SQLite serves one "
                "process: stop the other one, or set DATABASE_URL to PostgreSQL to run several."
            ) from None
        self._lock_file = handle

    async def start(self, *, run_scheduler: bool = True) -> None:
        """Take part in the election (PostgreSQL), or simply lead (SQLite, one process).
        Returns once the first attempt is decided; later attempts run in the background."""
        self.lock_process()
        self._closing = asyncio.Event()
        if not run_scheduler:
            return
        if self.db.is_sqlite:
            await self._lead()
            return
        try:
            await self._attempt()
        except Exception as exc:  # the database is down: keep trying in the background
            log.warning("scheduler election could not reach the database error=%s", _name(exc))
            await self._lose_connection()
        self._campaign_task = asyncio.create_task(self._campaign(), name="scheduler-election")

    async def close(self) -> None:
        """Stop scheduling, let running jobs finish their deliveries, then release the lock."""
        if self._closing is not None:
            self._closing.set()
        if self._campaign_task is not None:
            self._campaign_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._campaign_task
            self._campaign_task = None
        await self._step_down()
        if self._jobs:
            await asyncio.wait(set(self._jobs), timeout=self.job_grace_seconds)
        await self._drop_connection()
        if self._lock_file is not None:
            self._lock_file.close()  # closing the file releases the lock
            self._lock_file = None

    async def session_changed(self, session_id: int) -> None:
        """A session's timing changed: re-plan it here if this process leads, and tell the
        others (on PostgreSQL), since the leader may be another process."""
        if self.is_leader:
            await self.scheduler.refresh(session_id)
        await self._announce(str(session_id))

    async def action_changed(self, action_id: int) -> None:
        """An action's reminders may have changed: as `session_changed`, for the action."""
        if self.is_leader:
            await self.scheduler.refresh_action(action_id)
        await self._announce(f"{ACTION}:{action_id}")

    async def community_changed(self, community_id: int) -> None:
        """A setting planned times follow changed: as `session_changed`, for every session
        and action of the community."""
        if self.is_leader:
            await self.scheduler.refresh_community(community_id)
        await self._announce(f"{COMMUNITY}:{community_id}")

    async def _announce(self, subject: str) -> None:
        if self.db.is_sqlite:
            return
        try:
            async with self.db.transaction() as tx:
                connection = await tx.connection()
                await connection.execute(
                    text("SELECT pg_notify(:channel, :payload)").bindparams(
                        channel=CHANNEL, payload=f"{self.token}:{subject}"
                    )
                )
        except Exception as exc:
            # The leader still re-plans everything when it next takes over; say so loudly.
            log.warning("could not announce a change subject=%s error=%s", subject, _name(exc))

    # -- the election (PostgreSQL) -------------------------------------------------------------

    async def _campaign(self) -> None:
        assert self._closing is not None
        # Checked each round as well as cancelled: on Python 3.11 a cancel that arrives as
        # a wait finishes can be swallowed, and the loop must still end.
        while not self._closing.is_set():
            try:
                if self.is_leader:
                    await self._watch()
                elif await self._paused_and_still_running():
                    await self._attempt()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("scheduler election connection lost error=%s", _name(exc))
                await self._lose_connection()

    async def _attempt(self) -> None:
        conn = self._conn if self._conn is not None else await self._connect()
        (won,) = await _one_row(conn, "SELECT pg_try_advisory_lock(%s)", (self._key,))
        if won:
            # Listen before rebuilding, so no change made meanwhile can be missed.
            await conn.execute(f"LISTEN {CHANNEL}")
            await self._lead()

    async def _watch(self) -> None:
        """As leader: act on other processes' changes for a while, then check the line."""
        assert self._conn is not None  # a leader elected on PostgreSQL holds its connection
        async for note in self._conn.notifies(timeout=self.retry_seconds):
            token, _, subject = note.payload.partition(":")
            kind, _, number = subject.rpartition(":")
            if token == self.token or not is_number(number):
                continue
            if kind == ACTION:
                await self.scheduler.refresh_action(int(number))
                self._tell("action_refreshed", int(number))
            elif kind == COMMUNITY:
                await self.scheduler.refresh_community(int(number))
                self._tell("community_refreshed", int(number))
            elif not kind:
                await self.scheduler.refresh(int(number))
                self._tell("refreshed", int(number))
        await asyncio.wait_for(self._conn.execute("SELECT 1"), HEARTBEAT_TIMEOUT)

    async def _connect(self) -> AsyncConnection[TupleRow]:
        import psycopg  # only PostgreSQL deployments need it

        engine = self.db.engine
        args, kwargs = engine.dialect.create_connect_args(engine.url)
        conn = await psycopg.AsyncConnection.connect(
            *args, **{**CLIENT_KEEPALIVE, **kwargs}, autocommit=True
        )
        try:
            for statement in SERVER_KEEPALIVE:
                await conn.execute(statement)
            database, schema = await _one_row(conn, "SELECT current_database(), current_schema()")
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        self._key = lock_key(database, schema)
        return conn

    async def _lose_connection(self) -> None:
        await self._step_down()
        await self._drop_connection()

    async def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            # Ending the session releases the advisory lock.
            with contextlib.suppress(Exception):
                await conn.close()

    async def _paused_and_still_running(self) -> bool:
        """Wait before asking again; False if the process began to close meanwhile."""
        assert self._closing is not None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.retry_seconds):
                await self._closing.wait()
        return not self._closing.is_set()

    # -- leading -------------------------------------------------------------------------------

    async def _lead(self) -> None:
        jobs = await self.scheduler.start()
        self.is_leader = True
        log.info("this process now runs the scheduler jobs=%d", jobs)
        self._tell("elected", None)

    async def _step_down(self) -> None:
        if not self.is_leader:
            return
        self.is_leader = False
        if self.scheduler.running:
            self.scheduler.shutdown()
            # AsyncIOScheduler shuts down in a callback queued on the loop; let it run, so
            # the scheduler is really stopped (and could start again) when this returns.
            await asyncio.sleep(0)
        log.info("this process no longer runs the scheduler")
        self._tell("stepped_down", None)

    def _guard_jobs(self) -> None:
        """Stopping the scheduler cancels the jobs it is running, which could cut a round of
        reminders in half after its run key was stored. Run each job as its own task instead,
        shielded from that, and let `close` wait for it."""
        inner = self.scheduler.runner

        async def guarded(job: PlannedJob) -> None:
            task = asyncio.ensure_future(inner(job))
            self._jobs.add(task)
            task.add_done_callback(self._jobs.discard)
            await asyncio.shield(task)

        self.scheduler.runner = guarded

    def _tell(self, event: str, session_id: int | None) -> None:
        for listener in self.listeners:
            listener(event, session_id)


def lock_key(database: str, schema: str) -> int:
    """The advisory lock's key: one election per database and schema, so deployments (and
    test runs) sharing a PostgreSQL server in separate schemas do not block each other."""
    digest = hashlib.sha256(f"brewbot-scheduler:{database}:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def _one_row(
    conn: AsyncConnection[TupleRow], query: LiteralString, params: tuple[object, ...] = ()
) -> TupleRow:
    """The row of a query that always returns exactly one (a SELECT of functions)."""
    row = await (await conn.execute(query, params)).fetchone()
    if row is None:
        raise RuntimeError(f"no row from {query}")
    return row


def _name(exc: BaseException) -> str:
    # Driver messages can quote SQL parameters; the class name is enough to act on.
    return type(exc).__name__
