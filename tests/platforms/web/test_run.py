"""`brewbot run` serves the web pages beside the chat: the address said once it listens,
closed with the rest, off with BREWBOT_WEB=off, a port in use stopping it in one line."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp

from bot.app import build_app
from bot.platforms.memory import MemoryAdapter
from bot.runtime import serve
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[3]
PROCESS_SECONDS = 60


async def test_serve_says_the_address_and_the_pages_answer_while_the_chat_runs(sqlite_url, clock):
    app = await build_app(make_settings(sqlite_url), MemoryAdapter(), clock=clock)
    await app.start()
    said: list[str] = []
    answers: list[int] = []

    async def front_end() -> None:
        async with aiohttp.ClientSession() as browser:
            async with browser.get(app.deps.web_base_url + "healthz") as answer:
                answers.append(answer.status)

    await serve(app, front_end(), say=said.append)
    assert answers == [200]
    assert len(said) == 1 and said[0].startswith("Web pages: http://127.0.0.1:")
    assert app.deps.web_base_url == "", "closed with the front-end"


async def test_with_the_web_pages_off_nothing_listens(sqlite_url, clock):
    app = await build_app(
        make_settings(sqlite_url, BREWBOT_WEB="off"), MemoryAdapter(), clock=clock
    )
    await app.start()
    said: list[str] = []
    seen: list[str] = []

    async def front_end() -> None:
        seen.append(app.deps.web_base_url)

    await serve(app, front_end(), say=said.append)
    assert said == [] and seen == [""]


def bot_env(**settings: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "SLACK_", "BREWBOT_", "DATABASE_URL", "SMTP_"))
    }
    env.update(settings, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    return env


def test_brewbot_run_prints_the_address_and_it_answers(tmp_path):
    """The terminal chat, for real, as `make run` starts it (on a free port)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path, env=bot_env(BREWBOT_DATA_DIR=str(tmp_path / "data"), BREWBOT_WEB_PORT="0"),
        text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stdin is not None
        first = proc.stdout.readline()
        assert first.startswith("Web pages: http://127.0.0.1:"), first
        address = first.removeprefix("Web pages: ").strip()

        async def ask() -> tuple[int, object]:
            async with aiohttp.ClientSession() as browser, browser.get(address + "healthz") as a:
                return a.status, await a.json()

        assert asyncio.run(ask()) == (200, {"ok": True})
        _, err = proc.communicate("/quit\n", timeout=PROCESS_SECONDS)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def run_with_its_port_taken(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`python -m bot ARGS` while another socket holds its web port: it must stop with the
    one line `brewbot run` gives (exit code 1) and nothing else on stderr."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=tmp_path, env=bot_env(BREWBOT_WEB_PORT=port, **env),
            capture_output=True, text=True, timeout=PROCESS_SECONDS, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == (
        f"Brewbot cannot serve its web pages on 127.0.0.1 port {port} (Address already in use). "
        "Stop whatever else uses that port, or set BREWBOT_WEB_PORT to another port (or "
        "BREWBOT_WEB=off), then start Brewbot again.\n"
    )
    return done


def test_brewbot_run_with_its_port_in_use_stops_in_one_line(tmp_path):
    done = run_with_its_port_taken(tmp_path, "run", BREWBOT_DATA_DIR=str(tmp_path / "data"))
    assert "Web pages" not in done.stdout


def test_brewbot_demo_with_its_port_in_use_stops_as_run_does(tmp_path):
    """The demo starts its web pages the way `brewbot run` does: the same one line, the same
    exit code, before anything of the session is said."""
    done = run_with_its_port_taken(tmp_path, "demo", "--participants", "3", "--out", "out")
    assert done.stdout == ""
