"""One scheduler per database: a PostgreSQL advisory-lock election between processes, hand-over
when the leader goes, changes made anywhere reaching the leader, and SQLite refusing a second
process. The last tests start real `brewbot run` processes against the local PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.app import App, build_app
from bot.engine.clock import Clock
from bot.platforms.memory import MemoryAdapter
from bot.scheduling.leader import CHANNEL, AlreadyRunning, Leadership, lock_key
from storage.models import Attendance, Community, JobRun, Participant, Session
from tests.conftest import Chat, make_settings

ON_POSTGRES = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
QUICK_RETRY = 0.2


class Events:
    """Records a Leadership's events and lets a test wait for the next one of a kind."""

    def __init__(self, leader: Leadership) -> None:
        self.seen: list[tuple[str, int | None]] = []
        self._changed = asyncio.Condition()
        leader.listeners.append(self._record)

    def _record(self, event: str, session_id: int | None) -> None:
        self.seen.append((event, session_id))
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, event: str, count: int = 1) -> None:
        async with asyncio.timeout(15), self._changed:
            await self._changed.wait_for(lambda: self.count(event) >= count)

    def count(self, event: str) -> int:
        return sum(1 for name, _ in self.seen if name == event)


async def started(url: str, clock, *, retry: float = QUICK_RETRY) -> tuple[App, Events]:
    app = await build_app(make_settings(url), MemoryAdapter(), clock=clock)
    app.leader = Leadership(app.db, app.scheduler, retry_seconds=retry)
    events = Events(app.leader)
    await app.start()
    return app, events


@pytest.fixture
async def pair(database_url, clock) -> AsyncIterator[tuple[App, Events, App, Events]]:
    """Two processes' worth of Brewbot on one PostgreSQL schema; the first started leads."""
    first, first_events = await started(database_url, clock)
    second, second_events = await started(database_url, clock)
    try:
        yield first, first_events, second, second_events
    finally:
        await second.close()
        await first.close()


SCHEDULE = '/brew schedule 2026-12-01 14:00 theme="Being heard"'


@ON_POSTGRES
async def test_one_leader_and_changes_anywhere_reach_it(pair):
    first, first_events, second, _ = pair
    assert first.leader.is_leader and first.scheduler.running
    assert not second.leader.is_leader and not second.scheduler.running
    # A facilitator's command lands on the process that does not run the scheduler.
    await Chat(second).say(Chat.person("Fran", facilitator=True), SCHEDULE)
    await first_events.wait_for("refreshed")
    assert len(first.scheduler.job_ids()) == 4
    assert second.scheduler.job_ids() == set()


@ON_POSTGRES
async def test_an_action_changed_on_another_process_reaches_the_leader(pair):
    first, first_events, second, _ = pair
    fac = Chat.person("Fran", facilitator=True)
    await Chat(second).say(fac, "/brew action add Ramps due=2026-11-27 person=user-sam")
    await first_events.wait_for("action_refreshed")
    assert first.scheduler.job_ids() == {
        "action_due:1:20261125T090000Z",
        "action_due:1:20261127T090000Z",
    }
    await Chat(second).say(fac, "/brew action update 1 status=done")
    await first_events.wait_for("action_refreshed", 2)
    assert first.scheduler.job_ids() == set()
    assert second.scheduler.job_ids() == set(), "only the leader plans"


@ON_POSTGRES
async def test_a_new_time_zone_set_on_another_process_reaches_the_leader(pair):
    first, first_events, second, _ = pair
    fac = Chat.person("Fran", facilitator=True)
    await Chat(second).say(fac, "/brew action add Ramps due=2026-11-27 person=user-sam")
    await first_events.wait_for("action_refreshed")
    await Chat(second).say(fac, "/brew settings timezone Europe/Paris")
    await first_events.wait_for("community_refreshed")
    assert first.scheduler.job_ids() == {
        "action_due:1:20261125T080000Z",
        "action_due:1:20261127T080000Z",
    }
    assert second.scheduler.job_ids() == set(), "only the leader plans"


@ON_POSTGRES
async def test_when_the_leader_stops_another_takes_over_with_the_same_jobs(pair):
    first, _, second, second_events = pair
    await Chat(first).say(Chat.person("Fran", facilitator=True), SCHEDULE)
    jobs = first.scheduler.job_ids()
    assert len(jobs) == 4
    await first.close()
    await second_events.wait_for("elected")
    assert second.leader.is_leader
    assert second.scheduler.job_ids() == jobs


@ON_POSTGRES
async def test_a_leader_that_loses_its_connection_stops_scheduling(pair):
    first, first_events, second, second_events = pair
    # The database ends the leader's session, as it would after a network failure.
    async with first.db.transaction() as tx:
        names = (await tx.exec(text("SELECT current_database(), current_schema()"))).one()
        ended = (
            await tx.exec(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks"
                    " WHERE locktype = 'advisory' AND granted"
                    " AND classid::bigint = (:key >> 32) & 4294967295"
                    " AND objid::bigint = :key & 4294967295"
                ).bindparams(key=lock_key(*names))
            )
        ).all()
    assert ended == [(True,)], "one session held the lock"
    await first_events.wait_for("stepped_down")
    await second_events.wait_for("elected")
    assert second.leader.is_leader and second.scheduler.running
    # The old leader is back on the line as a follower, not a second scheduler.
    assert not first.leader.is_leader and not first.scheduler.running


async def test_sqlite_refuses_a_second_server_and_allows_one_after_the_first(sqlite_url, clock):
    first = await build_app(make_settings(sqlite_url), MemoryAdapter(), clock=clock)
    second = await build_app(make_settings(sqlite_url), MemoryAdapter(), clock=clock)
    try:
        await first.start()
        with pytest.raises(AlreadyRunning, match="Another Brewbot process is already using"):
            await second.start()
        assert not second.scheduler.running
        await first.close()
        await second.start()
        assert second.scheduler.running
    finally:
        await first.close()
        await second.close()


# -- real processes ----------------------------------------------------------------------------


class BotProcess:
    """`python -m bot run` (the terminal chat) with its own data folder; reads what it prints."""

    def __init__(self, proc: asyncio.subprocess.Process, folder: Path) -> None:
        self.proc = proc
        self.folder = folder
        self.lines: list[str] = []

    @classmethod
    async def start(cls, url: str, folder: Path) -> BotProcess:
        _make(folder)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DISCORD_", "SLACK_", "BREWBOT_", "DATABASE_URL", "SMTP_"))
        }
        # Web pages on any free port: the hand-over's two processes run side by side.
        env.update(BREWBOT_WEB_PORT="0")
        env.update(DATABASE_URL=url, BREWBOT_DATA_DIR=str(folder), PYTHONUNBUFFERED="1")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=folder,
            env=env,
        )
        return cls(proc, folder)

    async def expect(self, *texts: str, within: float = 60) -> None:
        """Read what it prints until every one of `texts` has appeared."""
        waiting = set(texts)
        async with asyncio.timeout(within):
            while waiting:
                raw = await self.proc.stdout.readline()
                if not raw:
                    raise AssertionError(f"the process ended before printing {waiting}")
                line = raw.decode()
                self.lines.append(line)
                waiting = {t for t in waiting if t not in line}

    async def finish(self) -> tuple[int, str]:
        """After it ends: its exit code and whatever else it wrote."""
        out, err = await self.proc.communicate()
        self.lines += out.decode().splitlines(keepends=True)
        return self.proc.returncode, err.decode()

    def count(self, text_: str) -> int:
        return sum(1 for line in self.lines if text_ in line)

    def log(self) -> str:
        return (self.folder / "brewbot.log").read_text(encoding="utf-8")

    def stop_now(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()


def _make(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)


async def seed_session(app: App, title: str, people: list[str], reminder_due_in: timedelta) -> int:
    """A session in the terminal chat's community whose 15-minute reminder falls due soon."""
    now = Clock().now()
    async with app.db.transaction() as tx:
        community = (
            await tx.exec(select(Community).where(Community.external_id == "shell"))
        ).first()
        if community is None:
            community = Community(
                platform="shell", external_id="shell", name="Shell community", reminder_minutes="15"
            )
            tx.add(community)
            await tx.flush()
        session = Session(
            community_id=community.id,
            title=title,
            theme=title,
            starts_at=now + timedelta(minutes=15) + reminder_due_in,
            channel_id="over-a-brew",
            created_by="shell-facilitator",
        )
        tx.add(session)
        await tx.flush()
        for name in people:
            person = Participant(
                community_id=community.id, user_id=f"shell-{name.lower()}", display_name=name
            )
            tx.add(person)
            await tx.flush()
            tx.add(Attendance(session_id=session.id, participant_id=person.id, rsvp="yes"))
        return session.id


@ON_POSTGRES
async def test_real_processes_hand_over_and_send_each_reminder_once(database_url, tmp_path):
    setup = await build_app(make_settings(database_url), MemoryAdapter())
    first = second = None
    try:
        early = await seed_session(setup, "Early brew", ["Ann", "Bo"], timedelta(seconds=2))
        first = await BotProcess.start(database_url, tmp_path / "one")
        # The chat opens once the first election is decided: the only process leads. The
        # second starts while the first reminders fall due, so its wait to ask again runs
        # meanwhile; it sends none of them.
        await first.expect("The terminal chat")
        second = await BotProcess.start(database_url, tmp_path / "two")
        await first.expect("[private to Ann]", "[private to Bo]")
        await second.expect("The terminal chat")
        first.proc.kill()  # no goodbye: the leader's host dies
        await first.finish()
        # A session scheduled while there is no leader: announced as any process would.
        late = await seed_session(setup, "Late brew", ["Cy", "Di"], timedelta(seconds=-1))
        async with setup.db.transaction() as tx:
            await tx.exec(text("SELECT pg_notify(:c, :p)").bindparams(c=CHANNEL, p=f"test:{late}"))
        # Within 30 seconds the second process leads and sends the late reminders.
        await second.expect("[private to Cy]", "[private to Di]", within=30)
        second.proc.send_signal(signal.SIGTERM)
        code, errors = await asyncio.wait_for(second.finish(), 10)
        assert code == 0, errors
        assert "Traceback" not in errors
        for name in ("Ann", "Bo"):
            assert (first.count(f"[private to {name}]"), second.count(f"[private to {name}]")) == (
                1,
                0,
            ), f"{name} is reminded once, by the first leader"
        for name in ("Cy", "Di"):
            assert (first.count(f"[private to {name}]"), second.count(f"[private to {name}]")) == (
                0,
                1,
            ), f"{name} is reminded once, by the second leader"
        assert "now runs the scheduler" in first.log()
        assert "now runs the scheduler" in second.log()
        async with setup.db.read() as tx:
            runs = (await tx.exec(select(JobRun.session_id).where(JobRun.kind == "remind"))).all()
        assert sorted(runs) == sorted([early, late])
    finally:
        for process in (first, second):
            if process is not None:
                process.stop_now()
        await setup.close()


async def test_a_second_process_on_sqlite_is_refused_in_one_line(sqlite_url, tmp_path):
    first = await BotProcess.start(sqlite_url, tmp_path / "one")
    try:
        await first.expect("The terminal chat")
        second = await BotProcess.start(sqlite_url, tmp_path / "two")
        second.proc.stdin.close()
        code, errors = await asyncio.wait_for(second.finish(), 60)
        assert code == 1
        last = errors.strip().splitlines()[-1]
        assert last.startswith("Another Brewbot process is already using")
        assert "PostgreSQL" in last
        assert "Traceback" not in errors
    finally:
        first.stop_now()
        await first.finish()
