"""The `brewbot` command line: in this process, and every command as a real process."""

import argparse
import asyncio
import csv
import io
import json
import logging
import os
import re
import socket
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bench import QUICK
from bot.cli import _parser, main
from tests.bench_figures import assert_every_figure, assert_front_ends_answered


@pytest.fixture(autouse=True)
def _logging_put_back():
    """main() sets up logging for the process (bot/logs.py); later tests get it back as it
    was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


def test_sparks_check_and_list(capsys):
    assert main(["sparks", "check"]) == 0
    assert "sparks are valid" in capsys.readouterr().out
    assert main(["sparks", "list"]) == 0
    assert "going-through-an-assessment" in capsys.readouterr().out


def test_db_upgrade_then_current(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert "database is at revision" in out and "(the newest is" in out


def test_a_bad_setting_stops_with_one_line(monkeypatch, capsys):
    monkeypatch.setenv("BREWBOT_TIMEZONE", "Nowhere/Special")
    assert main(["db", "current"]) == 1
    err = capsys.readouterr().err.strip()
    assert "BREWBOT_TIMEZONE" in err and "\n" not in err


def test_digest_for_an_unknown_session(monkeypatch, tmp_path, capsys):
    from tests.conftest import migrated_sqlite

    monkeypatch.setenv("DATABASE_URL", migrated_sqlite(tmp_path / "cli.db"))
    assert main(["digest", "42", "--format", "json"]) == 1
    assert "There is no session 42" in capsys.readouterr().err


DAYS = ("--from", "2026-11-01", "--to", "2026-11-30")


@pytest.mark.parametrize(
    "command",
    [
        ("db", "current"),
        ("digest", "1"),
        ("digest", "1", "--resend-email"),
        ("report", *DAYS),
        ("claims", "export", "--community", "1", *DAYS, "--out", "claims.csv"),
        ("privacy", "forget", "--community", "1", "--user", "user-ann"),
        ("statements", "add", "--session", "1", "--in", "statements.csv"),
    ],
)
def test_a_command_on_a_database_that_is_not_there_makes_none(
    monkeypatch, tmp_path, capsys, command
):
    """Only `run` and `db upgrade` make a database: any other command on a mistyped path says
    there is none there, and leaves no empty file behind for the next command to find."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "statements.csv").write_text("text,category\nMore buses,idea\n")
    typo = tmp_path / "brewbto.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{typo}")
    assert main(list(command)) == 1
    out, err = capsys.readouterr()
    assert not out and err == (
        f"There is no database at {typo} yet. Start Brewbot once with brewbot run, or check "
        "DATABASE_URL.\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["statements.csv"]


def test_db_current_on_a_mistyped_path_as_a_person_types_it(tmp_path):
    done = brewbot(tmp_path, "db", "current", DATABASE_URL=f"sqlite:///{tmp_path / 'typo.db'}")
    assert done.returncode == 1 and not done.stdout
    assert one_line(done).startswith(f"There is no database at {tmp_path / 'typo.db'} yet.")
    assert list(tmp_path.iterdir()) == []


def test_digest_of_the_demo_in_every_format(monkeypatch, tmp_path, capsys):
    import asyncio

    from bot.platforms.shell.demo import run_demo

    monkeypatch.setenv("BREWBOT_WEB_PORT", "0")  # its web pages on any free port
    result = asyncio.run(run_demo(participants=6, out=tmp_path, say=lambda _: None))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{result.database}")
    capsys.readouterr()
    assert main(["digest", str(result.session_id), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["title"]
    for fmt in ("md", "html", "csv"):
        out = tmp_path / f"d.{fmt}"
        assert main(["digest", str(result.session_id), "--format", fmt, "--out", str(out)]) == 0
        assert out.read_text().strip()


# --- Every command as a real process ------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
BREWBOT = Path(sys.executable).parent / "brewbot"  # the console script `make` installs
# Starting Python and importing the bot, on a slow machine; `demo` and `bench` take longer
# (the quick bench bursts through four real front-ends: about 30 s, twice that when busy).
PROCESS_SECONDS = 60


def clean_env(**settings: str) -> dict[str, str]:
    """The environment without any Brewbot setting of the machine's, plus `settings`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "SLACK_", "TEAMS_", "BREWBOT_", "DATABASE_URL", "SMTP_"))
    }
    # Web pages on any free port: processes side by side never meet on 8080.
    env.update(BREWBOT_WEB_PORT="0")
    env.update(settings, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    return env


def brewbot(folder: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` in `folder` (no `.env` is read there), as an admin types it."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=folder, env=clean_env(**settings), capture_output=True, text=True,
        timeout=PROCESS_SECONDS, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """What a refusal says: exactly one line on stderr, no traceback."""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def commands() -> dict[str, argparse.ArgumentParser]:
    """Every command the parser has, by name: `claims export` as well as `claims`."""
    found: dict[str, argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found[f"{prefix}{name}"] = sub
                    walk(sub, f"{prefix}{name} ")

    walk(_parser(), "")
    return found


def readme_commands() -> set[str]:
    """The first word after `brewbot` in each row of the README's table of commands."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## The `brewbot` command", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `brewbot ([a-z-]+)", section, re.M))


def test_help_and_the_readme_list_the_same_commands():
    done = subprocess.run(
        [str(BREWBOT), "--help"], capture_output=True, text=True, timeout=PROCESS_SECONDS,
        env=clean_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    top = {name for name in commands() if " " not in name}
    # A name longer than argparse's column stands on its own line, its help below it.
    listed = set(re.findall(r"^    ([a-z-]+)(?: |$)", done.stdout, re.M))
    assert listed == top
    assert readme_commands() == top


@pytest.mark.parametrize("command", sorted(commands()))
def test_every_command_has_help(tmp_path, command):
    done = brewbot(tmp_path, *command.split(), "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: brewbot {command}")


def seed(folder: Path) -> tuple[str, int]:
    """A small database made as the chat makes it: Ann claims for her time, joins a session
    for an hour; it closes. Returns its URL and the session's number."""
    from datetime import timedelta

    from bot.app import build_app
    from bot.core.domain import SessionState
    from bot.engine.clock import ManualClock
    from bot.platforms.memory import MemoryAdapter
    from tests.conftest import (
        START,
        Chat,
        loaded_sparks,
        loaded_texts,
        make_settings,
        migrated_sqlite,
    )
    from tests.helpers import make_session

    url = migrated_sqlite(folder / "brewbot.db")
    clock = ManualClock(START)

    async def made() -> int:
        app = await build_app(
            make_settings(url),
            MemoryAdapter(),
            clock=clock,
            migrate=False,
            texts=loaded_texts(),
            sparks=loaded_sparks(),
        )
        chat, fac, ann = Chat(app), Chat.person("Fran", facilitator=True), Chat.person("Ann")
        try:
            session_id = await make_session(
                app, SessionState.SCHEDULED, people=0, starts_in=timedelta(minutes=1)
            )
            await chat.say(ann, "/brew claim on")
            await chat.say(fac, f"/brew open {session_id}")
            await chat.say(ann, f"/brew join {session_id}")
            clock.advance(timedelta(minutes=60))
            await chat.say(fac, f"/brew close {session_id}")
            return session_id
        finally:
            await app.close()

    return url, asyncio.run(made())


def test_claims_export_writes_a_private_sheet(tmp_path):
    url, _ = seed(tmp_path)
    sheet = tmp_path / "claims.csv"
    done = brewbot(
        tmp_path, "claims", "export", "--community", "test-community",
        "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(sheet), DATABASE_URL=url,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1 claim lines written to" in done.stdout
    rows = list(csv.DictReader(io.StringIO(sheet.read_text())))
    assert [(r["Name"], r["Minutes"]) for r in rows] == [("Ann", "60")]
    assert mode(sheet) == 0o600


def test_claims_export_refuses_what_it_cannot_do(tmp_path):
    url, _ = seed(tmp_path)
    out = str(tmp_path / "claims.csv")
    dates = ("--from", "2026-11-01", "--to", "2026-11-30", "--out", out)
    unknown = brewbot(tmp_path, "claims", "export", "--community", "nowhere", *dates,
                      DATABASE_URL=url)  # fmt: skip
    assert unknown.returncode == 1
    assert one_line(unknown).startswith("There is no community nowhere.")
    backwards = brewbot(tmp_path, "claims", "export", "--community", "1", "--from",
                        "2026-11-30", "--to", "2026-11-01", "--out", out,
                        DATABASE_URL=url)  # fmt: skip
    assert backwards.returncode == 2 and "2026-12-01" in one_line(backwards)
    assert not Path(out).exists()
    missing = tmp_path / "no-such-folder" / "claims.csv"
    unwritable = brewbot(tmp_path, "claims", "export", "--community", "1", "--from",
                         "2026-11-01", "--to", "2026-11-30", "--out", str(missing),
                         DATABASE_URL=url)  # fmt: skip
    assert unwritable.returncode == 1
    assert one_line(unwritable).startswith(f"I cannot write {missing} (No such file or directory).")
    with sqlite3.connect(tmp_path / "brewbot.db") as db:
        assert db.execute("SELECT count(*) FROM claim_export").fetchone() == (0,), "not sent"


def test_privacy_forget_deletes_the_person_once(tmp_path):
    url, _ = seed(tmp_path)
    args = ("privacy", "forget", "--community", "1", "--user", "user-ann")
    done = brewbot(tmp_path, *args, DATABASE_URL=url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Deleted everything stored about that person.")
    with sqlite3.connect(tmp_path / "brewbot.db") as db:
        assert db.execute(
            "SELECT count(*) FROM participant WHERE user_id = 'user-ann'"
        ).fetchone() == (0,)
    again = brewbot(tmp_path, *args, DATABASE_URL=url)
    assert again.returncode == 1
    assert one_line(again) == "Nothing is stored about that person in that community."


def test_privacy_forget_waits_while_a_safeguarding_message_has_nobody_else(tmp_path):
    """Fran scheduled the only session and is the only one a waiting alert can go to."""
    url, session_id = seed(tmp_path)
    with sqlite3.connect(tmp_path / "brewbot.db") as db:
        db.execute(
            "INSERT INTO outbox (key, purpose, kind, community_id, session_id, target, asked_by,"
            " payload, status, attempts, refusals, due_at, created_at) VALUES"
            " ('safeguarding:r1:contact', 'safeguarding', 'private', 1, ?, 'user-fran', '',"
            " '{}', 'pending', 12, 1, '2026-12-01 00:00:00', '2026-12-01 00:00:00')",
            (session_id,),
        )
    args = ("privacy", "forget", "--community", "1", "--user", "user-fran")
    waits = brewbot(tmp_path, *args, DATABASE_URL=url)
    assert waits.returncode == 1
    assert one_line(waits).startswith("Nothing was deleted: a safeguarding message is waiting")
    with sqlite3.connect(tmp_path / "brewbot.db") as db:
        kept = db.execute("SELECT target FROM outbox WHERE purpose = 'safeguarding'").fetchall()
        assert kept == [("user-fran",)]
        assert db.execute(
            "SELECT count(*) FROM participant WHERE user_id = 'user-fran'"
        ).fetchone() == (1,)


def test_digest_health_and_db_on_a_small_database(tmp_path):
    url, session_id = seed(tmp_path)
    done = brewbot(tmp_path, "digest", str(session_id), "--format", "json", DATABASE_URL=url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["title"]
    written = tmp_path / "digest.md"
    done = brewbot(tmp_path, "digest", str(session_id), "--out", str(written), DATABASE_URL=url)
    assert done.returncode == 0 and written.read_text().strip()
    assert mode(written) == 0o600
    resend = brewbot(tmp_path, "digest", str(session_id), "--resend-email", DATABASE_URL=url)
    assert resend.returncode == 1 and one_line(resend)
    health = brewbot(tmp_path, "health", DATABASE_URL=url)
    assert (health.returncode, health.stdout.strip()) == (0, "The database answers.")
    current = brewbot(tmp_path, "db", "current", DATABASE_URL=url)
    assert current.returncode == 0 and "The database is at revision" in current.stdout


def test_health_without_a_database_says_so_and_creates_nothing(tmp_path):
    done = brewbot(tmp_path, "health", BREWBOT_DATA_DIR=str(tmp_path / "data"))
    assert done.returncode == 1
    assert "There is no database at" in one_line(done) and "BREWBOT_DATA_DIR" in done.stderr
    assert not (tmp_path / "data").exists()


def test_a_database_in_memory_is_refused_before_anything_answers(tmp_path):
    for command in (("health",), ("db", "upgrade"), ("run",)):
        done = brewbot(tmp_path, *command, DATABASE_URL="sqlite:///")
        assert done.returncode == 1 and not done.stdout, command
        said = one_line(done)
        assert said.startswith("Setting DATABASE_URL is not right: it should be a database"), said
        assert "a database in memory forgets everything" in said
    assert list(tmp_path.iterdir()) == []


def test_health_when_postgresql_is_out_of_reach(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = brewbot(tmp_path, "health", DATABASE_URL=f"postgresql://brew@127.0.0.1:{port}/brew")
    assert done.returncode == 1
    assert one_line(done).startswith(f"I cannot reach the database at 127.0.0.1:{port}")


def test_db_upgrade_then_current_and_the_sparks(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgraded = brewbot(tmp_path, "db", "upgrade", DATABASE_URL=url)
    assert upgraded.returncode == 0, upgraded.stderr
    current = brewbot(tmp_path, "db", "current", DATABASE_URL=url)
    assert "(the newest is" in current.stdout
    # Each says its one line, not Alembic's lines on what it checked and applied.
    assert upgraded.stdout == current.stdout and (upgraded.stderr, current.stderr) == ("", "")
    revision = re.search(r"revision (\S+) \(the newest is (\S+)\)", current.stdout)
    assert revision and revision[1] == revision[2].rstrip(").")
    checked = brewbot(tmp_path, "sparks", "check")
    assert checked.returncode == 0 and "sparks are valid" in checked.stdout
    listed = brewbot(tmp_path, "sparks", "list")
    assert listed.returncode == 0 and "going-through-an-assessment" in listed.stdout


def test_demo_and_bench_run_to_the_end(tmp_path):
    """The two long commands, side by side to save time."""
    env = clean_env()
    demo = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--participants", "3", "--out", "out"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    bench = subprocess.Popen(
        [sys.executable, "-m", "bot", "bench", "--quick", "--json"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        demo_out, demo_err = demo.communicate(timeout=PROCESS_SECONDS * 2)
        bench_out, bench_err = bench.communicate(timeout=PROCESS_SECONDS * 4)
    finally:
        for proc in (demo, bench):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert demo.returncode == 0, demo_err
    assert "Digest (Markdown): out/digest-session-1.md" in demo_out
    assert_demo_links(demo_out)
    # Nothing on the console but what the demo says: its log is beside its database.
    assert demo_err == ""
    assert "INFO brewbot." in (tmp_path / "out" / "demo.log").read_text()
    for name in ("digest-session-1.md", "digest-session-1.html", "demo.db", "demo.log"):
        assert mode(tmp_path / "out" / name) == 0o600, name
    assert bench.returncode == 0, bench_err
    # Nothing on the console but the figures: no warning from how its processes start.
    assert bench_err == ""
    # Every figure, and every press through each front-end answered in time.
    figures = json.loads(bench_out)
    assert_every_figure(figures, QUICK)
    assert_front_ends_answered(figures, QUICK)


def assert_demo_links(out: str) -> None:
    """What the demo prints about its web pages, in the shape the README shows: their address
    first, and at the end the session's page and the working group's pages on that address.
    Its stdin is not a terminal, so it did not wait for Enter (the pages are opened through
    the real server in tests/platforms/test_demo.py)."""
    lines = out.splitlines()
    readme = (ROOT / "README.md").read_text()
    demo_paragraph = readme.split("To watch a whole session", 1)[1].split("\n\n", 1)[0]
    address = re.fullmatch(r"Web pages: (http://127\.0\.0\.1:\d+/)", lines[0])
    assert address, lines[0]
    base = re.escape(address[1])
    assert re.fullmatch(rf"The session's web page: {base}s/[\w-]{{32}}", lines[-2]), lines[-2]
    assert re.fullmatch(rf"The working group's pages: {base}g/[\w-]{{32}}", lines[-1]), lines[-1]
    for line in (lines[0], lines[-2], lines[-1]):
        said = line.split("http", 1)[0]
        assert f"`{said}http://127.0.0.1:8080/" in demo_paragraph.replace("\n", " "), said
    assert "press Enter" not in out


def test_brewbot_run_keeps_its_files_to_its_user(tmp_path):
    """The terminal chat, for real: while it runs, the data folder is 0700 and the database,
    its WAL and shared-memory files and the log are 0600."""
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path, env=clean_env(BREWBOT_DATA_DIR=str(data)), text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        proc.stdin.write("/brew help\n")
        proc.stdin.flush()
        for line in proc.stdout:  # the answer has come: the database is open
            if "Here is what you can do" in line:
                break
        assert mode(data) == 0o700
        for name in ("brewbot.db", "brewbot.db-wal", "brewbot.db-shm", "brewbot.log"):
            assert mode(data / name) == 0o600, name
        _, err = proc.communicate("/quit\n", timeout=PROCESS_SECONDS)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_an_older_database_others_could_read_is_narrowed(tmp_path):
    database = tmp_path / "brewbot.db"
    sqlite3.connect(database).close()
    database.chmod(0o644)
    done = brewbot(tmp_path, "db", "upgrade", DATABASE_URL=f"sqlite:///{database}")
    assert done.returncode == 0, done.stderr
    assert mode(database) == 0o600


def test_statements_add_from_a_csv_file(tmp_path):
    url, session_id = seed(tmp_path)
    sheet = tmp_path / "paper.csv"
    sheet.write_text(
        "text,category,quote,source,person\n"
        "Nobody told me what the assessment was for,not_working,yes,paper,\n"
        "My social worker Jane Smith was kind,working,no,phone,P1\n"
        "Ask carers before changing the day centre,future,yes,phone,P1\n",
        encoding="utf-8",
    )
    args = ("statements", "add", "--session", str(session_id), "--in", str(sheet))
    done = brewbot(tmp_path, *args, DATABASE_URL=url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        f"Added 3 statements to session {session_id}, from 2 more people."
    )
    with sqlite3.connect(tmp_path / "brewbot.db") as db:
        texts = sorted(t for (t,) in db.execute("SELECT text FROM reflection"))
        counted = db.execute("SELECT contributors, counted_reflections FROM digest").fetchone()
    assert len(texts) == 3 and not any("Jane Smith" in t for t in texts)
    assert counted == (2, 3)
    again = brewbot(tmp_path, *args, DATABASE_URL=url)
    assert again.returncode == 2
    assert one_line(again).startswith("Every statement in this file is already in session")


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"text,quote\nMore buses,yes\n", "The file has no category column."),
        (b"text,category\nMore buses,idea\n,idea\n", "Row 3 has no words in the text column."),
        (b"text,category\nMore buses,idea\nFewer forms,someday\n", "Row 3 has the category"),
        ("text,category\nCaf\xe9,idea\n".encode("latin-1"), "The file is not UTF-8 text."),
    ],
)
def test_statements_add_refuses_a_bad_file_and_adds_nothing(tmp_path, content, said):
    url, session_id = seed(tmp_path)
    sheet = tmp_path / "paper.csv"
    sheet.write_bytes(content)
    done = brewbot(tmp_path, "statements", "add", "--session", str(session_id), "--in",
                   str(sheet), DATABASE_URL=url)  # fmt: skip
    assert done.returncode == 2
    assert one_line(done).startswith(said)
    with sqlite3.connect(tmp_path / "brewbot.db") as db:
        assert db.execute("SELECT count(*) FROM reflection").fetchone() == (0,)


def test_statements_add_to_a_session_that_is_not_there_or_a_file_that_is_not(tmp_path):
    url, _ = seed(tmp_path)
    sheet = tmp_path / "paper.csv"
    sheet.write_text("text,category\nMore buses,idea\n")
    unknown = brewbot(tmp_path, "statements", "add", "--session", "99", "--in", str(sheet),
                      DATABASE_URL=url)  # fmt: skip
    assert unknown.returncode == 1 and one_line(unknown).startswith("There is no session 99.")
    missing = brewbot(tmp_path, "statements", "add", "--session", "1", "--in",
                      str(tmp_path / "nope.csv"), DATABASE_URL=url)  # fmt: skip
    assert missing.returncode == 2 and one_line(missing).startswith("I cannot read")


def test_report_rolls_up_sent_digests_in_every_format(tmp_path):
    url, _ = seed(tmp_path)
    dates = ("--from", "2026-11-01", "--to", "2026-12-31")
    printed = brewbot(tmp_path, "report", *dates, DATABASE_URL=url)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("# Over a Brew: what people told us, 1 November 2026")
    # The seeded session's digest is a draft: nothing is rolled up from it.
    assert "No digest was sent for a session in this period" in printed.stdout
    assert "No priorities have been stored yet." in printed.stdout
    for fmt, start in (("html", "<!doctype html>"), ("csv", "Section,Month,")):
        out = tmp_path / f"report.{fmt}"
        done = brewbot(tmp_path, "report", *dates, "--community", "test-community",
                       "--format", fmt, "--out", str(out), DATABASE_URL=url)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"Report written to {out}"
        assert out.read_text().startswith(start) and mode(out) == 0o600


def test_report_refuses_what_it_cannot_do_in_one_line(tmp_path):
    url, _ = seed(tmp_path)
    backwards = brewbot(tmp_path, "report", "--from", "2026-12-31", "--to", "2026-11-01",
                        DATABASE_URL=url)  # fmt: skip
    assert backwards.returncode == 2 and "2026-12-01" in one_line(backwards)
    unknown = brewbot(tmp_path, "report", "--from", "2026-11-01", "--to", "2026-11-30",
                      "--community", "1", "--community", "nowhere", DATABASE_URL=url)  # fmt: skip
    assert unknown.returncode == 1
    assert one_line(unknown).startswith("There is no community nowhere.")


def seed_sent(folder: Path) -> str:
    """A database with one session whose digest was sent: five people reflected."""
    from bot.app import build_app
    from bot.core.domain import SessionState
    from bot.engine.clock import ManualClock
    from bot.platforms.memory import MemoryAdapter
    from tests.conftest import (
        START,
        Chat,
        loaded_sparks,
        loaded_texts,
        make_settings,
        migrated_sqlite,
    )
    from tests.helpers import make_session
    from tests.reflections.test_reflections import reflect

    url = migrated_sqlite(folder / "brewbot.db")

    async def made() -> None:
        app = await build_app(
            make_settings(url),
            MemoryAdapter(),
            clock=ManualClock(START),
            migrate=False,
            texts=loaded_texts(),
            sparks=loaded_sparks(),
        )
        chat, fac = Chat(app), Chat.person("Fran", facilitator=True)
        try:
            session_id = await make_session(app, SessionState.REFLECTING, people=0)
            for n in range(5):
                await reflect(chat, Chat.person(f"P{n}"), session_id,
                              f"The bus to the day centre never comes on time ({n}).")  # fmt: skip
            await chat.say(fac, f"/brew close {session_id}")
            await chat.say(fac, f"/brew digest {session_id} send")
        finally:
            await app.close()

    asyncio.run(made())
    return url


def test_report_of_a_sent_digest(tmp_path):
    url = seed_sent(tmp_path)
    done = brewbot(tmp_path, "report", "--from", "2026-11-01", "--to", "2026-12-31",
                   DATABASE_URL=url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Sessions with a sent digest: 1." in done.stdout
    people = "| People who shared their views (counted in each session they came to) |"
    assert f"{people} 5 | 0 | 5 |" in done.stdout
    assert "| Transport and getting about | 5 | 0 | 5 |" in done.stdout


def test_teams_app_writes_the_package_teams_takes_and_opens_no_database(tmp_path):
    import zipfile

    app_id = "0b6e4c1a-5d2f-4e8b-9c3a-7f1d2e3c4b5a"
    out = tmp_path / "brewbot-teams.zip"
    done = brewbot(
        tmp_path, "teams-app", "--out", str(out), "--app-version", "1.2.3",
        TEAMS_APP_ID=app_id, BREWBOT_WEB_BASE_URL="https://brew.example.org/",
        BREWBOT_DATA_DIR=str(tmp_path / "data"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout and "Upload an app" in done.stdout
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
    assert manifest["id"] == app_id and manifest["bots"][0]["botId"] == app_id
    assert manifest["version"] == "1.2.3"
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({}, "TEAMS_APP_ID is empty"),
        ({"TEAMS_APP_ID": "my-bot"}, "TEAMS_APP_ID is not a Microsoft App ID"),
        (
            {"TEAMS_APP_ID": "0b6e4c1a-5d2f-4e8b-9c3a-7f1d2e3c4b5a"},
            "BREWBOT_WEB_BASE_URL must be",
        ),
    ],
)
def test_teams_app_refuses_what_teams_would_not_take_in_one_line(tmp_path, settings, said):
    out = tmp_path / "brewbot-teams.zip"
    done = brewbot(tmp_path, "teams-app", "--out", str(out), **settings)
    assert done.returncode == 1
    assert one_line(done).startswith(said)
    assert not out.exists()
