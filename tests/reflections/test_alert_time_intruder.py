"""A safeguarding message that cannot be delivered at once must not date the reflection (or
the request to be contacted) behind it. Before, its outbox row held the moment it was made
and each quick retry's moment, to the microsecond, and the first failed try was logged at
once: someone with a copy of the data folder read when the held reflection was written, and
a request waiting beside it (which names its writer) pointed to it. Now every time the
outbox keeps for them is on a grid of five minutes, and a first try that fails is heard of,
and logged, only at the next grid moment (bot/delivery/outbox.py, docs/anonymity.md)."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.domain import SessionState
from bot.core.ports import DeliveryError
from bot.delivery.outbox import GRID, grid_after, grid_floor
from tests.conftest import Chat
from tests.helpers import make_session, next_grid_moment
from tests.intruder import copy, dump_postgres

WORDS = "I am scared of going home, he hits me."
REFUSALS = {
    "closed": DeliveryError("dm_closed"),
    "failing": DeliveryError("failed", cause="Discord answered 503"),
}


# Times as a copy holds them: SQLite's text ('2026-11-23 09:07:17.000005') and a PostgreSQL
# dump's repr ('datetime.datetime(2026, 11, 23, 9, 7, 17, 5, ...)', zeros at the end left out).
_SQLITE_TIME = re.compile(rb"(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?")
_REPR_TIME = re.compile(
    rb"datetime\.datetime\((\d+), (\d+), (\d+), (\d+), (\d+)(?:, (\d+))?(?:, (\d+))?"
)
# The time each log line was written (the real clock's, not the test's): left out.
_LINE_TIME = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ", re.MULTILINE)


def times_in(folder: Path) -> set[datetime]:
    """Every time anywhere in the copy's files: the database, its WAL (old row versions
    included), a PostgreSQL dump, and what the log's lines say."""
    found = set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = _LINE_TIME.sub(b"", path.read_bytes())
        for match in (*_SQLITE_TIME.finditer(data), *_REPR_TIME.finditer(data)):
            parts = [int(g) if g else 0 for g in match.groups()]
            if match.re is _SQLITE_TIME and match.group(7):
                parts[6] = int(match.group(7).decode().ljust(6, "0"))
            with contextlib.suppress(ValueError):
                found.add(datetime(*parts, tzinfo=UTC))
    return found


def finer_than_the_grid(folder: Path, since: datetime, until: datetime) -> list[datetime]:
    """The times in the copy from `since` to `until` (by the test's clock) that are not grid
    moments: each would date something that happened then."""
    return sorted(t for t in times_in(folder) if since <= t <= until and grid_floor(t) != t)


def about_the_delivery(log: str) -> list[str]:
    return [line for line in log.splitlines() if re.search(r"safeguarding|not delivered", line)]


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
async def test_a_waiting_alert_and_request_leave_no_time_finer_than_the_grid(
    app, chat, fac, clock, data_folder, elsewhere, database_url, refusal
):
    session_id = await make_session(app, SessionState.REFLECTING)
    # Nobody who looks after safety can be reached: no contact is set, Fran refuses.
    app.deps.adapter.failures[f"private:{fac.id}"] = REFUSALS[refusal]
    writer = Chat.person("Wren")
    await chat.press(writer, "brew:consent:yes:")
    # The reflection and the request come at moments off the grid.
    clock.set(grid_floor(clock.now()) + GRID + timedelta(minutes=2, seconds=17, microseconds=5))
    written = clock.now()
    thanks = await chat.press(
        writer,
        f"brew:reflection:submit:{session_id}",
        {"category": "not_working", "text": WORDS},
    )
    assert "passing it on" in thanks.text
    clock.advance(timedelta(seconds=41))
    asked = clock.now()
    [ask] = thanks.replies[0][0].actions
    [yes] = (await chat.press(writer, ask.custom_id)).replies[0][0].actions
    assert "passing your name on" in (await chat.press(writer, yes.custom_id)).text
    assert grid_floor(asked) == grid_floor(written), "both within one grid window"

    # The intruder copies the data folder while both wait, before the next grid moment.
    folder = copy(data_folder, elsewhere / "before")
    if not database_url.startswith("sqlite"):
        dump_postgres(database_url, folder)
    assert finer_than_the_grid(folder, written, clock.now() + GRID) == []
    assert about_the_delivery((folder / "brewbot.log").read_text()) == []

    # At the next grid moment the refusal is heard: the log says so, the alert is kept.
    await next_grid_moment(app, clock)
    assert clock.now() == grid_after(asked)
    assert about_the_delivery((data_folder / "brewbot.log").read_text()), "the operator hears"
    # Through the quick retries and into the hourly ones, every try is at a grid moment.
    for _ in range(40):
        clock.advance(GRID)
        await app.deps.outbox.deliver()
    folder = copy(data_folder, elsewhere / "after")
    if not database_url.startswith("sqlite"):
        dump_postgres(database_url, folder)
    assert finer_than_the_grid(folder, written, clock.now() + GRID) == []
    log = (folder / "brewbot.log").read_text()
    assert WORDS not in log and writer.id not in log and "Wren" not in log
    # Fran lets Brewbot message her: both reach her.
    app.deps.adapter.failures.clear()
    clock.advance(timedelta(hours=1))
    await app.deps.outbox.deliver()
    received = app.deps.adapter.private_to(fac.id)
    assert any(m.sections and "he hits me" in m.sections[0].body for m in received)
    assert any("Wren" in m.plain_text() for m in received), "the request names its writer"


async def test_a_first_try_that_arrives_is_not_delayed(app, chat, fac, clock):
    """The grid is for what fails: an alert that can be delivered goes at once."""
    session_id = await make_session(app, SessionState.REFLECTING)
    clock.set(grid_floor(clock.now()) + timedelta(minutes=3, seconds=1))
    writer = Chat.person("Wren")
    await chat.press(writer, "brew:consent:yes:")
    await chat.press(
        writer,
        f"brew:reflection:submit:{session_id}",
        {"category": "not_working", "text": WORDS},
    )
    [alert] = [m for m in app.deps.adapter.private_to(fac.id) if m.sections]
    assert "he hits me" in alert.sections[0].body


def test_the_grid_moments() -> None:
    moment = datetime.fromisoformat("2026-11-23T09:02:17.000005+00:00")
    assert grid_floor(moment) == datetime.fromisoformat("2026-11-23T09:00:00+00:00")
    assert grid_after(moment) == datetime.fromisoformat("2026-11-23T09:05:00+00:00")
    on = grid_floor(moment)
    assert grid_floor(on) == on and grid_after(on) == on + GRID
