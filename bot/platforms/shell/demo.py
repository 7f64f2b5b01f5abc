"""`brewbot demo`: one whole scripted session, end to end, through the real services and the
real scheduler on a fast clock (a day passes in about two seconds; the days before a reminder
and before the session opens are skipped, as in a time-lapse).

Schedule -> reminders (24 h and 15 min) -> auto-open -> people join -> spark -> balanced
breakouts with their timers -> reflections -> close -> digest sent, written as Markdown and
HTML beside the SQLite file it used (DIR/demo.db), so anyone can inspect what was stored.

It runs inside `serve` (bot/runtime.py), as `brewbot run` does: the web pages start first and
their address is said, a port in use stops it in the same one line, and BREWBOT_WEB=off
leaves them out. At the end the facilitator types `/brew link N` and `/brew link group`, and
the demo says the two links they give, so a person can open the session's page and the
working group's pages; they stay open while `keep_open` runs (the CLI: until Enter).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App, build_app
from bot.config import Settings
from bot.core.marked import Own
from bot.core.messages import custom_id
from bot.core.refs import UserRef
from bot.digest.render import to_html, to_markdown
from bot.engine.clock import FastClock
from bot.platforms.memory import MemoryAdapter, MemoryResponder
from bot.platforms.shell.adapter import unmarking
from bot.platforms.shell.chat import CHANNEL, COMMUNITY
from bot.platforms.shell.main import stdin_lines
from bot.runtime import Stopped, serve
from bot.scheduling.planner import JobKind, PlannedJob, plan_jobs
from storage.models import Community, Session

DAY_IN_SECONDS = 2.0
# How long before a job the demo's time-lapse stops (`_skip_to`): the rest passes at the fast
# clock's speed, so that the rebuilt scheduler has a moment of real time (0.17 s) to plan the
# job before it is due; a reminder planned more than its grace late would be dropped.
SKIP_MARGIN = timedelta(hours=2)
JOB_TIMEOUT = 20.0
ROLES = (
    "draws_on_care",
    "carer",
    "draws_on_care",
    "commissioner",
    "provider",
    "carer",
    "draws_on_care",
    "other",
    "provider",
    "draws_on_care",
    "carer",
    "prefer_not",
)
NAMES = (
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Eleni",
    "Femi",
    "Grace",
    "Hamid",
    "Isla",
    "Jon",
    "Kiran",
    "Lena",
    "Mo",
    "Nia",
    "Owen",
    "Priti",
    "Quinn",
    "Rosa",
    "Sami",
    "Tess",
)
# Sample reflections, one per person in turn: (category, words, may we quote?)
SAMPLES = (
    ("working", "My social worker listened and wrote down what matters to me.", True),
    ("not_working", "I had to tell my story again and again to new people.", True),
    ("future", "Send the questions before the review so I can think about them.", True),
    ("idea", "Let me bring a friend to my assessment without asking first.", False),
    ("working", "The carers group helped me feel less alone.", True),
    ("not_working", "Letters use words I do not understand.", True),
    ("future", "Reviews at home, at a time that suits me.", True),
    ("idea", "A named person to call when things change.", True),
)


@dataclass(frozen=True)
class DemoResult:
    session_id: int
    markdown: Path
    html: Path
    database: Path


class JobWatcher:
    """Wakes the script when the scheduler has run jobs of a given kind (no polling)."""

    def __init__(self) -> None:
        self.seen: list[tuple[PlannedJob, str]] = []
        self._heard = asyncio.Event()

    def __call__(self, job: PlannedJob, outcome: str) -> None:
        self.seen.append((job, outcome))
        self._heard.set()

    def done(self, kind: JobKind) -> int:
        """How many jobs of `kind` have run to the end."""
        return sum(1 for job, outcome in self.seen if job.kind == kind and outcome == "done")

    async def wait(self, kind: JobKind, times: int = 1) -> None:
        """Until `times` jobs of `kind` have run to the end; TimeoutError after JOB_TIMEOUT."""
        async with asyncio.timeout(JOB_TIMEOUT):
            while self.done(kind) < times:
                self._heard.clear()
                await self._heard.wait()


async def run_demo(
    *,
    participants: int = 12,
    out: Path = Path("digests"),
    say: Callable[[str], None] = print,
    keep_open: Callable[[], Awaitable[object]] | None = None,
) -> DemoResult:
    """Run the scripted session with the web pages beside it, then keep them open while
    `keep_open` runs (not at all without it, or with the pages off). Raises `Stopped` if a
    stop signal (Ctrl-C) ends it before the script does, and SystemExit (one line) if the
    pages' port cannot be had."""
    say = unmarking(say)  # a terminal: the sentences' words as written
    database = await asyncio.to_thread(_fresh_database, out)
    settings = Settings(DATABASE_URL=f"sqlite:///{database}")
    clock = FastClock(start=_now_minute(), speed=86400 / DAY_IN_SECONDS)
    adapter = MemoryAdapter()
    app = await build_app(settings, adapter, clock=clock)
    watcher = JobWatcher()
    app.jobs.listeners.append(watcher)
    await app.start()
    finished: list[DemoResult] = []

    async def front_end() -> None:
        result = await _script(app, adapter, clock, watcher, participants, out, database, say)
        finished.append(result)
        t = app.deps.texts.t
        say(t("cli.demo_markdown", path=result.markdown))
        say(t("cli.demo_html", path=result.html))
        say(t("cli.demo_database", path=result.database))
        if app.deps.web_base_url:  # not with BREWBOT_WEB=off
            await _say_links(app, result.session_id, say)
            if keep_open is not None:
                say(t("shell.demo_stay_open"))
                await keep_open()

    # `serve` starts the web pages (saying their address), runs the script, and closes both.
    await serve(app, front_end(), say=say)
    if not finished:
        raise Stopped
    return finished[0]


async def _say_links(app: App, session_id: int, say: Callable[[str], None]) -> None:
    """The facilitator asks for the session's page link and the working group's, as anyone
    would in chat, and the demo says both."""
    for command, key in (
        (f"/brew link {session_id}", "shell.demo_session_page"),
        ("/brew link group", "shell.demo_group_pages"),
    ):
        responder = MemoryResponder()
        await app.dispatcher.run_text(command, _facilitator(), CHANNEL, responder)
        url = next(w for w in responder.text.split() if w.startswith(app.deps.web_base_url))
        say(app.deps.texts.t(key, url=Own(url)))


async def until_enter() -> None:
    """Wait until the person at the terminal presses Enter (or their input ends)."""
    await anext(stdin_lines(), None)


def _facilitator() -> UserRef:
    return UserRef(COMMUNITY, "demo-facilitator", "Fran", frozenset({"Facilitator"}))


async def _script(
    app: App,
    adapter: MemoryAdapter,
    clock: FastClock,
    watcher: JobWatcher,
    participants: int,
    out: Path,
    database: Path,
    say: Callable[[str], None],
) -> DemoResult:
    facilitator = _facilitator()
    people = [
        UserRef(
            COMMUNITY,
            f"demo-{n}",
            NAMES[n % len(NAMES)] + ("" if n < len(NAMES) else f" {n // len(NAMES) + 1}"),
        )
        for n in range(participants)
    ]

    async def do(user: UserRef, text: str) -> MemoryResponder:
        responder = MemoryResponder()
        await app.dispatcher.run_text(text, user, CHANNEL, responder)
        return responder

    # Two days ahead at 2pm, so both the 24-hour and the 15-minute reminders are due.
    london = ZoneInfo("Europe/London")
    starts = (clock.now().astimezone(london) + timedelta(days=2)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    await do(
        facilitator,
        f"/brew schedule {starts:%Y-%m-%d %H:%M} "
        f'spark=going-through-an-assessment theme="Going through an assessment"',
    )
    session_id = await _latest_session(app)
    say(f"Scheduled session {session_id} for {starts:%d %B %Y %H:%M} (London time).")
    for n, person in enumerate(people):
        await do(person, f"/brew describe {ROLES[n % len(ROLES)]}")
        joined = await do(person, f"/brew join {session_id}")
        # First contact shows the privacy notice; everyone in the demo presses "I agree".
        agree = joined.replies[0][0].actions[0]
        await app.dispatcher.run_component(agree.custom_id, {}, person, CHANNEL, MemoryResponder())
    say(f"{participants} people said they are coming. Waiting for reminders...")
    planned = await _planned(app, session_id)
    await _skip_to(app, clock, planned, JobKind.REMIND)
    await watcher.wait(JobKind.REMIND)
    await _skip_to(app, clock, planned, JobKind.OPEN)
    await watcher.wait(JobKind.OPEN)
    # The last reminder runs minutes before the session opens (milliseconds, at this speed):
    # for many people it may finish after the session has opened.
    with contextlib.suppress(TimeoutError):  # one dropped on a busy machine: said as it is
        await watcher.wait(JobKind.REMIND, sum(job.kind == JobKind.REMIND for job in planned))
    reminders = watcher.done(JobKind.REMIND)
    say(f"{reminders} reminder jobs ran; the session opened on time.")
    for person in people:
        await do(person, f"/brew join {session_id}")
    await do(facilitator, f"/brew spark {session_id}")
    await do(facilitator, f"/brew breakouts {session_id}")
    threads = adapter.ops("thread")
    say(
        f"{len(threads)} breakout threads: "
        + "; ".join(f"{t.name} ({len(t.members)} people)" for t in threads)
    )
    await watcher.wait(JobKind.BREAKOUT_END)
    # Real-time from here: people need the reflection window the clock would otherwise eat.
    clock.set_speed(1.0)
    await app.scheduler.rebuild()
    await do(facilitator, f"/brew reflect {session_id}")
    for n, person in enumerate(people):
        category, text, quote = SAMPLES[n % len(SAMPLES)]
        responder = MemoryResponder()
        await app.dispatcher.run_component(
            custom_id("reflection", "submit", str(session_id)),
            {"category": category, "text": text, "quote": "yes" if quote else ""},
            person,
            CHANNEL,
            responder,
        )
    say(f"{participants} anonymous reflections shared.")
    await do(facilitator, f"/brew close {session_id}")
    await do(facilitator, f"/brew digest {session_id} send")
    async with app.db.transaction() as tx:
        session, community = await _stored(tx, session_id)
        digest = await app.digests.compile(tx, community, session)
    markdown = out / f"digest-session-{session_id}.md"
    html = out / f"digest-session-{session_id}.html"
    await asyncio.to_thread(markdown.write_text, to_markdown(digest), encoding="utf-8")
    await asyncio.to_thread(html.write_text, to_html(digest), encoding="utf-8")
    return DemoResult(session_id, markdown, html, database)


async def _stored(tx: AsyncSession, session_id: int) -> tuple[Session, Community]:
    """The demo's session and its community, as stored."""
    session = await tx.get(Session, session_id)
    assert session is not None  # the demo made it
    community = await tx.get(Community, session.community_id)
    assert community is not None  # a session's community stays while it does
    return session, community


async def _planned(app: App, session_id: int) -> list[PlannedJob]:
    """The jobs the scheduler plans for the session as it is stored now."""
    async with app.db.read() as tx:
        return plan_jobs(*await _stored(tx, session_id))


async def _skip_to(app: App, clock: FastClock, planned: list[PlannedJob], kind: JobKind) -> None:
    """A time-lapse: moves the clock on to SKIP_MARGIN before the next `planned` job of
    `kind`, so that nobody waits while it passes the hours between. The scheduler, rebuilt,
    runs that job at its time, and any job skipped over at once (late, as after a restart)."""
    now = clock.now()
    due = min((job.due for job in planned if job.kind == kind and job.due > now), default=None)
    if due is not None and due - SKIP_MARGIN > now:
        clock.skip_to(due - SKIP_MARGIN)
        await app.scheduler.rebuild()


async def _latest_session(app: App) -> int:
    async with app.db.read() as tx:
        latest = (await tx.exec(select(Session.id).order_by(col(Session.id).desc()))).first()
    assert latest is not None  # the demo has just scheduled it
    return latest


def _fresh_database(out: Path) -> Path:
    """The demo always starts from an empty database, kept beside its digest."""
    out.mkdir(parents=True, exist_ok=True)
    for leftover in out.glob("demo.db*"):
        leftover.unlink()
    return out / "demo.db"


def _now_minute() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)
