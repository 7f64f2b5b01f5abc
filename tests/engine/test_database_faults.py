"""When the database is locked or out of reach during a burst, people are asked to try again
in a moment and nothing is half-written; once it is back, the same reflections go in. Opening
the form needs no write, so it goes on while the database is locked, and, for those already
known in memory, while it is out of reach."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

import pytest
from sqlalchemy.engine import make_url

from bot.app import App, build_app
from bot.core.domain import SessionState
from bot.platforms.memory import MemoryAdapter
from storage.engine import BOUND_FACTOR, CANCEL_GRACE_SECONDS
from tests.conftest import Chat, make_settings, snapshot
from tests.helpers import make_session
from tests.reflections.test_reflection_bursts import agree, counts, form

SUBMIT = "brew:reflection:submit:{id}"
OPEN = "brew:reflection:open:{id}"
PEOPLE = 8


async def reflecting(app: App) -> tuple[int, list]:
    session_id = await make_session(app, SessionState.REFLECTING)
    people = [Chat.person(f"Writer {n}") for n in range(PEOPLE)]
    await agree(Chat(app), people)
    return session_id, people


async def burst(app: App, session_id: int, people: list) -> list[str]:
    chat = Chat(app)
    answers = await asyncio.gather(
        *(
            chat.press(p, SUBMIT.format(id=session_id), form(f"Thought {n} about transport."))
            for n, p in enumerate(people)
        )
    )
    return [a.text for a in answers]


async def test_a_locked_sqlite_database_asks_everyone_to_try_again(sqlite_url, clock):
    app = await build_app(
        make_settings(sqlite_url, BREWBOT_DB_WAIT_SECONDS=0.2), MemoryAdapter(), clock=clock
    )
    try:
        session_id, people = await reflecting(app)
        before = await snapshot(app)
        # Another process (an admin command, say) holds the write lock throughout the burst.
        holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            answers = await burst(app, session_id, people)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert answers == [app.deps.texts.t("errors.try_again")] * PEOPLE
        assert await snapshot(app) == before
        # The lock is gone: the same people, the same words, all stored.
        assert all("Thank you" in a for a in await burst(app, session_id, people))
        assert await counts(app, session_id) == (PEOPLE, PEOPLE)
    finally:
        await app.close()


async def open_forms(app: App, session_id: int, people: list) -> list[str | None]:
    """What each person got first on pressing "Share a reflection": form, reply or defer."""
    chat = Chat(app)
    answers = await asyncio.gather(*(chat.press(p, OPEN.format(id=session_id)) for p in people))
    return [a.first for a in answers]


async def test_a_locked_sqlite_database_still_opens_the_form(sqlite_url, clock):
    app = await build_app(
        make_settings(sqlite_url, BREWBOT_DB_WAIT_SECONDS=0.2), MemoryAdapter(), clock=clock
    )
    try:
        session_id, people = await reflecting(app)
        everyone = [*people, Chat.person("Nia")]  # Nia is new: never stored
        # Another process holds the write lock throughout.
        holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            answers = await open_forms(app, session_id, everyone)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert answers == ["form"] * len(everyone)
    finally:
        await app.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_an_unreachable_postgresql_still_opens_the_form_for_those_known(database_url, clock):
    line, through_line = await relayed(database_url)
    app = await build_app(make_settings(through_line), MemoryAdapter(), clock=clock)
    try:
        app.deps.known.lifetime = 3600  # known throughout the test, however slow the machine
        session_id, people = await reflecting(app)
        assert await open_forms(app, session_id, people) == ["form"] * PEOPLE
        await line.cut()
        assert await open_forms(app, session_id, people) == ["form"] * PEOPLE
        stranger = await Chat(app).press(Chat.person("Nia"), OPEN.format(id=session_id))
        assert stranger.text == app.deps.texts.t("errors.try_again")
    finally:
        with contextlib.suppress(Exception):
            await app.close()
        if line.is_open:
            await line.cut()


class CuttableLine:
    """A TCP relay to PostgreSQL on loopback that can be cut and mended, standing in for a
    network failure between the bot and its database."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    def stop_answering(self) -> None:
        """Keep every connection open but pass nothing on: a server that stops answering."""
        self._flowing.clear()

    def answer_again(self) -> None:
        self._flowing.set()

    @property
    def is_open(self) -> bool:
        return self._server is not None

    async def mend(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Refuse new connections and drop every open one."""
        assert self._server is not None
        self._server.close()
        for writer in list(self._pipes):
            writer.close()
        await self._server.wait_closed()
        self._server = None

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._pipes |= {writer, up_writer}

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    await self._flowing.wait()
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        self._pipes -= {writer, up_writer}


async def relayed(database_url: str) -> tuple[CuttableLine, str]:
    """A relay to the test's PostgreSQL, and the URL that goes through it."""
    real = make_url(database_url)
    line = CuttableLine(real.port or 5432)
    await line.mend()
    return line, real.set(host="127.0.0.1", port=line.port).render_as_string(hide_password=False)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_an_unreachable_postgresql_asks_everyone_to_try_again(database_url, clock):
    line, through_line = await relayed(database_url)
    app = await build_app(make_settings(through_line), MemoryAdapter(), clock=clock)
    try:
        session_id, people = await reflecting(app)
        await line.cut()
        answers = await burst(app, session_id, people)
        assert answers == [app.deps.texts.t("errors.try_again")] * PEOPLE
        await line.mend()
        # Back again: the pool notices its dead connections and makes new ones.
        assert await counts(app, session_id) == (0, 0)
        assert all("Thank you" in a for a in await burst(app, session_id, people))
        assert await counts(app, session_id) == (PEOPLE, PEOPLE)
    finally:
        with contextlib.suppress(Exception):
            await app.close()
        if line.is_open:
            await line.cut()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_postgresql_that_stops_answering_asks_everyone_to_try_again(database_url, clock):
    line, through_line = await relayed(database_url)
    app = await build_app(make_settings(through_line), MemoryAdapter(), clock=clock)
    usual = app.deps.db.timeout_seconds
    try:
        session_id, people = await reflecting(app)
        line.stop_answering()
        # Only the bound on each unit of work can notice a server that says nothing; it is
        # made short while the server is silent so the test is quick. Set-up and recovery
        # keep the usual bound: on a loaded machine reconnecting alone can outlast 0.5 s.
        app.deps.db.timeout_seconds = 0.5
        # A guard against hanging the suite, not a measurement: without bounded waits
        # nobody was ever answered.
        async with asyncio.timeout(60):
            began = asyncio.get_running_loop().time()
            answers = await burst(app, session_id, people)
            waited = asyncio.get_running_loop().time() - began
        assert answers == [app.deps.texts.t("errors.try_again")] * PEOPLE
        # Nobody waits for psycopg to ask the silent server to cancel the query and then for
        # the query to end (5 s and 5 s): a second after the bound the connection is let go.
        # Generous beside the bound and that second, and far under psycopg's 10 s.
        assert waited < 0.5 * BOUND_FACTOR + CANCEL_GRACE_SECONDS + 3, waited
        line.answer_again()
        app.deps.db.timeout_seconds = usual
        again = await burst(app, session_id, people)
        assert all("Thank you" in a for a in again), again
    finally:
        line.answer_again()
        with contextlib.suppress(Exception):
            await app.close()
        if line.is_open:
            await line.cut()
