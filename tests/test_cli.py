"""The `brewbot` command line."""

import json
import logging

import pytest

from bot.cli import main


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
    assert "database at revision" in out and "(newest" in out


def test_a_bad_setting_stops_with_one_line(monkeypatch, capsys):
    monkeypatch.setenv("BREWBOT_TIMEZONE", "Nowhere/Special")
    assert main(["db", "current"]) == 2
    err = capsys.readouterr().err.strip()
    assert "BREWBOT_TIMEZONE" in err and "\n" not in err


def test_digest_for_an_unknown_session(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["digest", "42", "--format", "json"]) == 1
    assert "There is no session 42" in capsys.readouterr().err


def test_digest_of_the_demo_in_every_format(monkeypatch, tmp_path, capsys):
    import asyncio

    from bot.platforms.shell.demo import run_demo

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
