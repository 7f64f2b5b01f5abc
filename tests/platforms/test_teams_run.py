"""`brewbot run` with Teams settings, as a real process against the loopback Teams: it signs
in at the loopback's token endpoint (TEAMS_LOGIN_URL), answers a typed `brew help` and a
button press sent as Teams sends them, and SIGTERM drains it and it exits 0. A password
Microsoft does not accept is one line and exit 1; Microsoft's sign-in out of reach is tried
again. Nothing waits on time: each wait ends on a line the process wrote or a call the
loopback kept, with a time limit."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from bot.loopback.teams_sender import TeamsSender
from bot.loopback.teams_server import TeamsLoopback
from bot.platforms.teams.sdk import GENERIC_NAMES
from tests.fakes.slack_process import READY_SECONDS, WAIT_SECONDS, free_port
from tests.fakes.teams_harness import APP_ID, loopback, words

ROOT = Path(__file__).resolve().parents[2]
STRIPPED = ("DISCORD_", "SLACK_", "TEAMS_", "BREWBOT_", "DATABASE_URL", "SMTP_", *GENERIC_NAMES)
LISTENING = "teams listening port="


class Run:
    """One `python -m bot run` and every line it wrote."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._changed = asyncio.Condition()
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while raw := await self.proc.stdout.readline():
            self.lines.append(raw.decode(errors="replace"))
            async with self._changed:
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    async def expect(self, text: str, within: float = WAIT_SECONDS) -> str:
        """The first line holding `text`, once written."""

        def found() -> str | None:
            return next((line for line in self.lines if text in line), None)

        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: found() is not None or self._reader.done())
        line = found()
        assert line is not None, f"no line with {text!r}:\n{self.output}"
        return line

    async def ended(self, within: float = WAIT_SECONDS) -> int:
        async with asyncio.timeout(within):
            code = await self.proc.wait()
            await self._reader
        return code


@contextlib.asynccontextmanager
async def brewbot_run(lb: TeamsLoopback, folder: Path, **settings: str) -> AsyncIterator[Run]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(STRIPPED)}
    env.update(
        {
            "TEAMS_APP_ID": APP_ID,
            "TEAMS_APP_PASSWORD": lb.app_password,
            "TEAMS_LOGIN_URL": lb.url,
            "TEAMS_OPENID_URL": lb.openid_url,
            "TEAMS_SERVICE_URL": lb.url,
            "BREWBOT_WEB_HOST": "127.0.0.1",
            "BREWBOT_WEB_PORT": str(free_port()),
            "BREWBOT_DATA_DIR": str(folder),
            "DATABASE_URL": "",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
    )
    # In its own folder, so no `.env` of the developer's is read.
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=folder, env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    run = Run(proc)
    try:
        yield run
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
            await proc.wait()


async def test_brewbot_run_answers_teams_and_stops_cleanly_on_sigterm(tmp_path):
    async with loopback() as lb, brewbot_run(lb, tmp_path) as run:
        line = await run.expect(LISTENING, within=READY_SECONDS)
        port = int(line.split(LISTENING)[1].split()[0])
        sender = TeamsSender(lb, f"http://127.0.0.1:{port}/api/messages")
        pat = lb.add_user("Pat Example")
        chat = lb.install_for(pat.id)

        sent = await sender.message("brew help", pat, chat)
        assert sent.status == 200
        answer = await lb.wait_for(lambda c: c.kind == "send" and c.conversation_id == chat.id)
        assert "schedule" in words(answer)

        start = lb.last_seq
        pressed = await sender.submit_card({"brew": "brew:consent:yes:"}, pat, chat)
        assert pressed.status == 200
        thanks = await lb.wait_for(
            lambda c: c.kind == "send" and c.conversation_id == chat.id, after=start
        )
        assert thanks.status == 200 and words(thanks).strip()

        # Every post carried a token Microsoft's sign-in (the loopback's) gave the bot.
        assert [c.status for c in lb.of("token")] == [200]
        assert {c.token for c in lb.of("send")} <= lb.issued

        run.proc.send_signal(signal.SIGTERM)
        assert await run.ended() == 0, run.output
        assert "stopped" in run.output
        assert "Traceback" not in run.output


async def test_a_password_microsoft_refuses_is_one_line_and_exit_1(tmp_path):
    async with (
        loopback() as lb,
        brewbot_run(lb, tmp_path, TEAMS_APP_PASSWORD="not-the-password") as run,
    ):
        assert await run.ended(within=READY_SECONDS) == 1, run.output
        assert not lb.of("send", "create_conversation")
    said = [line for line in run.lines if "TEAMS_APP_PASSWORD" in line]
    assert len(said) == 1 and "invalid_client" in said[0], run.output
    assert "Traceback" not in run.output


async def test_microsoft_out_of_reach_is_tried_again_until_stopped(tmp_path):
    closed = f"http://127.0.0.1:{free_port()}"
    async with loopback() as lb, brewbot_run(lb, tmp_path, TEAMS_LOGIN_URL=closed) as run:
        line = await run.expect("I will try again", within=READY_SECONDS)
        assert "Microsoft sign-in" in line and closed in line
        run.proc.send_signal(signal.SIGTERM)
        assert await run.ended() == 0, run.output
    assert "Traceback" not in run.output
