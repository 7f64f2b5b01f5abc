"""`brewbot run` with Slack tokens set: a real process in Socket Mode against the loopback
fake Slack, answering a command, then stopping cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from bot.loopback.slack_sender import SlackSender
from bot.loopback.slack_server import FakeSlack
from tests.fakes.slack_harness import APP_TOKEN, BOT_TOKEN, ROOM, reply_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack()
    await slack.start()
    yield slack
    await slack.close()


async def test_brewbot_run_starts_slack_in_socket_mode(fake, tmp_path):
    fake.add_user("UPAT", "Pat")
    fake.add_channel(ROOM, "over-a-brew", members=("UPAT",))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=fake.api_url,
        BREWBOT_DATA_DIR=str(tmp_path / "data"),
        DATABASE_URL="",
        BREWBOT_WEB_PORT="0",  # the web pages run beside Slack: any free port
        PYTHONPATH=str(ROOT),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await fake.wait_for(lambda c: c.method == "socket_connected")
        body, response_url = SlackSender("", "", fake).command_body("UPAT", "help", ROOM)
        await fake.push("slash_commands", dict(parse_qsl(body)))
        key = response_url.rsplit("/", 1)[1]
        answer = await fake.wait_for(
            lambda c: c.method == "response_url" and c.args["url_id"] == key
        )
        assert "/brew join" in reply_text(answer)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()[-2000:]
