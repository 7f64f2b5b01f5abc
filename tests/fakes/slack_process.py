"""The Slack front-end as a real process, for crash tests: `python -m bot run` in HTTP mode with
its own data folder and SQLite database, talking to a FakeSlack that runs in the test, driven
by signed requests. It can be killed with SIGKILL at any moment (no goodbye, as when a host
dies) and started again on the same data.

Nothing here waits on time: readiness is the process's own "listening" log line, and other
waits end on what the bot did (its log, the fake's calls, the database), with a time limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.loopback.slack_sender import Sent, SlackSender
from bot.loopback.slack_server import Call, FakeSlack
from storage.engine import Database
from tests.fakes.slack_harness import BOT_TOKEN, SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]
# Starting Python, importing the bot and its SDKs and migrating, on a slow machine.
READY_SECONDS = 20.0
WAIT_SECONDS = 15.0
LISTENING = "slack http listening port="
POLL_SECONDS = 0.05
STRIPPED = ("DISCORD_", "SLACK_", "BREWBOT_", "DATABASE_URL", "SMTP_")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SlackProcess:
    """One data folder, and the bot process currently running on it (if any)."""

    def __init__(self, fake: FakeSlack, folder: Path) -> None:
        self.fake = fake
        self.folder = folder
        self.database_url = f"sqlite:///{folder / 'brewbot.db'}"
        self.proc: asyncio.subprocess.Process | None = None
        self.port = 0
        self.runs = 0
        self.lines: list[str] = []  # everything every run wrote, in order
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None
        self._ended = True

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Start `brewbot run` and return once it serves /slack/events (its scheduler and
        outbox have started by then: the front-end listens last)."""
        assert self.proc is None or self.proc.returncode is not None, "already running"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(STRIPPED)}
        env.update(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_MODE="http",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=self.fake.api_url,
            SLACK_HTTP_PORT=str(self.port),
            DATABASE_URL=self.database_url,
            BREWBOT_DATA_DIR=str(self.folder),
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
        )
        self.runs += 1
        self.lines.append(f"--- run {self.runs} ---\n")
        # In its own folder, so no `.env` of the developer's is read.
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=self.folder, env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        self._ended = False
        self._reader = asyncio.create_task(self._read(self.proc))
        await self.expect(f"{LISTENING}{self.port}", within=READY_SECONDS)

    async def kill(self) -> None:
        """SIGKILL, and wait until the process is gone: whatever it was doing stops there."""
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        await self._drain()

    async def stop(self, within: float = WAIT_SECONDS) -> int:
        """SIGTERM, as a service manager stops it; its exit code."""
        proc = self.proc
        assert proc is not None
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(within):
            code = await proc.wait()
        await self._drain()
        return code

    def kill_on(
        self, method: str, *, nth: int = 1, where: Callable[[dict[str, Any]], bool] | None = None
    ) -> asyncio.Event:
        """Kill the process once Slack has carried out the `nth` call of `method` (that
        `where` accepts), before the answer goes back: Slack did it, the bot never heard.
        The returned event is set once it is dead."""
        killed = asyncio.Event()

        async def kill(_call: Call) -> None:
            await self.kill()
            killed.set()

        self.fake.on_call(method, kill, nth=nth, where=where or (lambda args: True))
        return killed

    # -- what it says -----------------------------------------------------------------------

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        while raw := await proc.stdout.readline():
            self.lines.append(raw.decode(errors="replace"))
            async with self._changed:
                self._changed.notify_all()
        self._ended = True
        async with self._changed:
            self._changed.notify_all()

    async def _drain(self) -> None:
        if self._reader is not None:
            await self._reader
            self._reader = None

    def output(self, last: int = 60) -> str:
        return "".join(self.lines[-last:])

    async def expect(self, text: str, *, within: float = WAIT_SECONDS) -> None:
        """Wait until a line holding `text` has been written since this run started."""

        def seen() -> bool:
            start = len(self.lines) - 1 - self.lines[::-1].index(f"--- run {self.runs} ---\n")
            return any(text in line for line in self.lines[start:])

        try:
            async with asyncio.timeout(within), self._changed:
                await self._changed.wait_for(lambda: seen() or self._ended)
        except TimeoutError:
            raise AssertionError(f"no line with {text!r} in time:\n{self.output()}") from None
        assert seen(), f"the process ended before writing {text!r}:\n{self.output()}"

    def count(self, text: str) -> int:
        return sum(1 for line in self.lines if text in line)

    # -- driving it -------------------------------------------------------------------------

    @property
    def sender(self) -> SlackSender:
        return SlackSender(f"http://127.0.0.1:{self.port}/slack/events", SIGNING_SECRET, self.fake)

    async def command(self, user_id: str, text: str, channel: str) -> Sent:
        """Send `/brew text`; Bolt acknowledges at once and does the work after."""
        sent = await self.sender.command(user_id, text, channel)
        assert sent.status == 200, sent.text
        return sent

    async def answer_to(self, sent: Sent, *, within: float = WAIT_SECONDS) -> Call:
        """The bot's answer to a command (through its response_url)."""
        key = sent.response_url.rsplit("/", 1)[1]
        return await until_call(
            self.fake,
            lambda c: c.method == "response_url" and c.args.get("url_id") == key,
            within=within,
        )

    # -- its database -----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def database(self) -> AsyncIterator[Database]:
        """The process's database, opened from the test (short reads only: the bot's WAL
        checkpoints wait for readers)."""
        db = Database(self.database_url)
        try:
            yield db
        finally:
            await db.dispose()


async def until(
    check: Callable[[], Awaitable[bool]], *, what: str, within: float = WAIT_SECONDS
) -> None:
    """Ask `check` (a short read of the database, say) again and again until it says yes;
    fail naming `what` if it has not said so within the limit. For what nothing announces:
    another process's database has no change notification on SQLite."""
    try:
        async with asyncio.timeout(within):
            while not await check():  # noqa: ASYNC110 - nothing to wait on but the file
                await asyncio.sleep(POLL_SECONDS)
    except TimeoutError:
        raise AssertionError(f"not within {within:.0f} s: {what}") from None


async def until_seen(
    fake: FakeSlack, check: Callable[[], bool], *, what: str, within: float = WAIT_SECONDS
) -> None:
    """Wait until `check` holds of what the fake Slack has been asked and holds, looked at
    again after each call it records."""
    try:
        async with asyncio.timeout(within), fake._changed:
            await fake._changed.wait_for(check)
    except TimeoutError:
        raise AssertionError(f"not within {within:.0f} s: {what}") from None


async def until_call(
    fake: FakeSlack, predicate: Callable[[Call], bool], *, within: float = WAIT_SECONDS
) -> Call:
    """The first call that matches, waiting for it up to `within` seconds."""

    def found() -> Call | None:
        return next((c for c in fake.calls if predicate(c)), None)

    await until_seen(fake, lambda: found() is not None, what="the call", within=within)
    call = found()
    assert call is not None
    return call
