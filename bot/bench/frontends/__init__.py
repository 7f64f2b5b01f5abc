"""Bursts through the real front-ends, timed as people meet them (issue 17).

For each platform the real front-end runs in a bot process of its own, as `brewbot run` runs
one platform (the discord.py client; the Bolt app in HTTP mode and in Socket Mode; the Teams
SDK's App with its endpoint on the one web server), so that nothing one front-end left (its
library, its loggers, the memory its bursts grew to) weighs on the next, and each process's
peak memory is its own. It runs on a real database, with logging as `brewbot run` has it
(bench/__init__.py), against a loopback platform in another process
(bot/loopback/load/driver.py) where the people are. At each rate, everyone in turn:

- `open`: presses "Share a reflection" (the form must be the first answer);
- `submit`: sends the form they opened;
- `join`: presses "Join" on a session that is on;
- `button`: presses "Easy Read" under the spark (an answer only they see).

Each press lands at its own random moment within the burst (open loop). What is reported is
what the platform sees: the first answer's time (a form's, for `open`), the share later than
3 seconds or never (Discord's and Slack's limit; Teams waits about 15 seconds for a dialog,
so its share past those is reported too, but the person has waited all the while), the
answers that were refusals ("busy, try again"), and the bot process's CPU per press. Beside
each burst is the same burst answered by a no-op dispatcher (noop.py) on the same front-end,
connection and process (for Teams: the same SDK endpoint and token check): the floor that
the platform libraries, the loopback network and the logging cost on their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import math
import pickle
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import backoff

from bot.app import App
from bot.bench import joins, seed
from bot.bench.figures import milliseconds, percentile
from bot.bench.frontends.noop import NoopDispatcher
from bot.bench.stopped import what_ended
from bot.config import Settings
from bot.core.domain import SessionState
from bot.core.messages import custom_id
from bot.loopback.load.driver import MODULES
from bot.memory import settled
from storage.engine import DatabaseUnavailable
from storage.models import Session

KINDS = ("open", "submit", "join", "button")
# Discord's and Slack's: an interaction with no answer by then has failed for the person.
DEADLINE_MS = 3000.0
# Platforms that wait longer than that for an answer (Teams, about 15 s for an invoke): the
# share past their own limit is reported too, as `late_<seconds>s_share`.
PLATFORM_DEADLINES_MS = {"teams": 15_000.0}
# An answer that never came counts as this late in the percentiles.
NEVER_MS = 20_000.0


class BotSide(Protocol):
    """Starting one real front-end against the loopback platform the driver started."""

    platform: str  # the community's platform, as stored

    async def start(self, settings: Settings, reached: dict[str, Any]) -> App: ...

    def community(self, reached: dict[str, Any]) -> str:
        """The community's external id on that platform."""
        ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class Heard:
    """One press, as the platform saw it."""

    first_ms: float | None
    final_ms: float | None
    form: bool
    text: str


@dataclass(frozen=True)
class Ran:
    """A burst, as the platform saw it: each press, and the CPU seconds the loopback
    platform spent making them and hearing the answers."""

    heard: list[Heard]
    platform_cpu_s: float


@dataclass(frozen=True)
class Run:
    ran: Ran
    cpu_ms: float  # the bot process's, a press


class Driver:
    """The loopback platform's process (bot/loopback/load/driver.py), one JSON line each
    way."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, request: dict[str, Any]) -> AsyncIterator[tuple[Driver, dict]]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.loopback.load.driver",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 26,  # a burst's answer is one long line
        )
        driver = cls(process)
        try:
            yield driver, await driver.ask({"op": "start", **request})
        finally:
            with contextlib.suppress(Exception):
                await driver.ask({"op": "stop"}, answer=False)
            # A loopback platform slow to close (thousands of connections after a burst) is
            # stopped: its figures are already in.
            with contextlib.suppress(ProcessLookupError, TimeoutError):
                await asyncio.wait_for(process.wait(), 10)
            if process.returncode is None:
                process.kill()
                await process.wait()

    async def ask(self, request: dict[str, Any], *, answer: bool = True) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        await self.process.stdin.drain()
        if not answer:
            return {}
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError("the bench's loopback platform stopped")
        result: dict[str, Any] = json.loads(line)
        return result

    async def burst(self, presses: list[dict[str, Any]], seconds: float) -> Ran:
        answer = await self.ask({"op": "burst", "seconds": seconds, "presses": presses})
        return Ran([Heard(**heard) for heard in answer["heard"]], answer["cpu_s"])


@dataclass(frozen=True)
class Plan:
    rates: tuple[int, ...]
    seconds: float
    platforms: tuple[str, ...]


async def measure(settings: Settings, database_url: str, plan: Plan) -> dict[str, Any]:
    """Every platform's bursts, each in a new bot process, one after another;
    {platform: {"kinds": {kind: {rate: figures}}, "peak_rss_mb": that process's peak}}.

    Every platform's bot process is started at once, and each loads its libraries and starts
    its loopback platform while the others do the same; only once all are ready are they
    measured, one at a time. A process waiting for its turn does nothing, so it takes nothing
    from the one being measured, and the start-ups overlap (on two CPUs, four took 6.6 s
    together where they had taken about 10 one after another)."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="brewbot-bench-") as root:
        processes: list[BotProcess] = []
        try:
            for n, platform in enumerate(plan.platforms):
                request = (settings, database_url, plan, platform)
                processes.append(await BotProcess.start(Path(root) / str(n), request))
            await asyncio.gather(*(process.ready() for process in processes))
            for process in processes:
                results[process.platform] = await process.measured()
        finally:
            for process in processes:
                await process.stop()
    return results


class BotProcess:
    """One platform's bot process (bot_process.py): started with what to measure in a file,
    it says "ready" on standard output once loaded, and measures when told "go" on standard
    input. What it prints otherwise goes to a file of its own, read when it ends (so no pipe
    can fill while it waits)."""

    def __init__(self, platform: str, process: asyncio.subprocess.Process, folder: Path) -> None:
        self.platform = platform
        self.process = process
        self.folder = folder

    @classmethod
    async def start(cls, folder: Path, request: tuple[Settings, str, Plan, str]) -> BotProcess:
        """Starts the process for `request` (settings, database URL, plan, platform), with
        its files in `folder`, a new folder of its own."""
        platform = request[3]
        await asyncio.to_thread(_write_request, folder, request)
        with (folder / "printed").open("wb") as printed:
            # A new interpreter, not a fork: it starts as `brewbot run` does, with nothing
            # of this process's memory.
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.bench.frontends.bot_process",
                str(folder / "request"),
                str(folder / "figures.json"),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=printed,
            )
        return cls(platform, process, folder)

    async def ready(self) -> None:
        """Waits for its "ready" (a line a library printed while it loaded is passed over);
        if it ends instead, says what ended it."""
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            if line == READY:
                return
        await self.process.wait()
        raise FrontEndStopped(self.platform, self._printed())

    async def measured(self) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(GO)
        await self.process.stdin.drain()
        self.process.stdin.close()
        await self.process.wait()
        answer = self.folder / "figures.json"
        if self.process.returncode != 0 or not answer.exists():
            raise FrontEndStopped(self.platform, self._printed())
        # Whatever it printed on its way (a library's warning) is passed on, as it was.
        sys.stderr.write(self._printed())
        figures: dict[str, Any] = json.loads(answer.read_text())
        return figures

    async def stop(self) -> None:
        """Ends it if it has not ended: the run stopped before its turn, or during it."""
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def _printed(self) -> str:
        return (self.folder / "printed").read_text(errors="replace")


def _write_request(folder: Path, request: tuple[Settings, str, Plan, str]) -> None:
    folder.mkdir()
    (folder / "request").write_bytes(pickle.dumps(request))


# What a bot process and the bench say to each other (bot_process.py).
READY, GO = b"ready\n", b"go\n"


class FrontEndStopped(Exception):
    """A front-end's bot process ended without its figures. The message is one sentence:
    the platform and what ended it (bench/stopped.py)."""

    def __init__(self, platform: str, printed: str) -> None:
        said = what_ended(printed)
        why = f" ({said})" if said else ""
        super().__init__(
            f"The bench stopped: its {platform} bot process ended before it gave its "
            f"figures{why}. Please run `brewbot bench` again, or `brewbot run` with that "
            "platform's settings to see why."
        )


def in_own_process(
    settings: Settings,
    database_url: str,
    plan: Plan,
    platform: str,
    when_ready: Callable[[], Awaitable[None]],
) -> dict[str, Any]:
    """One platform's bursts, in the bot process this runs in (bot_process.py), once
    `when_ready` returns: it is awaited when the platform's libraries are loaded and its
    loopback platform has started."""
    # The bench's package imports this module, so its helpers are imported when called.
    from bot.bench import logging_as_run, peak_rss_mb

    with logging_as_run():
        kinds = asyncio.run(_platform_bursts(settings, database_url, plan, platform, when_ready))
    return {"kinds": kinds, "peak_rss_mb": round(peak_rss_mb(), 1)}


async def _platform_bursts(
    settings: Settings,
    database_url: str,
    plan: Plan,
    platform: str,
    when_ready: Callable[[], Awaitable[None]],
) -> dict[str, Any]:
    people = max(math.ceil(rate * plan.seconds) for rate in plan.rates)
    side = _side(platform)
    async with Driver.running({"platform": platform, "people": people}) as (driver, reached):
        await when_ready()
        app = await side.start(settings.model_copy(update={"database_url": database_url}), reached)
        try:
            async with settled():  # as `brewbot run` does before serving
                return await _bursts(app, side, driver, reached, plan)
        finally:
            await side.stop()


def _side(platform: str) -> BotSide:
    """The bot's side of `platform`, imported now: only that platform's library is loaded."""
    module = importlib.import_module(f"bot.bench.frontends.{MODULES[platform]}")
    side: BotSide = module.SIDES[platform]()
    return side


async def _bursts(
    app: App, side: BotSide, driver: Driver, reached: dict[str, Any], plan: Plan
) -> dict[str, Any]:
    room = await _room(app, side.platform, side.community(reached), reached["people"])
    real = app.dispatcher
    figures: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
    for rate in plan.rates:
        count = math.ceil(rate * plan.seconds)
        runs: dict[str, Run] = {}
        for which in ("noop", "brewbot"):
            reflecting, live = await _sessions(app, room, count)
            app.dispatcher = NoopDispatcher(real, app.reflections.form) if which == "noop" else real
            try:
                for kind in KINDS:
                    presses = _presses(kind, count, reflecting, live)
                    used = time.process_time()
                    ran = await driver.burst(presses, plan.seconds)
                    runs[f"{which}_{kind}"] = Run(ran, (time.process_time() - used) * 1000 / count)
            finally:
                app.dispatcher = real
        refusals = _refusal_words(app)
        own = PLATFORM_DEADLINES_MS.get(side.platform)
        for kind in KINDS:
            figures[kind][str(rate)] = _figures(
                kind, runs[f"brewbot_{kind}"], runs[f"noop_{kind}"], refusals, own
            )
    return figures


def _presses(kind: str, count: int, reflecting: int, live: int) -> list[dict[str, Any]]:
    ids = {
        "open": custom_id("reflection", "open", str(reflecting)),
        "submit": custom_id("reflection", "submit", str(reflecting)),
        "join": custom_id("session", "join", str(live)),
        "button": custom_id("spark", "easy", str(reflecting)),
    }
    return [
        {
            "who": n,
            "kind": kind,
            "id": ids[kind],
            "values": {"category": "idea", "text": seed.reflection_text(random.Random(n), n)},
        }
        for n in range(count)
    ]


def _refusal_words(app: App) -> list[str]:
    """The start of every sentence that turns a press away instead of answering it."""
    texts = app.deps.texts
    return [texts.t(key)[:40] for key in ("errors.try_again", "errors.internal")]


def _figures(
    kind: str, real: Run, noop: Run, refusals: Sequence[str], own_deadline_ms: float | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, run in (("", real), ("noop_", noop)):
        heard = run.ran.heard
        firsts = [h.first_ms if h.first_ms is not None else NEVER_MS for h in heard]
        out[f"{name}first_p50_ms"] = milliseconds(percentile(firsts, 50))
        out[f"{name}first_p99_ms"] = milliseconds(percentile(firsts, 99))
        out[f"{name}late_share"] = _late_share(kind, heard, DEADLINE_MS)
        if own_deadline_ms is not None:
            late = _late_share(kind, heard, own_deadline_ms)
            out[f"{name}late_{own_deadline_ms / 1000:g}s_share"] = late
        out[f"{name}refused"] = sum(_refused(kind, h, refusals) for h in heard)
        out[f"{name}cpu_ms"] = round(run.cpu_ms, 2)
        out[f"{name}platform_cpu_ms"] = round(run.ran.platform_cpu_s * 1000 / len(heard), 2)
    out["ratio_p99"] = round(out["first_p99_ms"] / max(out["noop_first_p99_ms"], 0.1), 1)
    return out


def _late_share(kind: str, heard: Sequence[Heard], deadline_ms: float) -> float:
    return round(sum(not _in_time(kind, h, deadline_ms) for h in heard) / len(heard), 4)


def _in_time(kind: str, heard: Heard, deadline_ms: float) -> bool:
    if heard.first_ms is None or heard.first_ms > deadline_ms:
        return False
    return heard.form if kind == "open" else True


def _refused(kind: str, heard: Heard, refusals: Sequence[str]) -> bool:
    if kind == "open":
        return not heard.form
    return heard.final_ms is None or any(words in heard.text for words in refusals)


# -- the rows the bursts need ------------------------------------------------------------------


async def _room(app: App, platform: str, external_id: str, users: list[str]) -> seed.Room:
    """The community as the platform names it, with everyone in it having said yes to the
    privacy notice."""
    now = app.deps.clock.now()
    async with app.db.transaction() as tx:
        return await seed.make_room(tx, platform, external_id, users, now)


# The work a burst past what the front-end serves left running (Teams' private answers,
# say) may hold the database for a while after its last press was answered: the next
# burst's rows wait for it, rather than end the whole run (seen on PostgreSQL at 2,000 a
# second on a busy machine).
@backoff.on_exception(backoff.expo, DatabaseUnavailable, max_time=600, max_value=30)
async def _sessions(app: App, room: seed.Room, count: int) -> tuple[int, int]:
    """A session in its reflection step with a spark, everyone in its groups, and a session
    that is on, which nobody has joined yet."""
    now = app.deps.clock.now()
    crowd = seed.Room(room.community_id, room.external_id, room.users[:count], room.ids[:count])
    async with app.db.transaction() as tx:
        (reflecting,) = await seed.reflecting_sessions(tx, [crowd], now)
        session = await tx.get(Session, reflecting)
        assert session is not None  # stored just above
        session.spark_id = app.deps.sparks.all()[0].id
        (live,) = await joins.sessions_to_join(tx, [crowd], now, state=SessionState.OPEN)
    return reflecting, live
