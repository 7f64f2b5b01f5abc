"""`brewbot bench` runs end to end and reports every figure. Speed itself is not asserted
here (that is what the bench is for); a small run checks the measuring still works."""

import asyncio
import contextlib
import json
import os
import sqlite3
import traceback
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.bench import BenchSizes, frontends, run_bench_cli
from bot.bench.figures import milliseconds, percentile
from tests.bench_figures import assert_every_figure, assert_front_ends_answered
from tests.conftest import app_for, make_settings, postgres_base

TINY = BenchSizes(
    participants=24,
    sessions=3,
    burst_seconds=0.05,
    breakout_people=(40, 80),
    digest_reflections=60,
    rehydrate_sessions=(30, 60),
    join_people=12,
    web_loads=5,
    web_submitters=6,
    rates=(60,),
)


def run(capsys, sizes: BenchSizes = TINY, **options) -> tuple[int, str, str]:
    code = run_bench_cli(make_settings("sqlite://"), as_json=True, sizes=sizes, **options)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_small_run_reports_every_figure_and_no_errors(capsys):
    # One front-end: a run through all of them is `brewbot bench --quick` in test_cli.py,
    # checked the same way; here the measuring in this process is checked beside one.
    sizes = replace(TINY, frontends=("discord",))
    code, out, _ = run(capsys, sizes)
    assert code == 0
    figures = json.loads(out)
    assert figures["database"] == "sqlite"
    assert_every_figure(figures, sizes)
    assert_front_ends_answered(figures, sizes)
    assert not any(key.startswith(("slack_", "teams_")) for key in figures)


def test_a_small_run_on_postgresql(capsys):
    base = postgres_base()  # skips with a reason when PostgreSQL is not configured
    # One front-end is enough to see a bot process use the bench's schema: the others differ
    # only by platform, which the run on SQLite covers.
    code, out, _ = run(capsys, sizes=replace(TINY, frontends=("slack_http",)), db_url=base)
    assert code == 0
    figures = json.loads(out)
    assert figures["database"] == "postgresql" and figures["dispatch_errors"] == 0
    assert figures["slack_http_submit_60_refused"] == 0
    assert figures["slack_http_submit_60_late_share"] == 0.0


def test_a_front_end_that_stops_is_one_sentence_not_a_traceback(capsys):
    # A platform no bot process knows: the process really fails, with a KeyError. Every
    # platform's bot process loads at once, so Discord's is ready and waiting for its turn
    # when that one ends: the run leaves no bot process behind, waiting for a turn that will
    # not come.
    code, out, err = run(capsys, sizes=replace(TINY, frontends=("discord", "nowhere")))
    assert code == 1 and out == ""
    assert err.startswith("The bench stopped: its nowhere bot process ended before")
    assert "(KeyError: 'nowhere')" in err and len(err.strip().splitlines()) == 1
    assert children_running("bot.bench.frontends.bot_process") == []


def children_running(module: str) -> list[int]:
    """This process's children still running `python -m module`, by their process ids."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):  # a process that ended while being looked at
            # The parent's id is the second field after the command's name in brackets.
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().split(b"\0")
            if parent == os.getpid() and module.encode() in command:
                found.append(int(stat.parent.name))
    return found


def test_a_database_error_that_stops_a_front_end_is_named_not_its_trailer():
    # What a bot process prints when a database error ends it: SQLAlchemy's traceback, whose
    # last line is only "(Background on this error at: ...)"; here for real, from a server
    # that is not there, raised while handling another error (so two tracebacks).
    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    with pytest.raises(OperationalError) as raised:
        try:
            raise TimeoutError("the first one")
        except TimeoutError:
            engine.connect()
    engine.dispose()
    printed = "".join(traceback.format_exception(raised.value))
    assert printed.strip().splitlines()[-1].startswith("(Background on this error at")
    said = str(frontends.FrontEndStopped("teams", printed))
    assert "(sqlalchemy.exc.OperationalError: (psycopg.OperationalError) " in said
    assert "Background" not in said and "TimeoutError" not in said
    assert len(said.splitlines()) == 1


@pytest.mark.parametrize(
    "url", ["sqlite:///:memory:", "mysql://somewhere/db"], ids=["memory", "mysql"]
)
def test_a_database_it_cannot_use_is_one_sentence(capsys, url):
    code, out, err = run(capsys, db_url=url)
    assert code == 2 and out == ""
    assert err.startswith("Please give --db") and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("taken", "shown"),
    [(1234.56, 1234.6), (1.04, 1.0), (0.987, 0.99), (0.0412, 0.041), (0.000347, 0.00035)],
)
def test_a_time_is_shown_to_a_tenth_of_a_ms_or_two_figures_below_one(taken, shown):
    assert milliseconds(taken) == shown


def test_the_percentile_is_the_nearest_rank():
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert [percentile(values, pct) for pct in (1, 20, 21, 50, 99, 100)] == [1, 1, 2, 3, 5, 5]


async def test_a_bursts_rows_wait_for_a_database_another_writer_holds(sqlite_url):
    """After a burst past what a front-end serves, the work it left running can hold the
    database longer than a unit of work waits (BREWBOT_DB_WAIT_SECONDS): setting up the next
    burst waited for it rather than ending the whole run (seen on PostgreSQL at 2,000 a
    second). Here another program holds SQLite's write lock for a while, then lets go."""
    app = await app_for(make_settings(sqlite_url, BREWBOT_DB_WAIT_SECONDS=0.2))
    try:
        room = await frontends._room(app, "shell", "bench-room", ["u1", "u2", "u3"])
        other = sqlite3.connect(str(make_url(sqlite_url).database), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        # The other program lets go a second later, with the set-up already waiting.
        asyncio.get_running_loop().call_later(1.0, other.execute, "ROLLBACK")
        reflecting, live = await frontends._sessions(app, room, 3)
        other.close()
        assert reflecting != live
    finally:
        await app.close()
