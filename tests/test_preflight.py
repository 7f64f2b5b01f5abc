"""The mistakes a newcomer makes in setting Brewbot up, each as a real `python -m bot run`:
it stops with exit code 1 and one line on stderr naming the setting and what to do, no
traceback, and nothing started (the terminal chat prints nothing; Discord hears nothing).
Refused and unreachable Discord and Slack tokens: tests/platforms/test_startup_failures.py."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.loopback.discord_server import API, FakeDiscord
from tests.conftest import POSTGRES_ENV, postgres_base

ROOT = Path(__file__).resolve().parents[1]
# Starting Python and importing the bot, on a slow machine.
PROCESS_SECONDS = 60
# Root may write anywhere; without these two capabilities it is held to the folder's
# permissions like anyone else, which is what a read-only folder test needs.
AS_AN_ORDINARY_USER = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def without_override() -> list[str]:
    """What to run the bot under so file permissions hold for it."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: folder permissions cannot hold")
    return AS_AN_ORDINARY_USER


def run(folder: Path, *, prefix: list[str] | None = None, **settings: str) -> tuple[int, str, str]:
    """`python -m bot run` in `folder` (no `.env` there) with only `settings` set; its exit
    code, stdout and the one line it wrote to stderr (asserted to be one line)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "SLACK_", "BREWBOT_", "DATABASE_URL", "SMTP_"))
    }
    env.setdefault("BREWBOT_DATA_DIR", str(folder / "data"))
    env.setdefault("BREWBOT_WEB_PORT", "0")  # any free port: tests side by side
    env.update(settings, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    done = subprocess.run(
        [*(prefix or []), sys.executable, "-m", "bot", "run"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=PROCESS_SECONDS,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert len(lines) == 1, done.stderr
    return done.returncode, done.stdout, lines[0]


def assert_stopped(outcome: tuple[int, str, str], *words: str) -> None:
    code, out, line = outcome
    assert code == 1, line
    assert out == "", "the terminal chat never started"
    for word in words:
        assert word in line, line


@pytest.mark.parametrize(
    ("settings", "variable", "fix"),
    [
        ({"BREWBOT_TIMEZONE": "Europe/Londn"}, "BREWBOT_TIMEZONE", "such as Europe/London"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_MODE": "foo"}, "SLACK_MODE", "'socket' or 'http'"),
        ({"BREWBOT_GROUP_SIZE": "twenty"}, "BREWBOT_GROUP_SIZE", "a whole number from 3 to 12"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN", "starting with xapp-"),
        ({"SLACK_BOT_TOKEN": "xapp-1-A0-swapped"}, "SLACK_BOT_TOKEN", "starting with xoxb-"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-1"},
            "SLACK_APP_TOKEN",
            "starting with xapp-",
        ),
        ({"DISCORD_TOKEN": "Bot abc.def.ghi"}, "DISCORD_TOKEN", "no 'Bot' in front"),
        ({"DATABASE_URL": "data/brewbot.db"}, "DATABASE_URL", "postgresql://"),
    ],
)
def test_a_setting_that_cannot_work_is_one_line(tmp_path, settings, variable, fix):
    assert_stopped(run(tmp_path, **settings), variable, fix, "start Brewbot again")
    assert not (tmp_path / "data").exists(), "nothing was made"


def test_a_heroku_style_postgres_address_is_taken_as_it_is(tmp_path):
    """`postgres://` reaches psycopg like `postgresql+psycopg://` (here: a closed port)."""
    port = closed_port()
    outcome = run(tmp_path, DATABASE_URL=f"postgres://brew:secret@127.0.0.1:{port}/brew")
    assert_stopped(outcome, f"I cannot reach the database at 127.0.0.1:{port}")
    assert "secret" not in outcome[2]


def test_postgres_address_on_a_real_server(tmp_path):
    base = make_url(postgres_base())  # skips with a reason without PostgreSQL
    heroku = base.set(drivername="postgres").render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if k != POSTGRES_ENV}
    env.update(DATABASE_URL=heroku, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "bot", "health"], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=PROCESS_SECONDS,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "The database answers."


def test_postgresql_that_turns_brewbot_away(tmp_path):
    base = make_url(postgres_base())  # skips with a reason without PostgreSQL
    missing = base.set(database="brewbot_no_such_database")
    outcome = run(tmp_path, DATABASE_URL=missing.render_as_string(hide_password=False))
    assert_stopped(outcome, "turned Brewbot away", "brewbot_no_such_database", "DATABASE_URL")


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.stop()


def on_discord(fake: FakeDiscord) -> dict[str, str]:
    base = f"http://127.0.0.1:{fake.port}"
    return {
        "DISCORD_TOKEN": "a-token",
        "DISCORD_API_URL": f"{base}{API}",
        "DISCORD_GATEWAY_URL": base.replace("http", "ws", 1) + "/gateway",
    }


async def test_postgresql_out_of_reach_stops_before_discord(tmp_path, discord_fake):
    port = closed_port()
    outcome = await _run_off_loop(
        tmp_path,
        DATABASE_URL=f"postgresql://brew@127.0.0.1:{port}/brew",
        **on_discord(discord_fake),
    )
    code, _, line = outcome
    assert code == 1
    assert line.startswith(f"I cannot reach the database at 127.0.0.1:{port} (Connection refused).")
    assert "DATABASE_URL" in line
    assert discord_fake.calls == [], "Discord was never asked"


async def test_a_read_only_data_folder_stops_before_discord(tmp_path, discord_fake):
    prefix = without_override()
    data = tmp_path / "data"
    data.mkdir(mode=0o500)
    outcome = await _run_off_loop(tmp_path, prefix=prefix, **on_discord(discord_fake))
    code, _, line = outcome
    assert code == 1
    assert line.startswith(f"Brewbot cannot write to its data folder {data} (Permission denied).")
    assert "BREWBOT_DATA_DIR" in line
    assert discord_fake.calls == [], "Discord was never asked"


async def _run_off_loop(folder: Path, **options: object) -> tuple[int, str, str]:
    """`run` while the fake Discord keeps answering on this loop."""
    return await asyncio.to_thread(lambda: run(folder, **options))  # type: ignore[arg-type]


def test_a_data_folder_it_may_not_make(tmp_path):
    prefix = without_override()
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    outcome = run(tmp_path, prefix=prefix, BREWBOT_DATA_DIR=str(locked / "data"))
    assert_stopped(outcome, f"{locked / 'data'} (Permission denied)", "BREWBOT_DATA_DIR")
    assert "write access" in outcome[2]


def test_a_data_folder_where_a_file_is(tmp_path):
    (tmp_path / "data").write_text("not a folder")
    outcome = run(tmp_path)
    assert_stopped(outcome, f"its data folder {tmp_path / 'data'}", "BREWBOT_DATA_DIR")


def test_a_read_only_database_file(tmp_path):
    prefix = without_override()
    data = tmp_path / "data"
    data.mkdir()
    database = data / "brewbot.db"
    sqlite3.connect(database).close()
    database.chmod(0o400)
    outcome = run(tmp_path, prefix=prefix)
    assert_stopped(outcome, f"cannot write to its database {database}", "BREWBOT_DATA_DIR")


def test_a_file_that_is_not_a_database(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "brewbot.db").write_text("my shopping list")
    assert_stopped(run(tmp_path), "is not a database Brewbot can use", "BREWBOT_DATA_DIR")
