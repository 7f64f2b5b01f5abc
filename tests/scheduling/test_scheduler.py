"""The scheduler is rebuilt from the database, runs each job at most once, skips stale
reminders and still runs a missed auto-open."""

import asyncio
from datetime import timedelta

from bot.app import build_app
from bot.core.domain import SessionState
from bot.platforms.memory import MemoryAdapter
from bot.scheduling.planner import JobKind, PlannedJob, plan_jobs
from tests.conftest import START, Chat, make_settings
from tests.helpers import community_row, make_session, state_of


class Finished:
    """Resolves when the scheduler reports a job of the given kind (no sleeping)."""

    def __init__(self, kind: JobKind) -> None:
        self.kind = kind
        self.event = asyncio.Event()
        self.outcomes: list[str] = []

    def __call__(self, job: PlannedJob, outcome: str) -> None:
        if job.kind == self.kind:
            self.outcomes.append(outcome)
            self.event.set()

    async def wait(self) -> None:
        await asyncio.wait_for(self.event.wait(), 10)


async def test_plan_for_a_scheduled_session(app):
    session_id = await make_session(app, SessionState.SCHEDULED)
    async with app.db.read() as tx:
        from storage.models import Session

        session = await tx.get(Session, session_id)
    community = await community_row(app)
    jobs = plan_jobs(session, community)
    assert [(j.kind, session.starts_at - j.due) for j in jobs] == [
        # A day before the first reminder: extra time, and the facilitator's needs notice.
        (JobKind.PREPARE, timedelta(hours=48)),
        (JobKind.REMIND, timedelta(hours=24)),
        (JobKind.REMIND, timedelta(minutes=15)),
        (JobKind.OPEN, timedelta(0)),
    ]
    assert jobs == plan_jobs(session, community), "same row, same jobs"
    assert len({j.id for j in jobs}) == 4


async def test_restart_rebuilds_the_same_jobs(app, chat, fac, database_url, clock):
    await chat.say(fac, '/brew schedule 2026-12-01 14:00 theme="Being heard"')
    await app.scheduler.rebuild()
    first = app.scheduler.job_ids()
    assert len(first) == 4
    # A second process start on the same database: same ids, nothing doubled.
    again = await build_app(make_settings(database_url), MemoryAdapter(), clock=clock)
    try:
        await again.scheduler.rebuild()
        assert again.scheduler.job_ids() == first
        await again.scheduler.rebuild()
        assert again.scheduler.job_ids() == first
    finally:
        await again.close()


async def test_a_job_run_twice_does_its_work_once(app, chat, fac):
    session_id = await make_session(app, SessionState.SCHEDULED)
    job = PlannedJob(JobKind.REMIND, session_id, START + timedelta(days=2, minutes=-15))
    seen = Finished(JobKind.REMIND)
    app.jobs.listeners.append(seen)
    await app.jobs.run(job)
    await app.jobs.run(job)
    assert seen.outcomes == ["done", "duplicate"]
    adapter = app.deps.adapter
    reminded = [s.to.id for s in adapter.ops("private")]
    assert sorted(reminded) == sorted(f"user-p{n}" for n in range(6)), "one reminder each"


async def test_missed_auto_open_runs_once_at_start(app, clock, database_url):
    session_id = await make_session(app, SessionState.SCHEDULED, starts_in=timedelta(hours=1))
    # The bot was down over the start time: three hours later it comes back.
    clock.advance(timedelta(hours=3))
    opened = Finished(JobKind.OPEN)
    app.jobs.listeners.append(opened)
    await app.start()
    await opened.wait()
    assert opened.outcomes == ["done"]
    assert await state_of(app, session_id) == SessionState.OPEN
    welcomes = [s for s in app.deps.adapter.ops("send") if s.message.actions]
    assert len(welcomes) == 1
    # Starting again plans nothing more for an open session.
    await app.scheduler.rebuild()
    assert not any(i.startswith("open:") for i in app.scheduler.job_ids())


async def test_reminder_missed_beyond_grace_is_skipped(app, clock):
    session_id = await make_session(app, SessionState.SCHEDULED, starts_in=timedelta(hours=10))
    await app.scheduler.rebuild()
    ids = app.scheduler.job_ids()
    kinds = sorted(i.split(":")[0] for i in ids if f":{session_id}:" in i)
    assert kinds == ["open", "remind"], "the 24-hour reminder is 14 hours late: skipped"


async def test_reminder_within_grace_still_runs(app, clock):
    await make_session(app, SessionState.SCHEDULED, starts_in=timedelta(hours=24, minutes=-5))
    reminded = Finished(JobKind.REMIND)
    app.jobs.listeners.append(reminded)
    await app.start()
    await reminded.wait()
    assert reminded.outcomes == ["done"]


async def test_breakout_timers_after_restart(app, clock, chat, fac, database_url):
    session_id = await make_session(app, SessionState.OPEN, people=0)
    for name in ("Ann", "Bo", "Cy", "Di", "Ed", "Flo"):
        await chat.say(Chat.person(name), f"/brew join {session_id}")
    await chat.say(fac, f"/brew breakouts {session_id}")
    threads = app.deps.adapter.ops("thread")
    assert len(threads) == 1
    await app.close()
    # The process restarts 30 minutes into 20-minute breakouts: time-up runs at once.
    clock.advance(timedelta(minutes=30))
    again = await build_app(make_settings(database_url), MemoryAdapter(), clock=clock)
    ended = Finished(JobKind.BREAKOUT_END)
    again.jobs.listeners.append(ended)
    try:
        await again.start()
        await ended.wait()
        assert ended.outcomes == ["done"]
        archived = again.deps.adapter.ops("archive")
        assert [a.to.thread_id for a in archived] == [threads[0].to.thread_id]
    finally:
        await again.close()


async def test_new_reminder_times_re_plan_every_session_in_the_running_process(app, chat, fac):
    await app.start()
    await chat.say(fac, "/brew schedule 2026-11-24 14:00")  # soon: handed to APScheduler
    await chat.say(fac, "/brew schedule 2026-12-01 14:00")  # beyond the horizon: kept for later
    assert "remind:1:20261124T134500Z" in app.scheduler.job_ids()
    await chat.say(fac, "/brew settings reminders 60")
    planned = app.scheduler.job_ids()
    assert planned == {
        "prepare:1:20261123T130000Z",
        "remind:1:20261124T130000Z",
        "open:1:20261124T140000Z",
        "prepare:2:20261130T130000Z",
        "remind:2:20261201T130000Z",
        "open:2:20261201T140000Z",
    }
    await app.scheduler.rebuild()
    assert app.scheduler.job_ids() == planned, "what a restart would plan"


async def test_cancel_removes_jobs(app, chat, fac):
    await app.start()
    await chat.say(fac, '/brew schedule 2026-12-01 14:00 theme="Being heard"')
    assert len(app.scheduler.job_ids()) == 4
    await chat.say(fac, "/brew cancel")
    assert app.scheduler.job_ids() == set()


async def test_a_failing_listener_does_not_stop_the_scheduler(app, chat, fac):
    await app.start()

    async def broken(session_id: int) -> None:
        raise RuntimeError("calendar sync is down")

    app.deps.on_session_changed.insert(0, broken)
    reply = await chat.say(fac, "/brew schedule 2026-12-01 14:00")
    assert "planned" in reply.text
    assert len(app.scheduler.job_ids()) == 4, "the scheduler still heard about the session"
