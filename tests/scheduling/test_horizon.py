"""A scheduled session whose first job is beyond the scheduler's horizon is kept (what planning
reads of its row) and planned when the horizon, moving on by itself, reaches it: its jobs are
listed with the others meanwhile, go with the session, and still run on time."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from bot.core.domain import SessionState
from bot.scheduling import planner
from bot.scheduling.planner import BrewScheduler, JobKind, KeptSession, first_due, plan_jobs
from storage.models import Community
from tests.helpers import make_session, state_of
from tests.scheduling.test_scheduler import Finished

# In real time: short, so the horizon moves on several times while the test waits.
SHORT = timedelta(seconds=0.3)


def short_sighted(app) -> BrewScheduler:
    return BrewScheduler(
        app.db,
        app.deps.clock,
        app.jobs.run,
        reminder_grace=timedelta(minutes=10),
        horizon=SHORT,
    )


settings_texts = st.lists(
    st.one_of(st.integers(0, 20_000).map(str), st.sampled_from(["", " 15", "x", "-5", "²"]))
).map(",".join)


@given(
    st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)), settings_texts
)
def test_a_scheduled_sessions_first_due_is_its_earliest_job(starts_at, setting):
    row = KeptSession(1, starts_at, setting)
    assert first_due(row, row) == min(job.due for job in plan_jobs(row, row))


async def test_a_session_beyond_the_horizon_is_listed_and_runs_on_time(app):
    # No reminders: its first job opens it a second from now, beyond the horizon.
    session_id = await make_session(app, SessionState.SCHEDULED, starts_in=timedelta(seconds=1))
    async with app.db.transaction() as tx:
        community = (await tx.exec(select(Community))).one()
        community.reminder_minutes = ""
    scheduler = short_sighted(app)
    opened = Finished(JobKind.OPEN)
    app.jobs.listeners.append(opened)
    try:
        await scheduler.start()
        assert [i.split(":")[:2] for i in scheduler.job_ids()] == [["open", str(session_id)]]
        await opened.wait()
    finally:
        scheduler.shutdown()
    assert opened.outcomes == ["done"]
    assert await state_of(app, session_id) == SessionState.OPEN
    assert scheduler.job_ids() == set(), "a job that ran is planned no more"


async def test_a_session_kept_for_later_is_planned_again_and_dropped(app, chat, fac):
    session_id = await make_session(app, SessionState.SCHEDULED, starts_in=timedelta(days=8))
    scheduler = short_sighted(app)
    await scheduler.rebuild()
    first = scheduler.job_ids()
    assert len(first) == 4
    await scheduler.refresh(session_id)
    await scheduler.refresh(session_id)  # planned again, still the same four jobs
    assert scheduler.job_ids() == first
    await chat.say(fac, f"/brew cancel {session_id}")
    await scheduler.refresh(session_id)
    assert scheduler.job_ids() == set()


async def test_a_start_reads_the_sessions_a_few_at_a_time_and_plans_every_one(app, monkeypatch):
    soon = [await make_session(app, people=0, starts_in=timedelta(hours=h)) for h in (3, 5, 7)]
    later = [await make_session(app, people=0, starts_in=timedelta(days=d)) for d in (8, 9)]
    breakouts = await make_session(app, SessionState.BREAKOUTS, people=0)
    await app.scheduler.rebuild()
    at_once = app.scheduler.job_ids()
    monkeypatch.setattr(planner, "REBUILD_ROWS", 2)
    await app.scheduler.rebuild()
    assert app.scheduler.job_ids() == at_once
    planned = {int(job.split(":")[1]) for job in at_once}
    assert planned == {*soon, *later, breakouts}
