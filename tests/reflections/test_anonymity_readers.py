"""Another program reading the live SQLite database (a backup, a report, the sqlite3 shell
left open) keeps SQLite from emptying its log (the WAL). An anonymous step must still never
be written into the log beside anyone's other writes (docs/anonymity.md): when the log cannot
be emptied before it, nothing is saved and the person is told so; when it cannot be emptied
after it, no other write follows it there until it can be."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, func
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import select

from bot.app import App
from bot.core.domain import SessionState
from storage.models import Attendance, Reflection
from tests.conftest import Chat, app_for, make_settings
from tests.helpers import make_session
from tests.intruder import copy, people_beside, person, wal_steps

# How long the app waits for the log to be emptied: short, so the tests are quick.
WAIT = 0.2


@pytest.fixture
async def app(database_url: str, clock) -> AsyncIterator[App]:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's log; PostgreSQL keeps its own WAL (docs/anonymity.md)")
    built = await app_for(make_settings(database_url, BREWBOT_DB_WAIT_SECONDS=WAIT), clock)
    yield built
    await built.close()


@contextlib.contextmanager
def reading(folder: Path) -> Iterator[None]:
    """A read transaction held open on the database by another program."""
    reader = sqlite3.connect(folder / "brewbot.db", isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM reflection").fetchone()
        yield
    finally:
        reader.close()


async def reflect(chat: Chat, n: int, session_id: int) -> str:
    reply = await chat.press(
        person(n),
        f"brew:reflection:submit:{session_id}",
        {"category": "idea", "text": f"Reflection from writer {n}: a named worker.", "quote": ""},
    )
    return reply.text


async def stored(app: App) -> int:
    async with app.db.read() as tx:
        return (await tx.exec(select(func.count()).select_from(Reflection))).one()


def assert_alone(copied: Path, scratch: Path) -> None:
    """No reflection in the copy's log beside a transaction that wrote about a person."""
    steps = wal_steps(copied, scratch, ("reflection",))
    for at, step in enumerate(steps):
        if step.change["reflection"][0]:
            assert not step.people and not people_beside(steps, at)


async def test_a_reflection_that_cannot_be_alone_in_the_log_is_not_saved_and_its_writer_is_told(
    app, data_folder, elsewhere
):
    chat = Chat(app)
    session_id = await make_session(app, SessionState.REFLECTING, people=6)
    assert await app.db.purge()
    with reading(data_folder):
        for n in (4, 1, 3):
            # Each answers the privacy notice (written: about them), then reflects.
            await chat.press(person(n), "brew:consent:yes:")
            assert await reflect(chat, n, session_id) == app.deps.texts.t("errors.not_saved")
        # Opening the form writes nothing, so it need not wait for the log.
        opened = await chat.say(person(4), f"/brew reflect {session_id}")
        assert opened.forms
        copied = copy(data_folder, elsewhere / "copy")
        assert_alone(copied, elsewhere / "replay")
    assert await stored(app) == 0
    log = (data_folder / "brewbot.log").read_text()
    assert "a write was refused" in log and "kept the database log open" in log
    # Once the other program lets go, the same reflection is saved, alone in the log.
    assert "code" in await reflect(chat, 4, session_id)
    assert await stored(app) == 1
    assert_alone(copy(data_folder, elsewhere / "after"), elsewhere / "replay-after")


async def test_no_write_follows_an_anonymous_step_the_log_kept_until_it_is_emptied(
    app, data_folder, elsewhere
):
    chat = Chat(app)
    session_id = await make_session(app, SessionState.REFLECTING, people=6)
    await chat.press(person(2), "brew:consent:yes:")
    readers = contextlib.ExitStack()
    begun: list[None] = []

    def begin_reading(_session: object) -> None:
        # Just after the reflection commits, before the log is emptied again.
        if not begun:
            begun.append(readers.enter_context(reading(data_folder)))

    event.listen(OrmSession, "after_commit", begin_reading)
    with readers:
        # Saved, and said so: the step was written, alone in the log.
        try:
            assert "code" in await reflect(chat, 2, session_id)
        finally:
            event.remove(OrmSession, "after_commit", begin_reading)
        # The writer leaves: that would land beside the reflection, so it is refused.
        left = await chat.say(person(2), f"/brew leave {session_id}")
        assert left.text == app.deps.texts.t("errors.not_saved")
        assert_alone(copy(data_folder, elsewhere / "copy"), elsewhere / "replay")
    assert (
        "an anonymous step is still in the database log"
        in (data_folder / "brewbot.log").read_text()
    )
    left = await chat.say(person(2), f"/brew leave {session_id}")
    assert left.text != app.deps.texts.t("errors.not_saved")
    async with app.db.read() as tx:
        gone = (await tx.exec(select(Attendance).where(Attendance.left_at != None))).all()  # noqa: E711
    assert len(gone) == 1
    assert_alone(copy(data_folder, elsewhere / "after"), elsewhere / "replay-after")
