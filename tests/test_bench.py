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

from bot.bench import BenchSizes, frontends, keys, run_bench_cli, table
from bot.bench.figures import milliseconds, percentile
from tests.conftest import app_for, make_settings, postgres_base

TINY = BenchSizes(
    participants=24,
    sessions=3,
    burst_seconds=0.1,
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
    code, out, _ = run(capsys)
    assert code == 0
    figures = json.loads(out)
    assert set(keys(TINY)) <= figures.keys()
    assert figures["dispatch_errors"] == 0
    # Even a page served from memory, or one that does nothing, takes some time: no figure
    # may be rounded away to nothing.
    assert all(figures[key] > 0 for key in keys(TINY))
    assert all(isinstance(figures[key], float) for key in keys(TINY) if key.startswith("web_"))
    # The web pages: every reflection sent from the page was thanked and stored.
    assert (figures["web_submitters"], figures["web_submit_refused"]) == (6, 0)
    assert figures["web_submit_unstored"] == 0 and figures["web_page_bytes"] > 1000
    assert figures["database"] == "sqlite" and figures["machine"]["cpus"] >= 1
    # Each front-end ran in a bot process of its own: its peak memory is its own, and the
    # headline figure is the largest of them and this process's.
    platforms = ("discord", "slack_http", "slack_socket", "teams")
    peaks = [figures[f"{platform}_peak_rss_mb"] for platform in platforms]
    assert all(peak > 50 for peak in peaks) and figures["core_peak_rss_mb"] > 50
    assert figures["peak_rss_mb"] == max(*peaks, figures["core_peak_rss_mb"])
    # Through each real front-end: every press answered, in time, and none turned away; the
    # no-op app's figures beside each.
    for platform in ("discord", "slack_http", "slack_socket", "teams"):
        for kind in ("open", "submit", "join", "button"):
            stem = f"{platform}_{kind}_60"
            assert figures[f"{stem}_refused"] == 0 == figures[f"{stem}_noop_refused"], stem
            assert figures[f"{stem}_late_share"] == 0.0, stem
            assert 0 < figures[f"{stem}_first_p50_ms"] <= figures[f"{stem}_first_p99_ms"]
            assert figures[f"{stem}_cpu_ms"] > 0 and figures[f"{stem}_noop_first_p99_ms"] > 0
    # The web pages at the same rate: every page opened with its form, every reflection
    # thanked and every "I'm coming" kept, in time; the do-nothing pages beside them.
    for kind in ("open", "submit", "rsvp"):
        stem = f"web_{kind}_60"
        assert figures[f"{stem}_refused"] == 0 == figures[f"{stem}_noop_refused"], stem
        assert figures[f"{stem}_late_share"] == 0.0, stem
        assert 0 < figures[f"{stem}_first_p50_ms"] <= figures[f"{stem}_first_p99_ms"] < 20_000
        assert figures[f"{stem}_cpu_ms"] > 0 and figures[f"{stem}_noop_first_p99_ms"] > 0
    # Teams waits about 15 s for a dialog: the share past that is reported beside the 3 s one,
    # for Teams alone, and printed in the table.
    stems = [f"teams_{kind}_60" for kind in ("open", "submit", "join", "button")]
    assert all(figures[f"{stem}_late_15s_share"] == 0.0 for stem in stems)
    assert all(figures[f"{stem}_noop_late_15s_share"] == 0.0 for stem in stems)
    assert not any("_late_15s_" in key for key in figures if not key.startswith("teams_"))
    printed = table(figures).splitlines()
    teams_open = next(line for line in printed if line.strip().startswith("teams_open_60 "))
    assert "late 0.0% (past 15s 0.0%)  refused 0" in teams_open


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
