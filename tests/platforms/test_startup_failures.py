"""`brewbot run` when Discord or Slack cannot be reached, or refuses the token: real
processes. A refused token is one line and exit code 1; a platform out of reach is one line
per attempt (tried again until it answers), and SIGTERM or Ctrl-C stops it within 10 seconds
with exit code 0. No traceback, ever."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.loopback.discord_server import API, FakeDiscord
from bot.loopback.slack_server import FakeSlack
from bot.runtime import GRACE_SECONDS
from tests.fakes.slack_harness import APP_TOKEN, BOT_TOKEN

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "I cannot reach"
# Starting Python and importing the bot and its SDKs, on a slow machine.
FIRST_LINE_SECONDS = 12


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Run:
    """`python -m bot run` with these settings, in its own folder (so no `.env` is read)."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.errors: list[str] = []

    @classmethod
    async def start(cls, folder: Path, **settings: str) -> Run:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DISCORD_", "SLACK_", "BREWBOT_", "DATABASE_URL", "SMTP_"))
        }
        env.update(BREWBOT_WEB_PORT="0")  # any free port: tests side by side
        env.update(settings, BREWBOT_DATA_DIR=str(folder / "data"), DATABASE_URL="",
                   PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")  # fmt: skip
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=folder, env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return cls(proc)

    async def wait_for_line(self, text: str) -> None:
        """Read stderr until a line holding `text` has appeared."""
        async with asyncio.timeout(FIRST_LINE_SECONDS):
            while True:
                raw = await self.proc.stderr.readline()
                assert raw, f"the process ended before saying {text!r}: {self.errors}"
                self.errors.append(raw.decode())
                if text in self.errors[-1]:
                    return

    async def finish(self, within: float) -> tuple[int, str, list[str]]:
        """Its exit code, what it printed, and every line it wrote to stderr."""
        out, err = await asyncio.wait_for(self.proc.communicate(), within)
        self.errors += err.decode().splitlines(keepends=True)
        lines = [line.strip() for line in self.errors if line.strip()]
        return self.proc.returncode, out.decode(), lines

    def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()


@pytest.fixture
async def runs() -> AsyncIterator[list[Run]]:
    started: list[Run] = []
    yield started
    for run in started:
        run.kill()
        await run.proc.wait()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.stop()


def slack_settings(api_url: str, mode: str) -> dict[str, str]:
    settings = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": api_url, "SLACK_MODE": mode}
    if mode == "socket":
        settings["SLACK_APP_TOKEN"] = APP_TOKEN
    else:
        settings.update(SLACK_SIGNING_SECRET="secret", SLACK_HTTP_PORT=str(closed_port()))
    return settings


def discord_settings(base: str) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": "a-token",
        "DISCORD_API_URL": f"{base}{API}",
        "DISCORD_GATEWAY_URL": base.replace("http", "ws", 1) + "/gateway",
    }


async def assert_stops_quietly(run: Run, sig: signal.Signals) -> None:
    """Out of reach: it says so in one line per attempt, then stops on `sig` in time."""
    await run.wait_for_line(UNREACHABLE)
    run.proc.send_signal(sig)
    code, out, lines = await run.finish(GRACE_SECONDS)
    assert code == 0, lines
    assert "Traceback" not in out + "".join(lines)
    assert lines, "it said why it could not start"
    for line in lines:
        assert UNREACHABLE in line and "(Connection refused)" in line, line
        assert "I will try again in" in line and line.count("\n") == 0


@pytest.mark.parametrize(("mode", "sig"), [("socket", signal.SIGTERM), ("http", signal.SIGINT)])
async def test_slack_out_of_reach_says_so_and_stops_on_a_signal(tmp_path, runs, mode, sig):
    url = f"http://127.0.0.1:{closed_port()}/api/"
    runs.append(run := await Run.start(tmp_path, **slack_settings(url, mode)))
    await assert_stops_quietly(run, sig)
    assert url in run.errors[0]


@pytest.mark.parametrize(
    ("mode", "method", "variable"),
    [
        ("socket", "auth.test", "SLACK_BOT_TOKEN"),
        ("http", "auth.test", "SLACK_BOT_TOKEN"),
        ("socket", "apps.connections.open", "SLACK_APP_TOKEN"),
    ],
)
async def test_slack_refusing_a_token_stops_with_one_line(
    tmp_path, runs, slack, mode, method, variable
):
    slack.fail(method, "invalid_auth")
    runs.append(run := await Run.start(tmp_path, **slack_settings(slack.api_url, mode)))
    code, out, lines = await run.finish(FIRST_LINE_SECONDS)
    assert code == 1
    assert lines == [lines[0]], "one line"
    assert lines[0].startswith(f"Slack did not accept {variable} (invalid_auth).")
    assert "Traceback" not in out
    assert slack.of("socket_connected") == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_discord_out_of_reach_says_so_and_stops_on_a_signal(tmp_path, runs, sig):
    base = f"http://127.0.0.1:{closed_port()}"
    runs.append(run := await Run.start(tmp_path, **discord_settings(base)))
    await assert_stops_quietly(run, sig)
    assert f"{base}{API}" in run.errors[0]


async def test_discord_refusing_the_token_stops_with_one_line(tmp_path, runs, discord_fake):
    discord_fake.fail("GET", "/users/@me", 401, {"message": "401: Unauthorized", "code": 0})
    base = f"http://127.0.0.1:{discord_fake.port}"
    runs.append(run := await Run.start(tmp_path, **discord_settings(base)))
    code, out, lines = await run.finish(FIRST_LINE_SECONDS)
    assert code == 1
    assert lines == [lines[0]], "one line"
    assert lines[0].startswith("Discord did not accept DISCORD_TOKEN.")
    assert "Traceback" not in out
    assert [c.path for c in discord_fake.calls] == ["/users/@me"], "nothing after the refusal"
