"""Shared fixtures: a real database (SQLite file, and PostgreSQL where
BREWBOT_TEST_POSTGRES_URL is set), the whole app wired with the recording adapter and a
manual clock, and a small driver that acts as people typing commands.

Migrating a database takes far longer than most tests, so each worker process migrates once
and every test gets its own copy of the result: a SQLite file copied byte for byte (main file
and log, as they are just after `build_app` migrated them) into the test's tmp_path, or a
PostgreSQL schema made by the statements the migration sent, replayed, or one an earlier test
had, emptied (in databases of the worker's own, dropped at the end; see PostgresTemplate).
Tests that must watch a migration take `empty_database_url` or `empty_sqlite_url`."""

from __future__ import annotations

import asyncio
import functools
import os
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from graphlib import TopologicalSorter
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import backoff
import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError

from bot.app import App, build_app
from bot.config import Settings
from bot.core.messages import FormSubmission
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.engine.clock import ManualClock
from bot.engine.texts import Texts
from bot.platforms.memory import MemoryAdapter, MemoryResponder
from bot.sparks.library import SparkLibrary
from storage.engine import PRIVATE_FILE, Database
from storage.migrate import upgrade

# The intruder's fixtures (the data folder with its log, copies put elsewhere).
pytest_plugins = ("tests.intruder",)

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
POSTGRES_ENV = "BREWBOT_TEST_POSTGRES_URL"
# How the connections that make and empty the tests' PostgreSQL schemas name themselves.
MAKER = "brewbot-test-schemas"


def postgres_base() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set, so PostgreSQL tests are skipped")
    return url


def _run_apart(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine to the end on a loop of its own (a test's loop may be running)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# --------------------------------------------------------------------------- prompts, sparks


@functools.cache
def _texts_as_loaded() -> Texts:
    return Texts.load()


def loaded_texts() -> Texts:
    """The prompts, read once per process; each caller gets its own dictionaries."""
    texts = _texts_as_loaded()
    return Texts(
        strings=dict(texts.strings), templates=dict(texts.templates), spelling=texts.spelling
    )


@functools.cache
def loaded_sparks() -> SparkLibrary:
    """The spark library, read once per process (a SparkLibrary is never changed in place)."""
    return SparkLibrary.load()


# --------------------------------------------------------------------------- SQLite


class SqliteTemplate:
    """A SQLite database migrated once, as `build_app` migrates a new file, and kept as the
    bytes of its files at that moment: the main file and its write-ahead log (the migration
    is still in the log then, as it is for an app that has just started)."""

    COPIED = ("", "-wal")

    def __init__(self) -> None:
        with TemporaryDirectory(prefix="brewbot-template-") as folder:
            self.files = _run_apart(self._migrate(Path(folder) / "brewbot.db"))

    @classmethod
    async def _migrate(cls, path: Path) -> dict[str, bytes]:
        db = Database(f"sqlite:///{path}")
        try:
            await upgrade(db)
            # Read while the migrating connection is still open, before closing it would
            # move the log into the main file.
            return cls._read(path)
        finally:
            await db.dispose()

    @classmethod
    def _read(cls, path: Path) -> dict[str, bytes]:
        files = {suffix: Path(f"{path}{suffix}") for suffix in cls.COPIED}
        return {suffix: file.read_bytes() for suffix, file in files.items() if file.exists()}

    def copy_to(self, path: Path) -> str:
        """Write the migrated files at `path` (readable by their owner only, as Brewbot makes
        them) and return its URL. `path` must not exist yet."""
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix, data in self.files.items():
            fd = os.open(f"{path}{suffix}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
        return f"sqlite:///{path}"


@functools.cache
def sqlite_template() -> SqliteTemplate:
    return SqliteTemplate()


def migrated_sqlite(path: Path) -> str:
    """A SQLite database at `path`, migrated to the newest revision; its URL."""
    return sqlite_template().copy_to(path)


# --------------------------------------------------------------------------- PostgreSQL


class PostgresTemplate:
    """PostgreSQL for one worker process. Tests get schemas in two databases of the worker's
    own (so their catalogs hold only this run's tables), or in the configured database when
    the server does not let us create one. A template schema is migrated once, recording every
    statement the migration sends; each test's schema is made by sending them again, in one
    transaction, with the new schema first on the search path (checked once against the
    template). With databases of its own, the schema for the next test is readied while a test
    runs, in the database that test is not using (a database's transactions and sessions are
    all a test's purge and queries look at): the schema of the test before is emptied and
    handed on, which takes about 10 ms where making one takes about 180. It is handed on only
    when nothing of that test is still connected and the schema is still exactly what a
    made one is (a test may add a trigger, say); otherwise it is dropped and a new one made.
    """

    def __init__(self, base: str) -> None:
        self.base = make_url(base.replace("+asyncpg", "+psycopg"))
        self.databases = self._own_databases(2)
        urls = [self.base.set(database=name) for name in self.databases] or [self.base]
        self.engines: list[Engine] = [
            create_engine(url, connect_args={"application_name": MAKER}) for url in urls
        ]
        self.schemas: list[str] = []
        self.statements: list[tuple[str, Any, bool]] = []
        self._maker: ThreadPoolExecutor | None = None
        try:
            template = self._schema(self.engines[0])
            _run_apart(self._record(self.engines[0], template))
            self._check(self.engines[0], template)
        except BaseException:
            self.close()
            raise
        if len(self.engines) > 1:
            self._maker = ThreadPoolExecutor(1)
        self._next: Future[str] | None = None
        self._turn = 0
        self._handed: list[list[str]] = [[] for _ in self.engines]

    def _own_databases(self, count: int) -> list[str]:
        made: list[str] = []
        server = create_engine(self.base, isolation_level="AUTOCOMMIT")
        try:
            with server.connect() as conn:
                try:
                    for _ in range(count):
                        name = f"brewbot_test_{uuid.uuid4().hex[:12]}"
                        conn.execute(text(f'CREATE DATABASE "{name}"'))
                        made.append(name)
                        # A commit here need not wait for the disk: these databases go at
                        # the end of the session, and a test that kills a process kills the
                        # client, never the server, so nothing committed is lost. Waiting
                        # took 1.4-2 ms a commit on the CI machine, against 0.3-0.5.
                        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
                except DBAPIError:  # no CREATEDB right: schemas in the configured database
                    for name in made:
                        conn.execute(text(f'DROP DATABASE "{name}"'))
                    made = []
        finally:
            server.dispose()
        return made

    def _schema(self, engine: Engine) -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        self.schemas.append(schema)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        return schema

    @staticmethod
    def url(engine: Engine, schema: str) -> str:
        rendered = engine.url.render_as_string(hide_password=False)
        sep = "&" if "?" in rendered else "?"
        return f"{rendered}{sep}options=-csearch_path%3D{schema}"

    async def _record(self, engine: Engine, schema: str) -> None:
        db = Database(self.url(engine, schema))

        def record(_conn, _cursor, statement, parameters, _context, executemany) -> None:
            self.statements.append((statement, parameters, executemany))

        event.listen(db.engine.sync_engine, "before_cursor_execute", record)
        try:
            await upgrade(db)
        finally:
            await db.dispose()

    def _make(self, engine: Engine) -> str:
        """A new schema holding what the migration made; its URL."""
        schema = f"t_{uuid.uuid4().hex[:12]}"
        self.schemas.append(schema)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            cursor = conn.connection.cursor()
            try:
                cursor.execute(f'SET LOCAL search_path TO "{schema}"')
                for statement, parameters, many in self.statements:
                    if many:
                        cursor.executemany(statement, parameters)
                    else:
                        cursor.execute(statement, parameters)
            finally:
                cursor.close()
        return self.url(engine, schema)

    def _check(self, engine: Engine, template: str) -> None:
        """The statements sent again make what the migration made. Learn from the copy what
        a made schema looks like, and how to empty one."""
        copy = schema_of(self._make(engine))
        with engine.connect() as conn:
            made, migrated = (_catalog(conn, schema) for schema in (copy, template))
            self._shape = _shape(conn, copy)
            self._order, self._restart = _emptying(conn, copy)
        assert made == migrated, "a replayed migration differs from the migrated template"

    def _replace(self, turn: int) -> str:
        """Ready the next schema in database `turn`: the one the test before had there (it
        has finished), emptied, when it can be; else drop it and make a new one."""
        engine, handed = self.engines[turn], self._handed[turn]
        if handed and _nobody_else_in(engine) and self._emptied(engine, handed[-1]):
            reused = handed.pop()
            self._drop(engine, handed)
            handed.append(reused)
            return self.url(engine, reused)
        self._drop(engine, handed)
        url = self._make(engine)
        handed.append(schema_of(url))
        return url

    def _emptied(self, engine: Engine, schema: str) -> bool:
        """Empty a schema a finished test had, as a made one is; False when it is no longer
        shaped like one, or cannot be emptied (the caller then drops it). Every table with
        anything on disk is emptied and vacuumed until its file is empty again, so a test
        that reads a table's raw bytes (tests/forensics.py) finds only its own rows, never an
        earlier test's dead ones. (TRUNCATE would do it too, but takes five times as long:
        it makes every table referring to one afresh.)"""
        where = {"schema": f'"{schema}"'}
        try:
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '2s'"))
                if _shape(conn, schema) != self._shape:
                    return False
                written = set(conn.execute(_WRITTEN, where).scalars())
                conn.execute(text(f'SET LOCAL search_path TO "{schema}"'))
                deletes = [f'DELETE FROM "{name}"' for name in self._order if name in written]
                conn.exec_driver_sql("; ".join([*deletes, *self._restart]))
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for name in written:
                    conn.exec_driver_sql(f'VACUUM "{schema}"."{name}"')
                # Nobody else is connected, so VACUUM can give every page back.
                return conn.execute(_WRITTEN, where).first() is None
        except DBAPIError:
            return False

    def _drop(self, engine: Engine, handed: list[str]) -> None:
        while handed:
            schema = handed.pop()
            try:
                with engine.begin() as conn:
                    conn.execute(text("SET LOCAL lock_timeout = '2s'"))
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                self.schemas.remove(schema)
            except DBAPIError:  # still in use by something a test left behind: at the end
                pass

    def new_schema(self) -> str:
        """The URL of a schema of the caller's own, holding what the migration made."""
        if self._maker is None:
            return self._make(self.engines[0])
        if self._next is None:
            self._next = self._maker.submit(self._replace, self._turn)
        pending, self._next = self._next, None
        made = pending.result()  # if making it failed, the next test tries again
        self._turn = 1 - self._turn
        self._next = self._maker.submit(self._replace, self._turn)
        return made

    def close(self) -> None:
        """Drop everything made here (the worker's databases, or each schema)."""
        if self._maker is not None:
            self._maker.shutdown(wait=True)
        if not self.databases:
            with self.engines[0].begin() as conn:
                for schema in self.schemas:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        for engine in self.engines:
            engine.dispose()
        server = create_engine(self.base, isolation_level="AUTOCOMMIT")
        try:
            with server.connect() as conn:
                for name in self.databases:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            server.dispose()


def _catalog(conn: Connection, schema: str) -> list[tuple[Any, ...]]:
    """What a schema holds, as the server describes it, with the schema's name taken out."""
    rows = conn.execute(
        text(
            "SELECT c.relname, c.relkind, a.attnum, a.attname,"
            " format_type(a.atttypid, a.atttypmod), a.attnotnull,"
            " pg_get_expr(d.adbin, d.adrelid), pg_get_indexdef(i.indexrelid),"
            " (SELECT string_agg(pg_get_constraintdef(k.oid) || ' ' || k.conname, '; '"
            "   ORDER BY k.conname) FROM pg_constraint k WHERE k.conrelid = c.oid)"
            " FROM pg_class c"
            " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0"
            "  AND NOT a.attisdropped"
            " LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum"
            " LEFT JOIN pg_index i ON i.indexrelid = c.oid"
            " WHERE c.relnamespace = CAST(:schema AS regnamespace)"
            " ORDER BY 1, 3"
        ),
        {"schema": f'"{schema}"'},
    ).all()
    rows += conn.execute(text(f'SELECT * FROM "{schema}".alembic_version')).all()
    return [tuple(str(v).replace(schema, "<schema>") for v in row) for row in rows]


def schema_of(url: str) -> str:
    """The schema a URL made here puts first on the search path."""
    return make_url(url).query["options"].rsplit("=", 1)[1]


def _shape(conn: Connection, schema: str) -> list[tuple[Any, ...]]:
    """What a schema holds, and what may have been added to it beside its tables (triggers,
    functions, rules, policies, types of its own, row security and grants)."""
    rows = conn.execute(
        text(
            "SELECT 'trigger', t.tgname, c.relname FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE c.relnamespace = CAST(:schema AS regnamespace) AND NOT t.tgisinternal"
            " UNION ALL SELECT 'function', p.proname, '' FROM pg_proc p"
            " WHERE p.pronamespace = CAST(:schema AS regnamespace)"
            " UNION ALL SELECT 'rule', r.rulename, c.relname FROM pg_rewrite r"
            " JOIN pg_class c ON c.oid = r.ev_class"
            " WHERE c.relnamespace = CAST(:schema AS regnamespace) AND r.rulename <> '_RETURN'"
            " UNION ALL SELECT 'policy', p.polname, c.relname FROM pg_policy p"
            " JOIN pg_class c ON c.oid = p.polrelid"
            " WHERE c.relnamespace = CAST(:schema AS regnamespace)"
            " UNION ALL SELECT 'type', t.typname, t.typtype::text FROM pg_type t"
            " WHERE t.typnamespace = CAST(:schema AS regnamespace) AND t.typtype <> 'c'"
            "  AND t.typelem = 0"
            " UNION ALL SELECT 'table', c.relname, c.relrowsecurity::text || coalesce("
            "  c.relacl::text, '') FROM pg_class c"
            " WHERE c.relnamespace = CAST(:schema AS regnamespace)"
            " ORDER BY 1, 2, 3"
        ),
        {"schema": f'"{schema}"'},
    ).all()
    return _catalog(conn, schema) + [
        tuple(str(v).replace(schema, "<schema>") for v in row) for row in rows
    ]


# The tables of a schema with anything on disk (a row, live or dead, in them or their
# TOAST), the migration's version apart.
_WRITTEN = text(
    "SELECT relname FROM pg_class WHERE relkind = 'r'"
    " AND relnamespace = CAST(:schema AS regnamespace) AND relname <> 'alembic_version'"
    " AND (pg_relation_size(oid) > 0"
    "  OR (reltoastrelid <> 0 AND pg_relation_size(reltoastrelid) > 0))"
)


def _emptying(conn: Connection, schema: str) -> tuple[list[str], list[str]]:
    """For a schema shaped like `schema`: its tables (the migration's version apart), those
    referring to others first, so each can be emptied in turn; and the statements that start
    every sequence again (sent with the schema first on the search path)."""
    where = {"schema": f'"{schema}"'}
    tables = conn.execute(
        text(
            "SELECT relname FROM pg_class WHERE relkind = 'r'"
            " AND relnamespace = CAST(:schema AS regnamespace) AND relname <> 'alembic_version'"
        ),
        where,
    ).scalars()
    referred = conn.execute(
        text(
            "SELECT f.relname, c.relname FROM pg_constraint k"
            " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class f ON f.oid = k.confrelid"
            " WHERE k.contype = 'f' AND c.relnamespace = CAST(:schema AS regnamespace)"
        ),
        where,
    ).all()
    # A table comes after every table that refers to it (one referring to itself is emptied
    # by its one statement).
    after: dict[str, set[str]] = {name: set() for name in tables}
    for parent, child in referred:
        if parent != child:
            after[parent].add(child)
    sequences = conn.execute(
        text(
            "SELECT relname FROM pg_class WHERE relkind = 'S'"
            " AND relnamespace = CAST(:schema AS regnamespace)"
        ),
        where,
    ).scalars()
    order = list(TopologicalSorter(after).static_order())
    return order, [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]


# A connection the test before closed can still be listed for a moment while its backend
# ends (about once in 200 tests, more often when the machine is busy): asked again a few
# times over half a second, it has gone, and the schema is handed on; something the test
# left running is still there, and the schema is dropped.
@backoff.on_predicate(backoff.constant, interval=0.01, jitter=None, max_time=0.5, logger=None)
def _nobody_else_in(engine: Engine) -> bool:
    """Nothing but our own schema making is connected to the engine's database (nothing of
    the test before: a process it left running, or a connection whose backend has not yet
    ended). Each ask is a connection of its own, as the server keeps what a transaction
    has read of pg_stat_activity until it ends."""
    with engine.connect() as conn:
        others = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND application_name <> :maker"
            ),
            {"maker": MAKER},
        ).scalar_one()
    return not others


_postgres: PostgresTemplate | None = None


def postgres_template() -> PostgresTemplate:
    global _postgres
    if _postgres is None:
        _postgres = PostgresTemplate(postgres_base())
    return _postgres


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_template() -> Iterator[None]:
    """Whatever PostgreSQL held for this worker goes at the end of the session."""
    yield
    global _postgres
    if _postgres is not None:
        _postgres.close()
        _postgres = None


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of this test's own, migrated to the newest revision: a SQLite file in
    tmp_path, or a PostgreSQL schema."""
    if request.param == "sqlite":
        return migrated_sqlite(tmp_path / "brewbot.db")
    return postgres_template().new_schema()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test (nothing migrated): a SQLite file, or a
    PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'brewbot.db'}"
        return
    base = postgres_base()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.replace("+asyncpg", "+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file of this test's own in tmp_path, migrated to the newest revision."""
    return migrated_sqlite(tmp_path / "brewbot.db")


@pytest.fixture
def empty_sqlite_url(tmp_path: Path) -> str:
    """Where a new SQLite file would go in tmp_path (nothing there yet)."""
    return f"sqlite:///{tmp_path / 'brewbot.db'}"


def make_settings(url: str, **extra: object) -> Settings:
    # Web pages on any free port, so tests side by side never meet on 8080.
    return Settings(_env_file=None, DATABASE_URL=url, **{"BREWBOT_WEB_PORT": 0, **extra})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


async def app_for(settings: Settings, clock: ManualClock | None = None) -> App:
    """The app on an already migrated database, the prompts and sparks read once."""
    return await build_app(
        settings,
        MemoryAdapter(),
        clock=clock,
        migrate=False,
        texts=loaded_texts(),
        sparks=loaded_sparks(),
    )


@pytest.fixture
async def app(database_url: str, clock: ManualClock) -> AsyncIterator[App]:
    # The database is migrated already (see database_url).
    built = await app_for(make_settings(database_url), clock)
    yield built
    await built.close()


COMMUNITY = CommunityRef(Platform.SHELL, "test-community", "Test community")
CHANNEL = ConversationRef(COMMUNITY, "brew-room")


class Chat:
    """Acts as people in one community, through the same dispatcher every platform uses."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.adapter: MemoryAdapter = app.deps.adapter  # type: ignore[assignment]

    @staticmethod
    def person(name: str, *, facilitator: bool = False) -> UserRef:
        roles = frozenset({"Facilitator"}) if facilitator else frozenset()
        return UserRef(COMMUNITY, f"user-{name.lower()}", name, roles)

    async def say(self, user: UserRef, text: str) -> MemoryResponder:
        responder = MemoryResponder()
        await self.app.dispatcher.run_text(text, user, CHANNEL, responder)
        return responder

    async def press(
        self, user: UserRef, custom: str, values: dict[str, str] | None = None
    ) -> MemoryResponder:
        responder = MemoryResponder()
        await self.app.dispatcher.run_component(custom, values or {}, user, CHANNEL, responder)
        return responder

    async def submit(self, user: UserRef, form: FormSubmission) -> MemoryResponder:
        return await self.press(user, form.custom_id, form.values)


@pytest.fixture
def chat(app: App) -> Chat:
    return Chat(app)


# Where the tests' web pages say they are, for links a command gives (Deps.web_base_url).
WEB_ADDRESS = "https://brew.example.org/"


@pytest.fixture
def web(app: App) -> App:
    """The app as if its web pages were served at WEB_ADDRESS, so link commands give links."""
    app.deps.web_base_url = WEB_ADDRESS
    return app


@pytest.fixture
def fac() -> UserRef:
    return Chat.person("Fran", facilitator=True)


async def snapshot(app: App) -> dict[str, list[tuple]]:
    """Every row of every table, to show a refused command changed nothing. The rows are read
    as the database driver gives them, by plain SQL: a table's `select()` would be compiled
    afresh for each test's new engine, a large share of the time of many tests."""
    from sqlmodel import SQLModel

    rows: dict[str, list[tuple]] = {}
    async with app.db.read() as tx:
        for table in SQLModel.metadata.sorted_tables:
            result = await tx.execute(text(f'SELECT * FROM "{table.name}"'))
            rows[table.name] = sorted(tuple(map(repr, r)) for r in result.all())
    return rows
