"""What a step that only reads needs to know, kept in this process's memory (`Known`), so that
opening the reflection form in a burst waits for no transaction and, once warm, for no
database at all (issue 17): a community, a person's choices, a session's state, and any
`Fact` a feature adds (the reflections feature adds its spark's prompt).

How a value stays true:

- A miss is read through `Database.read()`, never the write lock. Misses that arrive while
  a read is under way are read together in the next one (one query for many people).
- Every write in this process is heard through SQLAlchemy's session events: a flushed row
  that is new, deleted, or changed in a column a fact reads marks its key; a bulk UPDATE,
  DELETE or INSERT on a watched table marks the whole fact; a textual statement, which the
  ORM cannot read, marks every fact. The marks are applied when the transaction commits
  (after the database's commit, before the writer's `commit()` returns), so nobody in this
  process is given a value older than the last commit. A Core statement sent on a session's
  own connection is not heard: change these tables through the session.
- Each fact has a generation, moved on by every commit that changed it. A read that began
  before such a commit may hold the old value: it answers its own callers (who asked before
  the commit), but is not kept, and nobody who asks after the commit waits for it.
- Other processes are not heard (several may share one PostgreSQL database; the `brewbot`
  command line is another). So every value is forgotten LIFETIME seconds after it was read,
  which bounds how stale it can be.

A stale value may only ever change which form or sentence is shown, never what is stored: a
step that writes checks again, in its own transaction, everything it relies on (sending a
reflection reads the session's state and the person's consent again).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, Table, inspect
from sqlalchemy import select as select_columns
from sqlalchemy.orm import ORMExecuteState, SessionTransaction
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql.elements import TextClause
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.engine import Database
from storage.models import Community, Participant, Session, table_of

# Seconds a value is kept: how stale a change made by another process can be seen here.
LIFETIME = 2.0
# The most keys one read asks for.
MAX_KEYS = 500

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
# Reads the values of some keys in one go; a key left out has no value (not stored).
Loader = Callable[[AsyncSession, Sequence[K]], Awaitable[Mapping[K, V]]]


@dataclass(frozen=True)
class Watch:
    """Which writes to `model` change a fact: a row's `key` columns give the fact's key (one
    column: its value; several: a tuple of them, in order); a change to any of `columns`
    (none named: to any column) makes its value old. No `key`: the fact is not keyed by this
    model's rows, so such a change makes every value old."""

    model: type[SQLModel]
    key: tuple[str, ...]
    columns: frozenset[str] = frozenset()

    @classmethod
    def read_by(cls, model: type[SQLModel], statement: Select[*tuple[Any, ...]]) -> Watch:
        """A watch without a key on the columns of `model` that `statement` reads: for a
        fact made from them but kept by something else (a link), which a change to any of
        them makes old. Taken from the statement, so a column it comes to read is watched."""
        table = table_of(model)
        columns = statement.selected_columns
        names = {column.name for column in columns if getattr(column, "table", None) is table}
        return cls(model, (), frozenset(names))

    def changed(self, row: SQLModel, *, new_or_deleted: bool) -> Hashable | _All | None:
        """The key a flushed row makes old, ALL when it cannot tell which, None for none."""
        state = inspect(row)
        if not new_or_deleted:
            # What was set since the row was read (a value set again unchanged counts too).
            names = {*self.columns, *self.key} if self.columns else set(state.manager)
            changed = names - state.unmodified_intersection(names)
            if not changed:
                return None
            if changed & set(self.key):
                return ALL  # the row moved: its old key is not at hand
        if not self.key:
            return ALL
        loaded = state.dict
        if any(name not in loaded for name in self.key):
            return ALL
        values = [loaded[name] for name in self.key]
        return values[0] if len(values) == 1 else tuple(values)


class _All:
    """Every key of a fact."""


ALL = _All()
_Marks = dict["Fact[Any, Any]", "set[Hashable] | _All"]


class Fact(Generic[K, V]):
    """One kind of value, by key: read on a miss, kept LIFETIME seconds, forgotten when a
    commit in this process changes it (see the module's note)."""

    def __init__(self, known: Known, name: str, load: Loader[K, V]) -> None:
        self.name = name  # for people reading it in a debugger or a traceback
        self.generation = 0
        self._known = known
        self._load = load
        # key -> (when it is forgotten, value or None for "not stored"). Every value lives
        # equally long, so the dict's order is also the order they are forgotten in.
        self._kept: dict[K, tuple[float, V | None]] = {}
        self._waiting: dict[K, asyncio.Future[V | None]] = {}  # for the next read
        self._reading: dict[K, asyncio.Future[V | None]] = {}  # in the read under way
        self._reader: asyncio.Task[None] | None = None

    async def get(self, key: K) -> V | None:
        """The value, or None when nothing is stored under `key`."""
        kept = self._kept.get(key)
        if kept is not None and kept[0] > self._known.now():
            return kept[1]
        future = self._reading.get(key) or self._waiting.get(key)
        if future is None:
            future = self._waiting[key] = asyncio.get_running_loop().create_future()
            # Its error is still read when everyone waiting for it has gone.
            future.add_done_callback(retrieved)
            if self._reader is None:
                self._reader = asyncio.create_task(self._read_waiting())
        # Shielded: one caller that stops waiting must not cancel the others' answer.
        return await asyncio.shield(future)

    def forget(self, keys: set[K] | _All) -> None:
        """Drop values a commit changed; reads under way for them will not be kept or joined."""
        self.generation += 1
        if isinstance(keys, _All):
            self._kept.clear()
            self._reading = {}
            return
        for key in keys:
            self._kept.pop(key, None)
            self._reading.pop(key, None)

    async def _read_waiting(self) -> None:
        batch: dict[K, asyncio.Future[V | None]] = {}
        try:
            while self._waiting:
                keys = list(self._waiting)[:MAX_KEYS]
                batch = {key: self._waiting.pop(key) for key in keys}
                self._reading = dict(batch)
                generation, started = self.generation, self._known.now()
                try:
                    async with self._known.db.read() as tx:
                        found = await self._load(tx, keys)
                except Exception as exc:
                    failed: Exception | None = exc
                else:
                    failed = None
                    if self.generation == generation:  # no commit changed this fact meanwhile
                        self._keep(found, keys, started + self._known.lifetime)
                finally:
                    self._reading = {}
                for key, future in batch.items():
                    if future.done():
                        continue
                    if failed is not None:
                        future.set_exception(failed)
                    else:
                        future.set_result(found.get(key))
                batch = {}
        finally:
            self._reader = None
            # Stopped part-way (the process is closing): nobody is left waiting.
            for future in [*batch.values(), *self._waiting.values()]:
                future.cancel()
            self._waiting.clear()

    def _keep(self, found: Mapping[K, V], keys: Sequence[K], until: float) -> None:
        now = self._known.now()
        while self._kept:
            oldest = next(iter(self._kept))
            if self._kept[oldest][0] > now:
                break
            del self._kept[oldest]
        for key in keys:
            self._kept.pop(key, None)  # kept again, at the end of the order
            self._kept[key] = (until, found.get(key))


def retrieved(future: asyncio.Future[Any]) -> None:
    """Reads a failure nobody waits for any more (they went), so it is not logged as lost."""
    if not future.cancelled():
        future.exception()


@dataclass(frozen=True)
class Person:
    """What a step that only reads needs of a stored person."""

    id: int | None
    consent: str | None
    easy_read: bool
    plain_style: bool


@dataclass(frozen=True)
class SessionFacts:
    """What opening a session's form needs of it."""

    id: int
    community_id: int
    state: str
    spark_id: str | None


class Known:
    """The facts of one database, kept true by its writes (see the module's note)."""

    def __init__(
        self, db: Database, *, lifetime: float = LIFETIME, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.db = db
        self.lifetime = lifetime
        self.now = now
        self._facts: list[Fact[Any, Any]] = []
        self._watching: dict[type[SQLModel], list[tuple[Fact[Any, Any], Watch]]] = {}
        self._by_table: dict[Table, list[Fact[Any, Any]]] = {}
        self._marks_key = object()  # this cache's marks in a session's `info`
        db.listen("after_flush", self._flushed)
        db.listen("do_orm_execute", self._executed)
        db.listen("after_commit", self._committed)
        db.listen("after_transaction_end", self._ended)
        # A community by (platform, its id there), as read: shared by every step that only
        # reads, which changes nothing, and never stored again from here.
        self.communities: Fact[tuple[str, str], Community] = self.fact(
            "communities", _communities, Watch(Community, ("platform", "external_id"))
        )
        # A person by (community id, user id); None: not stored (a stand-in is never stored).
        self.people: Fact[tuple[int, str], Person] = self.fact(
            "people",
            _people,
            Watch(
                Participant,
                ("community_id", "user_id"),
                frozenset({"id", "consent", "easy_read", "plain_style"}),
            ),
        )
        self.sessions: Fact[int, SessionFacts] = self.fact(
            "sessions",
            _sessions,
            Watch(Session, ("id",), frozenset({"community_id", "state", "spark_id"})),
        )

    def fact(self, name: str, load: Loader[K, V], *watches: Watch) -> Fact[K, V]:
        """A new kind of value, read by `load` and made old by the writes `watches` name."""
        made: Fact[K, V] = Fact(self, name, load)
        self._facts.append(made)
        for watch in watches:
            self._watching.setdefault(watch.model, []).append((made, watch))
            self._by_table.setdefault(table_of(watch.model), []).append(made)
        return made

    # -- hearing writes -----------------------------------------------------------------------

    def _mark(self, session: OrmSession, fact: Fact[Any, Any], key: Hashable | _All) -> None:
        marks: _Marks = session.info.setdefault(self._marks_key, {})
        kept = marks.get(fact)
        if isinstance(key, _All) or isinstance(kept, _All):
            marks[fact] = ALL
        elif kept is None:
            marks[fact] = {key}
        else:
            kept.add(key)

    def _flushed(self, session: OrmSession, _context: Any) -> None:
        # The session still lists the flush's rows as new, dirty and deleted here.
        for rows, new_or_deleted in (
            (session.new, True),
            (session.deleted, True),
            (session.dirty, False),
        ):
            for row in rows:
                for fact, watch in self._watching.get(type(row), ()):
                    key = watch.changed(row, new_or_deleted=new_or_deleted)
                    if key is not None:
                        self._mark(session, fact, key)

    def _executed(self, state: ORMExecuteState) -> None:
        """A statement run through a session: a bulk write to a watched table makes its
        facts old; SQL text, which says nothing the ORM can read, makes every fact old."""
        if state.is_select:
            return
        statement = state.statement
        if isinstance(statement, TextClause):
            facts = self._facts
        else:
            facts = self._by_table.get(getattr(statement, "table", None), [])  # type: ignore[arg-type]
        for fact in facts:
            self._mark(state.session, fact, ALL)

    def _committed(self, session: OrmSession) -> None:
        if session.in_nested_transaction():
            return  # a savepoint: nothing is committed until the transaction is
        marks: _Marks = session.info.pop(self._marks_key, {})
        for fact, keys in marks.items():
            fact.forget(keys)

    def _ended(self, session: OrmSession, transaction: SessionTransaction) -> None:
        if transaction.parent is None:  # rolled back (a commit has taken its marks already)
            session.info.pop(self._marks_key, None)


# -- the engine's own facts' reads ------------------------------------------------------------


async def _communities(
    tx: AsyncSession, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Community]:
    rows = await tx.exec(
        select(Community).where(
            col(Community.platform).in_({platform for platform, _ in keys}),
            col(Community.external_id).in_({external for _, external in keys}),
        )
    )
    return {(row.platform, row.external_id): row for row in rows}


async def _people(
    tx: AsyncSession, keys: Sequence[tuple[int, str]]
) -> dict[tuple[int, str], Person]:
    connection = await tx.connection()
    rows = await connection.execute(
        select_columns(
            col(Participant.community_id),
            col(Participant.user_id),
            col(Participant.id),
            col(Participant.consent),
            col(Participant.easy_read),
            col(Participant.plain_style),
        ).where(
            col(Participant.community_id).in_({community for community, _ in keys}),
            col(Participant.user_id).in_({user for _, user in keys}),
        )
    )
    return {
        (community, user): Person(person, consent, easy, plain)
        for community, user, person, consent, easy, plain in rows
    }


async def _sessions(tx: AsyncSession, keys: Sequence[int]) -> dict[int, SessionFacts]:
    rows = await tx.exec(
        select(Session.community_id, Session.state, Session.spark_id, col(Session.id)).where(
            col(Session.id).in_(keys)
        )
    )
    found: dict[int, SessionFacts] = {}
    for community, state, spark, session_id in rows:
        assert session_id is not None  # a stored row's
        found[session_id] = SessionFacts(session_id, community, state, spark)
    return found
